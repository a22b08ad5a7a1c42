package main

// The command's shared helpers: reading queries, rules, schemas and events
// from the command line, the JSON-lines loop, and error printing.

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/lint"
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

// queryOf returns the query of --query, or of --rule (its current query,
// or version's when version is not 0).
func queryOf(cmd, query, rule string, version int) (string, error) {
	switch {
	case (query == "") == (rule == ""):
		return "", &exitError{status: 2, msg: fmt.Sprintf("kqlrules %s: give --query Q or --rule FILE (not both)", cmd)}
	case query != "":
		return query, nil
	}
	r, err := loadRule(rule)
	if err != nil {
		return "", &exitError{status: 2, msg: fmt.Sprintf("kqlrules %s: %v", cmd, err)}
	}
	if version == 0 {
		return r.Query, nil
	}
	v, err := r.History.QueryAt(version)
	if err != nil {
		return "", &exitError{status: 2, msg: fmt.Sprintf("kqlrules %s: %s: %v", cmd, rule, err)}
	}
	return v, nil
}

// loadSchema reads --schema, or returns nil (the default schema).
func loadSchema(cmd, path string) (eval.Schema, error) {
	if path == "" {
		return nil, nil
	}
	s, err := lint.LoadSchema(path)
	if err != nil {
		return nil, &exitError{status: 2, msg: fmt.Sprintf("kqlrules %s: schema: %v", cmd, err)}
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
		return nil, &exitError{status: 2, msg: fmt.Sprintf("kqlrules: %v", err)}
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
			return nil, &exitError{status: 2, msg: fmt.Sprintf("kqlrules: %v", err)}
		}
		out = append(out, ev)
	}
	if len(out) == 0 {
		return nil, &exitError{status: 2, msg: fmt.Sprintf("kqlrules: %s: no event", name)}
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

// syntaxError turns a parse error into exit status 1 with the caret snippet.
func syntaxError(err error) error {
	var pe *kql.Error
	if errors.As(err, &pe) {
		return &exitError{status: 1, msg: "syntax error: " + pe.Error() + "\n" + pe.Snippet()}
	}
	return err
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

// compileQuery parses and compiles src with kqlrules.Compile. Its errors
// are in the user's words: each names the line and column of the query,
// and the message of a syntax error carries the caret snippet when snippet
// is true.
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
