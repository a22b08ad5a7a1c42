package eval

import (
	"encoding/json"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/esdsl"
)

// TestLeavesRequired: what a bool's should clauses of leaves require
// (leavesRequired, no disjunction made for each) is what orRequired
// gives of each clause's requirement, for every list of up to three
// clauses from a pool of leaves: values and exists terms, numeric terms,
// several fields, a field pattern, a multi-field, a terms query of
// nothing and a leaf that requires nothing.
func TestLeavesRequired(t *testing.T) {
	yes := true
	pool := []esdsl.Query{
		&esdsl.Term{Field: "event.category", Value: "process"},
		&esdsl.Term{Field: "event.category", Value: "network"},
		&esdsl.Terms{Field: "event.category", Values: []any{"file", "process"}},
		&esdsl.Term{Field: "process.name", Value: "cmd.exe", CaseInsensitive: &yes},
		&esdsl.Wildcard{Field: "process.name", Value: "*.exe"},
		&esdsl.Term{Field: "destination.port", Value: json.Number("21")},
		&esdsl.Range{Field: "destination.port"},
		&esdsl.Exists{Field: "host.os.type"},
		&esdsl.Wildcard{Field: "process.*", Value: "x"},
		&esdsl.Match{Field: "process.command_line.text", Query: "x"},
		&esdsl.Terms{Field: "event.type"},
		&esdsl.MatchAll{},
	}
	s := defaultSchema()
	check := func(qs []esdsl.Query) {
		t.Helper()
		branches := make([][][]Term, len(qs))
		for i, c := range qs {
			branches[i] = appendRequiredOfDSL(nil, c, s)
		}
		want := orRequired(branches)
		any, leaves := leavesRequired(qs, s)
		if !leaves {
			t.Fatalf("%v: not leaves", qs)
		}
		var got [][]Term
		if any != nil {
			got = [][]Term{any}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%d clauses %v: leavesRequired differs from orRequired (-or +leaves):\n%s", len(qs), qs, diff)
		}
		b := &esdsl.Bool{Should: qs}
		if diff := cmp.Diff(want, requiredOfDSL(b, s)); diff != "" {
			t.Errorf("%v: requiredOfDSL of the bool differs from orRequired:\n%s", qs, diff)
		}
	}
	for _, a := range pool {
		check([]esdsl.Query{a})
		for _, b := range pool {
			check([]esdsl.Query{a, b})
			for _, c := range pool {
				check([]esdsl.Query{a, b, c})
			}
		}
	}
	if _, leaves := leavesRequired([]esdsl.Query{pool[0], &esdsl.Bool{}}, s); leaves {
		t.Error("a bool among the clauses: leaves")
	}
}
