package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/mapping"
)

type eqlCmd struct {
	EventCategoryField string   `name:"event-category-field" default:"event.category" help:"The event category field (event_category_field)." placeholder:"FIELD"`
	TimestampField     string   `name:"timestamp-field" default:"@timestamp" help:"The timestamp field events are ordered by (timestamp_field)." placeholder:"FIELD"`
	TiebreakerField    string   `name:"tiebreaker-field" help:"The field that orders events with the same timestamp (tiebreaker_field)." placeholder:"FIELD"`
	Size               int      `default:"10" help:"The most events to return (size)."`
	FetchSize          int      `name:"fetch-size" default:"1000" help:"Accepted as Elasticsearch's fetch_size; it changes no result."`
	ResultPosition     string   `name:"result-position" default:"tail" enum:"head,tail" help:"Which end of the ordered events size keeps: head or tail (result_position)."`
	MaxSamplesPerKey   int      `name:"max-samples-per-key" default:"1" help:"The most samples per join key a sample query returns (max_samples_per_key)."`
	Filter             string   `help:"A Query DSL filter the events must also match (filter), as JSON." placeholder:"DSL_JSON"`
	Mapping            string   `help:"The indices' mapping: {\"properties\": ...}, or GET _mapping's object keyed by index. Fields absent from it are mapped dynamically from the events." placeholder:"FILE" xor:"fields"`
	Schema             string   `help:"Field types as an ECS table or a mapping, as for check." placeholder:"FILE" xor:"fields"`
	Query              string   `arg:"" help:"The EQL query; - reads it from standard input."`
	Events             []string `arg:"" optional:"" help:"NDJSON files, JSON arrays, directories, .gz, - for standard input (the default). A line's _index and _id are metadata."`
}

// Run prints the _eql/search response body for the query over the events:
// hits.events for an event query, hits.sequences for a sequence or a
// sample.
func (c *eqlCmd) Run(e *env) error {
	src, err := e.readInput(c.Query, "")
	if err != nil {
		return failf("eql", "%v", err)
	}
	m, err := c.mapping()
	if err != nil {
		return err
	}
	req := eql.Request{Query: src, EventCategoryField: c.EventCategoryField, TimestampField: c.TimestampField,
		TiebreakerField: c.TiebreakerField, Size: c.Size, FetchSize: c.FetchSize, ResultPosition: c.ResultPosition,
		MaxSamplesPerKey: c.MaxSamplesPerKey}
	if req.Size == 0 {
		req.Size = eql.NoSize
	}
	if c.Filter != "" {
		if req.Filter, err = esdsl.ParseQuery([]byte(c.Filter)); err != nil {
			return failf("eql", "--filter: %v", err)
		}
	}
	// The events are read twice (dynamic mapping, then matching): stdin
	// is kept in memory for that, files are read again.
	paths := c.Events
	if len(paths) == 0 {
		paths = []string{"-"}
	}
	var stdin []byte
	if slices.Contains(paths, "-") {
		if c.Query == "-" {
			return failf("eql", "standard input cannot give both the query and the events")
		}
		if stdin, err = io.ReadAll(e.stdin); err != nil {
			return failf("eql", "reading standard input: %v", err)
		}
	}
	docs := eql.Docs(paths, func() io.Reader { return bytes.NewReader(stdin) })
	resp, err := eql.SearchStream(req, m, docs)
	if err != nil {
		return eqlProblem(src, err)
	}
	return writeJSON(e.stdout, resp, "  ")
}

// mapping reads --mapping or --schema; without either every field is
// mapped dynamically.
func (c *eqlCmd) mapping() (*eql.Mapping, error) {
	if c.Mapping != "" {
		data, err := os.ReadFile(c.Mapping)
		if err == nil {
			var m *eql.Mapping
			if m, err = eql.ReadMapping(data); err == nil {
				return m, nil
			}
		}
		return nil, fail(exitFailed, fileProblem(c.Mapping, err))
	}
	s, err := loadSchema("eql", c.Schema)
	if err != nil || s == nil {
		return nil, err
	}
	return eql.NewMapping(mapping.ECSMapping(s)), nil
}

// eqlProblem ends the command with status 2: Elasticsearch's message for
// an invalid query, at its line and column.
func eqlProblem(src string, err error) error {
	var qe *eql.Error
	if errors.As(err, &qe) {
		return fail(exitFailed, problem{File: "query", Line: qe.Line, Col: qe.Column, Severity: sevError, Msg: qe.Msg, Snippet: qe.Snippet()})
	}
	return failf("eql", "%v", err)
}

// runEQL is dsl --eql: the filter Elasticsearch's EQL planner sends for an
// event query.
func (c *dslCmd) runEQL(e *env) error {
	if c.Query == "" || c.Rule != "" || c.JSONL || c.DataView != "" {
		return failf("dsl", "--eql takes a QUERY (and --schema), not --rule, --jsonl or --data-view")
	}
	src, err := e.readInput(c.Query, "")
	if err != nil {
		return failf("dsl", "%v", err)
	}
	var m *eql.Mapping
	s, err := loadSchema("dsl", c.Schema)
	if err != nil {
		return err
	}
	if s != nil {
		m = eql.NewMapping(mapping.ECSMapping(s))
	}
	_, q, err := eql.Prepare(eql.Request{Query: src}, m)
	if err != nil {
		return eqlProblem(src, err)
	}
	if q == nil {
		return fmt.Errorf("dsl: no query")
	}
	return writePretty(e.stdout, q)
}
