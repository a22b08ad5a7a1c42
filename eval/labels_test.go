package eval

import (
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/kql"
)

// TestTraceLabels pins the label of each kind of node in a trace (a
// leaf, a value list merged on its field, free text, a field pattern, a
// nested query, an operator, a field inside a nested field queried from
// outside, a DSL query without KQL): what Explain shows stays what it
// was when the kind of a label became the type of its query.
func TestTraceLabels(t *testing.T) {
	for _, tt := range []struct{ query, want string }{
		{`host.name:web`, `host.name:web`},
		{`host.name:(alpha or beta or gam*)`, `host.name:(alpha or beta or gam*)`},
		{`host.name:(alpha or beta) or user.name:(a or b)`, `or[host.name:(alpha or beta) user.name:(a or b)]`},
		{`process.name:cmd.exe and not user.name:root`, `and[process.name:cmd.exe not[user.name:root]]`},
		{`powershell`, `powershell`},
		{`zzz.*:web`, `zzz.*:web`},
		{`items:{ name:x }`, `items:{ name:x }`},
		{`destination.port >= 1024`, `destination.port >= 1024`},
		{`*:*`, `*:*`},
	} {
		x, err := kql.Parse(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(x, WithSchema(testSchema()))
		if err != nil {
			t.Fatal(err)
		}
		if got := traceLabels(p.Explain(map[string]any{"host.name": "web"})); got != tt.want {
			t.Errorf("%s: labels %s, want %s", tt.query, got, tt.want)
		}
	}
	for _, tt := range []struct {
		q    esdsl.Query
		want string
	}{
		{&esdsl.Term{Field: "host.name", Value: "web"}, `{"term":{"host.name":{"value":"web"}}}`},
		{&esdsl.Terms{Field: "host.name", Values: []any{"a", "b"}}, `{"terms":{"host.name":["a","b"]}}`},
		{&esdsl.MultiMatch{Query: "web", Lenient: true}, `{"multi_match":{"type":"","query":"web","lenient":true}}`},
	} {
		p, err := CompileQuery(tt.q)
		if err != nil {
			t.Fatal(err)
		}
		if got := traceLabels(p.Explain(map[string]any{"host.name": "web"})); got != tt.want {
			t.Errorf("%T: labels %s, want %s", tt.q, got, tt.want)
		}
	}
}

// traceLabels writes the labels of a trace: "query" for a leaf,
// "query[children...]" for a node with children.
func traceLabels(t *Trace) string {
	if len(t.Children) == 0 {
		return t.Query
	}
	var b strings.Builder
	b.WriteString(t.Query + "[")
	for i, c := range t.Children {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(traceLabels(c))
	}
	return b.String() + "]"
}
