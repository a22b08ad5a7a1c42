package eql

import (
	"fmt"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/mapping"
)

// Explanation is why an event matched an event query or did not, node by
// node of the query: the category, each and, or and not, and each
// predicate (a comparison, in, :, like, regex, a function...), each at
// its place in the query text.
type Explanation struct {
	// Query is the node in canonical EQL ("process.name : \"bash\""),
	// "and", "or" or "not" for a boolean node, "category where" for the
	// root of an event query, and the term on the event category field
	// for its category ("event.category == \"process\" (the category)").
	Query string
	// Position is where the node starts in the query text.
	Position ast.Position
	// Held tells whether the node matched the event.
	Held bool
	// Values are the values the fields of a predicate had, as package
	// eval's [eval.Trace] lists them.
	Values []any
	// Note explains an outcome that does not follow from the values.
	Note     string
	Children []*Explanation
}

// Explainer explains event queries on events. It is immutable.
type Explainer struct {
	src   string
	whole *eval.Program
	root  *xnode
}

// xnode is a node of the query with, for a predicate or the category,
// the program of the query that is that predicate alone.
type xnode struct {
	n     Node
	label string
	prog  *eval.Program
	kids  []*xnode
}

// NewExplainer lowers the event query q with opts (see [Lower]) and
// compiles, with package eval and the field mapping m (nil: none), the
// whole query and each of its predicates on its own: the outcome of the
// query is the whole program's, each node's the outcome of its predicate
// lowered alone, combined by the and, or and not of the query. Errors are
// [Lower]'s.
func NewExplainer(q *Query, opts Options, m mapping.Mapping) (*Explainer, error) {
	dsl, err := Lower(q, opts)
	if err != nil {
		return nil, err
	}
	compile := func(f *EventFilter) (*eval.Program, error) {
		d, err := Lower(&Query{Span: q.Span, Body: f, src: q.src}, opts)
		if err != nil {
			return nil, err
		}
		return eval.CompileQuery(d, eval.WithMapping(m))
	}
	x := &Explainer{src: q.src}
	if x.whole, err = eval.CompileQuery(dsl, eval.WithMapping(m)); err != nil {
		return nil, fmt.Errorf("eql: %w", err)
	}
	f := q.Body.(*EventFilter) // Lower refuses the others
	var build func(e Expr) (*xnode, error)
	build = func(e Expr) (*xnode, error) {
		switch e := e.(type) {
		case *Binary:
			if e.Op == OpAnd || e.Op == OpOr {
				op, ops := chain(e)
				n := &xnode{n: e, label: op.String()}
				for _, o := range ops {
					k, err := build(o)
					if err != nil {
						return nil, err
					}
					n.kids = append(n.kids, k)
				}
				return n, nil
			}
		case *Not:
			k, err := build(e.X)
			if err != nil {
				return nil, err
			}
			return &xnode{n: e, label: "not", kids: []*xnode{k}}, nil
		}
		p, err := compile(&EventFilter{Span: f.Span, Any: true, Cond: e})
		if err != nil {
			return nil, err
		}
		return &xnode{n: e, label: e.String(), prog: p}, nil
	}
	cond, err := build(f.Cond)
	if err != nil {
		return nil, err
	}
	x.root = cond
	if !f.Any {
		cat, err := compile(&EventFilter{Span: f.Span, Category: f.Category, Cond: &Literal{Span: f.Span, Kind: Bool, Bool: true}})
		if err != nil {
			return nil, err
		}
		field := opts.EventCategoryField
		if field == "" {
			field = "event.category"
		}
		catLabel := fmt.Sprintf("%s == %s (the category)", field, quote(f.Category, false))
		x.root = &xnode{n: f, label: header(f), kids: []*xnode{{n: f, label: catLabel, prog: cat}, cond}}
	}
	return x, nil
}

// Explain evaluates the query on event. The root's Held is the whole
// query's outcome; when combining the nodes' outcomes gives another, the
// root's Note says so.
func (x *Explainer) Explain(event map[string]any) *Explanation {
	e := x.explain(x.root, event)
	whole := x.whole.Match(event)
	if e.Held != whole {
		e.Held = whole
		e.Note = "the whole query's outcome differs from its parts' combined: Elasticsearch's optimizer rewrote it"
	}
	return e
}

func (x *Explainer) explain(n *xnode, event map[string]any) *Explanation {
	e := &Explanation{Query: n.label, Position: n.n.Pos().Position(x.src)}
	switch {
	case n.prog != nil:
		t := n.prog.Explain(event)
		e.Held = t.Held
		var walk func(t *eval.Trace)
		walk = func(t *eval.Trace) {
			e.Values = append(e.Values, t.Values...)
			if e.Note == "" {
				e.Note = t.Note
			}
			for _, c := range t.Children {
				walk(c)
			}
		}
		walk(t)
	case n.label == "not":
		c := x.explain(n.kids[0], event)
		e.Held, e.Children = !c.Held, []*Explanation{c}
	default:
		e.Held = n.label != "or"
		for _, k := range n.kids {
			c := x.explain(k, event)
			if n.label == "or" {
				e.Held = e.Held || c.Held
			} else {
				e.Held = e.Held && c.Held
			}
			e.Children = append(e.Children, c)
		}
	}
	return e
}

// String prints the explanation as an indented tree, one node a line:
// "✓" or "✗", the node, its line and column in the query, and the values
// its fields had.
func (e *Explanation) String() string {
	var b strings.Builder
	e.write(&b, 0)
	return b.String()
}

func (e *Explanation) write(b *strings.Builder, depth int) {
	b.WriteString(strings.Repeat("  ", depth))
	if e.Held {
		b.WriteString("✓ ")
	} else {
		b.WriteString("✗ ")
	}
	fmt.Fprintf(b, "%s  @%d:%d", e.Query, e.Position.Line, e.Position.Column)
	if len(e.Children) == 0 && len(e.Values) == 0 && e.Note == "" {
		b.WriteString("  (no value)")
	}
	if len(e.Children) == 0 && len(e.Values) > 0 {
		b.WriteString("  values: ")
		for i, v := range e.Values {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString(eval.FormatValue(v))
		}
	}
	if e.Note != "" {
		b.WriteString("  (" + e.Note + ")")
	}
	b.WriteByte('\n')
	for _, c := range e.Children {
		c.write(b, depth+1)
	}
}
