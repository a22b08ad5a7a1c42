package eql_test

import (
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/eval"
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

// FuzzLower checks that every event query that parses lowers to the DSL
// (or fails with an *eql.Error) and that eval compiles and runs it over a
// few events without panicking.
func FuzzLower(f *testing.F) {
	for _, tc := range accepted {
		f.Add(tc.in)
	}
	f.Add(`any where length(a) > 1 and between(a, "x", "y") : "q*" and number(b, 16) == 3 and cidrMatch(ip, "10.0.0.0/8")`)
	f.Add(`any where a regex~ "[a-z]+@" and substring(a, -3, -1) like "x?" and a in~ ("A", "b") and not ?c == null`)
	events := []map[string]any{
		{"a": "xAbcY", "b": "0x1f", "ip": "10.1.2.3", "event": map[string]any{"category": "process"}},
		{"a": []any{"x", nil, 3.5}, "b": nil},
		{},
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := eql.Parse(src)
		if err != nil {
			return
		}
		dsl, err := eql.Lower(q, eql.Options{})
		if err != nil {
			var e *eql.Error
			if !errors.As(err, &e) {
				t.Fatalf("Lower(%q) error of type %T", src, err)
			}
			return
		}
		if _, err := dsl.MarshalJSON(); err != nil {
			t.Fatalf("Lower(%q): the DSL does not marshal: %v", src, err)
		}
		prog, err := eval.CompileQuery(dsl)
		if err != nil {
			return
		}
		for _, ev := range events {
			prog.Match(ev)
		}
	})
}

// FuzzVerify checks that Verify never panics on a query that parses and
// that each error it gives is placed inside the query, with the mapping
// of TestVerify (fields of every type the checks tell apart).
func FuzzVerify(f *testing.F) {
	for _, tc := range accepted {
		f.Add(tc.in)
	}
	f.Add(`process where length(pid) > 1 and cidrMatch(md5, "10.0.0.0/8", pid) and pid : 1 and -md5 == 2`)
	f.Add(`sequence by md5 [process where md5 + 1 == 2] by pid [file where substring(md5, "a") == "b"] by source_address until [process where pid in (1, "a", ?x)] by hostname`)
	f.Add(`any where string(multi_field.english) == "x" and between(md5, "a", "b", 1) : "x" and add(pid, md5) == 1`)
	m, err := eql.ReadMapping([]byte(verifyMapping))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, src string) {
		q, err := eql.Parse(src)
		if err != nil {
			return
		}
		n := len([]rune(src))
		for _, e := range eql.Verify(q, m) {
			if e.Offset < 0 || e.Offset > n || e.Line < 1 || e.Column < 1 || e.Msg == "" {
				t.Fatalf("Verify(%q) error out of place: %+v", src, e)
			}
		}
	})
}
