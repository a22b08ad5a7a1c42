package kql_test

// Parser properties on generated trees (issue 5): every tree the parser can
// produce prints to text that parses back to the same tree, the canonical
// form is stable, and "not (not x)" parses to two nots around x.
//
// The properties run with the seed of internal/proptest ($KQLRULES_SEED, a
// fixed default, or "random"); a failing test prints the command that
// reruns it.

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/internal/asttest"
	"github.com/kqlrules/kqlrules/internal/proptest"
	"github.com/kqlrules/kqlrules/kql"
)

func propSeed(t *testing.T) int64 { return proptest.Seed(t, "./kql") }

// pieces are what generated literal text is made of: letters, digits,
// white space of every kind Kibana trims, the characters KQL escapes, the
// keywords in several cases, and text that looks like escapes.
var pieces = []string{
	"a", "b", "z", "A", "0", "7", ".", "-", "_", "@", "/", "é", "日", "𝄞",
	" ", " ", " ", "\u00a0", "\t", "\n", "\r", "\u2003", "\u3000", "\ufeff",
	`\`, `"`, ":", "(", ")", "<", ">", "{", "}", "*", "=",
	"or", "and", "not", "OR", "And", "NOT", "true", "false", "null",
	`\u0041`, `\n`, `\*`, "or ", " and ", "not ", " not",
}

// decoder turns a list of numbers into a tree, so that gopter shrinks the
// tree by shrinking the list.
type decoder struct {
	code []int
	i    int
}

func (d *decoder) next(n int) int {
	if d.i >= len(d.code) {
		return 0
	}
	d.i++
	return d.code[d.i-1] % n
}

func (d *decoder) text() string {
	var b strings.Builder
	for n := d.next(6); n > 0; n-- {
		b.WriteString(pieces[d.next(len(pieces))])
	}
	return b.String()
}

// literal returns a literal as the lexer would build it.
func (d *decoder) literal() *ast.Literal {
	switch d.next(6) {
	case 0:
		return &ast.Literal{Kind: ast.String, Quoted: true, Text: d.text()}
	case 1, 2:
		s := d.text()
		// Unquoted text cannot have outer spaces or be a keyword literal;
		// the printer quotes such text, and so would the parser see it.
		return &ast.Literal{Kind: ast.String, Quoted: !ast.Spellable(s), Text: s}
	case 3:
		parts := make([]string, 2+d.next(2))
		for i := range parts {
			parts[i] = d.text()
		}
		parts[0] = strings.TrimLeftFunc(parts[0], ast.IsTrimSpace)
		parts[len(parts)-1] = strings.TrimRightFunc(parts[len(parts)-1], ast.IsTrimSpace)
		return &ast.Literal{Kind: ast.Wildcard, Parts: parts}
	case 4:
		return &ast.Literal{Kind: ast.Bool, Bool: d.next(2) == 0}
	default:
		return &ast.Literal{Kind: ast.Null}
	}
}

func (d *decoder) value(depth int) ast.Value {
	c := d.next(6)
	if depth <= 0 || c < 3 {
		return d.literal()
	}
	switch c {
	case 3:
		return &ast.NotValue{X: d.value(depth - 1)}
	case 4:
		return &ast.AndValue{Args: d.values(depth - 1)}
	default:
		return &ast.OrValue{Args: d.values(depth - 1)}
	}
}

func (d *decoder) values(depth int) []ast.Value {
	vs := make([]ast.Value, 2+d.next(2))
	for i := range vs {
		vs[i] = d.value(depth)
	}
	return vs
}

func (d *decoder) exprs(depth int) []ast.Expr {
	xs := make([]ast.Expr, 2+d.next(2))
	for i := range xs {
		xs[i] = d.expr(depth)
	}
	return xs
}

// expr returns a query tree as the parser would build it.
func (d *decoder) expr(depth int) ast.Expr {
	c := d.next(10)
	if depth <= 0 && c < 4 {
		c += 4
	}
	switch c {
	case 0:
		return &ast.AndExpr{Args: d.exprs(depth - 1)}
	case 1:
		return &ast.OrExpr{Args: d.exprs(depth - 1)}
	case 2:
		return &ast.NotExpr{X: d.expr(depth - 1)}
	case 3:
		return &ast.NestedExpr{Path: d.literal(), X: d.expr(depth - 1)}
	case 4, 5:
		return &ast.MatchExpr{Field: d.literal(), Value: d.literal()}
	case 6:
		lists := depth
		if lists < 1 {
			lists = 1
		}
		v := &ast.OrValue{Args: d.values(lists)}
		if d.next(3) == 0 {
			return &ast.MatchExpr{Field: d.literal(), Value: &ast.NotValue{X: d.value(lists)}}
		}
		return &ast.MatchExpr{Field: d.literal(), Value: v}
	case 7:
		return &ast.RangeExpr{Field: d.literal(), Op: ast.RangeOp(d.next(4)), Value: d.literal()}
	default:
		return &ast.TextExpr{Value: d.literal()}
	}
}

// genTreeCode generates the numbers a tree is decoded from. It draws them
// straight from gopter's source (gopter's reflective slice generator costs
// more than the parser, ten times more under -race) and shrinks by cutting
// the list short and by zeroing numbers, both of which give smaller trees.
func genTreeCode() gopter.Gen {
	return func(p *gopter.GenParameters) *gopter.GenResult {
		code := make([]int, 160)
		for i := range code {
			code[i] = p.Rng.Intn(1 << 20)
		}
		return gopter.NewGenResult(code, shrinkCode)
	}
}

func shrinkCode(v any) gopter.Shrink {
	code := v.([]int)
	cut, zero := len(code)/2, 0
	return func() (any, bool) {
		if cut > 0 {
			out := append([]int{}, code[:cut]...)
			cut /= 2
			return out, true
		}
		for zero < len(code) && code[zero] == 0 {
			zero++
		}
		if zero >= len(code) {
			return nil, false
		}
		out := append([]int{}, code...)
		out[zero] = 0
		zero++
		return out, true
	}
}

func decodeExpr(code []int) ast.Expr {
	d := &decoder{code: code}
	return d.expr(4)
}

func TestGeneratedTreesRoundTrip(t *testing.T) {
	seed := propSeed(t)
	params := gopter.DefaultTestParametersWithSeed(seed)
	params.MinSuccessfulTests = 1500
	params.MaxShrinkCount = 300
	ps := gopter.NewProperties(params)
	ps.Property("Parse(Print(t)) = t, and the canonical form is stable", prop.ForAll(func(code []int) string {
		x := decodeExpr(code)
		src := ast.Print(x)
		y, err := kql.Parse(src)
		if err != nil {
			return fmt.Sprintf("%q does not parse: %v", src, err)
		}
		if !ast.Equal(x, y) {
			return fmt.Sprintf("%q parses to another tree:\n%s", src, asttest.Diff(x, y))
		}
		if again := ast.Print(y); again != src {
			return fmt.Sprintf("canonical form not stable: %q then %q", src, again)
		}
		return ""
	}, genTreeCode()))
	ps.Property("not (not x) parses to two nots around x", prop.ForAll(func(code []int) string {
		x := decodeExpr(code)
		src := "not (not (" + ast.Print(x) + "))"
		y, err := kql.Parse(src)
		if err != nil {
			return fmt.Sprintf("%q does not parse: %v", src, err)
		}
		if want := (&ast.NotExpr{X: &ast.NotExpr{X: x}}); !ast.Equal(want, y) {
			return fmt.Sprintf("%q parses to another tree:\n%s", src, asttest.Diff(want, y))
		}
		return ""
	}, genTreeCode()))
	if !ps.Run(gopter.NewFormatedReporter(false, 100, os.Stdout)) {
		t.Errorf("property failed (seed %d)", seed)
	}
}
