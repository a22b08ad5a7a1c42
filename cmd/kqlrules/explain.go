package main

import (
	"fmt"

	"github.com/kqlrules/kqlrules/eval"
)

// explainCmd is "kqlrules explain".
type explainCmd struct {
	Query   string `help:"The query to explain." placeholder:"Q"`
	Rule    string `help:"Explain the query of this rule file." placeholder:"FILE"`
	Version int    `help:"With --rule, explain the query of this version of the rule's history."`
	Schema  string `help:"Field types: an ECS table or an Elasticsearch mapping (see check)." placeholder:"FILE"`
	Events  string `arg:"" name:"EVENT.json" help:"The events: a file of one JSON object (pretty-printed or not), NDJSON or a JSON array, a directory of them (*.ndjson, *.jsonl, *.json), gzip too; - for standard input."`
}

// Run prints, for each event, whether it matches and the query tree with
// each node's outcome and values. Status 0 when an event matched, 1 when
// none did, 2 when the command could not run.
func (c *explainCmd) Run(e *env) error {
	q, err := locateQuery("explain", c.Query, c.Rule, c.Version)
	if err != nil {
		return err
	}
	s, err := loadSchema("explain", c.Schema)
	if err != nil {
		return err
	}
	opts := []eval.Option{}
	if s != nil {
		opts = append(opts, eval.WithSchema(s))
	}
	p, err := q.compile(opts...)
	if err != nil {
		return err
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
