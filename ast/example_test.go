package ast_test

import (
	"fmt"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/kql"
)

// Example walks a parsed query: the canonical form, and each field test
// with its field, its values and its place in the query.
func Example() {
	src := `process.name : "cmd.exe" AND NOT user.name:(admin OR root) and event.code >= 4688`
	x, err := kql.Parse(src)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(ast.Print(x))
	ast.Inspect(x, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.MatchExpr:
			var values []string
			ast.Inspect(n.Value, func(v ast.Node) bool {
				if lit, ok := v.(*ast.Literal); ok {
					values = append(values, lit.Text)
				}
				return true
			})
			fmt.Printf("%s %q at %s\n", n.Field.Text, values, n.Pos().Position(src))
		case *ast.RangeExpr:
			fmt.Printf("%s %s %s at %s\n", n.Field.Text, n.Op, n.Value.Text, n.Pos().Position(src))
		}
		return true
	})
	// Output:
	// process.name:"cmd.exe" and not user.name:(admin or root) and event.code >= 4688
	// process.name ["cmd.exe"] at line 1, col 1
	// user.name ["admin" "root"] at line 1, col 34
	// event.code >= 4688 at line 1, col 64
}

// ExampleEqual compares queries as trees: formatting does not count,
// quoting and grouping do.
func ExampleEqual() {
	parse := func(q string) ast.Expr {
		x, err := kql.Parse(q)
		if err != nil {
			panic(err)
		}
		return x
	}
	a := parse(`destination.port:(20 or 21) and network.transport:tcp`)
	fmt.Println(ast.Equal(a, parse(`destination.port : ( 20 OR 21 )  AND  network.transport:tcp`)))
	fmt.Println(ast.Equal(a, parse(`(destination.port:(20 or 21)) and network.transport:\u0074cp`)))
	fmt.Println(ast.Equal(a, parse(`destination.port:(20 or 21) and network.transport:"tcp"`)))
	fmt.Println(ast.Equal(a, parse(`destination.port:(21 or 20) and network.transport:tcp`)))
	// Output:
	// true
	// true
	// false
	// false
}
