package eql_test

import (
	"encoding/json"
	"fmt"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/eval"
)

func ExampleParse() {
	q, err := eql.Parse(`process where process.name : "cmd.exe" and not user.name in ("SYSTEM", "LOCAL SERVICE")`)
	if err != nil {
		panic(err)
	}
	fmt.Println(q)

	_, err = eql.Parse(`process where process.name == 'cmd.exe'`)
	fmt.Println(err)
	// Output:
	// process where process.name : "cmd.exe" and not user.name in ("SYSTEM", "LOCAL SERVICE")
	// line 1:32: Use double quotes ["] to define string literals, not single quotes [']
}

func ExampleLower() {
	q := eql.MustParse(`process where startsWith~(process.name, "power") and length(process.command_line) > 100`)
	dsl, err := eql.Lower(q, eql.Options{})
	if err != nil {
		panic(err)
	}
	// Elasticsearch runs the length comparison as a Painless script;
	// eval runs it natively.
	prog, err := eval.CompileQuery(dsl)
	if err != nil {
		panic(err)
	}
	long := fmt.Sprintf("%0100d", 0)
	fmt.Println(prog.Match(map[string]any{"event.category": "process", "process.name": "PowerShell.exe", "process.command_line": long + " -enc"}))
	fmt.Println(prog.Match(map[string]any{"event.category": "process", "process.name": "PowerShell.exe", "process.command_line": "short"}))
	// Output:
	// true
	// false
}

func ExampleSearch() {
	docs := []eql.Doc{
		{Index: "logs", ID: "1", Source: map[string]any{"@timestamp": "2024-01-01T00:00:02Z", "event": map[string]any{"category": "process"}, "process": map[string]any{"name": "cmd.exe"}}},
		{Index: "logs", ID: "2", Source: map[string]any{"@timestamp": "2024-01-01T00:00:01Z", "event": map[string]any{"category": "process"}, "process": map[string]any{"name": "CMD.EXE"}}},
		{Index: "logs", ID: "3", Source: map[string]any{"@timestamp": "2024-01-01T00:00:03Z", "event": map[string]any{"category": "network"}}},
	}
	resp, err := eql.Search(eql.Request{Query: `process where process.name : "cmd.exe"`}, nil, docs)
	if err != nil {
		panic(err)
	}
	for _, e := range resp.Hits.Events {
		fmt.Println(e.ID)
	}
	// Output:
	// 2
	// 1
}

func ExampleMatcher() {
	plan, err := eql.CompileSequence(eql.Request{Query: `sequence by user with maxspan=1m
  [authentication where event.outcome == "failure"]
  [authentication where event.outcome == "success"]`}, nil)
	if err != nil {
		panic(err)
	}
	m := plan.NewMatcher()
	for i, line := range []string{
		`{"@timestamp": "2024-01-01T00:00:00Z", "event.category": "authentication", "event.outcome": "failure", "user": "bob"}`,
		`{"@timestamp": "2024-01-01T00:00:10Z", "event.category": "authentication", "event.outcome": "success", "user": "bob"}`,
		`{"@timestamp": "2024-01-01T00:05:00Z", "event.category": "authentication", "event.outcome": "failure", "user": "eve"}`,
	} {
		var src map[string]any
		if err := json.Unmarshal([]byte(line), &src); err != nil {
			panic(err)
		}
		ev, ok := plan.Event(eql.Doc{ID: fmt.Sprint(i), Source: src}, int64(i))
		if !ok {
			continue // no timestamp
		}
		if err := m.Add(&ev); err != nil {
			panic(err)
		}
	}
	for _, s := range m.Drain() {
		fmt.Println(s.JoinKeys, s.Events[0].Doc.ID, s.Events[1].Doc.ID)
	}
	fmt.Println("pending:", m.Pending())
	// Output:
	// [bob] 0 1
	// pending: 1
}
