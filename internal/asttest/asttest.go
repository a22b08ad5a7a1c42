// Package asttest holds test helpers for syntax trees: a readable
// difference of two trees for test failures.
package asttest

import (
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
)

// Diff returns a human-readable difference between a and b as [ast.Equal]
// sees them, or "" when they are equal. It is meant for test failures: the
// two trees are dumped one node a line (without positions and raw text)
// and the lines that differ are marked "-" (a) and "+" (b), between a few
// lines they share.
func Diff(a, b ast.Node) string {
	if ast.Equal(a, b) {
		return ""
	}
	la, lb := Dump(a), Dump(b)
	if slices.Equal(la, lb) { // cannot happen while Dump shows all Equal compares
		return "the trees differ, but not in what Dump shows:\n" + strings.Join(la, "\n")
	}
	pre := 0
	for pre < len(la) && pre < len(lb) && la[pre] == lb[pre] {
		pre++
	}
	suf := 0
	for suf < len(la)-pre && suf < len(lb)-pre && la[len(la)-1-suf] == lb[len(lb)-1-suf] {
		suf++
	}
	const context = 3
	var sb strings.Builder
	for _, l := range la[max(0, pre-context):pre] {
		fmt.Fprintf(&sb, "  %s\n", l)
	}
	for _, l := range la[pre : len(la)-suf] {
		fmt.Fprintf(&sb, "- %s\n", l)
	}
	for _, l := range lb[pre : len(lb)-suf] {
		fmt.Fprintf(&sb, "+ %s\n", l)
	}
	for _, l := range la[len(la)-suf : min(len(la), len(la)-suf+context)] {
		fmt.Fprintf(&sb, "  %s\n", l)
	}
	return sb.String()
}

// Dump writes the tree one node a line, indented by depth, with what
// [ast.Equal] compares: node types, range operators and the kind, quoting,
// text, pieces and value of literals.
func Dump(n ast.Node) []string {
	var out []string
	var dump func(label string, n ast.Node, depth int)
	dump = func(label string, n ast.Node, depth int) {
		line := strings.Repeat("  ", depth) + label
		if n != nil && reflect.ValueOf(n).IsNil() {
			out = append(out, fmt.Sprintf("%s(%T)(nil)", line, n))
			return
		}
		switch n := n.(type) {
		case nil:
			out = append(out, line+"nil")
		case *ast.Literal:
			line += n.Kind.String()
			if n.Quoted {
				line += " quoted"
			}
			if n.Text != "" || n.Kind == ast.String {
				line += fmt.Sprintf(" %q", n.Text)
			}
			if len(n.Parts) > 0 {
				line += fmt.Sprintf(" parts=%q", n.Parts)
			}
			if n.Kind == ast.Bool {
				line += fmt.Sprintf(" %v", n.Bool)
			} else if n.Bool {
				line += " bool=true"
			}
			out = append(out, line)
		case *ast.AndExpr:
			out = append(out, fmt.Sprintf("%s%T (%d)", line, n, len(n.Args)))
			for _, x := range n.Args {
				dump("", x, depth+1)
			}
		case *ast.OrExpr:
			out = append(out, fmt.Sprintf("%s%T (%d)", line, n, len(n.Args)))
			for _, x := range n.Args {
				dump("", x, depth+1)
			}
		case *ast.NotExpr:
			out = append(out, fmt.Sprintf("%s%T", line, n))
			dump("", n.X, depth+1)
		case *ast.MatchExpr:
			out = append(out, fmt.Sprintf("%s%T", line, n))
			dump("field: ", n.Field, depth+1)
			dump("value: ", n.Value, depth+1)
		case *ast.RangeExpr:
			out = append(out, fmt.Sprintf("%s%T %s", line, n, n.Op))
			dump("field: ", n.Field, depth+1)
			dump("value: ", n.Value, depth+1)
		case *ast.NestedExpr:
			out = append(out, fmt.Sprintf("%s%T", line, n))
			dump("path: ", n.Path, depth+1)
			dump("", n.X, depth+1)
		case *ast.TextExpr:
			out = append(out, fmt.Sprintf("%s%T", line, n))
			dump("", n.Value, depth+1)
		case *ast.AndValue:
			out = append(out, fmt.Sprintf("%s%T (%d)", line, n, len(n.Args)))
			for _, x := range n.Args {
				dump("", x, depth+1)
			}
		case *ast.OrValue:
			out = append(out, fmt.Sprintf("%s%T (%d)", line, n, len(n.Args)))
			for _, x := range n.Args {
				dump("", x, depth+1)
			}
		case *ast.NotValue:
			out = append(out, fmt.Sprintf("%s%T", line, n))
			dump("", n.X, depth+1)
		default:
			out = append(out, fmt.Sprintf("%s%T", line, n))
		}
	}
	dump("", n, 0)
	return out
}
