package rules_test

import (
	"fmt"
	"log"

	"github.com/kqlrules/kqlrules/rules"
)

// ExampleRule_Program compiles a rule's query once and matches events with
// it, one by one (package replay replays Kibana's schedule instead).
func ExampleRule_Program() {
	r, err := rules.Load("builtin/ftp.toml")
	if err != nil {
		log.Fatal(err)
	}
	prog, err := r.Program()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prog.Match(map[string]any{
		"event.category": "network", "network.transport": "tcp",
		"destination.port": 21, "source.ip": "192.168.1.5", "destination.ip": "198.51.100.7",
	}))
	fmt.Println(prog.Match(map[string]any{
		"event.category": "network", "network.transport": "tcp",
		"destination.port": 21, "source.ip": "192.168.1.5", "destination.ip": "10.1.2.3",
	}))

	bad := &rules.Rule{Name: "broken", Query: "destination.port:(21 or"}
	_, err = bad.Program()
	fmt.Println(err)
	// Output:
	// true
	// false
	// rule broken: query: line 1, col 24: expected 'and', 'or' or ')' after '21 or' but found the end of the query
}
