package eql_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/eql"
)

// FuzzParse checks that Parse never panics, that every error is an
// *eql.Error placed inside the query, and that whatever parses prints to a
// canonical form that parses back to the same tree and prints the same
// again. The seeds are the accepted and rejected tables and
// testdata/fuzz/FuzzParse.
func FuzzParse(f *testing.F) {
	for _, tc := range accepted {
		f.Add(tc.in)
	}
	for _, tc := range rejected {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := eql.Parse(src)
		if err != nil {
			var e *eql.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error of type %T", src, err)
			}
			if e.Offset < 0 || e.Offset > len([]rune(src)) || e.Line < 1 || e.Column < 1 {
				t.Fatalf("Parse(%q) error out of place: %+v", src, e)
			}
			_ = e.Snippet()
			return
		}
		canon := q.String()
		back, err := eql.Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) prints %q, which does not parse: %v", src, canon, err)
		}
		if d := cmp.Diff(q, back, sameTree); d != "" {
			t.Fatalf("Parse(%q) prints %q, which parses to another tree:\n%s", src, canon, d)
		}
		if again := back.String(); again != canon {
			t.Fatalf("canonical form of %q is not stable: %q then %q", src, canon, again)
		}
	})
}
