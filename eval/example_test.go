package eval_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
)

func Example() {
	x, err := kql.Parse(`network.transport:tcp and destination.port:(20 or 21) and not destination.ip:(10.0.0.0/8 or "FE80::/10")`)
	if err != nil {
		panic(err)
	}
	p, err := eval.Compile(x) // the built-in ECS default schema
	if err != nil {
		panic(err)
	}
	for _, js := range []string{
		`{"network.transport":"tcp","destination.port":21,"destination.ip":"89.160.20.112"}`,
		`{"network":{"transport":"tcp"},"destination":{"port":"21","ip":"fe80::1"}}`,
		`{"network":{"transport":"TCP"},"destination.port":21}`,
	} {
		var ev map[string]any
		if err := json.Unmarshal([]byte(js), &ev); err != nil {
			panic(err)
		}
		fmt.Println(p.Match(ev))
	}
	// Output:
	// true
	// false
	// false
}

func ExampleProgram_Explain() {
	x, _ := kql.Parse(`event.category:network and source.ip:10.0.0.0/8`)
	p, _ := eval.Compile(x)
	fmt.Print(p.Explain(map[string]any{
		"event":     map[string]any{"category": []any{"network"}},
		"source.ip": "::ffff:192.168.1.1",
	}))
	// Output:
	// ✗ and
	//   ✓ event.category:network  values: "network"
	//   ✗ source.ip:10.0.0.0/8  values: "::ffff:192.168.1.1"
}

func ExampleCompileError() {
	x, _ := kql.Parse(`source.ip:foo`)
	_, err := eval.Compile(x)
	var ce *eval.CompileError
	if errors.As(err, &ce) {
		fmt.Println(ce.Field, ce.Pos, ce.End)
		fmt.Println(ce.Msg)
	}
	// Output:
	// source.ip 10 13
	// "foo" is not a valid IP address: not an IPv4 or IPv6 address (no '.' or ':')
}
