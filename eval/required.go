package eval

import (
	"slices"

	"github.com/kqlrules/kqlrules/ast"
)

// Term is a condition every event a program matches meets: the field has
// a string value among Values. A keyword field compares exact strings, so
// a rule set can index programs by such terms and test an event only
// against the programs one of its values points to.
type Term struct {
	Field  string
	Values []string // sorted, distinct
}

// RequiredTerms returns terms the query requires on every path: from the
// operands of an "and", from a field:(a or b) on a keyword field, and the
// union of one field's terms across every branch of an "or". Only plain
// keyword fields of the top level (no multi-field, nothing inside a nested
// field, no wildcard values or names) give terms. A query with no such
// term gives none: it must be tested on every event.
//
// A value of the event that is not a string (a number, a boolean, an
// object) can still match a keyword term through its text form; a caller
// that indexes by terms must treat such a value as matching any term.
func (p *Program) RequiredTerms() []Term {
	req := requiredOf(p.expr, p.schema)
	out := make([]Term, 0, len(req))
	for f, vs := range req {
		out = append(out, Term{Field: f, Values: vs})
	}
	slices.SortFunc(out, func(a, b Term) int {
		if a.Field < b.Field {
			return -1
		}
		if a.Field > b.Field {
			return 1
		}
		return 0
	})
	return out
}

// requiredOf returns, per field, the values one of which the field must
// have for x to match.
func requiredOf(x ast.Expr, s Schema) map[string][]string {
	switch x := x.(type) {
	case *ast.AndExpr:
		var out map[string][]string
		for _, a := range x.Args {
			for f, vs := range requiredOf(a, s) {
				if out == nil {
					out = map[string][]string{}
				}
				if old, ok := out[f]; !ok || len(vs) < len(old) {
					out[f] = vs
				}
			}
		}
		return out
	case *ast.OrExpr:
		var out map[string][]string
		for i, a := range x.Args {
			r := requiredOf(a, s)
			if i == 0 {
				out = r
				continue
			}
			for f, vs := range out {
				other, ok := r[f]
				if !ok {
					delete(out, f)
					continue
				}
				out[f] = union(vs, other)
			}
		}
		return out
	case *ast.MatchExpr:
		if x.Field.Kind == ast.Wildcard || !plainKeyword(s, x.Field.Value()) {
			return nil
		}
		if vs := requiredValues(x.Value); vs != nil {
			return map[string][]string{x.Field.Value(): vs}
		}
	}
	return nil
}

// plainKeyword reports whether a top-level field is a keyword field that
// holds its own value, outside any nested field.
func plainKeyword(s Schema, name string) bool {
	return s.Lookup(name) == Keyword && s[name] == Keyword &&
		s.sourceField(name) == name && s.nestedPrefix(name) == ""
}

// requiredValues returns the values one of which a field must have for v
// to match it, or nil when there is no such list.
func requiredValues(v ast.Value) []string {
	switch v := v.(type) {
	case *ast.Literal:
		if v.Kind == ast.Wildcard || v.Kind == ast.Null {
			return nil
		}
		return []string{v.Value()}
	case *ast.OrValue:
		var out []string
		for _, a := range v.Args {
			vs := requiredValues(a)
			if vs == nil {
				return nil
			}
			out = union(out, vs)
		}
		return out
	case *ast.AndValue:
		var best []string
		for _, a := range v.Args {
			if vs := requiredValues(a); vs != nil && (best == nil || len(vs) < len(best)) {
				best = vs
			}
		}
		return best
	}
	return nil
}

// union returns the sorted distinct values of a and b.
func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
