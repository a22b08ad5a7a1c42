package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

type dslCmd struct {
	Query           string `arg:"" optional:"" help:"The KQL query; - reads it from standard input."`
	Rule            string `help:"Print the search Kibana's detection engine sends for this rule file (TOML or JSON); builtin/NAME for a bundled rule such as builtin/ftp.toml." placeholder:"FILE"`
	DataView        string `name:"data-view" help:"Kibana's field list (JSON: an array of fields, or a data view with \"fields\")." placeholder:"FILE" xor:"fields"`
	Schema          string `help:"Field types: an ECS table or an Elasticsearch mapping, as for check. Default: the built-in table of every ECS field." placeholder:"FILE" xor:"fields"`
	CaseInsensitive bool   `name:"case-insensitive" help:"Add case_insensitive:true to term and wildcard queries on keyword fields."`
	TZ              string `name:"tz" help:"Time zone of date queries (Kibana's dateFormat:tz); a rule's search uses Zulu, as the detection engine does." placeholder:"ZONE"`
	Body            bool   `help:"With --rule: print only the body of the search (size, query, fields, sort), for curl -d." xor:"part"`
	Path            bool   `help:"With --rule: print only the URL path of the search: /INDEX,.../_search?allow_no_indices=true&ignore_unavailable=true." xor:"part"`
	EQL             bool   `name:"eql" help:"QUERY is an EQL event query: print the filter Elasticsearch's EQL search sends (fields from --schema when given)."`
	JSONL           bool   `name:"jsonl" help:"Read JSON lines {\"query\": \"...\", \"fields\": [...] or null, \"config\": {...}} from standard input and write {\"dsl\": {...}} or {\"error\": {\"message\": \"...\"}} for each, in order. Without \"fields\" the command's data view is used; null is no data view."`
}

func (c *dslCmd) Run(e *env) error {
	if err := esdsl.CheckTimeZone(c.TZ); err != nil {
		return failf("dsl", "--tz: %v", err)
	}
	if c.EQL {
		return c.runEQL(e)
	}
	dv, err := c.dataView()
	if err != nil {
		return err
	}
	switch {
	case c.JSONL:
		return dslJSONL(e.stdin, e.stdout, dv)
	case c.Rule != "" && c.Query != "":
		return failf("dsl", "give a QUERY or --rule FILE, not both")
	case c.Rule != "":
		return c.rule(e, dv)
	case c.Body || c.Path:
		return failf("dsl", "--body and --path go with --rule")
	case c.Query == "":
		return failf("dsl", "give a QUERY, - for standard input, or --rule FILE")
	}
	src, err := e.readInput(c.Query, "")
	if err != nil {
		return err
	}
	cfg := c.config(esdsl.Config{AllowLeadingWildcards: true})
	q, err := translate(rules.QuerySource{File: "query", Text: src}, dv, cfg)
	if err != nil {
		return err
	}
	return writePretty(e.stdout, q)
}

// config applies the flags to a base configuration.
func (c *dslCmd) config(cfg esdsl.Config) esdsl.Config {
	if c.CaseInsensitive {
		yes := true
		cfg.CaseInsensitive = &yes
	}
	if c.TZ != "" {
		cfg.DateFormatTZ = c.TZ
	}
	return cfg
}

// dataView reads --data-view or --schema, or takes the default schema's.
func (c *dslCmd) dataView() (*mapping.DataView, error) {
	if c.DataView != "" {
		data, err := os.ReadFile(c.DataView)
		if err == nil {
			var dv *mapping.DataView
			if dv, err = mapping.LoadDataView(data); err == nil {
				return dv, nil
			}
		}
		return nil, fail(exitFailed, fileProblem(c.DataView, err))
	}
	s, err := loadSchema("dsl", c.Schema)
	if err != nil {
		return nil, err
	}
	if s == nil {
		s = mapping.ECS()
	}
	return s.DataView(), nil
}

// translate parses src and builds its DSL; errors end the command with
// status 2 and point at the query.
func translate(qs rules.QuerySource, dv *mapping.DataView, cfg esdsl.Config) (esdsl.Query, error) {
	x, err := parseSrc(qs, exitFailed)
	if err != nil {
		return nil, err
	}
	q, err := esdsl.FromKQL(x, dv, cfg)
	if err != nil {
		return nil, fail(exitFailed, qs.Diagnostics(err)...)
	}
	return q, nil
}

// rule prints the search of a rule's execution: its index patterns, its
// query and filters, the window from the rule's from to its to.
func (c *dslCmd) rule(e *env, dv *mapping.DataView) error {
	r, err := loadRule(c.Rule)
	if err != nil {
		return fail(exitFailed, ruleProblems(c.Rule, err)...)
	}
	src, err := ruleQuery(r, c.Rule, 0)
	if err != nil {
		return err
	}
	cfg := c.config(esdsl.DetectionEngineConfig())
	q, err := translate(src, dv, cfg)
	if err != nil {
		return err
	}
	req, err := replay.SearchRequest(r, q, dv, cfg)
	if err != nil {
		return fail(exitFailed, problem{File: c.Rule, Line: r.Source.Line("rule.filters"), Severity: sevError, Msg: err.Error()})
	}
	switch {
	case c.Body:
		return writePretty(e.stdout, body{req})
	case c.Path:
		_, err := fmt.Fprintln(e.stdout, req.URLPath())
		return err
	}
	return writePretty(e.stdout, req)
}

// body marshals only the body of a search.
type body struct{ *esdsl.SearchRequest }

func (b body) MarshalJSON() ([]byte, error) { return b.MarshalBody() }

// writePretty writes v's JSON (Kibana's bytes) indented by two spaces.
func writePretty(w io.Writer, v json.Marshaler) error {
	raw, err := v.MarshalJSON()
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := json.Indent(&buf, raw, "", "  "); err != nil {
		return err
	}
	buf.WriteByte('\n')
	_, err = w.Write(buf.Bytes())
	return err
}

type dslError struct {
	Message string `json:"message"`
}

type dslResult struct {
	DSL   json.RawMessage `json:"dsl,omitempty"`
	Error *dslError       `json:"error,omitempty"`
}

// dslJSONL answers each line {"query", "fields", "config"} with one line
// (esdsl.TranslateLine).
func dslJSONL(r io.Reader, w io.Writer, dv *mapping.DataView) error {
	return eachJSONLine("dsl", r, w, func(n int, line string) any {
		raw, err := esdsl.TranslateLine(n, line, dv)
		if err != nil {
			return dslResult{Error: &dslError{Message: err.Error()}}
		}
		return dslResult{DSL: raw}
	})
}
