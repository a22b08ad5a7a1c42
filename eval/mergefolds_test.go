package eval

import (
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/mapping"
)

// TestMergeFolds checks that a disjunction of case-insensitive leaves
// (EQL's like~ and : lists lower to one wildcard or term query a value,
// QueryTranslator's InsensitiveWildcardLike) merges those on one field
// into one leaf, and that the merged disjunction (match) holds exactly
// when the one the query wrote (explain) does, over random clauses and
// events.
func TestMergeFolds(t *testing.T) {
	yes := true
	m := mapping.Mapping{
		"url.original":  {Type: mapping.Wildcard},
		"process.name":  {Type: mapping.Keyword, IgnoreAbove: 8},
		"process.pid":   {Type: mapping.Long},
		"user.name":     {Type: mapping.Keyword},
		"process.title": {Type: mapping.Keyword},
		"user.text":     {Type: mapping.Text},
	}
	fields := []string{"url.original", "process.name", "user.name", "process.title", "user.text"}
	pats := []string{"*SELECT*", "*union%20all*", "cmd.EXE", "*ß*", "ABC", "*é*", "x?z", "*", "Zürich", "12"}
	vals := []any{"select * from t", "UNION%20ALL", "CMD.exe", "strasse", "STRAßE", "abc", "xyz", "ÉTÉ", "zürich", 12, "averyveryverylongname", nil}
	r := rand.New(rand.NewPCG(1, 2))
	merged := 0
	for range 400 {
		b := &esdsl.Bool{}
		for range 2 + r.IntN(8) {
			f := fields[r.IntN(len(fields))]
			p := pats[r.IntN(len(pats))]
			switch r.IntN(4) {
			case 0:
				b.Should = append(b.Should, &esdsl.Term{Field: f, Value: p, CaseInsensitive: &yes})
			case 1:
				b.Should = append(b.Should, &esdsl.Term{Field: "process.pid", Value: 12})
			default:
				b.Should = append(b.Should, &esdsl.Wildcard{Field: f, Value: p, CaseInsensitive: &yes})
			}
		}
		p, err := CompileQuery(b, WithMapping(m))
		if err != nil {
			t.Fatal(err)
		}
		if or, ok := p.root.(*orNode); ok && or.fast != nil {
			merged++
			if len(or.fast) >= len(or.xs) {
				t.Fatalf("%d leaves merged into %d", len(or.xs), len(or.fast))
			}
		}
		for range 20 {
			ev := map[string]any{}
			for _, f := range fields {
				if r.IntN(2) == 0 {
					ev[f] = vals[r.IntN(len(vals))]
				}
			}
			if r.IntN(3) == 0 {
				ev["url.original"] = []any{vals[r.IntN(len(vals))], vals[r.IntN(len(vals))]}
			}
			if got, want := p.Match(ev), p.Explain(ev).Held; got != want {
				t.Fatalf("query %s, event %v: merged disjunction %v, as written %v", mustJSON(t, b), ev, got, want)
			}
		}
	}
	if merged < 100 {
		t.Errorf("only %d of 400 disjunctions merged leaves", merged)
	}
}

func mustJSON(t *testing.T, q esdsl.Query) string {
	b, err := json.Marshal(q)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
