package eval

import (
	"fmt"

	"github.com/kqlrules/kqlrules/ast"
)

// checkTree reports the first way in which x is not a tree kql.Parse could
// have built: a nil node, a missing field or value, an and/or with fewer
// than two arguments, a wildcard with fewer than two pieces. Compile
// refuses such hand-built trees with an error instead of failing later.
func checkTree(x ast.Node) error {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("eval: Compile: malformed query tree: "+format, args...)
	}
	switch x := x.(type) {
	case nil:
		return bad("a nil node")
	case *ast.AndExpr:
		return checkArgs(x.Args, "and", bad)
	case *ast.OrExpr:
		return checkArgs(x.Args, "or", bad)
	case *ast.NotExpr:
		if x == nil || x.X == nil {
			return bad("not without an operand")
		}
		return checkTree(x.X)
	case *ast.MatchExpr:
		if x == nil || x.Field == nil || x.Value == nil {
			return bad("a field:value without its field or value")
		}
		if err := checkTree(x.Field); err != nil {
			return err
		}
		return checkTree(x.Value)
	case *ast.RangeExpr:
		if x == nil || x.Field == nil || x.Value == nil {
			return bad("a range without its field or value")
		}
		if err := checkTree(x.Field); err != nil {
			return err
		}
		return checkTree(x.Value)
	case *ast.NestedExpr:
		if x == nil || x.Path == nil || x.X == nil {
			return bad("a nested query without its path or query")
		}
		if err := checkTree(x.Path); err != nil {
			return err
		}
		return checkTree(x.X)
	case *ast.TextExpr:
		if x == nil || x.Value == nil {
			return bad("free text without its value")
		}
		return checkTree(x.Value)
	case *ast.AndValue:
		return checkArgs(x.Args, "and", bad)
	case *ast.OrValue:
		return checkArgs(x.Args, "or", bad)
	case *ast.NotValue:
		if x == nil || x.X == nil {
			return bad("not without an operand")
		}
		return checkTree(x.X)
	case *ast.Literal:
		if x == nil {
			return bad("a nil literal")
		}
		if x.Kind == ast.Wildcard && len(x.Parts) < 2 {
			return bad("a wildcard literal with %d pieces (at least 2)", len(x.Parts))
		}
		if x.Kind > ast.Null {
			return bad("a literal of unknown kind %d", x.Kind)
		}
		return nil
	}
	return bad("an unknown node %T", x)
}

func checkArgs[N ast.Node](args []N, op string, bad func(string, ...any) error) error {
	if len(args) < 2 {
		return bad("%s with %d arguments (at least 2)", op, len(args))
	}
	for _, a := range args {
		if err := checkTree(a); err != nil {
			return err
		}
	}
	return nil
}
