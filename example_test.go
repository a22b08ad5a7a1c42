package kqlrules_test

import (
	"errors"
	"fmt"
	"log"

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// Example is the README's embedding example: compile once, match many
// events of any shape.
func Example() {
	prog, err := kqlrules.Compile(`network.transport:tcp and destination.port:(20 or 21)
	and not destination.ip:(10.0.0.0/8 or "FE80::/10")`) // ECS field types by default
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
	_, err := kqlrules.Compile(`destination.port:(20 or ) and network.transport:tcp`)
	fmt.Println(err)
	_, err = kqlrules.Compile(`destination.ip:foo`)
	fmt.Println(err)
	// Output:
	// line 1, col 25: expected a value after 'or' but found ')'
	// field destination.ip: "foo" is not a valid IP address: not an IPv4 or IPv6 address (no '.' or ':') (at offset 15)
}

// ExampleCompile tells the two kinds of error apart: a syntax error is a
// *kql.Error (with a caret snippet), a value the field's type refuses is an
// eval compile error, and the schema decides the field types.
func ExampleCompile() {
	_, err := kqlrules.Compile(`process.name:(cmd.exe or`)
	var syntax *kql.Error
	if errors.As(err, &syntax) {
		fmt.Printf("syntax error at line %d, col %d:\n%s\n", syntax.Line, syntax.Column, syntax.Snippet())
	}

	_, err = kqlrules.Compile(`destination.port:ftp or source.ip:foo`)
	for _, e := range eval.CompileErrors(err) {
		fmt.Printf("%s: %s\n", e.Field, e.Msg)
	}

	prog, err := kqlrules.Compile(`level >= 3`, eval.WithSchema(mapping.Schema{"level": mapping.Long}))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(prog.Match(map[string]any{"level": "4"}), prog.Match(map[string]any{"level": 2}))
	// Output:
	// syntax error at line 1, col 25:
	// process.name:(cmd.exe or
	//                         ^
	// destination.port: "ftp" is not a number, and destination.port is a long field
	// source.ip: "foo" is not a valid IP address: not an IPv4 or IPv6 address (no '.' or ':')
	// true false
}
