package eval_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
)

// TestRequiredTermsDSL: a program compiled from the Query DSL (an EQL event
// query lowered by package eql) gives what every matching event must hold,
// with the ECS schema: the values of a term or terms query on a keyword
// field, that a field has a value for the other queries on one field (a
// case-insensitive term, a wildcard, a range, a term on a text field),
// the integers of a term or terms query on an integer field (numeric
// terms), every should branch together (and each field every branch
// requires alone), nothing from must_not.
func TestRequiredTermsDSL(t *testing.T) {
	for _, c := range []struct {
		dsl  string
		want [][]eval.Term
	}{
		{`{"term":{"event.category":{"value":"process"}}}`, [][]eval.Term{{{Field: "event.category", Values: []string{"process"}}}}},
		{`{"term":{"process.name":{"value":"cmd.exe","case_insensitive":true}}}`, [][]eval.Term{{{Field: "process.name"}}}},
		// an integer on an integer field: its values, numeric (IntTerm's
		// form only: 21.0, 021 and 1e3 give that the field has a value)
		{`{"term":{"destination.port":{"value":21}}}`, [][]eval.Term{{{Field: "destination.port", Values: []string{"21"}, Numeric: true}}}},
		{`{"term":{"destination.port":{"value":"21"}}}`, [][]eval.Term{{{Field: "destination.port", Values: []string{"21"}, Numeric: true}}}},
		{`{"terms":{"destination.port":[21,-20]}}`, [][]eval.Term{{{Field: "destination.port", Values: []string{"-20", "21"}, Numeric: true}}}},
		{`{"term":{"destination.port":{"value":21.0}}}`, [][]eval.Term{{{Field: "destination.port"}}}},
		{`{"term":{"destination.port":{"value":"021"}}}`, [][]eval.Term{{{Field: "destination.port"}}}},
		{`{"terms":{"destination.port":[21,1e3]}}`, [][]eval.Term{{{Field: "destination.port"}}}},
		{`{"term":{"event.code":{"value":4624}}}`, [][]eval.Term{{{Field: "event.code"}}}}, // a keyword: its text form
		{`{"bool":{"should":[{"term":{"destination.port":{"value":21}}},{"range":{"destination.port":{"gte":5800}}}]}}`,
			[][]eval.Term{{{Field: "destination.port"}}}},
		{`{"terms":{"event.type":["start","process_started"]}}`, [][]eval.Term{{{Field: "event.type", Values: []string{"process_started", "start"}}}}},
		{`{"bool":{"filter":[{"term":{"event.category":{"value":"process"}}},{"wildcard":{"process.command_line":{"value":"*x*"}}}]}}`,
			[][]eval.Term{{{Field: "event.category", Values: []string{"process"}}}, {{Field: "process.command_line"}}}},
		{`{"bool":{"should":[{"term":{"event.type":{"value":"start"}}},{"range":{"process.pid":{"gt":1}}}]}}`,
			[][]eval.Term{{{Field: "event.type", Values: []string{"start"}}, {Field: "process.pid"}}}},
		// the stages of an EQL sequence: each requires its category and the
		// same host.os.type, so the should requires both (each field's
		// values together); a field only one branch requires gives nothing
		{`{"bool":{"should":[{"bool":{"filter":[{"term":{"event.category":{"value":"network"}}},{"term":{"host.os.type":{"value":"linux"}}},{"term":{"event.type":{"value":"start"}}}]}},{"bool":{"filter":[{"term":{"event.category":{"value":"process"}}},{"terms":{"host.os.type":["linux","macos"]}}]}}]}}`,
			[][]eval.Term{{{Field: "event.category", Values: []string{"network", "process"}}}, {{Field: "host.os.type", Values: []string{"linux", "macos"}}}}},
		// a field every branch requires, but with another field in one
		// branch's disjunction: only the lightest disjunctions together
		{`{"bool":{"should":[{"term":{"event.category":{"value":"network"}}},{"bool":{"should":[{"term":{"event.category":{"value":"process"}}},{"term":{"event.type":{"value":"start"}}}]}}]}}`,
			[][]eval.Term{{{Field: "event.category", Values: []string{"network", "process"}}, {Field: "event.type", Values: []string{"start"}}}}},
		// a should branch that requires nothing: the should requires nothing
		{`{"bool":{"must":[{"exists":{"field":"host.name"}}],"should":[{"term":{"event.type":{"value":"start"}}},{"match_all":{}}],"minimum_should_match":1}}`,
			[][]eval.Term{{{Field: "host.name"}}}},
		// should beside a filter, minimum_should_match 0: optional
		{`{"bool":{"filter":[{"exists":{"field":"host.name"}}],"should":[{"term":{"event.type":{"value":"start"}}}]}}`,
			[][]eval.Term{{{Field: "host.name"}}}},
		{`{"bool":{"must_not":[{"term":{"event.type":{"value":"start"}}}]}}`, nil},
		{`{"match_all":{}}`, nil},
		{`{"exists":{"field":"host.*"}}`, nil},
	} {
		q, err := esdsl.ParseQuery([]byte(c.dsl))
		if err != nil {
			t.Fatalf("%s: %v", c.dsl, err)
		}
		p, err := eval.CompileQuery(q)
		if err != nil {
			t.Fatalf("%s: %v", c.dsl, err)
		}
		if diff := cmp.Diff(c.want, p.RequiredTerms()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.dsl, diff)
		}
	}
}
