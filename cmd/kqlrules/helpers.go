package main

// The command's shared helpers: reading queries, rules, schemas and events
// from the command line, the JSON-lines loop, and error printing.
//
// One way to name a place and fail, for every subcommand: problems are
// printed as "FILE:LINE:COL: severity: message [code]" (file lines and
// columns, also for a query inside a rule file), with the line and a caret
// under the spot, and the command ends with one of three statuses.

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	_ "time/tzdata" // time zone names for --tz wherever the binary runs

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/lint"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
	"github.com/kqlrules/kqlrules/ruleset"
)

// loadRule reads a rule file, or a bundled rule named builtin/NAME when no
// such file exists.
var loadRule = builtin.LoadPath

// locateQuery returns the query of --query, or of --rule (its current
// query, or version's when version is not 0) with its place in the rule
// file. A rule whose language is not KQL, or that cannot be read, ends the
// command with status 2.
func locateQuery(cmd, query, rule string, version int) (rules.QuerySource, error) {
	if err := oneInput(cmd, "--query Q", "--rule FILE", query != "", rule != ""); err != nil {
		return rules.QuerySource{}, err
	}
	switch {
	case query != "":
		return rules.QuerySource{File: "query", Text: query}, nil
	}
	r, err := loadRule(rule)
	if err != nil {
		return rules.QuerySource{}, fail(exitFailed, ruleProblems(rule, err)...)
	}
	return ruleQuery(r, rule, version)
}

// ruleQuery returns the query of rule r read from file name: its current
// query, or version's when version is not 0.
func ruleQuery(r *rules.Rule, name string, version int) (rules.QuerySource, error) {
	if !r.IsKQL() {
		return rules.QuerySource{}, fail(exitFailed, problem{File: name, Line: r.Source.Line("rule.language"), Severity: sevError,
			Msg: fmt.Sprintf("the rule's language is %q: only kuery (KQL) queries are read", r.QueryLanguage())})
	}
	q, err := r.QuerySourceAt(name, version)
	if err != nil {
		msg := err.Error()
		if len(r.History) == 0 {
			msg += " (with git as the history: kqlrules diff --rev REV FILE)"
		}
		return rules.QuerySource{}, fail(exitFailed, problem{File: name, Line: r.Source.Line("history[0]"), Severity: sevError, Msg: msg})
	}
	return q, nil
}

// loadSchema reads --schema, or returns nil (the default schema).
func loadSchema(cmd, path string) (mapping.Schema, error) {
	if path == "" {
		return nil, nil
	}
	s, err := lint.LoadSchema(path)
	if err != nil {
		return nil, fail(exitFailed, fileProblem(path, fmt.Errorf("schema: %w", err)))
	}
	return s, nil
}

// readEventFile reads the events of name as every command reads events
// (events.ReadFiles: a file of NDJSON, a JSON array or pretty-printed
// objects, a directory, .gz, - for standard input). An event that cannot
// be read, or a file of a directory that cannot, ends the command with
// status 2.
func readEventFile(e *env, name string) ([]events.Record, error) {
	var out []events.Record
	for ev, err := range events.ReadFiles([]string{name}, e.stdin) {
		if err != nil {
			p, _ := readIssue(err)
			return nil, fail(exitFailed, p)
		}
		out = append(out, ev)
	}
	if len(out) == 0 {
		return nil, fail(exitFailed, problem{File: name, Severity: sevError, Msg: "no event"})
	}
	return out, nil
}

// readInput returns the text named by arg: arg itself, or the contents of
// file, or standard input when file (or arg) is "-". A file or input
// larger than a query can be (rules.MaxQueryFile) is refused while it is
// read, naming it ("-" for standard input).
func (e *env) readInput(arg, file string) (string, error) {
	switch {
	case file == "-" || (file == "" && arg == "-"):
		b, err := rules.ReadLimited(e.stdin, rules.MaxQueryFile, "query")
		if err != nil {
			return "", &fs.PathError{Op: "read", Path: "-", Err: err}
		}
		return string(b), nil
	case file != "":
		f, err := os.Open(file)
		if err != nil {
			return "", err
		}
		defer f.Close()
		b, err := rules.ReadLimited(f, rules.MaxQueryFile, "query file")
		if err != nil {
			return "", &fs.PathError{Op: "read", Path: file, Err: err}
		}
		return string(b), nil
	}
	return arg, nil
}

// writeJSON writes v as one JSON value and a newline, without escaping
// HTML characters (queries are full of < and >).
func writeJSON(w io.Writer, v any, indent string) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", indent)
	return enc.Encode(v)
}

// maxJSONLine bounds one input line of the JSON-lines commands.
var maxJSONLine = 64 << 20 // a variable for tests

// eachJSONLine calls answer with each non-blank line of r (events.Lines)
// and its 1-based number, and writes what it returns to w as one JSON
// line, in order. A line longer than maxJSONLine ends the command (status
// 2), saying which line, before it is read into memory.
func eachJSONLine(cmd string, r io.Reader, w io.Writer, answer func(n int, line string) any) (err error) {
	out := bufio.NewWriter(w)
	defer out.Flush()
	var ee *events.Error
	events.Lines("-", r, maxJSONLine, func(line []byte, n int, lerr error) bool {
		switch {
		case errors.As(lerr, &ee):
			err = failf(cmd, "input line %d is longer than the %d MiB limit of a line", n, maxJSONLine>>20)
		case lerr != nil:
			err = fail(exitFailed, fileProblem("", lerr))
		default:
			err = writeJSON(out, answer(n, strings.TrimSpace(string(line))), "")
		}
		return err == nil
	})
	return err
}

// compileQuery parses and compiles src with kqlrules.Compile, for the
// answers of eval's JSON lines: "syntax error: ...", or each
// *eval.CompileError as "line L, col C: field: message", one a line.
func compileQuery(src string, opts ...eval.Option) (*eval.Program, error) {
	prog, err := kqlrules.Compile(src, opts...)
	var pe *kql.Error
	list := eval.CompileErrors(err)
	switch {
	case errors.As(err, &pe):
		return nil, fmt.Errorf("syntax error: %w", err)
	case list == nil:
		return prog, err
	}
	lines := make([]string, len(list))
	for i, e := range list {
		lines[i] = fmt.Sprintf("%s: %s: %s", e.Pos.Position(src), e.Field, e.Msg)
	}
	return nil, errors.New(strings.Join(lines, "\n"))
}

// The exit statuses, the same for every subcommand.
const (
	exitOK       = 0 // nothing found: parses, canonical, matched, means the same
	exitFindings = 1 // findings or differences: the command's answer is "no"
	exitFailed   = 2 // the command could not run: flags, files, a query that does not compile
)

// exitHelp is the paragraph each command's --help ends with.
const exitHelp = "Exit status: 0 nothing found, 1 findings or differences, 2 could not run."

// Help ends each command's --help with what its exit statuses mean.

// Help is the text after the flags in "kqlrules parse --help".
func (c *parseCmd) Help() string {
	return exitHelp + " A query that does not parse is a finding: status 1."
}

// Help is the text after the flags in "kqlrules eval --help".
func (c *evalCmd) Help() string {
	return exitHelp + " Each line's problem is in its answer; status 2 only when the input cannot be read."
}

// Help is the text after the flags in "kqlrules match --help".
func (c *matchCmd) Help() string {
	return "Exit status, like grep's: 0 when an event matched, 1 when none did, 2 could not run. Lines that are not events are reported (FILE:LINE) and skipped, and make the status 2 when nothing matched; a file of a directory that cannot be read is reported and makes it 2. An answer that cannot be written to standard output: 2."
}

// Help is the text after the flags in "kqlrules run --help".
func (c *runCmd) Help() string {
	return exitHelp + " A replay that ran is status 0, alerts or not; 2 when it could not run: a missing rule or event file, a file of a directory that cannot be read, with --rules every event line rejected."
}

// Help is the text after the flags in "kqlrules fmt --help".
func (c *fmtCmd) Help() string {
	return exitHelp + " With --check, 1 when a query is not in canonical form; a query that does not parse cannot be formatted: status 2."
}

// Help is the text after the flags in "kqlrules explain --help".
func (c *explainCmd) Help() string {
	return "Exit status: 0 when an event matched, 1 when none did, 2 could not run (an event that cannot be read, a query that does not compile)."
}

// Help is the text after the flags in "kqlrules check --help".
func (c *checkCmd) Help() string {
	return "Exit status: 0 no error (warnings alone exit 0), 1 an error was found (or, with --strict, a warning), 2 could not run (a file or schema that cannot be read). Query files are read up to 1 MiB, rule files up to 8 MiB, Kibana exports up to 64 MiB."
}

// Help is the text after the flags in "kqlrules diff --help".
func (c *diffCmd) Help() string {
	return exitHelp + " 1 when any query's meaning changed (narrower, wider or both), any rule setting did (index patterns, filters, type, threshold, new_terms...), or a rule was added or removed; 0 for formatting only and equivalent."
}

// Help is the text after the flags in "kqlrules dsl --help".
func (c *dslCmd) Help() string {
	return exitHelp + " A query that does not parse or translate: status 2."
}

// Severities of a problem.
const (
	sevError   = rules.SeverityError
	sevWarning = rules.SeverityWarning
	sevNote    = rules.SeverityNote
)

// problem is something a command reports about its input, printed in the
// one form of rules.Diagnostic.
type problem = rules.Diagnostic

// fail ends the command with status after printing the problems.
func fail(status int, ps ...problem) *exitError {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return &exitError{status: status, msg: strings.Join(lines, "\n")}
}

// failf ends the command with status 2 and an error that has no place in
// the input: "kqlrules CMD: error: message".
func failf(cmd, format string, args ...any) *exitError {
	return fail(exitFailed, problem{File: "kqlrules " + cmd, Severity: sevError, Msg: fmt.Sprintf(format, args...)})
}

// fileProblem is the problem of a file that cannot be read or decoded
// (an event's at its line); name "" takes the file's name from err.
var fileProblem = rules.FileDiagnostic

// ruleProblems is the problems of a rule file that does not load. A query
// with a syntax error is placed at the line and column of the file.
var ruleProblems = rules.LoadDiagnostics

// parseSrc parses the query; a syntax error ends the command with status.
func parseSrc(q rules.QuerySource, status int) (ast.Expr, error) {
	x, err := kql.Parse(q.Text)
	if err != nil {
		return nil, fail(status, q.Diagnostics(err)...)
	}
	return x, nil
}

// compileSrc parses and compiles the query; an error ends the command
// with status 2.
func compileSrc(q rules.QuerySource, opts ...eval.Option) (*eval.Program, error) {
	p, err := kqlrules.Compile(q.Text, opts...)
	if err != nil {
		return nil, fail(exitFailed, q.Diagnostics(err)...)
	}
	return p, nil
}

// findRuleFiles finds the rule files at paths with rules.FindFiles, the
// one finder of every command, printing each path or entry that cannot
// be read as a problem on stderr; ok is false when there was one.
func findRuleFiles(e *env, paths []string) (files []string, ok bool) {
	files, err := rules.FindFiles(paths...)
	for _, p := range rules.FindDiagnostics(err) {
		fmt.Fprintln(e.stderr, p)
	}
	return files, err == nil
}

// skipNote is the one form of the note that a rule is skipped, for check
// and fmt: "FILE[:LINE]: note: skipped: why".
func skipNote(file string, line int, why string) problem {
	return problem{File: file, Line: line, Severity: sevNote, Msg: "skipped: " + why}
}

// oneInput ends the command with status 2 unless exactly one of two forms
// of input was given, saying which is missing or that both were.
func oneInput(cmd, a, b string, hasA, hasB bool) error {
	switch {
	case !hasA && !hasB:
		return failf(cmd, "nothing to read: give %s or %s", a, b)
	case hasA && hasB:
		return failf(cmd, "give %s or %s, not both", a, b)
	}
	return nil
}

// reportRuleLoad prints the problems of loading a rule set
// (ruleset.Diagnostics), one a line; it returns false when a path could
// not be read.
func reportRuleLoad(w io.Writer, files []ruleset.File, err error) bool {
	for _, d := range ruleset.Diagnostics(files, err) {
		fmt.Fprintln(w, d)
	}
	return err == nil
}

// What an error of reading events means for a command.
const (
	badEvent       = iota // a line or element that is not an event: reported, skipped
	unreadableFile        // a file of a directory that could not be read: reported, the rest read, status 2
	readFailed            // the input could not be read: the command ends
)

// readIssue returns the problem of an error of events.ReadFiles (or
// ReadRawFiles) and what it means.
func readIssue(err error) (problem, int) {
	var fe *events.FileError
	if errors.As(err, &fe) {
		return problem{File: fe.Path, Severity: sevError, Msg: "not read: " + fe.Err.Error()}, unreadableFile
	}
	var ee *events.Error
	if errors.As(err, &ee) {
		return fileProblem("", err), badEvent
	}
	return fileProblem("", err), readFailed
}
