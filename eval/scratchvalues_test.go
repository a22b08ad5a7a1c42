package eval

import (
	"testing"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/kql"
)

// TestValuesScratchReused compiles queries with several lists of values
// (KQL value lists, which shouldNodes merges, and terms queries), whose
// values a compiler reads into one scratch slice leaf after leaf: each
// leaf of the whole query must match as the same leaf compiled alone, so
// that no matcher keeps values a later list overwrote.
func TestValuesScratchReused(t *testing.T) {
	parts := []string{
		`host.name:(alpha or beta)`,
		`process.name:(cmd.exe or power*)`,
		`user.name:(root or admin or guest)`,
		`event.action:(start or stop)`,
	}
	terms := []esdsl.Query{
		&esdsl.Terms{Field: "host.name", Values: []any{"alpha", "beta"}},
		&esdsl.Terms{Field: "process.name", Values: []any{"cmd.exe", "sh"}},
		&esdsl.Terms{Field: "user.name", Values: []any{"root", "admin", "guest"}},
	}
	events := []map[string]any{}
	for _, h := range []string{"alpha", "beta", "gamma"} {
		for _, p := range []string{"cmd.exe", "powershell.exe", "sh", "bash"} {
			for _, u := range []string{"root", "guest", "bob"} {
				for _, a := range []string{"start", "stop", "kill"} {
					events = append(events, map[string]any{"host.name": h, "process.name": p, "user.name": u, "event.action": a})
				}
			}
		}
	}
	var alone []*Program
	for _, s := range parts {
		x, err := kql.Parse(s)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Compile(x)
		if err != nil {
			t.Fatal(err)
		}
		alone = append(alone, p)
	}
	for _, q := range terms {
		p, err := CompileQuery(q)
		if err != nil {
			t.Fatal(err)
		}
		alone = append(alone, p)
	}
	// or: every leaf read; and: every leaf needed
	whole := []esdsl.Query{}
	for _, s := range parts {
		x, _ := kql.Parse(s)
		q, err := esdsl.FromKQL(x, nil, esdsl.Config{})
		if err != nil {
			t.Fatal(err)
		}
		whole = append(whole, q)
	}
	whole = append(whole, terms...)
	all, err := CompileQuery(&esdsl.Bool{Filter: whole})
	if err != nil {
		t.Fatal(err)
	}
	matched := 0
	for _, e := range events {
		want := true
		for _, p := range alone {
			want = want && p.Match(e)
		}
		if got := all.Match(e); got != want {
			t.Errorf("%v: whole query %v, its parts %v", e, got, want)
		}
		if want {
			matched++
		}
	}
	if matched == 0 {
		t.Fatal("no event matched every part: the test tests nothing")
	}
}
