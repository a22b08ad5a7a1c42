package ast_test

import (
	"testing"

	"github.com/kqlrules/kqlrules/ast"
)

func TestLiteralValue(t *testing.T) {
	tests := []struct {
		lit  *ast.Literal
		want string
	}{
		{&ast.Literal{Kind: ast.String, Text: "a b"}, "a b"},
		{&ast.Literal{Kind: ast.String, Text: `a"b`, Quoted: true}, `a"b`},
		{&ast.Literal{Kind: ast.Wildcard, Parts: []string{"", "ftp", ""}}, "*ftp*"},
		{&ast.Literal{Kind: ast.Wildcard, Parts: []string{"", ""}}, "*"},
		{&ast.Literal{Kind: ast.Bool, Bool: true}, "true"},
		{&ast.Literal{Kind: ast.Bool}, "false"},
		{&ast.Literal{Kind: ast.Null}, "null"},
	}
	for _, tt := range tests {
		if got := tt.lit.Value(); got != tt.want {
			t.Errorf("%#v.Value() = %q, want %q", tt.lit, got, tt.want)
		}
	}
}
