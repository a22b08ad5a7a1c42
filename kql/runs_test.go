package kql_test

import (
	"errors"
	"testing"

	"github.com/kqlrules/kqlrules/kql"
)

// The lexer hands participle runs of simple operands as one token (see
// tokenLexer in lexer.go). These queries sit on the edges of runs: "not"
// inside a run and inside a flat list, a run next to a group, a nested
// query or a list that is not flat, and "not" twice, which no run may hide.
// The trees are Kibana's (the precedence of grammar.peggy: not > and > or).
func TestRunEdges(t *testing.T) {
	accepted := []struct{ query, tree, canonical string }{
		{`a:b and not c:d or e`, `{"or":[{"and":[{"is":["a","b"]},{"not":{"is":["c","d"]}}]},{"is":[null,"e"]}]}`, `a:b and not c:d or e`},
		{`f:(a or not b)`, `{"or":[{"is":["f","a"]},{"not":{"is":["f","b"]}}]}`, `f:(a or not b)`},
		{`a:b or not (c) and not d`, `{"or":[{"is":["a","b"]},{"and":[{"not":{"is":[null,"c"]}},{"not":{"is":[null,"d"]}}]}]}`, `a:b or not c and not d`},
		{`f:(a or b) and not g:(c or not d and e)`, `{"and":[{"or":[{"is":["f","a"]},{"is":["f","b"]}]},{"not":{"or":[{"is":["g","c"]},{"and":[{"not":{"is":["g","d"]}},{"is":["g","e"]}]}]}}]}`, `f:(a or b) and not g:(c or not d and e)`},
		{`not a and not b:c`, `{"and":[{"not":{"is":[null,"a"]}},{"not":{"is":["b","c"]}}]}`, `not a and not b:c`},
		{`a:b and not f:{ c }`, `{"and":[{"is":["a","b"]},{"not":{"nested":["f",{"is":[null,"c"]}]}}]}`, `a:b and not f:{ c }`},
		{`f:(a and not b) or not`, `{"or":[{"and":[{"is":["f","a"]},{"not":{"is":["f","b"]}}]},{"is":[null,"not"]}]}`, `f:(a and not b) or not`},
	}
	for _, tc := range accepted {
		x, err := kql.Parse(tc.query)
		if err != nil {
			t.Errorf("Parse(%q): %v", tc.query, err)
			continue
		}
		if got := kibanaJSON(t, x); got != tc.tree {
			t.Errorf("Parse(%q) tree\n got %s\nwant %s", tc.query, got, tc.tree)
		}
		if got := x.String(); got != tc.canonical {
			t.Errorf("Parse(%q).String() = %q, want %q", tc.query, got, tc.canonical)
		}
	}
	rejected := []struct {
		query string
		col   int
		msg   string
	}{
		{`a or not not b`, 10, `expected a query after 'not' but found 'not'`},
		{`f:(a or not not b)`, 13, `expected a value after 'not' but found 'not'`},
		{`f:(a or b:c)`, 10, `expected 'and', 'or' or ')' after 'b' but found ':'`},
		{`a:b or c:(d) e`, 14, `expected 'and', 'or' or the end of the query after ')' but found 'e'`},
	}
	for _, tc := range rejected {
		_, err := kql.Parse(tc.query)
		var e *kql.Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) = %v, want a *kql.Error", tc.query, err)
			continue
		}
		if e.Line != 1 || e.Column != tc.col || e.Msg != tc.msg {
			t.Errorf("Parse(%q) = %d:%d %q, want 1:%d %q", tc.query, e.Line, e.Column, e.Msg, tc.col, tc.msg)
		}
	}
}
