package main

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules"
)

// fmtCmd is "kqlrules fmt".
type fmtCmd struct {
	Query string   `help:"Format this query." placeholder:"Q"`
	Check bool     `help:"Print the names of the files whose query is not in canonical form, and exit 1 if there is one."`
	Write bool     `short:"w" help:"Rewrite the query of each file in place, keeping the rest of the file byte for byte."`
	Files []string `arg:"" optional:"" name:"FILE" help:"Rule files (.toml, .json) or query files (any other name, such as .kql: the whole file is the query)."`
}

// Run formats; status 1 when --check finds a query not in canonical form,
// 2 when a file cannot be read, parsed or safely rewritten.
func (c *fmtCmd) Run(e *env) error {
	if (c.Query == "") == (len(c.Files) == 0) {
		return &exitError{status: 2, msg: "kqlrules fmt: give --query Q or FILE... (not both)"}
	}
	if c.Query != "" {
		if c.Write {
			return &exitError{status: 2, msg: "kqlrules fmt: -w needs files"}
		}
		x, err := kql.Parse(c.Query)
		if err != nil {
			return fmtSyntaxError("query", err)
		}
		canon := ast.Print(x)
		if c.Check {
			if strings.TrimSpace(c.Query) != canon {
				fmt.Fprintln(e.stdout, "query")
				return &exitError{status: 1}
			}
			return nil
		}
		fmt.Fprintln(e.stdout, canon)
		return nil
	}
	status := 0
	for _, name := range c.Files {
		changed, err := c.file(e, name)
		if err != nil {
			var x *exitError
			if errors.As(err, &x) {
				fmt.Fprintln(e.stderr, x.msg)
			} else {
				fmt.Fprintf(e.stderr, "kqlrules fmt: %v\n", err)
			}
			status = 2
			continue
		}
		if changed && c.Check {
			fmt.Fprintln(e.stdout, name)
			if status == 0 {
				status = 1
			}
		}
	}
	if status != 0 {
		return &exitError{status: status}
	}
	return nil
}

func fmtSyntaxError(name string, err error) error {
	var pe *kql.Error
	if errors.As(err, &pe) {
		return &exitError{status: 2, msg: fmt.Sprintf("%s: syntax error: %s\n%s", name, pe.Error(), pe.Snippet())}
	}
	return &exitError{status: 2, msg: fmt.Sprintf("%s: %v", name, err)}
}

// isRuleFile tells rule files from query files by name.
func isRuleFile(name string) (toml, json bool) {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".toml":
		return true, false
	case ".json", ".ndjson", ".jsonl":
		return false, true
	}
	return false, false
}

// locateQueries finds the query of a file, and for a TOML rule the last
// history entry's query when it is the same text (so that the file stays
// consistent after a rewrite).
func locateQueries(name string, data []byte) ([]*rules.Value, error) {
	isTOML, isJSON := isRuleFile(name)
	if !isTOML && !isJSON {
		return []*rules.Value{rules.WholeFile(data)}, nil
	}
	r, err := rules.Decode(name, data)
	if r == nil {
		return nil, err
	}
	q, err := r.Source.Value("rule.query")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if q.Text != r.Query {
		return nil, fmt.Errorf("%s: cannot locate the query in the file safely", name)
	}
	out := []*rules.Value{q}
	if last, ok := r.History.Latest(); ok && isTOML && last.Query == r.Query {
		h, err := r.Source.Value(fmt.Sprintf("history[%d].query", len(r.History)-1))
		if err == nil && h.Text == r.Query {
			out = append(out, h)
		}
	}
	return out, nil
}

// reformat keeps the query's outer white space (a trailing newline before
// ”') around its canonical form.
func reformat(text, canon string) string {
	lead := text[:len(text)-len(strings.TrimLeftFunc(text, unicode.IsSpace))]
	rest := text[len(lead):]
	trail := rest[len(strings.TrimRightFunc(rest, unicode.IsSpace)):]
	return lead + canon + trail
}

// file formats one file and reports whether its query was not canonical.
func (c *fmtCmd) file(e *env, name string) (bool, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return false, err
	}
	qs, err := locateQueries(name, data)
	if err != nil {
		return false, err
	}
	q := qs[0]
	x, err := kql.Parse(q.Text)
	if err != nil {
		return false, fmtSyntaxError(name, err)
	}
	canon := ast.Print(x)
	text := reformat(q.Text, canon)
	changed := text != q.Text
	if !c.Check && !c.Write {
		fmt.Fprintln(e.stdout, canon)
	}
	if !c.Write || !changed {
		return changed, nil
	}
	out := data
	for i := len(qs) - 1; i >= 0; i-- { // later spans first: offsets stay valid
		if i > 0 && qs[i].Start < qs[0].Start {
			continue
		}
		val, _ := qs[i].Encode(text)
		out = append(append(append([]byte{}, out[:qs[i].Start]...), val...), out[qs[i].End:]...)
	}
	if len(qs) > 1 && qs[1].Start < qs[0].Start { // a history entry before the rule table
		val, _ := qs[1].Encode(text)
		out = append(append(append([]byte{}, out[:qs[1].Start]...), val...), out[qs[1].End:]...)
	}
	// Verify: the file still decodes and its query means the same.
	check, err := locateQueries(name, out)
	if err != nil {
		return false, fmt.Errorf("%s: not rewritten, the result would not decode: %v", name, err)
	}
	y, err := kql.Parse(check[0].Text)
	if err != nil || !ast.Equal(x, y) || check[0].Text != text {
		return false, fmt.Errorf("%s: not rewritten, the rewritten query would differ", name)
	}
	fi, err := os.Stat(name)
	if err != nil {
		return false, err
	}
	return changed, os.WriteFile(name, out, fi.Mode().Perm())
}
