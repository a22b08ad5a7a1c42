package kql_test

// Properties of ast.Format (the multi-line layout of "kqlrules fmt") on
// generated trees, at widths from 8 to 60 so that most trees are broken:
// the text parses to the same tree, formatting is stable, and a line is
// longer than the width only when it holds one clause or value that cannot
// be broken.

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/internal/asttest"
	"github.com/kqlrules/kqlrules/kql"
)

func TestFormatProperties(t *testing.T) {
	seed := propSeed(t)
	params := gopter.DefaultTestParametersWithSeed(seed)
	params.MinSuccessfulTests = 1000
	params.MaxShrinkCount = 300
	ps := gopter.NewProperties(params)
	ps.Property("Format: same tree, stable, lines within the width", prop.ForAll(func(code []int) string {
		x := decodeExpr(code)
		width := 8 + len(code)%53
		if len(code) > 0 {
			width = 8 + code[0]%53
		}
		src := ast.Format(x, width)
		y, err := kql.Parse(src)
		if err != nil {
			return fmt.Sprintf("%q does not parse: %v", src, err)
		}
		if !ast.Equal(x, y) {
			return fmt.Sprintf("%q parses to another tree:\n%s", src, asttest.Diff(x, y))
		}
		if again := ast.Format(y, width); again != src {
			return fmt.Sprintf("not stable at width %d:\n%s\nthen\n%s", width, src, again)
		}
		for _, line := range strings.Split(src, "\n") {
			if utf8.RuneCountInString(line) <= width {
				continue
			}
			if !isLeaf(bareLine(line)) {
				return fmt.Sprintf("line %q is over the width %d and holds more than one clause:\n%s", line, width, src)
			}
		}
		return ""
	}, genTreeCode()))
	if !ps.Run(gopter.NewFormatedReporter(false, 100, os.Stdout)) {
		t.Errorf("property failed (seed %d)", seed)
	}
}

// isLeaf reports whether s, a line stripped by bareLine, holds one clause
// or value that cannot be broken, or opens a group with a field name, or
// closes a group (deep indentation alone can pass a small width).
func isLeaf(s string) bool {
	if strings.HasSuffix(s, "(") || strings.HasSuffix(s, "{") || s == ")" || s == "}" {
		return true
	}
	if x, err := kql.Parse(s); err == nil {
		switch x := x.(type) {
		case *ast.RangeExpr, *ast.TextExpr:
			return true
		case *ast.MatchExpr:
			_, ok := x.Value.(*ast.Literal)
			return ok
		}
	}
	x, err := kql.Parse("f:(" + s + ")")
	if err != nil {
		return false
	}
	m, ok := x.(*ast.MatchExpr)
	if !ok {
		return false
	}
	_, ok = m.Value.(*ast.Literal)
	return ok
}

// bareLine strips a line of its indentation, its leading operator and
// nots, and its trailing operator.
func bareLine(line string) string {
	s := strings.TrimLeft(line, " ")
	s = strings.TrimPrefix(s, "and ")
	s = strings.TrimPrefix(s, "or ")
	for strings.HasPrefix(s, "not ") {
		s = strings.TrimPrefix(s, "not ")
	}
	s = strings.TrimSuffix(s, " or")
	s = strings.TrimSuffix(s, " and")
	return s
}
