package eval_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eval"
)

// TestCompileMalformedTree checks that hand-built trees the parser cannot
// produce are refused with an error, never a panic.
func TestCompileMalformedTree(t *testing.T) {
	lit := &ast.Literal{Kind: ast.String, Text: "a"}
	var nilMatch *ast.MatchExpr
	for _, x := range []ast.Expr{
		nil,
		nilMatch,
		&ast.AndExpr{},
		&ast.OrExpr{Args: []ast.Expr{&ast.TextExpr{Value: lit}}},
		&ast.AndExpr{Args: []ast.Expr{&ast.TextExpr{Value: lit}, nil}},
		&ast.NotExpr{},
		&ast.MatchExpr{Field: lit},
		&ast.MatchExpr{Value: lit},
		&ast.MatchExpr{Field: lit, Value: &ast.OrValue{Args: []ast.Value{lit}}},
		&ast.MatchExpr{Field: lit, Value: &ast.Literal{Kind: ast.Wildcard}},
		&ast.RangeExpr{Field: lit},
		&ast.NestedExpr{Path: lit},
		&ast.TextExpr{},
	} {
		p, err := eval.Compile(x)
		if err == nil || !strings.Contains(err.Error(), "malformed query tree") {
			t.Errorf("Compile(%#v) = %v, %v; want a malformed-tree error", x, p, err)
		}
	}
}

func TestCompileErrors(t *testing.T) {
	one := &eval.CompileError{Field: "a", Msg: "x"}
	two := &eval.CompileError{Field: "b", Msg: "y"}
	if got := eval.CompileErrors(one); len(got) != 1 || got[0] != one {
		t.Errorf("CompileErrors(one) = %v", got)
	}
	if got := eval.CompileErrors(eval.ErrorList{one, two}); len(got) != 2 || got[1] != two {
		t.Errorf("CompileErrors(list) = %v", got)
	}
	if got := eval.CompileErrors(fmt.Errorf("wrapped: %w", one)); len(got) != 1 {
		t.Errorf("CompileErrors(wrapped) = %v", got)
	}
	if got := eval.CompileErrors(errors.New("other")); got != nil {
		t.Errorf("CompileErrors(other) = %v", got)
	}
}
