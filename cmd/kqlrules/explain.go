package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/kql"
)

// explainCmd is "kqlrules explain".
type explainCmd struct {
	Query   string `help:"The query to explain." placeholder:"Q"`
	Rule    string `help:"Explain the query of this rule file." placeholder:"FILE"`
	Version int    `help:"With --rule, explain the query of this version of the rule's history."`
	Schema  string `help:"Field types: an ECS table or an Elasticsearch mapping (see check)." placeholder:"FILE"`
	Events  string `arg:"" name:"EVENT.json" help:"The event: one JSON object, or NDJSON, or a JSON array of events; - for standard input."`
}

// Run prints, for each event, whether it matches and the query tree with
// each node's outcome and values. Status 0 when an event matched, 1 when
// none did, 2 when the command could not run.
func (c *explainCmd) Run(e *env) error {
	q, err := queryOf("explain", c.Query, c.Rule, c.Version)
	if err != nil {
		return err
	}
	x, err := kql.Parse(q)
	if err != nil {
		return syntaxError(err)
	}
	s, err := loadSchema("explain", c.Schema)
	if err != nil {
		return err
	}
	opts := []eval.Option{}
	if s != nil {
		opts = append(opts, eval.WithSchema(s))
	}
	p, err := eval.Compile(x, opts...)
	if err != nil {
		return &exitError{status: 2, msg: "kqlrules explain: " + err.Error()}
	}
	evs, err := readEventFile(e, c.Events)
	if err != nil {
		return err
	}
	matched := false
	for _, ev := range evs {
		t := p.Explain(ev.Fields)
		verdict := "no match"
		if t.Held {
			verdict, matched = "match", true
		}
		fmt.Fprintf(e.stdout, "%s:%d: %s\n%s", ev.File, ev.Line, verdict, t)
	}
	if !matched {
		return &exitError{status: 1}
	}
	return nil
}

// queryOf returns the query of --query, or of --rule (its current query,
// or version's when version is not 0).
func queryOf(cmd, query, rule string, version int) (string, error) {
	switch {
	case (query == "") == (rule == ""):
		return "", &exitError{status: 2, msg: fmt.Sprintf("kqlrules %s: give --query Q or --rule FILE (not both)", cmd)}
	case query != "":
		return query, nil
	}
	r, err := loadRule(rule)
	if err != nil {
		return "", &exitError{status: 2, msg: fmt.Sprintf("kqlrules %s: %v", cmd, err)}
	}
	if version == 0 {
		return r.Query, nil
	}
	v, err := r.History.QueryAt(version)
	if err != nil {
		return "", &exitError{status: 2, msg: fmt.Sprintf("kqlrules %s: %s: %v", cmd, rule, err)}
	}
	return v, nil
}

// readEventFile reads events: a file holding one JSON object (which may
// span lines), or NDJSON, or a JSON array. Unreadable events are an error.
func readEventFile(e *env, name string) ([]events.Record, error) {
	var data []byte
	var err error
	if name == "-" {
		data, err = io.ReadAll(e.stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, &exitError{status: 2, msg: fmt.Sprintf("kqlrules: %v", err)}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var one map[string]any
	if dec.Decode(&one) == nil && one != nil && !dec.More() {
		line := 1 + bytes.Count(data[:len(data)-len(bytes.TrimLeft(data, " \t\r\n\ufeff"))], []byte{'\n'})
		return []events.Record{{Fields: one, File: name, Line: line}}, nil
	}
	var out []events.Record
	for ev, err := range events.Read(name, bytes.NewReader(data)) {
		if err != nil {
			return nil, &exitError{status: 2, msg: fmt.Sprintf("kqlrules: %v", err)}
		}
		out = append(out, ev)
	}
	if len(out) == 0 {
		return nil, &exitError{status: 2, msg: fmt.Sprintf("kqlrules: %s: no event", name)}
	}
	return out, nil
}
