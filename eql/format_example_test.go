package eql_test

import (
	"fmt"

	"github.com/kqlrules/kqlrules/eql"
)

func ExampleFormat() {
	q := eql.MustParse(`sequence by host.id with maxspan=1m [process where process.name : "bash" and (process.args : "-c" or process.parent.name : "sshd")] [network where destination.port == 4444]`)
	fmt.Println(eql.Format(q, 70))
	// Output:
	// sequence by host.id with maxspan=1m
	//   [process where
	//     process.name : "bash"
	//     and (process.args : "-c" or process.parent.name : "sshd")
	//   ]
	//   [network where destination.port == 4444]
}

func ExampleEqual() {
	a := eql.MustParse(`process where process.name=="bash" // a shell`)
	b := eql.MustParse("process where\n  process.name == \"\"\"bash\"\"\"")
	fmt.Println(eql.Equal(a, b), eql.Equal(a, eql.MustParse(`process where process.name == "zsh"`)))
	// Output:
	// true false
}

func ExampleExplainer() {
	q := eql.MustParse(`process where process.name : "BASH" and not process.args_count > 2`)
	x, err := eql.NewExplainer(q, eql.Options{}, nil)
	if err != nil {
		panic(err)
	}
	fmt.Print(x.Explain(map[string]any{
		"event":   map[string]any{"category": "process"},
		"process": map[string]any{"name": "bash", "args_count": 3},
	}))
	// Output:
	// ✗ process where  @1:1
	//   ✓ event.category == "process" (the category)  @1:1  values: "process"
	//   ✗ and  @1:15
	//     ✓ process.name : "BASH"  @1:15  values: "bash"
	//     ✗ not  @1:41
	//       ✓ process.args_count > 2  @1:45  values: 3
}
