package ast

// Visitor is called by [Walk] for each node. If Visit returns a non-nil
// visitor w, Walk visits each of the node's children with w, then calls
// w.Visit(nil).
type Visitor interface {
	Visit(n Node) (w Visitor)
}

// Walk traverses a tree in depth-first order, as go/ast.Walk does: it calls
// v.Visit(n); if that returns a non-nil w, it walks each child of n with w
// and then calls w.Visit(nil). Field names and path literals are children.
func Walk(v Visitor, n Node) {
	if v = v.Visit(n); v == nil {
		return
	}
	switch n := n.(type) {
	case *AndExpr:
		for _, a := range n.Args {
			Walk(v, a)
		}
	case *OrExpr:
		for _, a := range n.Args {
			Walk(v, a)
		}
	case *NotExpr:
		Walk(v, n.X)
	case *MatchExpr:
		Walk(v, n.Field)
		Walk(v, n.Value)
	case *RangeExpr:
		Walk(v, n.Field)
		Walk(v, n.Value)
	case *NestedExpr:
		Walk(v, n.Path)
		Walk(v, n.X)
	case *TextExpr:
		Walk(v, n.Value)
	case *AndValue:
		for _, a := range n.Args {
			Walk(v, a)
		}
	case *OrValue:
		for _, a := range n.Args {
			Walk(v, a)
		}
	case *NotValue:
		Walk(v, n.X)
	case *Literal:
		// a leaf
	}
	v.Visit(nil)
}

type inspector func(Node) bool

func (f inspector) Visit(n Node) Visitor {
	if f(n) {
		return f
	}
	return nil
}

// Inspect traverses a tree in depth-first order, calling f(n) for each node;
// if f returns true, Inspect visits n's children, then calls f(nil).
func Inspect(n Node, f func(Node) bool) {
	Walk(inspector(f), n)
}
