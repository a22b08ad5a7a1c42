package eql_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kqlrules/kqlrules/eql"
)

// sameTree compares trees without positions or the raw text of literals.
var sameTree = cmp.Options{
	cmpopts.IgnoreTypes(eql.Span{}),
	cmpopts.IgnoreUnexported(eql.Query{}),
	cmpopts.IgnoreFields(eql.Literal{}, "Raw"),
	cmpopts.IgnoreFields(eql.MaxSpan{}, "Value"),
	cmpopts.EquateNaNs(),
}

// roundTrip checks that q prints to text that parses to the same tree,
// and that printing is a fixed point.
func roundTrip(t *testing.T, name string, q *eql.Query) {
	t.Helper()
	text := q.String()
	back, err := eql.Parse(text)
	if err != nil {
		t.Errorf("%s: the print does not parse: %v\n%s", name, err, text)
		return
	}
	if d := cmp.Diff(q, back, sameTree); d != "" {
		t.Errorf("%s: the print parses to another tree (-parsed +reparsed):\n%s\n%s", name, d, text)
	}
	if again := back.String(); again != text {
		t.Errorf("%s: printing is not stable:\n%s\n%s", name, text, again)
	}
}
