package kqlrules_test

import (
	"errors"
	"testing"

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules"
)

// TestCompileErrors checks that Compile hands back kql's and eval's errors
// as they are, for errors.As, and that rules.(*Rule).Program wraps them.
func TestCompileErrors(t *testing.T) {
	for _, tc := range []struct {
		query   string
		syntax  bool // a *kql.Error
		compile int  // how many *eval.CompileError
		msg     string
	}{
		{query: `destination.port:21`},
		{query: ``}, // match-all, as in Kibana
		{query: `destination.port:(21 or`, syntax: true, msg: "line 1, col 24: expected 'and', 'or' or ')' after '21 or' but found the end of the query"},
		{query: `f:*exe and (`, syntax: true, msg: "line 1, col 13: expected a query after '(' but found the end of the query"},
		{query: `destination.ip:foo`, compile: 1, msg: `field destination.ip: "foo" is not a valid IP address: not an IPv4 or IPv6 address (no '.' or ':') (at offset 15)`},
		{query: `destination.ip:foo or destination.port:ftp`, compile: 2},
	} {
		_, err := kqlrules.Compile(tc.query)
		var pe *kql.Error
		if got := errors.As(err, &pe); got != tc.syntax {
			t.Errorf("Compile(%q): syntax error %v, want %v (%v)", tc.query, got, tc.syntax, err)
		}
		if got := len(eval.CompileErrors(err)); got != tc.compile {
			t.Errorf("Compile(%q): %d compile errors, want %d (%v)", tc.query, got, tc.compile, err)
		}
		if (err != nil) != (tc.syntax || tc.compile > 0) {
			t.Errorf("Compile(%q) = %v", tc.query, err)
		}
		if tc.msg != "" && (err == nil || err.Error() != tc.msg) {
			t.Errorf("Compile(%q) = %v, want %s", tc.query, err, tc.msg)
		}

		r := &rules.Rule{Name: "r", Language: rules.LanguageKuery, Query: tc.query}
		_, rerr := r.Program()
		if (rerr == nil) != (err == nil) || err != nil && rerr.Error() != "rule r: query: "+err.Error() {
			t.Errorf("Program(%q) = %v, want the wrapped %v", tc.query, rerr, err)
		}
		if len(eval.CompileErrors(rerr)) != tc.compile || errors.As(rerr, &pe) != tc.syntax {
			t.Errorf("Program(%q) = %v: the wrapped error is not found by errors.As", tc.query, rerr)
		}
	}
}

func TestProgramLanguage(t *testing.T) {
	for _, lang := range []rules.Language{"", rules.LanguageKuery} {
		r := &rules.Rule{Name: "r", Language: lang, Query: "a:b"}
		if _, err := r.Program(); err != nil {
			t.Errorf("language %q: %v", lang, err)
		}
	}
	r := &rules.Rule{Name: "r", Language: rules.LanguageEQL, Query: `process where true`}
	_, err := r.Program()
	if want := "rule r: language eql is not supported, only kuery"; err == nil || err.Error() != want {
		t.Errorf("language eql: %v, want %s", err, want)
	}
}
