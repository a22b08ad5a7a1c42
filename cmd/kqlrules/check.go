package main

import (
	"fmt"
	"strings"

	"github.com/kqlrules/kqlrules/lint"
)

// checkCmd is "kqlrules check".
type checkCmd struct {
	Schema string   `help:"Field types: an ECS table (ecs_fields.tsv format) or an Elasticsearch mapping (JSON), told apart by content. Default: the built-in table of common ECS fields." placeholder:"FILE"`
	JSON   bool     `name:"json" help:"Write one JSON object a line per finding: file, line, column, offset, severity, code, field, message, suggestion, snippet."`
	Query  string   `help:"Check this query instead of files." placeholder:"Q"`
	Files  []string `arg:"" optional:"" name:"RULE_FILE" help:"Rule files (.toml, .json) or query files (any other name: the whole file is the query)."`
}

// Run checks; the status is 0 when nothing was found, 1 when anything
// was (error or warning), 2 when a file or the schema could not be read.
func (c *checkCmd) Run(e *env) error {
	if (c.Query == "") == (len(c.Files) == 0) {
		return &exitError{status: 2, msg: "kqlrules check: give --query Q or RULE_FILE... (not both)"}
	}
	s, err := loadSchema("check", c.Schema)
	if err != nil {
		return err
	}
	ck := lint.NewChecker(s)
	var all []lint.Finding
	status := 0
	if c.Query != "" {
		all = ck.Query(c.Query)
		for i := range all {
			all[i].File = "query"
		}
	}
	for _, f := range c.Files {
		fs, err := ck.File(f)
		if err != nil {
			fmt.Fprintf(e.stderr, "kqlrules check: %v\n", err)
			status = 2
			continue
		}
		all = append(all, fs...)
	}
	errs, warns := 0, 0
	for _, f := range all {
		if f.Severity == lint.Error {
			errs++
		} else {
			warns++
		}
		if c.JSON {
			if err := writeJSON(e.stdout, f, ""); err != nil {
				return err
			}
			continue
		}
		fmt.Fprintln(e.stdout, f)
		if f.Snippet != "" {
			fmt.Fprintln(e.stdout, "    "+strings.ReplaceAll(f.Snippet, "\n", "\n    "))
		}
	}
	if !c.JSON && len(all) > 0 {
		fmt.Fprintf(e.stdout, "%d error(s), %d warning(s)\n", errs, warns)
	}
	if status == 0 && len(all) > 0 {
		status = 1
	}
	if status != 0 {
		return &exitError{status: status}
	}
	return nil
}
