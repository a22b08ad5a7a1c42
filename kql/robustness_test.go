package kql_test

// Robustness of the parser (issue 5): 100,000 nested parentheses, a 10 MB
// query, megabyte literals and very long chains give a clear error or the
// right tree in bounded time, never a crash.

import (
	"errors"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/kql"
)

// wantKQLError checks that err is a *kql.Error placed inside src whose
// message mentions want.
func wantKQLError(t *testing.T, what, src string, err error, want string) {
	t.Helper()
	var e *kql.Error
	if !errors.As(err, &e) {
		t.Fatalf("%s: error %T %v, want a *kql.Error", what, err, err)
	}
	if e.Offset < 0 || e.Offset > len([]rune(src)) || e.Line < 1 || e.Column < 1 {
		t.Errorf("%s: error out of place: offset %d line %d column %d", what, e.Offset, e.Line, e.Column)
	}
	if !strings.Contains(e.Error(), want) {
		t.Errorf("%s: error %q does not mention %q", what, e.Error(), want)
	}
	_ = e.Snippet()
}

func TestHundredThousandParentheses(t *testing.T) {
	const n = 100000
	open, shut := strings.Repeat("(", n), strings.Repeat(")", n)
	for _, tc := range []struct{ name, src string }{
		{"query groups", open + "a:b" + shut},
		{"unclosed query groups", open + "a:b"},
		{"only opening", open},
		{"value groups", "a:" + open + "b" + shut},
		{"not groups", strings.Repeat("not (", n) + "a:b" + shut},
		{"nested braces", strings.Repeat("a:{ ", n) + "b:c" + strings.Repeat(" }", n)},
	} {
		_, err := kql.Parse(tc.src)
		if err == nil {
			t.Errorf("%s: %d levels parse, beyond the default depth limit %d", tc.name, n, kql.DefaultMaxDepth)
			continue
		}
		wantKQLError(t, tc.name, tc.src, err, "")
	}
	// Just within the limit, the tree is right.
	d := kql.DefaultMaxDepth
	x, err := kql.Parse(strings.Repeat("(", d) + "a:b" + strings.Repeat(")", d))
	if err != nil {
		t.Fatalf("%d levels: %v", d, err)
	}
	if x.String() != "a:b" {
		t.Errorf("%d levels of parentheses around a:b give %s", d, x)
	}
	// More closing than opening: an error at the first extra ')'.
	src := "(a:b))" + shut
	_, err = kql.Parse(src)
	wantKQLError(t, "extra closing", src, err, "')'")
}

func TestTenMegabyteQuery(t *testing.T) {
	src := strings.Repeat("a:b or ", 10<<20/7) + "a:b"
	_, err := kql.Parse(src)
	if err == nil {
		t.Fatalf("a 10 MB query parses, beyond the default limit")
	}
	wantKQLError(t, "10 MB query", src, err, "limit")
	// With the limit raised, a long literal parses to itself (4 MB: the
	// lexer is linear, and this keeps the test fast under -race).
	lit := strings.Repeat("x", 4<<20)
	x, err := kql.Parse("f:"+lit, kql.MaxLength(11<<20))
	if err != nil {
		t.Fatalf("a 4 MB literal: %v", err)
	}
	if m, ok := x.(*ast.MatchExpr); !ok || m.Value.(*ast.Literal).Text != lit {
		t.Errorf("a 4 MB literal does not parse to itself")
	}
}

func TestMegabyteLiterals(t *testing.T) {
	big := strings.Repeat("ab c", 1<<18) // 1 MB, with inner spaces
	for _, tc := range []struct{ name, src, want string }{
		{"unquoted", "f:" + big[:len(big)-10], big[:len(big)-10]},
		{"quoted", `f:"` + big[:len(big)-10] + `"`, big[:len(big)-10]},
		{"escaped", "f:" + strings.Repeat(`\:`, 1<<19-10), strings.Repeat(":", 1<<19-10)},
	} {
		x, err := kql.Parse(tc.src)
		if err != nil {
			t.Errorf("%s: %v", tc.name, err)
			continue
		}
		m, ok := x.(*ast.MatchExpr)
		if !ok || m.Value.(*ast.Literal).Text != tc.want {
			t.Errorf("%s: a megabyte literal does not parse to itself", tc.name)
		}
	}
	// A megabyte wildcard: many pieces.
	w := strings.Repeat("a*", 1<<19-10)
	x, err := kql.Parse("f:" + w)
	if err != nil {
		t.Fatalf("megabyte wildcard: %v", err)
	}
	if l := x.(*ast.MatchExpr).Value.(*ast.Literal); l.Kind != ast.Wildcard || len(l.Parts) != 1<<19-9 {
		t.Errorf("megabyte wildcard: kind %v, %d parts", l.Kind, len(l.Parts))
	}
}

func TestLongChains(t *testing.T) {
	const n = 5000
	for _, op := range []string{" or ", " and "} {
		src := strings.TrimSuffix(strings.Repeat("a:b"+op, n), op)
		x, err := kql.Parse(src)
		if err != nil {
			t.Fatalf("%d-term chain: %v", n, err)
		}
		var args int
		switch x := x.(type) {
		case *ast.OrExpr:
			args = len(x.Args)
		case *ast.AndExpr:
			args = len(x.Args)
		}
		if args != n {
			t.Errorf("%d-term%schain has %d arguments", n, op, args)
		}
	}
	// A value list of n values.
	src := "f:(" + strings.TrimSuffix(strings.Repeat("v or ", n), " or ") + ")"
	x, err := kql.Parse(src)
	if err != nil {
		t.Fatalf("%d-value list: %v", n, err)
	}
	if v, ok := x.(*ast.MatchExpr).Value.(*ast.OrValue); !ok || len(v.Args) != n {
		t.Errorf("%d-value list parsed wrongly", n)
	}
}
