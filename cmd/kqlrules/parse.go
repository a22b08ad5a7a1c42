package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules"
)

type parseCmd struct {
	Query string `arg:"" optional:"" help:"The query; - reads it from standard input (at most 1 MiB, the parser's limit)."`
	File  string `short:"f" help:"Read the query from FILE (- for standard input)." type:"path"`
	Tree  bool   `help:"Print the tree instead of the canonical form: Kibana's parse tree in this project's compact JSON form ({\"is\":[F,V]}, {\"and\":[...]}..., see ast.KibanaTree), not Kibana's KueryNode JSON."`
	JSONL bool   `name:"jsonl" help:"Read JSON lines {\"query\": \"...\"} from standard input (or FILE) and write one JSON line each: {\"canonical\",\"tree\"} or {\"error\"}."`
}

func (c *parseCmd) Run(e *env) error {
	if c.JSONL {
		in := e.stdin
		if c.File != "" && c.File != "-" {
			f, err := os.Open(c.File)
			if err != nil {
				return fail(exitFailed, fileProblem(c.File, err))
			}
			defer f.Close()
			in = f
		}
		return parseJSONL(in, e.stdout)
	}
	if c.Query == "" && c.File == "" {
		return failf("parse", "give a QUERY, -f FILE, or - for standard input")
	}
	src, err := e.readInput(c.Query, c.File)
	if err != nil {
		return fail(exitFailed, fileProblem("", err))
	}
	name := "query"
	if c.File != "" && c.File != "-" {
		name = c.File
	}
	x, err := parseSrc(rules.QuerySource{File: name, Text: src}, exitFindings)
	if err != nil {
		return err
	}
	if c.Tree {
		return writeJSON(e.stdout, ast.KibanaTree(x), "  ")
	}
	_, err = fmt.Fprintln(e.stdout, x)
	return err
}

type jsonError struct {
	Offset  int    `json:"offset"`
	Line    int    `json:"line"`
	Column  int    `json:"column"`
	Message string `json:"message"`
}

type parseResult struct {
	Canonical *string    `json:"canonical,omitempty"`
	Tree      any        `json:"tree,omitempty"`
	Error     *jsonError `json:"error,omitempty"`
}

// parseJSONL answers each line {"query": "..."} with one line, in order. A
// line that is not such an object is answered with an error whose line is
// the input line number and whose offset is -1.
func parseJSONL(r io.Reader, w io.Writer) error {
	return eachJSONLine("parse", r, w, func(n int, line string) any {
		var in struct {
			Query *string `json:"query"`
		}
		if err := json.Unmarshal([]byte(line), &in); err != nil || in.Query == nil {
			msg := fmt.Sprintf("input line %d: want a JSON object with a string \"query\"", n)
			if err != nil {
				msg += ": " + err.Error()
			}
			return parseResult{Error: &jsonError{Offset: -1, Line: n, Message: msg}}
		}
		x, err := kql.Parse(*in.Query)
		if err != nil {
			var pe *kql.Error
			errors.As(err, &pe) // Parse returns only *kql.Error
			return parseResult{Error: &jsonError{Offset: pe.Offset, Line: pe.Line, Column: pe.Column, Message: pe.Msg}}
		}
		s := x.String()
		return parseResult{Canonical: &s, Tree: ast.KibanaTree(x)}
	})
}
