package ast_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/internal/asttest"
)

func str(text string) *ast.Literal { return &ast.Literal{Kind: ast.String, Text: text} }

func quoted(text string) *ast.Literal {
	return &ast.Literal{Kind: ast.String, Text: text, Quoted: true}
}

func wild(parts ...string) *ast.Literal { return &ast.Literal{Kind: ast.Wildcard, Parts: parts} }

func TestPrint(t *testing.T) {
	for _, tc := range []struct {
		node ast.Node
		want string
	}{
		{&ast.MatchExpr{Field: str("f"), Value: str("a b")}, `f:a b`},
		{&ast.MatchExpr{Field: str("f"), Value: quoted(`say "hi"\`)}, `f:"say \"hi\"\\"`},
		{&ast.MatchExpr{Field: str("f"), Value: str(`a:b(c)*"d"\`)}, `f:a\:b\(c\)\*\"d\"\\`},
		{&ast.MatchExpr{Field: str("f"), Value: wild("a*", "")}, `f:a\**`},
		{&ast.MatchExpr{Field: str("f"), Value: str(" padded ")}, `f:" padded "`}, // unspellable unquoted: quoted
		{&ast.MatchExpr{Field: str("f"), Value: str("true")}, `f:"true"`},
		{&ast.MatchExpr{Field: str("f"), Value: &ast.Literal{Kind: ast.Bool, Bool: true}}, `f:true`},
		{&ast.MatchExpr{Field: str("f"), Value: &ast.Literal{Kind: ast.Null}}, `f:null`},
		{&ast.MatchExpr{Field: str("f"), Value: str("x or y")}, `f:x \or y`},
		{&ast.MatchExpr{Field: str("f"), Value: str("not x")}, `f:\u006eot x`},
		{&ast.MatchExpr{Field: str("f"), Value: str("NOT x")}, `f:\NOT x`},
		{&ast.MatchExpr{Field: str("f"), Value: str("tab\there")}, `f:tab\there`},
		{&ast.OrExpr{Args: []ast.Expr{
			&ast.AndExpr{Args: []ast.Expr{&ast.TextExpr{Value: str("a")}, &ast.OrExpr{Args: []ast.Expr{&ast.TextExpr{Value: str("b")}, &ast.TextExpr{Value: str("c")}}}}},
			&ast.NotExpr{X: &ast.NotExpr{X: &ast.TextExpr{Value: str("d")}}},
		}}, `a and (b or c) or not (not d)`},
		{&ast.MatchExpr{Field: str("f"), Value: &ast.AndValue{Args: []ast.Value{
			&ast.OrValue{Args: []ast.Value{str("a"), str("b")}},
			&ast.NotValue{X: str("c")},
		}}}, `f:((a or b) and not c)`},
		{&ast.NestedExpr{Path: str("items"), X: &ast.RangeExpr{Field: str("n"), Op: ast.Gte, Value: str("5")}}, `items:{ n >= 5 }`},
		{ast.MatchAll(0), `*:*`},
	} {
		if got := ast.Print(tc.node); got != tc.want {
			t.Errorf("Print = %s, want %s", got, tc.want)
		}
	}
}

func TestEqualIgnoresFormatting(t *testing.T) {
	a := &ast.MatchExpr{Field: &ast.Literal{ValuePos: 0, Raw: "f", Text: "f"}, Value: &ast.Literal{ValuePos: 2, Raw: `a\:b`, Text: "a:b"}}
	b := &ast.MatchExpr{Field: &ast.Literal{ValuePos: 5, Raw: "f", Text: "f"}, Value: &ast.Literal{ValuePos: 9, Raw: `a\u003ab`, Text: "a:b"}}
	if !ast.Equal(a, b) {
		t.Errorf("trees differing in positions and raw text are not Equal:\n%s", asttest.Diff(a, b))
	}
	c := &ast.MatchExpr{Field: str("f"), Value: quoted("a:b")}
	if ast.Equal(a, c) {
		t.Errorf("a quoted and an unquoted value compare Equal")
	}
	if asttest.Diff(a, c) == "" {
		t.Errorf("Diff of unequal trees is empty")
	}
}

func TestWalkOrder(t *testing.T) {
	x := &ast.AndExpr{Args: []ast.Expr{
		&ast.MatchExpr{Field: str("f"), Value: &ast.OrValue{Args: []ast.Value{str("a"), str("b")}}},
		&ast.NotExpr{X: &ast.TextExpr{Value: str("c")}},
	}}
	var got []string
	ast.Inspect(x, func(n ast.Node) bool {
		if n == nil {
			got = append(got, "end")
			return false
		}
		got = append(got, fmt.Sprintf("%T", n))
		_, isNot := n.(*ast.NotExpr)
		return !isNot // do not descend into not
	})
	want := "*ast.AndExpr *ast.MatchExpr *ast.Literal end *ast.OrValue *ast.Literal end *ast.Literal end end end *ast.NotExpr end"
	if strings.Join(got, " ") != want {
		t.Errorf("Inspect order:\n got %s\nwant %s", strings.Join(got, " "), want)
	}
}

func TestPosition(t *testing.T) {
	src := "ab\nçd\n\nx"
	for _, tc := range []struct {
		off       ast.Pos
		line, col int
	}{{0, 1, 1}, {2, 1, 3}, {3, 2, 1}, {4, 2, 2}, {6, 3, 1}, {7, 4, 1}, {8, 4, 2}, {99, 4, 2}} {
		p := tc.off.Position(src)
		if p.Line != tc.line || p.Column != tc.col {
			t.Errorf("Pos(%d).Position = %v, want line %d, col %d", tc.off, p, tc.line, tc.col)
		}
	}
}

func TestLiteralHelpers(t *testing.T) {
	for _, tc := range []struct {
		lit           *ast.Literal
		star, leading bool
	}{
		{wild("", ""), true, false},
		{wild("", "", ""), true, true},
		{wild("", "exe"), false, true},
		{wild("a", ""), false, false},
		{str("*"), false, false},
	} {
		if got := tc.lit.IsStar(); got != tc.star {
			t.Errorf("%s IsStar = %v", tc.lit, got)
		}
		if got := tc.lit.HasLeadingWildcard(); got != tc.leading {
			t.Errorf("%s HasLeadingWildcard = %v", tc.lit, got)
		}
	}
}

func ExampleKibanaTree() {
	x := &ast.MatchExpr{
		Field: &ast.Literal{Kind: ast.String, Text: "destination.port"},
		Value: &ast.OrValue{Args: []ast.Value{
			&ast.Literal{Kind: ast.String, Text: "20"},
			&ast.Literal{Kind: ast.String, Text: "21"},
		}},
	}
	b, _ := json.Marshal(ast.KibanaTree(x))
	fmt.Println(x)
	fmt.Println(string(b))
	// Output:
	// destination.port:(20 or 21)
	// {"or":[{"is":["destination.port","20"]},{"is":["destination.port","21"]}]}
}

func ExampleInspect() {
	x := &ast.AndExpr{Args: []ast.Expr{
		&ast.MatchExpr{Field: &ast.Literal{Text: "a"}, Value: &ast.Literal{Text: "1"}},
		&ast.NotExpr{X: &ast.MatchExpr{Field: &ast.Literal{Text: "b"}, Value: &ast.Literal{Text: "2"}}},
	}}
	ast.Inspect(x, func(n ast.Node) bool {
		if m, ok := n.(*ast.MatchExpr); ok {
			fmt.Println("field", m.Field.Text)
		}
		return true
	})
	// Output:
	// field a
	// field b
}
