package kql_test

import (
	"errors"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/internal/asttest"
	"github.com/kqlrules/kqlrules/kql"
)

// FuzzParse checks that the recognizer and participle's grammar accept
// the same queries, that Parse never panics, that every error is a *kql.Error
// placed inside the query, and that whatever parses prints to a canonical
// form that parses back to the same tree and prints the same again.
func FuzzParse(f *testing.F) {
	for _, tc := range accepted {
		f.Add(tc.query)
	}
	for _, tc := range rejected {
		f.Add(tc.query)
	}
	for _, q := range []string{ftpV1, ftpV3, ftpV4, ftpCurrent, ftpCurrentTOML} {
		f.Add(q)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if lexed, fast, slow := kql.Recognized(src); lexed && fast != slow {
			t.Fatalf("%q: the recognizer accepts it: %v, participle: %v", src, fast, slow)
		}
		x, err := kql.Parse(src)
		if err != nil {
			var e *kql.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error of type %T", src, err)
			}
			if e.Offset < 0 || e.Offset > len([]rune(src)) || e.Line < 1 || e.Column < 1 {
				t.Fatalf("Parse(%q) error out of place: %+v", src, e)
			}
			_ = e.Snippet()
			return
		}
		canon := x.String()
		y, err := kql.Parse(canon)
		if err != nil {
			t.Fatalf("Parse(%q) = %q, which does not parse: %v", src, canon, err)
		}
		if !ast.Equal(x, y) {
			t.Fatalf("Parse(%q) = %q, which parses to another tree:\n%s", src, canon, asttest.Diff(x, y))
		}
		if again := y.String(); again != canon {
			t.Fatalf("canonical form of %q is not stable: %q then %q", src, canon, again)
		}
	})
}

// BenchmarkParseFTP parses the FTP rule's current query.
func BenchmarkParseFTP(b *testing.B) {
	b.ReportAllocs()
	b.SetBytes(int64(len(ftpCurrent)))
	for b.Loop() {
		if _, err := kql.Parse(ftpCurrent); err != nil {
			b.Fatal(err)
		}
	}
}
