package ast_test

import (
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/kql"
)

// TestEqualCases checks ast.Equal on the edges of its definition. The
// answers are those of go-cmp with the options Equal was once built on
// (kql's TestEqualAgreesWithCmp* compare the two on the corpus and on
// generated trees).
func TestEqualCases(t *testing.T) {
	lit := func(raw, text string, pos ast.Pos) *ast.Literal {
		return &ast.Literal{ValuePos: pos, ValueEnd: pos + ast.Pos(len(raw)), Raw: raw, Text: text}
	}
	match := func(f, v ast.Node) *ast.MatchExpr {
		m := &ast.MatchExpr{}
		if f != nil {
			m.Field = f.(*ast.Literal)
		}
		if v != nil {
			m.Value = v.(ast.Value)
		}
		return m
	}
	for _, tc := range []struct {
		name string
		a, b ast.Node
		want bool
	}{
		{"both nil", nil, nil, true},
		{"nil and a literal", nil, str("a"), false},
		{"nil and a typed nil", nil, (*ast.Literal)(nil), false},
		{"typed nils of one type", (*ast.Literal)(nil), (*ast.Literal)(nil), true},
		{"typed nils of two types", (*ast.AndExpr)(nil), (*ast.OrExpr)(nil), false},
		{"typed nil and a node", (*ast.NotExpr)(nil), &ast.NotExpr{X: &ast.TextExpr{Value: str("a")}}, false},
		{"one pointer", str("a"), str("a"), true},
		{"positions and raw text", lit(`a\:b`, "a:b", 3), lit(`a\u003ab`, "a:b", 9), true},
		{"text", str("a"), str("b"), false},
		{"quoting", str("a"), quoted("a"), false},
		{"kind", str("a"), &ast.Literal{Kind: ast.Null, Text: "a"}, false},
		{"bool value", &ast.Literal{Kind: ast.Bool, Bool: true}, &ast.Literal{Kind: ast.Bool}, false},
		{"bool value of a string", &ast.Literal{Text: "a", Bool: true}, str("a"), false},
		{"text of a wildcard", &ast.Literal{Kind: ast.Wildcard, Parts: []string{"", ""}, Text: "x"}, wild("", ""), false},
		{"wildcard pieces", wild("a", ""), wild("a", "", ""), false},
		{"wildcard piece text", wild("a", ""), wild("", "a"), false},
		{"nil and empty pieces", &ast.Literal{Kind: ast.Wildcard}, &ast.Literal{Kind: ast.Wildcard, Parts: []string{}}, true},
		{"nil and empty arguments", &ast.AndExpr{}, &ast.AndExpr{Args: []ast.Expr{}}, true},
		{"and against or", &ast.AndExpr{Args: []ast.Expr{&ast.TextExpr{Value: str("a")}}}, &ast.OrExpr{Args: []ast.Expr{&ast.TextExpr{Value: str("a")}}}, false},
		{"argument order", &ast.OrValue{Args: []ast.Value{str("a"), str("b")}}, &ast.OrValue{Args: []ast.Value{str("b"), str("a")}}, false},
		{"argument count", &ast.OrValue{Args: []ast.Value{str("a"), str("b")}}, &ast.OrValue{Args: []ast.Value{str("a"), str("b"), str("b")}}, false},
		{"and value against and expression", &ast.AndValue{}, &ast.AndExpr{}, false},
		{"not positions", &ast.NotValue{Not: 1, X: str("a")}, &ast.NotValue{Not: 7, X: str("a")}, true},
		{"nil value", match(str("f"), nil), match(str("f"), nil), true},
		{"nil and set value", match(str("f"), nil), match(str("f"), str("a")), false},
		{"nil field", match(nil, str("a")), match(nil, str("a")), true},
		{"nil value and typed nil value", match(str("f"), nil), match(str("f"), (*ast.Literal)(nil)), false},
		{"value list against literal", match(str("f"), &ast.OrValue{Args: []ast.Value{str("a")}}), match(str("f"), str("a")), false},
		{"range operator", &ast.RangeExpr{Field: str("n"), Op: ast.Lt, Value: str("1")}, &ast.RangeExpr{Field: str("n"), Op: ast.Lte, Value: str("1")}, false},
		{"range operator position", &ast.RangeExpr{Field: str("n"), OpPos: 2, Value: str("1")}, &ast.RangeExpr{Field: str("n"), OpPos: 4, Value: str("1")}, true},
		{"nested braces", &ast.NestedExpr{Path: str("p"), Lbrace: 2, X: &ast.TextExpr{Value: str("a")}, Rbrace: 5}, &ast.NestedExpr{Path: str("p"), X: &ast.TextExpr{Value: str("a")}}, true},
		{"nested path", &ast.NestedExpr{Path: str("p"), X: &ast.TextExpr{Value: str("a")}}, &ast.NestedExpr{Path: str("q"), X: &ast.TextExpr{Value: str("a")}}, false},
		{"text against match", &ast.TextExpr{Value: str("a")}, match(str("a"), str("a")), false},
	} {
		if got := ast.Equal(tc.a, tc.b); got != tc.want {
			t.Errorf("%s: Equal(%v, %v) = %v, want %v", tc.name, tc.a, tc.b, got, tc.want)
		}
		if got := ast.Equal(tc.b, tc.a); got != tc.want {
			t.Errorf("%s: Equal(%v, %v) = %v, want %v (arguments swapped)", tc.name, tc.b, tc.a, got, tc.want)
		}
	}
}

// BenchmarkEqual compares two parses of the FTP rule's current query, equal
// trees that Equal walks to the end.
func BenchmarkEqual(b *testing.B) {
	const q = `event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and source.ip:( 10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 ) and not destination.ip:( 10.0.0.0/8 or 127.0.0.0/8 or 169.254.0.0/16 or 172.16.0.0/12 or 192.168.0.0/16 or 224.0.0.0/4 or "::1" or "FE80::/10" or "FF00::/8" )`
	x, err := kql.Parse(q)
	if err != nil {
		b.Fatal(err)
	}
	y, err := kql.Parse(q)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if !ast.Equal(x, y) {
			b.Fatal("not equal")
		}
	}
}
