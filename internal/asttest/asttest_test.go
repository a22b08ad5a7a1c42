package asttest_test

import (
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/internal/asttest"
	"github.com/kqlrules/kqlrules/kql"
)

func TestDiff(t *testing.T) {
	for _, tc := range []struct {
		name string
		a, b ast.Node
		want string
	}{
		{"equal", parse(t, "f:(a or b)"), parse(t, "f : ( a OR b )"), ""},
		{"quoting", parse(t, "x:1 and f:(a or b) and y:2"), parse(t, `x:1 and f:(a or "b") and y:2`), `
      field: string "f"
      value: *ast.OrValue (2)
        string "a"
-       string "b"
+       string quoted "b"
    *ast.MatchExpr
      field: string "y"
      value: string "2"
`},
		{"wildcard and bool", parse(t, "f:a* and g:true"), parse(t, "f:*a and g:false"), `
  *ast.AndExpr (2)
    *ast.MatchExpr
      field: string "f"
-     value: wildcard parts=["a" ""]
-   *ast.MatchExpr
-     field: string "g"
-     value: bool true
+     value: wildcard parts=["" "a"]
+   *ast.MatchExpr
+     field: string "g"
+     value: bool false
`},
		{"nils", nil, (*ast.AndExpr)(nil), "- nil\n+ (*ast.AndExpr)(nil)\n"},
		{"range", parse(t, "n < 1"), parse(t, "n <= 1"),
			"- *ast.RangeExpr <\n+ *ast.RangeExpr <=\n    field: string \"n\"\n    value: string \"1\"\n"},
	} {
		if got := asttest.Diff(tc.a, tc.b); got != strings.TrimPrefix(tc.want, "\n") {
			t.Errorf("%s: Diff =\n%s\nwant\n%s", tc.name, got, tc.want)
		}
	}
}

func parse(t *testing.T, q string) ast.Expr {
	t.Helper()
	x, err := kql.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	return x
}
