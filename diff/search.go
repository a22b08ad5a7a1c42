package diff

import (
	"math/rand"
	"slices"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/mapping"
)

// field is one event field the search assigns.
type field struct {
	name string // full dotted name
	// keys lead to its value in an event: its name for a field outside
	// nested queries; else the nested field's name, then the names
	// relative to each nested query, the field's own last.
	keys  []string
	typ   mapping.Type
	lits  []*ast.Literal
	leafs int  // leaves that test it
	listy bool // tested by a value list with and/not
	cands []any
	// origin[i] is the literal (canonical text) cands[i] was derived
	// from, "" for the generic values.
	origin []string
}

// absent stands for an absent field in an assignment.
const absent = -1

type search struct {
	cfg    config
	po, pn *eval.Program
	fields []*field
	byName map[string]int
	rng    *rand.Rand

	roots [2]*node // the two queries' trees, for the constructive search

	ev             map[string]any
	searched       int
	exhaustiveDone bool
	// found[true]: removed witnesses (old only); found[false]: added.
	found map[bool][][]int
	seen  map[string]bool
}

// node is a node of a query's tree for the constructive search: an and,
// or or not of nodes, or a leaf; each with the program of the query that
// is that node alone and the fields below it. A KQL query (prepare) and
// the DSL of an EQL event query (prepareDSL) both give one.
type node struct {
	op     nodeOp
	kids   []*node
	prog   *eval.Program // nil when the node does not compile alone
	fields []int
}

type nodeOp uint8

const (
	opLeaf nodeOp = iota
	opAnd
	opOr
	opNot
)

// setRoot records the tree of the next query (old, then new).
func (s *search) setRoot(n *node) {
	if s.roots[0] == nil {
		s.roots[0] = n
	} else {
		s.roots[1] = n
	}
}

// addField adds field i to a node's fields once.
func (n *node) addField(i int) {
	if !slices.Contains(n.fields, i) {
		n.fields = append(n.fields, i)
	}
}

func newSearch(cfg config, po, pn *eval.Program) *search {
	return &search{cfg: cfg, po: po, pn: pn, byName: map[string]int{}, rng: rand.New(rand.NewSource(cfg.seed)),
		ev: map[string]any{}, found: map[bool][][]int{}, seen: map[string]bool{}}
}

// prepare compiles every node of a KQL query outside nested queries, for
// the constructive search, and records the fields below each.
func (s *search) prepare(root ast.Expr) {
	var walk func(x ast.Expr) *node
	walk = func(x ast.Expr) *node {
		n := &node{}
		if prog, err := eval.Compile(x, eval.WithSchema(s.cfg.schema)); err == nil {
			n.prog = prog
		}
		for ref, in := range s.refs(x) {
			name, _, ok := s.target(ref, in)
			if !ok {
				continue
			}
			if i, ok := s.byName[name]; ok {
				n.addField(i)
			}
		}
		var kids []ast.Expr
		switch x := x.(type) {
		case *ast.AndExpr:
			n.op, kids = opAnd, x.Args
		case *ast.OrExpr:
			n.op, kids = opOr, x.Args
		case *ast.NotExpr:
			n.op, kids = opNot, []ast.Expr{x.X}
		}
		for _, k := range kids {
			n.kids = append(n.kids, walk(k))
		}
		return n
	}
	s.setRoot(walk(root))
}

// event builds the event of an assignment into s.ev (reused).
func (s *search) event(a []int) map[string]any {
	clear(s.ev)
	for i, f := range s.fields {
		if a[i] == absent {
			continue
		}
		v := f.cands[a[i]]
		m := s.ev
		for _, k := range f.keys[:len(f.keys)-1] {
			sub, _ := m[k].(map[string]any)
			if sub == nil {
				sub = map[string]any{}
				m[k] = sub
			}
			m = sub
		}
		m[f.keys[len(f.keys)-1]] = v
	}
	return s.ev
}

// try evaluates an assignment and records it when the queries disagree.
func (s *search) try(a []int) (o, n bool) {
	s.searched++
	ev := s.event(a)
	o, n = s.po.Match(ev), s.pn.Match(ev)
	if o != n {
		s.record(a, o)
	}
	return o, n
}

// record keeps a witness (a copy), up to a bound per direction.
func (s *search) record(a []int, removed bool) {
	if len(s.found[removed]) >= 200 {
		// Keep the smallest: replace the largest when a is smaller.
		worst, wi := -1, -1
		for i, w := range s.found[removed] {
			if c := presentFields(w); c > worst {
				worst, wi = c, i
			}
		}
		if presentFields(a) < worst {
			s.found[removed][wi] = slices.Clone(a)
		}
		return
	}
	s.found[removed] = append(s.found[removed], slices.Clone(a))
}

func presentFields(a []int) int {
	n := 0
	for _, x := range a {
		if x != absent {
			n++
		}
	}
	return n
}

func (s *search) run() {
	total := 1
	for _, f := range s.fields {
		total *= len(f.cands) + 1
		if total > s.cfg.exhaustive {
			break
		}
	}
	if total <= s.cfg.exhaustive {
		s.exhaustive()
		s.exhaustiveDone = true
		return
	}
	s.guided()
}

// exhaustive tries every assignment.
func (s *search) exhaustive() {
	a := make([]int, len(s.fields))
	for i := range a {
		a[i] = absent
	}
	for {
		s.try(a)
		i := 0
		for ; i < len(a); i++ {
			a[i]++
			if a[i] < len(s.fields[i].cands) {
				break
			}
			a[i] = absent
		}
		if i == len(a) {
			return
		}
	}
}

// guided searches around events that one query matches.
func (s *search) guided() {
	var seeds [][]int
	for q := range 2 {
		got := 0
		for attempt := 0; attempt < 60 && got < 12; attempt++ {
			if a, ok := s.construct(s.roots[q]); ok {
				seeds = append(seeds, a)
				got++
			}
		}
	}
	// Random events, a few of which seed the variations too.
	for range min(3000, s.cfg.budget/10) {
		a := s.random()
		if o, n := s.try(a); o || n {
			if len(seeds) < 40 {
				seeds = append(seeds, a)
			}
		}
	}
	one := 0
	for _, f := range s.fields {
		one += len(f.cands) + 1
	}
	for _, seed := range seeds {
		if s.searched+one > s.cfg.budget {
			break
		}
		s.vary1(seed)
	}
	for _, seed := range seeds {
		if s.searched >= s.cfg.budget {
			break
		}
		s.vary2(seed)
	}
}

func (s *search) random() []int {
	a := make([]int, len(s.fields))
	for i, f := range s.fields {
		a[i] = s.rng.Intn(len(f.cands)+1) - 1
	}
	return a
}

func (s *search) vary1(seed []int) {
	a := slices.Clone(seed)
	s.try(a)
	for i, f := range s.fields {
		for v := absent; v < len(f.cands); v++ {
			if v == seed[i] {
				continue
			}
			a[i] = v
			s.try(a)
		}
		a[i] = seed[i]
	}
}

func (s *search) vary2(seed []int) {
	a := slices.Clone(seed)
	for i := range s.fields {
		for j := i + 1; j < len(s.fields); j++ {
			for v := absent; v < len(s.fields[i].cands); v++ {
				a[i] = v
				for w := absent; w < len(s.fields[j].cands); w++ {
					a[j] = w
					s.try(a)
					if s.searched >= s.cfg.budget {
						return
					}
				}
				a[j] = seed[j]
			}
			a[i] = seed[i]
		}
	}
}

// construct builds an event the query matches by satisfying its tree with
// random choices; ok is false when the attempt failed.
func (s *search) construct(root *node) ([]int, bool) {
	a := make([]int, len(s.fields))
	for i := range a {
		a[i] = absent
	}
	locked := make([]bool, len(s.fields))
	if !s.satisfy(root, true, a, locked) {
		return nil, false
	}
	if root.prog == nil || !root.prog.Match(s.event(a)) {
		return nil, false
	}
	return a, true
}

func (s *search) satisfy(x *node, want bool, a []int, locked []bool) bool {
	pick := func(args []*node) *node { return args[s.rng.Intn(len(args))] }
	switch x.op {
	case opAnd:
		if want {
			for _, c := range x.kids {
				if !s.satisfy(c, true, a, locked) {
					return false
				}
			}
			return true
		}
		return s.satisfy(pick(x.kids), false, a, locked)
	case opOr:
		if want {
			return s.satisfy(pick(x.kids), true, a, locked)
		}
		for _, c := range x.kids {
			if !s.satisfy(c, false, a, locked) {
				return false
			}
		}
		return true
	case opNot:
		return s.satisfy(x.kids[0], !want, a, locked)
	}
	lf := x
	if lf.prog == nil {
		return false
	}
	if lf.prog.Match(s.event(a)) == want {
		for _, i := range lf.fields {
			locked[i] = true
		}
		return true
	}
	var free []int
	for _, i := range lf.fields {
		if !locked[i] {
			free = append(free, i)
		}
	}
	if len(free) == 0 {
		return false
	}
	save := make([]int, len(free))
	for k, i := range free {
		save[k] = a[i]
	}
	for range 40 {
		for _, i := range free {
			a[i] = s.rng.Intn(len(s.fields[i].cands)+1) - 1
		}
		if lf.prog.Match(s.event(a)) == want {
			for _, i := range lf.fields {
				locked[i] = true
			}
			return true
		}
	}
	if len(free) == 1 { // try every value of a single field
		i := free[0]
		for v := absent; v < len(s.fields[i].cands); v++ {
			a[i] = v
			if lf.prog.Match(s.event(a)) == want {
				locked[i] = true
				return true
			}
		}
	}
	for k, i := range free {
		a[i] = save[k]
	}
	return false
}
