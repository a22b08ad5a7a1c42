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
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/lint"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

// loadRule reads a rule file, or a bundled rule named builtin/NAME when no
// such file exists.
func loadRule(path string) (*rules.Rule, error) {
	if name, ok := strings.CutPrefix(path, "builtin/"); ok {
		if _, err := os.Stat(path); err != nil {
			return builtin.Load(name)
		}
	}
	return rules.Load(path)
}

// locateQuery returns the query of --query, or of --rule (its current
// query, or version's when version is not 0) with its place in the rule
// file. A rule whose language is not KQL, or that cannot be read, ends the
// command with status 2.
func locateQuery(cmd, query, rule string, version int) (querySrc, error) {
	switch {
	case (query == "") == (rule == ""):
		return querySrc{}, failf(cmd, "give --query Q or --rule FILE (not both)")
	case query != "":
		return querySrc{name: "query", text: query}, nil
	}
	r, err := loadRule(rule)
	if err != nil {
		return querySrc{}, fail(exitFailed, ruleProblems(rule, err)...)
	}
	return ruleQuery(r, rule, version)
}

// ruleQuery returns the query of rule r read from file name: its current
// query, or version's when version is not 0.
func ruleQuery(r *rules.Rule, name string, version int) (querySrc, error) {
	if r.Language != rules.LanguageKuery && r.Language != "" {
		return querySrc{}, fail(exitFailed, problem{File: name, Line: r.Source.Line("rule.language"), Severity: sevError,
			Msg: fmt.Sprintf("the rule's language is %q: only kuery (KQL) queries are read", r.Language)})
	}
	q := querySrc{name: name, text: r.Query}
	key := "rule.query"
	if version != 0 {
		v, err := r.History.At(version)
		if err != nil {
			msg := err.Error()
			if len(r.History) == 0 {
				msg += " (with git as the history: kqlrules diff --rev REV FILE)"
			}
			return querySrc{}, fail(exitFailed, problem{File: name, Line: r.Source.Line("history[0]"), Severity: sevError, Msg: msg})
		}
		q.text = v.Query
		key = ""
		for i := range r.History {
			if r.History[i].Number == version {
				key = fmt.Sprintf("history[%d].query", i)
			}
		}
	}
	if v, err := r.Source.Value(key); err == nil && v.Text == q.text {
		q.val = v
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
		return nil, fail(exitFailed, fileProblem(name, err))
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
			return nil, fail(exitFailed, fileProblem(name, err))
		}
		out = append(out, ev)
	}
	if len(out) == 0 {
		return nil, fail(exitFailed, problem{File: name, Severity: sevError, Msg: "no event"})
	}
	return out, nil
}

// readInput returns the text named by arg: arg itself, or the contents of
// file, or standard input when file (or arg) is "-".
func (e *env) readInput(arg, file string) (string, error) {
	switch {
	case file == "-" || (file == "" && arg == "-"):
		b, err := io.ReadAll(e.stdin)
		return string(b), err
	case file != "":
		b, err := os.ReadFile(file)
		return string(b), err
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

// eachJSONLine calls answer with each non-blank line of r (and its 1-based
// number) and writes what it returns to w as one JSON line, in order.
func eachJSONLine(r io.Reader, w io.Writer, answer func(n int, line string) any) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(nil, 64<<20)
	out := bufio.NewWriter(w)
	defer out.Flush()
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		if err := writeJSON(out, answer(n, line), ""); err != nil {
			return err
		}
	}
	return sc.Err()
}

// compileQuery parses and compiles src with kqlrules.Compile, for the
// answers of the JSON-lines commands: its errors name the line and column
// in the query, and the message of a syntax error carries the caret
// snippet when snippet is true.
func compileQuery(src string, snippet bool, opts ...eval.Option) (*eval.Program, error) {
	prog, err := kqlrules.Compile(src, opts...)
	if err == nil {
		return prog, nil
	}
	var pe *kql.Error
	if !errors.As(err, &pe) {
		return nil, errors.New(describeCompileError(src, err))
	}
	if snippet {
		return nil, fmt.Errorf("syntax error: %s\n%s", pe.Error(), pe.Snippet())
	}
	return nil, fmt.Errorf("syntax error: %w", err)
}

// describeCompileError writes each *eval.CompileError of err as
// "line L, col C: field: message", one a line.
func describeCompileError(src string, err error) string {
	list := eval.CompileErrors(err)
	if list == nil {
		return err.Error()
	}
	lines := make([]string, len(list))
	for i, e := range list {
		lines[i] = fmt.Sprintf("%s: %s: %s", e.Pos.Position(src), e.Field, e.Msg)
	}
	return strings.Join(lines, "\n")
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
// (check documents its own.)

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
	return exitHelp + " Like grep: 0 when an event matched, 1 when none did; unreadable lines are reported (FILE:LINE) and skipped, and make the status 2 when nothing matched."
}

// Help is the text after the flags in "kqlrules run --help".
func (c *runCmd) Help() string {
	return exitHelp + " A replay that ran is status 0, alerts or not."
}

// Help is the text after the flags in "kqlrules fmt --help".
func (c *fmtCmd) Help() string {
	return exitHelp + " With --check, 1 when a query is not in canonical form; a query that does not parse cannot be formatted: status 2."
}

// Help is the text after the flags in "kqlrules explain --help".
func (c *explainCmd) Help() string {
	return exitHelp + " 0 when an event matched, 1 when none did."
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
	sevError   = "error"
	sevWarning = "warning"
	sevNote    = "note"
)

// problem is something a command reports about its input.
type problem struct {
	// File is the file the problem is in; "query" for a query given on
	// the command line; "kqlrules CMD" when the problem has no place in
	// the input (a flag).
	File      string
	Line, Col int    // from 1; 0 when unknown
	Severity  string // sevError, sevWarning or sevNote
	Msg       string
	Code      string // a finding's code, such as "syntax"; may be ""
	Snippet   string // the line of the spot with a caret under it; may be ""
}

// String returns "FILE:LINE:COL: severity: message [code]", leaving out
// what is unknown, then the snippet, indented by four spaces.
func (p problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
		if p.Col > 0 {
			fmt.Fprintf(&b, ":%d", p.Col)
		}
	}
	fmt.Fprintf(&b, ": %s: %s", p.Severity, p.Msg)
	if p.Code != "" {
		fmt.Fprintf(&b, " [%s]", p.Code)
	}
	if p.Snippet != "" {
		b.WriteString("\n    ")
		b.WriteString(strings.ReplaceAll(p.Snippet, "\n", "\n    "))
	}
	return b.String()
}

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

// fileProblem is the problem of a file that cannot be read or decoded;
// name "" takes the file's name from err.
func fileProblem(name string, err error) problem {
	var pe *fs.PathError
	if errors.As(err, &pe) && (pe.Path == name || name == "") {
		name, err = pe.Path, pe.Err
	}
	if name == "" {
		name = "kqlrules"
	}
	var ee *events.Error
	if errors.As(err, &ee) {
		return problem{File: ee.File, Line: ee.Line, Severity: sevError, Msg: ee.Err.Error()}
	}
	return problem{File: name, Severity: sevError, Msg: err.Error()}
}

// ruleProblems is the problems of a rule file that does not load. A query
// with a syntax error is placed at the line and column of the file.
func ruleProblems(name string, err error) []problem {
	var re *rules.Error
	if !errors.As(err, &re) {
		return []problem{fileProblem(name, err)}
	}
	var out []problem
	for _, p := range re.Problems {
		if strings.HasSuffix(p.Field, "query") {
			if ps := queryFieldProblems(name, p.Field); ps != nil {
				out = append(out, ps...)
				continue
			}
		}
		file := p.File
		if file == "" {
			file = name
		}
		msg := p.Msg
		if p.Field != "" {
			msg = p.Field + ": " + msg
		}
		out = append(out, problem{File: file, Line: p.Line, Severity: sevError, Msg: msg})
	}
	return out
}

// queryFieldProblems parses the query at key in the rule file name and
// returns its syntax error placed in the file, or nil.
func queryFieldProblems(name, key string) []problem {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil
	}
	r, _ := rules.Decode(name, data)
	if r == nil {
		return nil
	}
	v, err := r.Source.Value(key)
	if err != nil {
		return nil
	}
	if _, err := kql.Parse(v.Text); err != nil {
		return querySrc{name: name, text: v.Text, val: v}.problems(err)
	}
	return nil
}

// querySrc is a query and where it was read from, so that a place in the
// query can be told as a place in the file.
type querySrc struct {
	name string       // the file; "query" for a query given on the command line
	text string       // the query
	val  *rules.Value // the query's place in a rule file; nil when name holds just the query
}

// at returns the line and column of the query's rune offset off, in the
// file, and the snippet of that line.
func (q querySrc) at(off ast.Pos) (line, col int, snippet string) {
	if q.val != nil {
		p := q.val.Position(int(off))
		return p.Line, p.Column, p.Snippet(q.val.File())
	}
	p := off.Position(q.text)
	return p.Line, p.Column, p.Snippet(q.text)
}

// problems turns an error of parsing, compiling or translating the query
// into problems at their places.
func (q querySrc) problems(err error) []problem {
	var pe *kql.Error
	if errors.As(err, &pe) {
		l, c, s := q.at(ast.Pos(pe.Offset))
		return []problem{{File: q.name, Line: l, Col: c, Severity: sevError, Msg: pe.Msg, Code: "syntax", Snippet: s}}
	}
	if list := eval.CompileErrors(err); list != nil {
		out := make([]problem, len(list))
		for i, e := range list {
			l, c, s := q.at(e.Pos)
			out[i] = problem{File: q.name, Line: l, Col: c, Severity: sevError, Msg: fmt.Sprintf("field %s: %s", e.Field, e.Msg), Snippet: s}
		}
		return out
	}
	var de *esdsl.Error
	if errors.As(err, &de) {
		l, c, s := q.at(de.Pos)
		return []problem{{File: q.name, Line: l, Col: c, Severity: sevError, Msg: de.Msg, Snippet: s}}
	}
	return []problem{{File: q.name, Severity: sevError, Msg: err.Error()}}
}

// parse parses the query; a syntax error ends the command with status.
func (q querySrc) parse(status int) (ast.Expr, error) {
	x, err := kql.Parse(q.text)
	if err != nil {
		return nil, fail(status, q.problems(err)...)
	}
	return x, nil
}

// compile parses and compiles the query; an error ends the command with
// status 2.
func (q querySrc) compile(opts ...eval.Option) (*eval.Program, error) {
	p, err := kqlrules.Compile(q.text, opts...)
	if err != nil {
		return nil, fail(exitFailed, q.problems(err)...)
	}
	return p, nil
}
