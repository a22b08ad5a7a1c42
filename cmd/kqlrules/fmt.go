package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/internal/atomicfile"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/lint"
	"github.com/kqlrules/kqlrules/rules"
)

// fmtCmd is "kqlrules fmt".
type fmtCmd struct {
	Query string   `help:"Format this query." placeholder:"Q"`
	Check bool     `help:"Report each file whose query is not in canonical form (FILE:LINE:COL of the first difference), and exit 1 if there is one."`
	Write bool     `short:"w" help:"Rewrite the query of each file in place, keeping the rest of the file byte for byte (and its line endings); a multi-line query goes into a TOML ''' string. Each file is replaced at once (a temporary file renamed over it, keeping its mode); a symbolic link to a file outside the folders given is not followed."`
	Width int      `help:"Line width: a longer query is laid out one clause a line (see ast.Format)." default:"100"`
	Files []string `arg:"" optional:"" name:"FILE" help:"Rule files (.toml, .json), Kibana exports (.ndjson, one rule a line), folders of them (a detection-rules checkout: its rules/ and rules_building_block/), or query files (any other name, such as .kql: the whole file is the query). KQL and EQL rules (event queries, sequences, samples) are formatted; rules in another language (ES|QL, Lucene, machine learning) are skipped with a note."`
}

// Run formats; status 1 when --check finds a query not in canonical form,
// 2 when a file cannot be read, parsed or safely rewritten.
func (c *fmtCmd) Run(e *env) error {
	if err := oneInput("fmt", "--query Q", "FILE...", c.Query != "", len(c.Files) > 0); err != nil {
		return err
	}
	if c.Query != "" {
		if c.Write {
			return failf("fmt", "-w needs files")
		}
		q := rules.QuerySource{File: "query", Text: c.Query}
		x, err := parseSrc(q, exitFailed)
		if err != nil {
			return err
		}
		canon := ast.Format(x, c.Width)
		if c.Check {
			if text := strings.TrimSpace(c.Query); text != canon {
				l, col, _ := q.Position(ast.Pos(firstDiff(c.Query, canon)))
				fmt.Fprintln(e.stdout, problem{File: "query", Line: l, Col: col, Severity: sevWarning, Msg: "the query is not in canonical form", Code: "fmt"})
				return &exitError{status: exitFindings}
			}
			return nil
		}
		fmt.Fprintln(e.stdout, canon)
		return nil
	}
	files, ok := findRuleFiles(e, c.Files)
	status := exitOK
	if !ok {
		status = exitFailed
	}
	roots := atomicfile.Roots(c.Files)
	for _, name := range files {
		findings, failed := c.file(e, name, roots)
		if failed {
			status = exitFailed
		}
		if len(findings) > 0 && c.Check {
			for _, p := range findings {
				fmt.Fprintln(e.stdout, p)
			}
			if status == exitOK {
				status = exitFindings
			}
		}
	}
	if status != exitOK {
		return &exitError{status: status}
	}
	return nil
}

// firstDiff returns the rune offset of the first difference of a and b.
func firstDiff(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	i := 0
	for i < len(ra) && i < len(rb) && ra[i] == rb[i] {
		i++
	}
	return i
}

// file formats one file with rules.Format and, with -w, writes it back.
// It returns the findings --check reports (a query not in canonical
// form) and whether the file failed (problems printed on stderr); a rule
// without a KQL query is skipped with a note on stderr.
func (c *fmtCmd) file(e *env, name string, roots []string) (findings []problem, failed bool) {
	report := func(ps ...problem) {
		for _, p := range ps {
			fmt.Fprintln(e.stderr, p)
		}
		failed = true
	}
	data, err := rules.ReadFile(name)
	if err != nil {
		report(fileProblem(name, err))
		return nil, true
	}
	out, results := rules.Format(name, data, c.Width)
	for _, fq := range results {
		shift := max(fq.Line-1, 0)
		at := func(ps []problem) []problem {
			for i := range ps {
				if ps[i].Line > 0 {
					ps[i].Line += shift
				}
			}
			return ps
		}
		var pe *kql.Error
		var ee *eql.Error
		switch {
		case fq.NotRule != "":
			fmt.Fprintln(e.stderr, skipNote(name, fq.Line, fq.NotRule))
		case fq.NotKQL: // neither KQL nor EQL: check's reason (the replay's)
			fmt.Fprintln(e.stderr, skipNote(name, fq.Line, lint.Skipped(fq.Rule)))
		case fq.Err != nil && fq.Query != nil && (errors.As(fq.Err, &pe) || errors.As(fq.Err, &ee)):
			report(at(rules.QuerySource{File: name, Text: fq.Query.Text, Value: fq.Query}.Diagnostics(fq.Err))...)
		case fq.Err != nil && fq.Query != nil:
			report(problem{File: name, Line: fq.Line, Severity: sevError, Msg: fq.Err.Error()})
		case fq.Err != nil:
			report(ruleProblems(name, fq.Err)...)
		case fq.Kept != "":
			if !c.Check && !c.Write {
				fmt.Fprintln(e.stdout, strings.TrimSpace(fq.Query.Text))
			}
			l, col, _ := rules.QuerySource{File: name, Text: fq.Query.Text, Value: fq.Query}.Position(0)
			fmt.Fprintln(e.stderr, problem{File: name, Line: l + shift, Col: col, Severity: sevNote, Msg: "not formatted: " + fq.Kept})
		default:
			if !c.Check && !c.Write {
				fmt.Fprintln(e.stdout, fq.Canonical)
			}
			if fq.Changed {
				l, col, _ := rules.QuerySource{File: name, Text: fq.Query.Text, Value: fq.Query}.Position(ast.Pos(fq.Diff))
				findings = append(findings, problem{File: name, Line: l + shift, Col: col, Severity: sevWarning, Msg: "the query is not in canonical form", Code: "fmt"})
			}
		}
	}
	if !c.Write || bytes.Equal(out, data) {
		return findings, failed
	}
	target, err := atomicfile.Target(name, roots)
	if err == nil {
		err = atomicfile.WriteFile(target, out, 0o644)
	}
	if err != nil {
		report(problem{File: name, Severity: sevError, Msg: "not rewritten: " + describeWriteError(name, err)})
	}
	return findings, failed
}

// describeWriteError is the reason of a failed write, without the file's
// name when the error repeats it.
func describeWriteError(name string, err error) string {
	var pe *os.PathError
	if errors.As(err, &pe) && pe.Path == name {
		return pe.Op + ": " + pe.Err.Error()
	}
	return err.Error()
}
