package ast_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/kql"
)

// TestFields lists the references of parsed queries as
// "Type name[nested path]|scope" items.
func TestFields(t *testing.T) {
	for _, tc := range []struct {
		query string
		want  string
	}{
		{"", "Match *|"},
		{"f:a", "Match f|"},
		{"f:(a or b and not c)", "Match f|"},
		{"f:a and not (g < 3 or h:*)", "Match f| Range g| Match h|"},
		{"free text", "Text |"},
		{"*:x or f:a text", "Match *| Match f|"},
		{"file.hash.*:* and *.name:x", "Match file.hash.*| Match *.name|"},
		{"true:x and null:y", "Match true| Match null|"},
		{"items:{ name:x and stock > 10 } and f:a",
			"Nested items| Match items.name[items]|items Range items.stock[items]|items Match f|"},
		{"a:{ b.c:{ d:1 } or e:2 } and a:{ z:3 }",
			"Nested a| Nested a.b.c[a]|a Match a.b.c.d[b.c]|a.b.c Match a.e[a]|a Nested a| Match a.z[a]|a"},
		{"o*:{ n*:x }", "Nested o*| Match o*.n*[o*]|o*"},
		{"items:{ free }", "Nested items| Text [items]|items"},
	} {
		x, err := kql.Parse(tc.query)
		if err != nil {
			t.Fatalf("%q: %v", tc.query, err)
		}
		var got []string
		for r := range ast.Fields(x) {
			s := strings.TrimPrefix(fmt.Sprintf("%T", r.Node), "*ast.")
			s = strings.TrimSuffix(s, "Expr") + " " + r.Name()
			if r.Nested != nil {
				s += "[" + ast.Print(r.Nested.Path) + "]"
			}
			got = append(got, s+"|"+r.Scope)
			if (r.Field == nil) != (s[:4] == "Text") {
				t.Errorf("%q: %s: Field %v", tc.query, s, r.Field)
			}
		}
		if g := strings.Join(got, " "); g != tc.want {
			t.Errorf("Fields(%q):\n got %s\nwant %s", tc.query, g, tc.want)
		}
	}
}

// TestFieldsStops checks that breaking out of the loop stops the walk, also
// inside a nested query.
func TestFieldsStops(t *testing.T) {
	x, err := kql.Parse("a:{ b:1 and c:2 } and d:3")
	if err != nil {
		t.Fatal(err)
	}
	for stop := 1; stop <= 4; stop++ {
		n := 0
		for range ast.Fields(x) {
			n++
			if n == stop {
				break
			}
		}
		if n != stop {
			t.Errorf("break after %d references: the loop ran %d times", stop, n)
		}
	}
}
