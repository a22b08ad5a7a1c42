package main

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules"
)

// fmtCmd is "kqlrules fmt".
type fmtCmd struct {
	Query string   `help:"Format this query." placeholder:"Q"`
	Check bool     `help:"Report each file whose query is not in canonical form (FILE:LINE:COL of the first difference), and exit 1 if there is one."`
	Write bool     `short:"w" help:"Rewrite the query of each file in place, keeping the rest of the file byte for byte; a multi-line query goes into a TOML ''' string."`
	Width int      `help:"Line width: a longer query is laid out one clause a line (see ast.Format)." default:"100"`
	Files []string `arg:"" optional:"" name:"FILE" help:"Rule files (.toml, .json), directories of them (searched for .toml files), or query files (any other name, such as .kql: the whole file is the query). Rules in another language than KQL (EQL, ES|QL, Lucene, machine learning) are skipped with a note."`
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
		q := querySrc{name: "query", text: c.Query}
		x, err := q.parse(exitFailed)
		if err != nil {
			return err
		}
		canon := ast.Format(x, c.Width)
		if c.Check {
			if text := strings.TrimSpace(c.Query); text != canon {
				l, col, _ := q.at(ast.Pos(firstDiff(c.Query, reformat(c.Query, canon))))
				fmt.Fprintln(e.stdout, problem{File: "query", Line: l, Col: col, Severity: sevWarning, Msg: "the query is not in canonical form", Code: "fmt"})
				return &exitError{status: exitFindings}
			}
			return nil
		}
		fmt.Fprintln(e.stdout, canon)
		return nil
	}
	files, err := expandRuleDirs(c.Files)
	if err != nil {
		return err
	}
	status := exitOK
	for _, name := range files {
		p, err := c.file(e, name)
		if err != nil {
			var x *exitError
			if errors.As(err, &x) {
				fmt.Fprintln(e.stderr, x.msg)
			} else {
				fmt.Fprintln(e.stderr, fileProblem(name, err))
			}
			status = exitFailed
			continue
		}
		if p != nil && c.Check {
			fmt.Fprintln(e.stdout, p)
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

// expandRuleDirs replaces each directory of names by the .toml files under
// it, in lexical order.
func expandRuleDirs(names []string) ([]string, error) {
	var out []string
	for _, name := range names {
		fi, err := os.Stat(name)
		if err != nil || !fi.IsDir() {
			out = append(out, name)
			continue
		}
		err = filepath.WalkDir(name, func(path string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			if !d.IsDir() && strings.EqualFold(filepath.Ext(path), ".toml") {
				out = append(out, path)
			}
			return nil
		})
		if err != nil {
			return nil, fail(exitFailed, fileProblem(name, err))
		}
	}
	return out, nil
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

// errNotKQL tells that a rule has no KQL query to format.
type errNotKQL struct{ why string }

func (e errNotKQL) Error() string { return e.why }

// locateQueries finds the query of a file, and for a TOML rule the last
// history entry's query when it is the same text (so that the file stays
// consistent after a rewrite). A rule without a KQL query gives an
// errNotKQL.
func locateQueries(name string, data []byte) ([]*rules.Value, error) {
	isTOML, isJSON := isRuleFile(name)
	if !isTOML && !isJSON {
		return []*rules.Value{rules.WholeFile(data)}, nil
	}
	r, err := rules.Decode(name, data)
	if r == nil {
		return nil, err
	}
	switch {
	case r.Type == rules.TypeMachineLearning:
		return nil, errNotKQL{"a machine_learning rule has no query"}
	case r.Language != rules.LanguageKuery && r.Language != "":
		return nil, errNotKQL{fmt.Sprintf("the rule's language is %q", r.Language)}
	}
	q, err := r.Source.Value("rule.query")
	if err != nil {
		return nil, err
	}
	if q.Text != r.Query {
		return nil, errors.New("cannot locate the query in the file safely")
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

// firstDiff returns the rune offset of the first difference of a and b.
func firstDiff(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	i := 0
	for i < len(ra) && i < len(rb) && ra[i] == rb[i] {
		i++
	}
	return i
}

// layoutOf returns the new text of query value q, the canonical form canon
// laid out in it, and the value with the quoting to write it in: a
// multi-line query of a TOML file goes into a ”' string that opens and
// closes on lines of their own.
func layoutOf(name string, q *rules.Value, canon string) (string, *rules.Value) {
	if toml, _ := isRuleFile(name); !toml || !strings.Contains(canon, "\n") {
		return reformat(q.Text, canon), q
	}
	v := *q
	if v.Quoting != rules.MultiLineBasic {
		v.Quoting = rules.MultiLineLiteral
	}
	v.TrimmedNewline = true
	return canon + "\n", &v
}

// file formats one file. For a query not in canonical form it returns the
// problem that --check reports; a rule without a KQL query is skipped with
// a note on stderr.
func (c *fmtCmd) file(e *env, name string) (*problem, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	qs, err := locateQueries(name, data)
	var skip errNotKQL
	if errors.As(err, &skip) {
		fmt.Fprintln(e.stderr, problem{File: name, Severity: sevNote, Msg: "skipped: " + skip.why + "; fmt formats KQL only"})
		return nil, nil
	}
	if err != nil {
		return nil, fail(exitFailed, ruleProblems(name, err)...)
	}
	q := qs[0]
	src := querySrc{name: name, text: q.Text, val: q}
	x, err := src.parse(exitFailed)
	if err != nil {
		return nil, err
	}
	canon := ast.Print(x)
	if _, json := isRuleFile(name); !json {
		canon = ast.Format(x, c.Width)
	}
	text, enc := layoutOf(name, q, canon)
	changed := text != q.Text || enc.Quoting != q.Quoting || enc.TrimmedNewline != q.TrimmedNewline
	if !c.Check && !c.Write {
		fmt.Fprintln(e.stdout, canon)
	}
	if !changed {
		return nil, nil
	}
	l, col, _ := src.at(ast.Pos(firstDiff(q.Text, text)))
	p := &problem{File: name, Line: l, Col: col, Severity: sevWarning, Msg: "the query is not in canonical form", Code: "fmt"}
	if !c.Write {
		return p, nil
	}
	// Later spans first, so that the offsets of earlier ones stay valid.
	out := data
	for _, i := range spanOrder(qs) {
		_, enc := layoutOf(name, qs[i], canon)
		val, _ := enc.Encode(text)
		out = append(append(append([]byte{}, out[:qs[i].Start]...), val...), out[qs[i].End:]...)
	}
	// Verify: the file still decodes and its query means the same.
	check, err := locateQueries(name, out)
	if err != nil {
		return nil, fmt.Errorf("not rewritten, the result would not decode: %w", err)
	}
	y, err := kql.Parse(check[0].Text)
	if err != nil || !ast.Equal(x, y) || check[0].Text != text {
		return nil, errors.New("not rewritten, the rewritten query would differ")
	}
	fi, err := os.Stat(name)
	if err != nil {
		return nil, err
	}
	return p, os.WriteFile(name, out, fi.Mode().Perm())
}

// spanOrder returns the indexes of qs from the last span in the file to
// the first.
func spanOrder(qs []*rules.Value) []int {
	idx := make([]int, len(qs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(qs[b].Start, qs[a].Start) })
	return idx
}
