package eval_test

import (
	"fmt"

	"github.com/kqlrules/kqlrules/eval"
)

func ExampleFirst() {
	event := eval.Map{
		"source":           map[string]any{"ip": "10.1.2.3"},
		"destination.port": []any{21, 20},
	}
	for _, name := range []string{"source.ip", "destination.port", "user.name"} {
		v, ok := eval.First(event, eval.NewPath(name))
		fmt.Println(name, v, ok)
	}
	// Output:
	// source.ip 10.1.2.3 true
	// destination.port 21 true
	// user.name <nil> false
}
