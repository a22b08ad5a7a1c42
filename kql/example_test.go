package kql_test

import (
	"encoding/json"
	"fmt"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/kql"
)

func ExampleParse() {
	x, err := kql.Parse(`network.transport: tcp AND destination.port : (20 OR 21)`)
	if err != nil {
		panic(err)
	}
	fmt.Println(x) // the canonical form
	tree, _ := json.Marshal(ast.KibanaTree(x))
	fmt.Println(string(tree))
	// Output:
	// network.transport:tcp and destination.port:(20 or 21)
	// {"and":[{"is":["network.transport","tcp"]},{"or":[{"is":["destination.port","20"]},{"is":["destination.port","21"]}]}]}
}

func ExampleError_Snippet() {
	_, err := kql.Parse(`source.ip:(10.0.0.0/8 or ) and network.transport:tcp`)
	if e, ok := err.(*kql.Error); ok {
		fmt.Println(e)
		fmt.Println(e.Snippet())
	}
	// Output:
	// line 1, col 26: expected a value after 'or' but found ')'
	// source.ip:(10.0.0.0/8 or ) and network.transport:tcp
	//                          ^
}

func ExampleDisallowLeadingWildcards() {
	_, err := kql.Parse(`process.name:*.exe`, kql.DisallowLeadingWildcards())
	fmt.Println(err)
	// Output:
	// line 1, col 14: Leading wildcards are disabled. See query:allowLeadingWildcards in Advanced Settings.
}
