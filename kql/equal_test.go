package kql_test

// ast.Equal is a type switch over the node types; it once was go-cmp with
// cmpOptions. These tests check that the two agree on real and generated
// trees and on their subtrees, so that replacing go-cmp changed nothing.
// go-cmp is a test-only dependency.

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/internal/asttest"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
)

// cmpOptions made go-cmp compare trees as ast.Equal does: positions and the
// raw source text of literals ignored, a nil list equal to an empty one.
var cmpOptions = cmp.Options{
	cmpopts.IgnoreTypes(ast.Pos(0)),
	cmpopts.IgnoreFields(ast.Literal{}, "Raw"),
	cmpopts.EquateEmpty(),
}

// equalCount counts the answers, so that a test can tell that it saw both.
type equalCount struct{ equal, unequal int }

// check compares a and b with ast.Equal, both ways, and with go-cmp, and
// returns a description of any disagreement, or "".
func (c *equalCount) check(a, b ast.Node) string {
	eq := ast.Equal(a, b)
	if back := ast.Equal(b, a); back != eq {
		return fmt.Sprintf("Equal(a, b) = %v but Equal(b, a) = %v on\n%s\n%s", eq, back, a, b)
	}
	if want := cmp.Equal(a, b, cmpOptions); eq != want {
		return fmt.Sprintf("Equal = %v, go-cmp = %v on\n%s\n%s\n%s", eq, want, a, b, cmp.Diff(a, b, cmpOptions))
	}
	if eq {
		c.equal++
	} else {
		c.unequal++
	}
	return ""
}

// pairs checks every small subtree of a (go-cmp takes milliseconds on a
// whole rule's tree) against the node at the same place in b's walk, and
// against the node after it in a's own walk.
func (c *equalCount) pairs(a, b ast.Node) string {
	const small = 8 // nodes
	na, nb := nodes(a), nodes(b)
	for i, x := range na {
		if len(nodes(x)) > small {
			continue
		}
		if i < len(nb) {
			if msg := c.check(x, nb[i]); msg != "" {
				return msg
			}
		}
		if i+1 < len(na) {
			if msg := c.check(x, na[i+1]); msg != "" {
				return msg
			}
		}
	}
	return ""
}

func nodes(x ast.Node) []ast.Node {
	var out []ast.Node
	ast.Inspect(x, func(n ast.Node) bool {
		if n != nil {
			out = append(out, n)
		}
		return true
	})
	return out
}

// reformat changes, in place, everything Equal ignores: positions and raw
// text.
func reformat(x ast.Node) {
	ast.Inspect(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.Literal:
			n.ValuePos, n.ValueEnd, n.Raw = n.ValuePos+3, n.ValueEnd+5, "raw"+n.Raw
		case *ast.NotExpr:
			n.Not += 2
		case *ast.NotValue:
			n.Not += 2
		case *ast.RangeExpr:
			n.OpPos += 4
		case *ast.NestedExpr:
			n.Lbrace, n.Rbrace = n.Lbrace+1, n.Rbrace+6
		}
		return true
	})
}

// TestEqualAgreesWithCmpOnCorpus compares the trees of Elastic's 792 rule
// queries, and their small subtrees, each with its neighbour's.
func TestEqualAgreesWithCmpOnCorpus(t *testing.T) {
	f, err := os.Open(corpus.Path(t, "corpus/elastic_kuery_rules.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var trees []ast.Expr
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	for n := 1; sc.Scan(); n++ {
		var r struct{ Query string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		x, err := kql.Parse(r.Query)
		if err != nil {
			t.Fatalf("line %d: %v", n, err)
		}
		trees = append(trees, x)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	var c equalCount
	for i, x := range trees {
		next := trees[(i+1)%len(trees)]
		if msg := c.check(x, next); msg != "" {
			t.Fatalf("query %d and %d: %s", i+1, i+2, msg)
		}
		if msg := c.pairs(x, next); msg != "" {
			t.Fatalf("query %d and %d: %s", i+1, i+2, msg)
		}
		// Equal trees cost go-cmp the most: one query in eight is
		// compared with its canonical form parsed again.
		if i%8 == 0 {
			if msg := c.check(x, mustParse(t, x.String())); msg != "" {
				t.Fatalf("query %d and its canonical form: %s", i+1, msg)
			}
		}
	}
	if c.equal == 0 || c.unequal == 0 {
		t.Errorf("%d equal and %d unequal pairs: the test does not see both answers", c.equal, c.unequal)
	}
	t.Logf("%d trees: %d equal and %d unequal pairs of trees and subtrees", len(trees), c.equal, c.unequal)
}

// TestEqualAgreesWithCmpOnGeneratedTrees compares generated trees with
// themselves reformatted (equal) and with the tree of a code that differs
// in one number (most often a small change somewhere in the tree).
func TestEqualAgreesWithCmpOnGeneratedTrees(t *testing.T) {
	seed := propSeed(t)
	params := gopter.DefaultTestParametersWithSeed(seed)
	params.MinSuccessfulTests = 200 // go-cmp is slow, the more so under -race
	params.MaxShrinkCount = 300
	ps := gopter.NewProperties(params)
	var c equalCount
	ps.Property("ast.Equal agrees with go-cmp", prop.ForAll(func(code []int) string {
		x := decodeExpr(code)
		y := decodeExpr(code)
		reformat(y)
		if !ast.Equal(x, y) {
			return fmt.Sprintf("a tree and the same reformatted are not Equal:\n%s", asttest.Diff(x, y))
		}
		changed := slices.Clone(code)
		k := code[0] % len(code)
		changed[k] += 1 + code[1]%5
		z := decodeExpr(changed)
		for _, msg := range []string{c.check(x, y), c.check(x, z), c.pairs(x, y), c.pairs(x, z)} {
			if msg != "" {
				return msg
			}
		}
		return ""
	}, genTreeCode()))
	if !ps.Run(gopter.NewFormatedReporter(false, 100, os.Stdout)) {
		t.Errorf("property failed (seed %d)", seed)
	}
	if c.equal == 0 || c.unequal == 0 {
		t.Errorf("%d equal and %d unequal pairs: the test does not see both answers", c.equal, c.unequal)
	}
	t.Logf("%d equal and %d unequal pairs of trees and subtrees", c.equal, c.unequal)
}
