package eql

// Inspect walks the tree of n in depth-first order, calling f on each
// node; when f returns false, the node's children are skipped.
func Inspect(n Node, f func(Node) bool) {
	if n == nil || !f(n) {
		return
	}
	exprs := func(xs []Expr) {
		for _, x := range xs {
			Inspect(x, f)
		}
	}
	stages := func(ss []*Stage) {
		for _, s := range ss {
			if s != nil {
				Inspect(s, f)
			}
		}
	}
	switch n := n.(type) {
	case *Query:
		Inspect(n.Body, f)
		for _, p := range n.Pipes {
			Inspect(p, f)
		}
	case *EventFilter:
		Inspect(n.Cond, f)
	case *Sequence:
		exprs(n.By)
		stages(n.Stages)
		stages([]*Stage{n.Until})
	case *Sample:
		exprs(n.By)
		stages(n.Stages)
	case *Join:
		exprs(n.By)
		stages(n.Stages)
		stages([]*Stage{n.Until})
	case *Stage:
		Inspect(n.Filter, f)
		exprs(n.By)
	case *Pipe:
		exprs(n.Args)
	case *Binary:
		Inspect(n.X, f)
		Inspect(n.Y, f)
	case *Not:
		Inspect(n.X, f)
	case *Neg:
		Inspect(n.X, f)
	case *In:
		Inspect(n.X, f)
		exprs(n.List)
	case *Match:
		Inspect(n.X, f)
		for _, l := range n.Patterns {
			Inspect(l, f)
		}
	case *Call:
		exprs(n.Args)
	}
}
