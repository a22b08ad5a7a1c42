package kqlrules_test

import (
	"fmt"
	"log"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
)

// Example is the README's embedding example: parse once, compile once,
// match many events of any shape.
func Example() {
	query, err := kql.Parse(`network.transport:tcp and destination.port:(20 or 21)
	and not destination.ip:(10.0.0.0/8 or "FE80::/10")`)
	if err != nil {
		log.Fatal(err)
	}
	prog, err := eval.Compile(query) // ECS field types by default
	if err != nil {
		log.Fatal(err)
	}
	events := []map[string]any{
		{"network.transport": "tcp", "destination.port": 21, "destination.ip": "198.51.100.7"},
		{"network": map[string]any{"transport": "tcp"}, "destination": map[string]any{"port": "20", "ip": "fe80::1"}},
		{"network.transport": "tcp", "destination": map[string]any{"port": 21.0, "ip": "::ffff:203.0.113.9"}},
	}
	for _, event := range events {
		fmt.Println(prog.Match(event))
	}
	// Output:
	// true
	// false
	// true
}

// Example_errors shows the errors a query gets: where and why.
func Example_errors() {
	_, err := kql.Parse(`destination.port:(20 or ) and network.transport:tcp`)
	fmt.Println(err)
	query, _ := kql.Parse(`destination.ip:foo`)
	_, err = eval.Compile(query)
	fmt.Println(err)
	// Output:
	// line 1, col 25: expected a value after 'or' but found ')'
	// field destination.ip: "foo" is not a valid IP address: not an IPv4 or IPv6 address (no '.' or ':') (at offset 15)
}
