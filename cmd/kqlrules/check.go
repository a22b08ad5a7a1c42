package main

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/lint"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules/builtin"
	"github.com/kqlrules/kqlrules/schemas"
)

// checkCmd is "kqlrules check".
type checkCmd struct {
	Schema    []string `sep:"none" help:"Field types: an ECS table (ecs_fields.tsv format) or an Elasticsearch mapping (JSON), told apart by content; repeat to merge several (a later file wins for a field both give). Default: the built-in table of every ECS field." placeholder:"FILE"`
	SchemaDir string   `name:"schema-dir" help:"A checkout of Elastic's detection-rules: check each rule's query against the schemas it validates that rule against (ECS of the rule's stack versions, its integrations, index patterns, Beats). Default: the checkout holding each rule file, found by walking up from it, if any." placeholder:"DIR" type:"existingdir"`
	JSON      bool     `name:"json" help:"Write one JSON object a line per finding: file, line, column, offset, severity, code, field, message, suggestion, snippet; a skipped rule file gives {\"file\",\"skipped\"}."`
	Query     string   `help:"Check this query instead of files." placeholder:"Q"`
	Disable   []string `sep:"none" help:"Leave out the findings of this code (repeatable)." placeholder:"CODE"`
	Severity  string   `enum:"warning,error" default:"warning" help:"The least severity shown: warning (all findings) or error."`
	Strict    bool     `help:"Exit 1 on warnings too."`
	Files     []string `arg:"" optional:"" name:"PATH" help:"Rule files (.toml, .json; builtin/NAME for a bundled rule), Kibana exports (.ndjson, a rule a line), folders (searched for them recursively; a detection-rules checkout: its rules/ and rules_building_block/), globs, or query files (any other name: the whole file is the query). EQL rules (event queries, sequences, samples) are checked; ES|QL, Lucene and machine learning rules, and an export's exception lists, are skipped, saying so."`
}

// Run checks. The status is 1 when an error was found (or, with
// --strict, a warning), 0 otherwise, and 2 when a file or a schema could
// not be read.
func (c *checkCmd) Run(e *env) error {
	if err := oneInput("check", "--query Q", "PATH...", c.Query != "", len(c.Files) > 0); err != nil {
		return err
	}
	for _, code := range c.Disable {
		if !slices.Contains(lint.Codes(), code) {
			return &exitError{status: 2, msg: fmt.Sprintf("kqlrules check: --disable %s: no such code (codes: %s)", code, strings.Join(lint.Codes(), ", "))}
		}
	}
	var s mapping.Schema
	for _, path := range c.Schema {
		one, err := loadSchema("check", path)
		if err != nil {
			return err
		}
		if s == nil {
			s = mapping.Schema{}
		}
		maps.Copy(s, one)
	}
	ck := lint.NewChecker(s)
	if c.SchemaDir != "" {
		repo, err := schemas.Open(c.SchemaDir)
		if err != nil {
			return &exitError{status: 2, msg: fmt.Sprintf("kqlrules check: --schema-dir: %v", err)}
		}
		ck.UseRepo(repo)
	} else {
		ck.FindRepos()
	}
	status := 0
	var all []lint.Finding
	if c.Query != "" {
		all = ck.Query(c.Query)
		for i := range all {
			all[i].File = "query"
		}
	}
	files, builtins := builtin.Split(c.Files)
	files, ok := findRuleFiles(e, files)
	if !ok {
		status = 2
	}
	skipped := 0
	check := func(name string, fs []lint.Finding, skips []lint.Skip) error {
		for _, sk := range skips {
			skipped++
			if c.JSON {
				if err := writeJSON(e.stdout, skipLine{File: name, Line: sk.Line, Skipped: sk.Why}, ""); err != nil {
					return err
				}
			} else {
				fmt.Fprintln(e.stderr, skipNote(sk.File, sk.Line, sk.Why))
			}
		}
		all = append(all, fs...)
		return nil
	}
	for _, b := range builtins {
		fs, skips := ck.CheckData(b.Name, b.Data)
		if err := check(b.Name, fs, skips); err != nil {
			return err
		}
	}
	for _, f := range files {
		fs, skips, err := ck.CheckFile(f)
		if err != nil {
			fmt.Fprintln(e.stderr, fileProblem(f, err))
			status = 2
			continue
		}
		if err := check(f, fs, skips); err != nil {
			return err
		}
	}
	errs, warns := 0, 0
	for _, f := range all {
		if slices.Contains(c.Disable, f.Code) || (c.Severity == "error" && f.Severity != lint.Error) {
			continue
		}
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
		fmt.Fprintln(e.stdout, f.Diagnostic())
	}
	if !c.JSON && errs+warns > 0 {
		fmt.Fprintf(e.stdout, "%d error(s), %d warning(s)\n", errs, warns)
	}
	if !c.JSON && skipped > 0 {
		fmt.Fprintf(e.stderr, "%d rule file(s) skipped\n", skipped)
	}
	if status == 0 && (errs > 0 || (c.Strict && warns > 0)) {
		status = 1
	}
	if status != 0 {
		return &exitError{status: status}
	}
	return nil
}

// skipLine is the JSON line of a skipped rule with check --json.
type skipLine struct {
	File    string `json:"file"`
	Line    int    `json:"line,omitempty"` // the line of a Kibana export
	Skipped string `json:"skipped"`
}
