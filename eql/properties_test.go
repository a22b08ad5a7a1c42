package eql_test

// Parser properties on generated trees: every tree the parser can build
// prints to text that parses back to the same tree, and the canonical form
// is stable. The seed is internal/proptest's ($KQLRULES_SEED, a fixed
// default, or "random"); a failing test prints the command that reruns it.

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/internal/proptest"
)

// pieces are what generated names and strings are made of.
var pieces = []string{
	"a", "Z", "_", "@", "0", "9", ".", " ", "\t", "\n", "\r", "\x00", "\x7f", "é", "𝄞",
	`\`, `"`, "'", "`", "*", "?", "~", "(", "]", "and", "or", "not", "where", "in~", "null", "true",
	`\u{41}`, `"""`, "//", "/*",
}

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
	for n := d.next(5); n > 0; n-- {
		b.WriteString(pieces[d.next(len(pieces))])
	}
	return b.String()
}

func (d *decoder) literal() *eql.Literal {
	switch d.next(6) {
	case 0:
		return &eql.Literal{Kind: eql.Null}
	case 1:
		return &eql.Literal{Kind: eql.Bool, Bool: d.next(2) == 0}
	case 2:
		n := int64(d.next(1 << 20))
		return &eql.Literal{Kind: eql.Int, Int: n, Raw: strconv.FormatInt(n, 10)}
	case 3:
		f := float64(d.next(1<<20)) / 64
		return &eql.Literal{Kind: eql.Decimal, Float: f, Raw: strconv.FormatFloat(f, 'e', -1, 64)}
	}
	return &eql.Literal{Kind: eql.String, Str: d.text()}
}

func (d *decoder) field() *eql.Field {
	f := &eql.Field{Optional: d.next(4) == 0}
	for n := 1 + d.next(3); n > 0; n-- {
		f.Path = append(f.Path, d.text())
	}
	f.Name = strings.Join(f.Path, ".")
	return f
}

var functionNames = func() []string {
	names := []string{"add", "between", "cidrMatch", "concat", "divide", "endsWith", "indexOf", "length",
		"modulo", "multiply", "number", "startsWith", "string", "stringContains", "substring", "subtract"}
	sort.Strings(names)
	return names
}()

// arity is each function's number of arguments and whether it has a ~ form.
var arity = map[string][3]int{
	"add": {2, 2, 0}, "between": {3, 4, 1}, "cidrMatch": {2, 4, 0}, "concat": {1, 3, 0}, "divide": {2, 2, 0},
	"endsWith": {2, 2, 1}, "indexOf": {2, 3, 1}, "length": {1, 1, 0}, "modulo": {2, 2, 0}, "multiply": {2, 2, 0},
	"number": {1, 2, 0}, "startsWith": {2, 2, 1}, "string": {1, 1, 0}, "stringContains": {2, 2, 1},
	"substring": {2, 3, 0}, "subtract": {2, 2, 0},
}

func (d *decoder) exprs(n, depth int) []eql.Expr {
	xs := make([]eql.Expr, n)
	for i := range xs {
		xs[i] = d.expr(depth)
	}
	return xs
}

func (d *decoder) expr(depth int) eql.Expr {
	c := d.next(12)
	if depth <= 0 {
		c %= 2
	}
	switch c {
	case 0:
		return d.literal()
	case 1:
		return d.field()
	case 2, 3:
		return &eql.Binary{Op: eql.Op(d.next(int(eql.OpMod) + 1)), X: d.expr(depth - 1), Y: d.expr(depth - 1)}
	case 4:
		return &eql.Not{X: d.expr(depth - 1)}
	case 5:
		return &eql.Neg{X: d.expr(depth - 1)}
	case 6:
		return &eql.In{X: d.expr(depth - 1), Not: d.next(2) == 0, Insensitive: d.next(2) == 0, List: d.exprs(1+d.next(3), depth-1)}
	case 7:
		m := &eql.Match{X: d.expr(depth - 1), Op: eql.MatchOp(d.next(5))}
		for n := 1 + d.next(3); n > 0; n-- {
			m.Patterns = append(m.Patterns, d.literal())
		}
		return m
	default:
		name := functionNames[d.next(len(functionNames))]
		a := arity[name]
		return &eql.Call{Name: name, Insensitive: a[2] == 1 && d.next(2) == 0, Args: d.exprs(a[0]+d.next(a[1]-a[0]+1), depth-1)}
	}
}

func (d *decoder) query() *eql.Query {
	cond := d.expr(4)
	f := &eql.EventFilter{Cond: cond}
	if d.next(3) == 0 {
		f.Any = true
	} else {
		f.Category = d.text()
	}
	q := &eql.Query{Body: f}
	for n := d.next(3); n > 0; n-- {
		v := int64(d.next(100))
		name := "head"
		if d.next(2) == 0 {
			name = "tail"
		}
		q.Pipes = append(q.Pipes, &eql.Pipe{Name: name, Args: []eql.Expr{&eql.Literal{Kind: eql.Int, Int: v, Raw: strconv.FormatInt(v, 10)}}})
	}
	return q
}

func genCode() gopter.Gen {
	return func(p *gopter.GenParameters) *gopter.GenResult {
		code := make([]int, 200)
		for i := range code {
			code[i] = p.Rng.Intn(1 << 20)
		}
		return gopter.NewGenResult(code, func(v any) gopter.Shrink {
			code := v.([]int)
			cut := len(code) / 2
			return func() (any, bool) {
				if cut == 0 {
					return nil, false
				}
				out := append([]int{}, code[:cut]...)
				cut /= 2
				return out, true
			}
		})
	}
}

func TestGeneratedTreesRoundTrip(t *testing.T) {
	seed := proptest.Seed(t, "./eql")
	params := gopter.DefaultTestParametersWithSeed(seed)
	params.MinSuccessfulTests = 1000
	if raceEnabled {
		params.MinSuccessfulTests = 100
	}
	ps := gopter.NewProperties(params)
	ps.Property("Parse(q.String()) = q, and the canonical form is stable", prop.ForAll(func(code []int) string {
		q := (&decoder{code: code}).query()
		src := q.String()
		back, err := eql.Parse(src)
		if err != nil {
			return fmt.Sprintf("%q does not parse: %v", src, err)
		}
		if d := cmp.Diff(q, back, sameTree); d != "" {
			return fmt.Sprintf("%q parses to another tree:\n%s", src, d)
		}
		if again := back.String(); again != src {
			return fmt.Sprintf("canonical form not stable: %q then %q", src, again)
		}
		return ""
	}, genCode()))
	if !ps.Run(gopter.NewFormatedReporter(false, 100, os.Stdout)) {
		t.Errorf("property failed (seed %d)", seed)
	}
}
