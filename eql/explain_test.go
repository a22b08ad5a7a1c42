package eql_test

import (
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
)

// TestExplain checks that the explanation's outcome is the query's (as
// eql.Search would match the event), and that each node is told at its
// place in the query with the values its field had.
func TestExplain(t *testing.T) {
	src := "process where event.type == \"start\"\n  and (process.name : \"BASH\" or length(process.name) > 5)\n  and not ?process.args_count > 2"
	q := eql.MustParse(src)
	x, err := eql.NewExplainer(q, eql.Options{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev := map[string]any{"event": map[string]any{"category": "process", "type": "start"}, "process": map[string]any{"name": "bash", "args_count": 1.0}}
	got := x.Explain(ev).String()
	want := `✓ process where  @1:1
  ✓ event.category == "process" (the category)  @1:1  values: "process"
  ✓ and  @1:15
    ✓ event.type == "start"  @1:15  values: "start"
    ✓ or  @2:8
      ✓ process.name : "BASH"  @2:8  values: "bash"
      ✗ length(process.name) > 5  @2:33  values: "bash"
    ✓ not  @3:7
      ✗ ?process.args_count > 2  @3:11  values: 1
`
	if got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	ev["event"] = map[string]any{"category": "network"}
	e := x.Explain(ev)
	if e.Held || e.Children[0].Held || !strings.Contains(e.String(), "✗ event.type == \"start\"  @1:15  (no value)") {
		t.Errorf("network event:\n%s", e)
	}
	// The outcome is the whole query's: eql.Search agrees.
	for _, ev := range []map[string]any{
		{"event": map[string]any{"category": "process", "type": "start"}, "process": map[string]any{"name": "BASH"}},
		{"event": map[string]any{"category": "process", "type": "start"}, "process": map[string]any{"name": "bash", "args_count": 3.0}},
		{"event": map[string]any{"category": "process", "type": "start"}, "process": map[string]any{"name": "zshell"}},
	} {
		res, err := eql.Search(eql.Request{Query: src}, nil, []eql.Doc{{Index: "i", ID: "1", Source: withTimestamp(ev)}})
		if err != nil {
			t.Fatal(err)
		}
		if held := x.Explain(ev).Held; held != (res.Hits.Total.Value == 1) {
			t.Errorf("%v: Explain says %v, Search finds %d", ev, held, res.Hits.Total.Value)
		}
	}
	if _, err := eql.NewExplainer(eql.MustParse(`sequence [process where true] [file where true]`), eql.Options{}, nil); err == nil {
		t.Error("a sequence explained")
	}
}

func withTimestamp(ev map[string]any) map[string]any {
	out := map[string]any{"@timestamp": "2024-01-01T00:00:00Z"}
	for k, v := range ev {
		out[k] = v
	}
	return out
}
