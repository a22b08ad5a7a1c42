package main

import (
	"fmt"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
)

// explainCmd is "kqlrules explain".
type explainCmd struct {
	Query   string `help:"The query to explain." placeholder:"Q"`
	EQL     string `name:"eql" help:"The EQL event query or sequence to explain (a rule file of language eql is explained as EQL too)." placeholder:"Q"`
	Rule    string `help:"Explain the query of this rule file." placeholder:"FILE"`
	Version int    `help:"With --rule, explain the query of this version of the rule's history."`
	Schema  string `help:"Field types: an ECS table or an Elasticsearch mapping (see check)." placeholder:"FILE"`
	Events  string `arg:"" name:"EVENT.json" help:"The events: a file of one JSON object (pretty-printed or not), NDJSON or a JSON array, a directory of them (*.ndjson, *.jsonl, *.json), gzip too; - for standard input."`
}

// Run prints, for each event, whether it matches and the query tree with
// each node's outcome and values. Status 0 when an event matched, 1 when
// none did, 2 when the command could not run.
func (c *explainCmd) Run(e *env) error {
	if c.EQL != "" || c.eqlRule() {
		return c.runEQL(e)
	}
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
	p, err := compileSrc(q, opts...)
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

// eqlRule reports whether --rule names a rule file of language eql.
func (c *explainCmd) eqlRule() bool {
	if c.Rule == "" || c.Query != "" || c.Version != 0 {
		return false
	}
	r, err := loadRule(c.Rule)
	return err == nil && r.Language == rules.LanguageEQL
}

// runEQL explains an EQL event query: the query lowered to the DSL, each
// of its predicates on its own (eql.Explainer), the fields the events
// hold and the schema does not map mapped dynamically as Elasticsearch
// would, the others typed by --schema or, by default, ECS. Positions are
// the query's, or the rule file's.
func (c *explainCmd) runEQL(e *env) error {
	src, name := c.EQL, "query"
	var val *rules.Value
	var settings rules.EQLSettings
	if c.EQL == "" {
		r, err := loadRule(c.Rule)
		if err != nil {
			return fail(exitFailed, ruleProblems(c.Rule, err)...)
		}
		src, name, settings = r.Query, c.Rule, r.EQL()
		if v, err := r.Source.Value("rule.query"); err == nil && v.Text == src {
			val = v
		}
	} else if c.Query != "" || c.Rule != "" {
		return failf("explain", "give --eql Q, --query Q or --rule FILE, one of them")
	}
	qs := rules.QuerySource{File: name, Text: src, Value: val}
	q, err := eql.Parse(src)
	if err != nil {
		return fail(exitFailed, qs.Diagnostics(err)...)
	}
	// Field types as for KQL: --schema, or every ECS field.
	s := mapping.ECS()
	if c.Schema != "" {
		var err error
		if s, err = loadSchema("explain", c.Schema); err != nil {
			return err
		}
	}
	m := eql.NewMapping(mapping.ECSMapping(s))
	evs, err := readEventFile(e, c.Events)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		m.Dynamic(ev.Fields)
	}
	if _, ok := q.Body.(*eql.Sequence); ok {
		return c.explainSequence(e, src, settings, qs, m, evs)
	}
	x, err := eql.NewExplainer(q, eql.Options{Fields: m, EventCategoryField: settings.EventCategoryOverride}, m.Eval())
	if err != nil {
		return fail(exitFailed, qs.Diagnostics(err)...)
	}
	matched := false
	for _, ev := range evs {
		t := x.Explain(ev.Fields)
		if val != nil {
			inFile(t, val)
		}
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

// explainSequence explains a sequence over the events (eql.ExplainSequence):
// each event in event time, the stages it matched, which pending sequence
// it started or extended, and why pending sequences were dropped. Events
// are named FILE:LINE. Status 0 when a sequence was found, 1 otherwise.
func (c *explainCmd) explainSequence(e *env, src string, settings rules.EQLSettings, qs rules.QuerySource, m *eql.Mapping, evs []events.Record) error {
	docs := make([]eql.Doc, len(evs))
	for i, ev := range evs {
		docs[i] = eql.Doc{Index: ev.File, ID: fmt.Sprintf("%s:%d", ev.File, ev.Line), Source: ev.Fields}
	}
	req := eql.Request{Query: src, EventCategoryField: settings.EventCategoryOverride, TimestampField: settings.TimestampField, TiebreakerField: settings.TiebreakerField}
	x, err := eql.ExplainSequence(req, m, docs)
	if err != nil {
		return fail(exitFailed, qs.Diagnostics(err)...)
	}
	fmt.Fprint(e.stdout, x)
	if len(x.Found) == 0 {
		return &exitError{status: 1}
	}
	return nil
}

// inFile moves the positions of an explanation from the query to the
// rule file holding it.
func inFile(t *eql.Explanation, v *rules.Value) {
	p := v.Position(t.Position.Offset)
	t.Position.Line, t.Position.Column = p.Line, p.Column
	for _, c := range t.Children {
		inFile(c, v)
	}
}
