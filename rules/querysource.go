package rules

import (
	"errors"
	"fmt"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
)

// QuerySource is a query and where it was read from, so that a place in
// the query (a rune offset, as errors of kql, esdsl and eval carry) can be
// told as a place in the file.
type QuerySource struct {
	File  string // the file; "query" for a query given on the command line
	Text  string // the query
	Value *Value // the query's place in a rule file; nil when File holds just the query
}

// QuerySource returns the rule's current query read from file, placed in
// the file when the rule's source holds it.
func (r *Rule) QuerySource(file string) QuerySource {
	q, _ := r.QuerySourceAt(file, 0)
	return q
}

// QuerySourceAt returns the query of version n of the rule's history
// ([History.At]; its error when there is no such version) read from
// file, placed in the file when the rule's source holds it; n 0 is the
// current query.
func (r *Rule) QuerySourceAt(file string, n int) (QuerySource, error) {
	q := QuerySource{File: file, Text: r.Query}
	key := "rule.query"
	if n != 0 {
		v, err := r.History.At(n)
		if err != nil {
			return QuerySource{}, err
		}
		q.Text, key = v.Query, ""
		for i := range r.History {
			if r.History[i].Number == n {
				key = fmt.Sprintf("history[%d].query", i)
			}
		}
	}
	if v, err := r.Source.Value(key); err == nil && v.Text == q.Text {
		q.Value = v
	}
	return q, nil
}

// Position returns the line and column of the query's rune offset off, in
// the file, and the snippet of that line with a caret under the column.
func (q QuerySource) Position(off ast.Pos) (line, col int, snippet string) {
	if q.Value != nil {
		p := q.Value.Position(int(off))
		return p.Line, p.Column, p.Snippet(q.Value.File())
	}
	p := off.Position(q.Text)
	return p.Line, p.Column, p.Snippet(q.Text)
}

// Diagnostics turns an error of parsing (*kql.Error), compiling
// (eval.CompileErrors) or translating (*esdsl.Error) the query into
// diagnostics at their places; any other error is one diagnostic of the
// file.
func (q QuerySource) Diagnostics(err error) []Diagnostic {
	var pe *kql.Error
	if errors.As(err, &pe) {
		l, c, s := q.Position(ast.Pos(pe.Offset))
		return []Diagnostic{{File: q.File, Line: l, Col: c, Severity: SeverityError, Msg: pe.Msg, Code: "syntax", Snippet: s}}
	}
	var ee *eql.Error
	if errors.As(err, &ee) {
		l, c, s := q.Position(ast.Pos(ee.Offset))
		return []Diagnostic{{File: q.File, Line: l, Col: c, Severity: SeverityError, Msg: ee.Msg, Code: "syntax", Snippet: s}}
	}
	if list := eval.CompileErrors(err); list != nil {
		out := make([]Diagnostic, len(list))
		for i, e := range list {
			l, c, s := q.Position(e.Pos)
			out[i] = Diagnostic{File: q.File, Line: l, Col: c, Severity: SeverityError, Msg: fmt.Sprintf("field %s: %s", e.Field, e.Msg), Snippet: s}
		}
		return out
	}
	var de interface {
		error
		QueryPos() ast.Pos
	}
	if errors.As(err, &de) {
		l, c, s := q.Position(de.QueryPos())
		return []Diagnostic{{File: q.File, Line: l, Col: c, Severity: SeverityError, Msg: de.Error(), Snippet: s}}
	}
	return []Diagnostic{{File: q.File, Severity: SeverityError, Msg: err.Error()}}
}
