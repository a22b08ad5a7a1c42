package eval_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
)

// TestRequiredTermsNumeric: a KQL query's values on an integer field
// (ECS's destination.port is a long) are numeric terms when each is an
// integer in IntTerm's form; any other value, a range, or a disjunction
// with one, gives that the field has a value.
func TestRequiredTermsNumeric(t *testing.T) {
	port := func(vs ...string) [][]eval.Term {
		return [][]eval.Term{{{Field: "destination.port", Values: vs, Numeric: vs != nil}}}
	}
	for _, c := range []struct {
		q    string
		want [][]eval.Term
	}{
		{`destination.port:21`, port("21")},
		{`destination.port:"21"`, port("21")},
		{`destination.port:(21 or 20 or -1)`, port("-1", "20", "21")},
		{`destination.port:21.0`, port()},
		{`destination.port:021`, port()},
		{`destination.port >= 5800`, port()},
		{`destination.port:21 or destination.port >= 5800`, port()},
		{`destination.port:21 or destination.port:22`, port("21", "22")},
		{`event.code:4624`, [][]eval.Term{{{Field: "event.code", Values: []string{"4624"}}}}}, // a keyword
		{`destination.port:21 and event.category:network`,
			[][]eval.Term{{{Field: "destination.port", Values: []string{"21"}, Numeric: true}}, {{Field: "event.category", Values: []string{"network"}}}}},
	} {
		x, err := kql.Parse(c.q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := eval.Compile(x)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(c.want, p.RequiredTerms()); diff != "" {
			t.Errorf("%s (-want +got):\n%s", c.q, diff)
		}
	}
}

// TestIntTerm: the one form of an integer a numeric term compares.
func TestIntTerm(t *testing.T) {
	for s, want := range map[string]bool{
		"0": true, "21": true, "-21": true, "123456789012345678": true,
		"": false, "-": false, "-0": false, "021": false, "+21": false, "21.0": false, "1e3": false,
		" 21": false, "1234567890123456789": false, "0x15": false,
	} {
		if got := eval.IntTerm(s); got != want {
			t.Errorf("IntTerm(%q) = %v", s, got)
		}
	}
}
