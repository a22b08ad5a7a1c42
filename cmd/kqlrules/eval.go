package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/mapping"
)

type evalCmd struct {
	JSONL bool `name:"jsonl" required:"" help:"Read JSON lines {\"query\": \"...\", \"event\": {...}, \"schema\": {\"field\": \"type\"}} from standard input and write {\"match\": true|false} or {\"error\": \"...\"} for each, in order."`
}

func (c *evalCmd) Run(e *env) error {
	return evalJSONL(e.stdin, e.stdout)
}

type evalResult struct {
	Match *bool  `json:"match,omitempty"`
	Error string `json:"error,omitempty"`
}

// evalJSONL answers each input line with one output line, in order. Without
// "schema" the built-in ECS default is used; with it, only the fields it
// names are typed (the others are typed from the literal and the value).
func evalJSONL(r io.Reader, w io.Writer) error {
	return eachJSONLine("eval", r, w, func(n int, line string) any { return evalLine(n, line) })
}

func evalLine(n int, line string) evalResult {
	var in struct {
		Query  *string           `json:"query"`
		Event  map[string]any    `json:"event"`
		Schema map[string]string `json:"schema"`
	}
	dec := json.NewDecoder(strings.NewReader(line))
	dec.UseNumber()
	if err := dec.Decode(&in); err != nil {
		return evalResult{Error: fmt.Sprintf("input line %d: not a JSON object with \"query\" and \"event\": %v", n, err)}
	}
	if in.Query == nil || in.Event == nil {
		return evalResult{Error: fmt.Sprintf("input line %d: want \"query\" (a string) and \"event\" (an object)", n)}
	}
	opts := []eval.Option{}
	if in.Schema != nil {
		schema := mapping.Schema{}
		for field, name := range in.Schema {
			t, ok := mapping.ParseType(name)
			if !ok {
				return evalResult{Error: fmt.Sprintf("input line %d: schema: unknown type %q for field %q", n, name, field)}
			}
			schema[field] = t
		}
		opts = append(opts, eval.WithSchema(schema))
	}
	prog, err := compileQuery(*in.Query, opts...)
	if err != nil {
		return evalResult{Error: err.Error()}
	}
	m := prog.Match(in.Event)
	return evalResult{Match: &m}
}
