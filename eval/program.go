package eval

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/mapping"
)

// Program is a compiled query. It is immutable: Match, MatchEvent and
// Explain may be called from many goroutines at once.
type Program struct {
	root    node
	expr    ast.Expr    // nil when compiled from the DSL
	dsl     esdsl.Query // the query compiled
	schema  mapping.Schema
	mapping mapper
	// refusals are RejectsEvent's visitors, each remembering the
	// mapping of the field names it saw (refusal.cache)
	refusals sync.Pool
	// refusable is the tree of the fields the mapping may refuse
	// (refusalTree) and the mapping of the name of each of its nodes,
	// made by the first RejectsEvent
	refusable     *LeafTree
	refusableMaps []leafMapping
	refusableOnce sync.Once
}

// Match reports whether Elasticsearch would return event for the query.
// It allocates nothing for events as encoding/json decodes them (maps,
// []any, strings, float64, json.Number, bool, nil) unless the query has
// free text, a field pattern no schema field fits, a case_insensitive
// wildcard on non-ASCII text, or a script function that builds text
// (EQL's concat, string, substring, between on non-ASCII text...).
func (p *Program) Match(event map[string]any) bool {
	return p.root.match(Map(event))
}

// MatchEvent is Match for any [Event].
func (p *Program) MatchEvent(e Event) bool {
	return p.root.match(e)
}

// Explain evaluates the query on event and returns, for every node of the
// query, whether it held and which values its field had. Unlike Match it
// evaluates every branch (no short cut) and allocates freely.
func (p *Program) Explain(event map[string]any) *Trace {
	return p.root.explain(Map(event))
}

// ExplainEvent is Explain for any [Event].
func (p *Program) ExplainEvent(e Event) *Trace {
	return p.root.explain(e)
}

// Query returns the KQL tree the program was compiled from, or nil for a
// program compiled by [CompileQuery].
func (p *Program) Query() ast.Expr { return p.expr }

// DSL returns the Elasticsearch query the program runs: Kibana's
// translation of the KQL for [Compile].
func (p *Program) DSL() esdsl.Query { return p.dsl }

// String returns the query in canonical KQL, or the DSL's JSON for a
// program compiled by [CompileQuery].
func (p *Program) String() string {
	if p.expr == nil {
		b, err := p.dsl.MarshalJSON()
		if err != nil {
			return fmt.Sprintf("%T", p.dsl)
		}
		return string(b)
	}
	return ast.Print(p.expr)
}

// Trace is the evaluation of one node of a query on one event, as
// [Program.Explain] returns it.
type Trace struct {
	// Query is the node in canonical KQL ("destination.port:(20 or 21)"),
	// or the operator ("and", "or", "not") for a boolean node.
	Query string
	// Held tells whether the node matched the event.
	Held bool
	// Values are the values the field had (leaves), or for free text and
	// wildcard field names the fields that matched, as [FieldValue].
	Values []any
	// Note explains a leaf whose outcome does not depend on the values,
	// such as a field inside a nested field queried outside "path:{...}".
	Note string
	// Children are the traces of the node's operands, in query order.
	Children []*Trace
}

// String prints the trace as an indented tree, one node a line:
// "✓" or "✗", the node, and the values its field had.
func (t *Trace) String() string {
	var b strings.Builder
	t.write(&b, 0)
	return b.String()
}

func (t *Trace) write(b *strings.Builder, depth int) {
	b.WriteString(strings.Repeat("  ", depth))
	if t.Held {
		b.WriteString("✓ ")
	} else {
		b.WriteString("✗ ")
	}
	b.WriteString(t.Query)
	if len(t.Children) == 0 {
		if len(t.Values) == 0 {
			if t.Note == "" {
				b.WriteString("  (no value)")
			}
		} else {
			b.WriteString("  values: ")
			for i, v := range t.Values {
				if i > 0 {
					b.WriteString(", ")
				}
				writeValue(b, v)
			}
		}
	}
	if t.Note != "" {
		b.WriteString("  (" + t.Note + ")")
	}
	b.WriteByte('\n')
	for _, c := range t.Children {
		c.write(b, depth+1)
	}
}

// FieldValue is a field of an event and one of its values, as a [Trace]
// of free text or of a wildcard field name lists them.
type FieldValue struct {
	Name  string
	Value any
}

// FormatValue writes a value of a [Trace] as its String does: strings
// quoted, objects by their number of keys, times in RFC 3339.
func FormatValue(v any) string {
	var b strings.Builder
	writeValue(&b, v)
	return b.String()
}

func writeValue(b *strings.Builder, v any) {
	switch v := v.(type) {
	case FieldValue:
		b.WriteString(v.Name + "=")
		writeValue(b, v.Value)
	case string:
		fmt.Fprintf(b, "%q", v)
	case map[string]any:
		fmt.Fprintf(b, "{object with %d keys}", len(v))
	case time.Time:
		b.WriteString(v.Format(time.RFC3339Nano))
	default:
		fmt.Fprintf(b, "%v", v)
	}
}

// node is a compiled query node.
type node interface {
	match(e Event) bool
	explain(e Event) *Trace
}

type andNode struct{ xs []node }

func (n *andNode) match(e Event) bool {
	for _, x := range n.xs {
		if !x.match(e) {
			return false
		}
	}
	return true
}

func (n *andNode) explain(e Event) *Trace {
	t := &Trace{Query: "and", Held: true}
	for _, x := range n.xs {
		c := x.explain(e)
		t.Held = t.Held && c.Held
		t.Children = append(t.Children, c)
	}
	return t
}

// orNode holds when one of its operands holds. fast, when not nil, is the
// same disjunction with its case-insensitive keyword leaves on one field
// merged into one (see mergeFolds): match runs it, explain the operands
// as the query wrote them.
type orNode struct{ xs, fast []node }

// newOrNode returns the disjunction of xs.
func newOrNode(xs []node) *orNode { return &orNode{xs: xs, fast: mergeFolds(xs)} }

func (n *orNode) match(e Event) bool {
	xs := n.xs
	if n.fast != nil {
		xs = n.fast
	}
	for _, x := range xs {
		if x.match(e) {
			return true
		}
	}
	return false
}

func (n *orNode) explain(e Event) *Trace {
	t := &Trace{Query: "or"}
	for _, x := range n.xs {
		c := x.explain(e)
		t.Held = t.Held || c.Held
		t.Children = append(t.Children, c)
	}
	return t
}

// mergeFolds returns xs with the leaves that compare one field's values
// with case folding (a foldMatcher: an EQL like~ or : list, a
// case-insensitive term or wildcard) merged, one leaf a field holding all
// their values and patterns, so that a value is lowercased once for all
// of them rather than once a leaf (Elastic's SQL injection rule has 50
// like~ patterns on url.original). A leaf holds when some value of its
// field matches, and the merged matcher matches a value when one of the
// leaves' matchers does: the disjunction is the same. It returns nil when
// no two leaves merge.
func mergeFolds(xs []node) []node {
	type key struct {
		path, source *Path
		f            *fieldMapping
	}
	keyOf := func(x node) (key, *foldMatcher, bool) {
		n, ok := x.(*leafNode)
		if !ok {
			return key{}, nil, false
		}
		m, ok := n.m.(*foldMatcher)
		if !ok {
			return key{}, nil, false
		}
		return key{n.path, n.source, m.f}, m, true
	}
	count := map[key]int{}
	merges := false
	for _, x := range xs {
		if k, _, ok := keyOf(x); ok {
			count[k]++
			merges = merges || count[k] > 1
		}
	}
	if !merges {
		return nil
	}
	out := make([]node, 0, len(xs))
	merged := map[key]*foldMatcher{}
	for _, x := range xs {
		k, m, ok := keyOf(x)
		if !ok || count[k] < 2 {
			out = append(out, x)
			continue
		}
		into := merged[k]
		if into == nil {
			into = &foldMatcher{f: m.f}
			merged[k] = into
			n := x.(*leafNode)
			out = append(out, &leafNode{path: n.path, source: n.source, m: into, label: n.label})
		}
		into.exact = append(into.exact, m.exact...)
		into.globs = append(into.globs, m.globs...)
	}
	return out
}

type notNode struct{ x node }

func (n *notNode) match(e Event) bool { return !n.x.match(e) }

func (n *notNode) explain(e Event) *Trace {
	c := n.x.explain(e)
	return &Trace{Query: "not", Held: !c.Held, Children: []*Trace{c}}
}

// constNode always gives the same answer: "*:*", or a leaf Elasticsearch
// can never match.
type constNode struct {
	val   bool
	label nodeLabel
	note  string
}

func (n *constNode) match(Event) bool { return n.val }

func (n *constNode) explain(Event) *Trace {
	return &Trace{Query: n.label.String(), Held: n.val, Note: n.note}
}

// leafNode tests the values of one field. For a multi-field, source is
// the parent field whose value Elasticsearch indexes for it; both are read.
type leafNode struct {
	path   *Path
	source *Path // nil, or the multi-field's parent
	m      Visitor
	label  nodeLabel
}

func (n *leafNode) match(e Event) bool {
	return e.Values(n.path, n.m) || (n.source != nil && e.Values(n.source, n.m))
}

func (n *leafNode) explain(e Event) *Trace {
	r := &recorder{m: n.m}
	e.Values(n.path, r)
	if n.source != nil {
		e.Values(n.source, r)
	}
	t := &Trace{Query: n.label.String(), Held: r.held, Values: r.seen}
	if w, ok := n.m.(interface{ why(any) string }); ok && !r.held {
		for _, x := range r.seen {
			if note := w.why(x); note != "" {
				t.Note = note
				break
			}
		}
	}
	return t
}

// recorder visits every value, remembering them and whether one matched.
type recorder struct {
	m    Visitor
	seen []any
	held bool
}

func (r *recorder) Visit(x any) bool {
	r.seen = append(r.seen, x)
	if r.m.Visit(x) {
		r.held = true
	}
	return false
}

// nestedNode holds when its query holds within one element (object) of
// the nested field.
type nestedNode struct {
	path  *Path
	x     node
	label nodeLabel
}

func (n *nestedNode) match(e Event) bool { return e.Values(n.path, n) }

// Visit matches one element of the nested field.
func (n *nestedNode) Visit(x any) bool {
	switch x := x.(type) {
	case map[string]any:
		return n.x.match(Map(x))
	case Event:
		return n.x.match(x)
	}
	return false
}

func (n *nestedNode) explain(e Event) *Trace {
	t := &Trace{Query: n.label.String()}
	i := 0
	e.Values(n.path, visitFunc(func(x any) bool {
		var sub Event
		switch x := x.(type) {
		case map[string]any:
			sub = Map(x)
		case Event:
			sub = x
		default:
			t.Values = append(t.Values, x)
			return false
		}
		c := n.x.explain(sub)
		c.Query = fmt.Sprintf("element %d: %s", i, c.Query)
		i++
		t.Held = t.Held || c.Held
		t.Children = append(t.Children, c)
		return false
	}))
	if i == 0 {
		t.Note = "no element"
	}
	return t
}

// anyFieldNode is free text and wildcard field names: it tries every leaf
// field of the event whose name fits, with the matcher for that field's
// type.
type anyFieldNode struct {
	names  []*glob // nil: every field
	schema mapping.Schema
	byFam  [famOther + 1]Visitor // nil where the literal cannot apply
	label  nodeLabel
	table  *FieldTable // the table that adopted the node, whose Cache lists its fields; or nil
}

func (n *anyFieldNode) match(e Event) bool { return e.Fields(n) }

// VisitField tests one field of the event.
func (n *anyFieldNode) VisitField(name string, x any) bool {
	if !n.WantsField(name) {
		return false
	}
	m := n.byFam[familyOf(n.schema.Lookup(name))]
	return m != nil && m.Visit(x)
}

// WantsField implements [FieldFilter]: the name fits one of the patterns.
func (n *anyFieldNode) WantsField(name string) bool {
	return n.names == nil || matchAny(n.names, name)
}

// WantsBelow implements [FieldFilter].
func (n *anyFieldNode) WantsBelow(name string) bool {
	return n.names == nil || mayMatchBelow(n.names, name)
}

func (n *anyFieldNode) explain(e Event) *Trace {
	t := &Trace{Query: n.label.String()}
	e.Fields(fieldFunc(func(name string, x any) bool {
		if n.VisitField(name, x) {
			t.Held = true
			t.Values = append(t.Values, FieldValue{Name: name, Value: x})
		}
		return false
	}))
	return t
}

func matchAny(gs []*glob, s string) bool {
	for _, g := range gs {
		if g.match(s) {
			return true
		}
	}
	return false
}

// mayMatchBelow reports whether one of gs may match a name below the
// object field name (name, a dot and more; any name below "").
func mayMatchBelow(gs []*glob, name string) bool {
	for _, g := range gs {
		if g.mayMatchBelow(name) {
			return true
		}
	}
	return false
}

type fieldFunc func(string, any) bool

func (f fieldFunc) VisitField(name string, x any) bool { return f(name, x) }

// PresencePaths returns paths at one of which, at least, an event must
// have a value (null included: a value [Event.Values] passes) for the
// program to match it, and true; false when there are none such: a
// "not", free text or a field pattern resolved on the event, a script,
// a query that matches everything. A rule set tests a rule that no
// value selects only on the events that have one of them ([Cache.Absent]).
func (p *Program) PresencePaths() ([]*Path, bool) { return presencePaths(p.root) }

func presencePaths(n node) ([]*Path, bool) {
	switch n := n.(type) {
	case *leafNode:
		if n.path == nil {
			return nil, false
		}
		if n.source != nil {
			return []*Path{n.path, n.source}, true
		}
		return []*Path{n.path}, true
	case *nestedNode:
		return []*Path{n.path}, n.path != nil
	case *orNode:
		return presenceUnion(n.xs)
	case *atLeastNode:
		if n.k >= 1 {
			return presenceUnion(n.xs)
		}
	case *andNode:
		// any operand's paths will do: the fewest
		var best []*Path
		found := false
		for _, x := range n.xs {
			if ps, ok := presencePaths(x); ok && (!found || len(ps) < len(best)) {
				best, found = ps, true
			}
		}
		return best, found
	}
	return nil, false
}

// presenceUnion is presencePaths of a disjunction of xs: the paths of
// every operand, when each has some.
func presenceUnion(xs []node) ([]*Path, bool) {
	var out []*Path
	for _, x := range xs {
		ps, ok := presencePaths(x)
		if !ok {
			return nil, false
		}
		for _, p := range ps {
			if !slices.Contains(out, p) {
				out = append(out, p)
			}
		}
	}
	return out, len(xs) > 0
}

// Absent reports whether the event is known to have no value at p: p is
// a path of c's table and the event told which of them it has (a
// [PresenceReporter]), not p. Values(p, v) then visits nothing.
func (c *Cache) Absent(p *Path) bool {
	return p.table == c.table && p.slot < len(c.slots) && c.absent(p.slot)
}
