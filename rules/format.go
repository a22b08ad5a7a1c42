package rules

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"unicode"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/kql"
)

// This file rewrites the query of a rule file in canonical form, in the
// manner of go/format.Source: file bytes in, file bytes out, the rest of
// the file kept byte for byte. "kqlrules fmt" walks files and writes what
// Format returns.

// FormattedQuery is what [Format] did with the query of one rule.
type FormattedQuery struct {
	// Line is the line of the rule in a Kibana export, 0 for a file of
	// one rule (or a query file).
	Line int
	// Rule is the rule, when it decoded (nil for a query file).
	Rule *Rule
	// NotKQL tells that the rule has no KQL or EQL query to format
	// (another language, or a machine learning rule): nothing else is set.
	NotKQL bool
	// NotRule is why a line of an export is no rule (an exception list
	// or item, [ExportLine.Skip]): nothing else is set but Line.
	NotRule string
	// Query is the query as found in the file. Its positions are in the
	// file, but for a rule of an export: in its line, which is line Line
	// of the file.
	Query *Value
	// Canonical is the query in canonical form: laid out in the width
	// for a TOML or query file, on one line in JSON.
	Canonical string
	// Changed tells that the query is not written in canonical form;
	// Diff is then the rune offset in Query.Text of the first
	// difference.
	Changed bool
	Diff    int
	// Kept is why a query that parses is left as written: an EQL query
	// holding comments ([eql.Comments]), which the canonical form would
	// drop. Changed is then false.
	Kept string
	// Err is why the query was not formatted: the rule does not decode
	// (an *Error), the query does not parse (a *kql.Error, or an
	// *eql.Error for an EQL rule, its offsets in Query.Text), or it
	// cannot be rewritten safely.
	Err error
}

// Format returns data, the contents of the rule file name, with the KQL
// query of each rule written in canonical form ([ast.Format] in width for
// a TOML rule or a query file, [ast.Print] in JSON), the EQL query of an
// EQL rule likewise ([eql.Format] in width in TOML, [eql.Query.String] in
// JSON; a query holding comments is left as written, saying so in
// [FormattedQuery.Kept]), and what it did with each. The kind of file comes from its name: .toml and .json files hold
// one rule, .ndjson and .jsonl files are Kibana exports (one rule a line;
// other lines are left alone), any other name is a query file (the whole
// file is the query). In a TOML rule a multi-line query goes into a ”'
// string that opens and closes on lines of their own, written with the
// file's line endings (CRLF in a CRLF file), and the last history entry's
// query follows when it was the same text. Everything else in the file is
// kept byte for byte; a rule whose rewrite would not decode back to the
// same query is left as it was, with an error.
func Format(name string, data []byte, width int) ([]byte, []FormattedQuery) {
	if !IsExport(name) {
		out, fq := formatRule(name, data, 0, width)
		return out, []FormattedQuery{fq}
	}
	var results []FormattedQuery
	var b bytes.Buffer
	done := 0
	for _, l := range ExportLines(data) {
		if l.Kind == ExportSummary {
			continue
		}
		if l.Kind != ExportRule {
			results = append(results, FormattedQuery{Line: l.Line, NotRule: l.Skip()})
			continue
		}
		line, fq := formatRule(name, l.Data, l.Line, width)
		results = append(results, fq)
		if fq.Changed && fq.Err == nil {
			b.Write(data[done:l.Offset])
			b.Write(line)
			done = l.Offset + len(l.Data)
		}
	}
	if done == 0 {
		return data, results
	}
	b.Write(data[done:])
	return b.Bytes(), results
}

// formatRule formats the rule (or query) in data, a whole file or the
// line of an export.
func formatRule(name string, data []byte, line, width int) ([]byte, FormattedQuery) {
	fq := FormattedQuery{Line: line}
	qs, err := locateQueries(name, data, line > 0, &fq)
	if err != nil || fq.NotKQL {
		if line > 0 {
			err = ExportLine{Line: line}.shift(err)
		}
		fq.Err = err
		return data, fq
	}
	q := qs[0]
	fq.Query = q
	kind := kindOf(name)
	canon, same, err := canonical(fq.Rule, q.Text, kind, width)
	if err != nil {
		fq.Err = err
		return data, fq
	}
	if fq.Rule != nil && fq.Rule.Language == LanguageEQL && eql.Comments(q.Text) != nil {
		fq.Canonical = canon
		fq.Kept = "the query holds comments, which its canonical form would drop"
		return data, fq
	}
	fq.Canonical = canon
	crlf := usesCRLF(data)
	text, enc := layoutOf(kind, q, canon, crlf)
	fq.Changed = text != lf(q.Text, crlf) || enc.Quoting != q.Quoting || enc.TrimmedNewline != q.TrimmedNewline
	if !fq.Changed {
		return data, fq
	}
	fq.Diff = firstDiff(lf(q.Text, crlf), text)
	// Later spans first, so that the offsets of earlier ones stay valid.
	out := data
	for _, i := range spanOrder(qs) {
		_, enc := layoutOf(kind, qs[i], canon, crlf)
		val, _ := enc.Encode(text)
		if crlf {
			val = strings.ReplaceAll(val, "\n", "\r\n")
		}
		out = append(append(append([]byte{}, out[:qs[i].Start]...), val...), out[qs[i].End:]...)
	}
	// Verify: the file still decodes and its query means the same.
	var probe FormattedQuery
	check, err := locateQueries(name, out, line > 0, &probe)
	if err != nil {
		fq.Err = fmt.Errorf("not rewritten, the result would not decode: %w", err)
		return data, fq
	}
	if !same(check[0].Text) || lf(check[0].Text, crlf) != text {
		fq.Err = errors.New("not rewritten, the rewritten query would differ")
		return data, fq
	}
	return out, fq
}

// canonical returns the canonical form of the query text of rule r (nil
// for a query file, whose query is KQL) for a file of the kind, and a
// function telling whether another text is the same query.
func canonical(r *Rule, text, kind string, width int) (string, func(string) bool, error) {
	if r != nil && r.Language == LanguageEQL {
		x, err := eql.Parse(text)
		if err != nil {
			return "", nil, err
		}
		same := func(t string) bool {
			y, err := eql.Parse(t)
			return err == nil && eql.Equal(x, y)
		}
		if kind == FormatJSON {
			return x.String(), same, nil
		}
		return eql.Format(x, width), same, nil
	}
	x, err := kql.Parse(text)
	if err != nil {
		return "", nil, err
	}
	same := func(t string) bool {
		y, err := kql.Parse(t)
		return err == nil && ast.Equal(x, y)
	}
	if kind == FormatJSON {
		return ast.Print(x), same, nil
	}
	return ast.Format(x, width), same, nil
}

// kindOf tells how a file is formatted by its name: FormatTOML,
// FormatJSON, or "" for a query file.
func kindOf(name string) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".toml":
		return FormatTOML
	case ".json", ".ndjson", ".jsonl":
		return FormatJSON
	}
	return ""
}

// usesCRLF reports whether the file's lines end in CRLF (its first line
// does).
func usesCRLF(data []byte) bool {
	i := bytes.IndexByte(data, '\n')
	return i > 0 && data[i-1] == '\r'
}

// lf returns text with CRLF line endings made LF when crlf is true.
func lf(text string, crlf bool) string {
	if !crlf {
		return text
	}
	return strings.ReplaceAll(text, "\r\n", "\n")
}

// locateQueries finds the query of a rule file (or export line), and for
// a TOML rule the last history entry's query when it is the same text
// (so that the file stays consistent after a rewrite). A rule without a
// KQL query sets fq.NotKQL.
func locateQueries(name string, data []byte, exportLine bool, fq *FormattedQuery) ([]*Value, error) {
	kind := kindOf(name)
	if kind == "" && !exportLine {
		return []*Value{WholeFile(data)}, nil
	}
	r, err := Decode(name, data)
	if r == nil {
		return nil, err
	}
	fq.Rule = r
	if !r.IsKQL() && !r.IsEQL() {
		fq.NotKQL = true
		return nil, nil
	}
	q, err := r.Source.Value("rule.query")
	if err != nil {
		return nil, err
	}
	if q.Text != r.Query {
		return nil, errors.New("cannot locate the query in the file safely")
	}
	out := []*Value{q}
	if last, ok := r.History.Latest(); ok && kind == FormatTOML && last.Query == r.Query {
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
func layoutOf(kind string, q *Value, canon string, crlf bool) (string, *Value) {
	if kind != FormatTOML || !strings.Contains(canon, "\n") {
		return reformat(lf(q.Text, crlf), canon), q
	}
	v := *q
	if v.Quoting != MultiLineBasic {
		v.Quoting = MultiLineLiteral
	}
	v.TrimmedNewline = true
	return canon + "\n", &v
}

// spanOrder returns the indexes of qs from the last span in the file to
// the first.
func spanOrder(qs []*Value) []int {
	idx := make([]int, len(qs))
	for i := range idx {
		idx[i] = i
	}
	slices.SortFunc(idx, func(a, b int) int { return cmp.Compare(qs[b].Start, qs[a].Start) })
	return idx
}
