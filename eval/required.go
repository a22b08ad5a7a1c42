package eval

import (
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/mapping"
)

// Term is a condition on one field of an event: with Values, the field has
// a string value among them (keyword fields compare exact strings); with
// no Values, the field has a value at all.
//
// With Numeric, the field is an integer field (byte, short, integer,
// long) and Values are integers written as [IntTerm] says: an event value
// whose text is such an integer meets the term when it is one of them; any
// other value of the field (a fraction, an exponent, text that is not a
// number, a boolean, null) may still match the query and must be treated
// as meeting every value term of its field.
type Term struct {
	Field   string
	Values  []string // sorted, distinct; nil: any value
	Numeric bool
}

// IntTerm reports whether s is an integer in the one form the values of a
// numeric [Term] take: an optional minus, and digits without a leading
// zero (0 itself, not -0), at most 18 of them. Elasticsearch indexes such
// a text, a JSON number or a string, in an integer field as that integer
// exactly.
func IntTerm(s string) bool {
	if len(s) > 0 && s[0] == '-' {
		s = s[1:]
		if s == "0" {
			return false
		}
	}
	if len(s) == 0 || len(s) > 18 || (s[0] == '0' && len(s) > 1) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// intField reports whether the field is an integer field whose values a
// numeric Term may index.
func intField(s mapping.Schema, name string) bool {
	switch s[name] {
	case mapping.Long, mapping.Integer, mapping.Short, mapping.Byte:
		return true
	}
	return false
}

// valueTerm is the term field:(vs...) requires: its values on a field
// that compares exact strings, or integers on an integer field when each
// value is one in IntTerm's form; else that the field has a value.
func valueTerm(s mapping.Schema, field string, vs []string) Term {
	switch {
	case vs == nil:
	case exactKeyword(s, field):
		return Term{Field: field, Values: vs}
	case intField(s, field) && !slices.ContainsFunc(vs, func(v string) bool { return !IntTerm(v) }):
		return Term{Field: field, Values: vs, Numeric: true}
	}
	return Term{Field: field}
}

// Exists reports whether t asks for any value of its field.
func (t Term) Exists() bool { return t.Values == nil }

// RequiredTerms returns what every event the query matches must contain,
// as a conjunction of disjunctions: for each inner list, the event meets
// at least one of its terms. A rule set can index programs by one such
// list and test an event only against the programs its values point to.
// A query that requires nothing of the kind gives nil. A program compiled
// from the Query DSL gives the terms of its bool, term, terms and
// single-field queries (see requiredOfDSL).
//
// The terms come from the operands of an "and", a field:(a or b) on a
// keyword-family field (keyword, constant_keyword, wildcard, version),
// any other field:value or range (the field has a value), and the terms
// of every branch of an "or" together (see orRequired). Only fields of the top level that hold
// their own value give terms: no multi-field, nothing inside a nested
// field, no wildcard values or names.
//
// A value of the event that is not a string (a number, a boolean, an
// object) can still match a keyword term through its text form: a caller
// that indexes by values must treat such a value as meeting every value
// term of its field.
func (p *Program) RequiredTerms() [][]Term {
	if p.expr == nil {
		if p.dsl == nil {
			return nil
		}
		return requiredOfDSL(p.dsl, p.schema)
	}
	return requiredOf(p.expr, p.schema)
}

func requiredOf(x ast.Expr, s mapping.Schema) [][]Term {
	switch x := x.(type) {
	case *ast.AndExpr:
		var out [][]Term
		for _, a := range x.Args {
			out = append(out, requiredOf(a, s)...)
		}
		return out
	case *ast.OrExpr:
		branches := make([][][]Term, len(x.Args))
		for i, a := range x.Args {
			branches[i] = requiredOf(a, s)
		}
		return orRequired(branches)
	case *ast.MatchExpr:
		if x.Field.Kind == ast.Wildcard || !ownValue(s, x.Field.Value()) {
			return nil
		}
		name := x.Field.Value()
		var out [][]Term
		for _, vs := range requiredValues(x.Value) {
			// any value (an exists term) when the values cannot be
			// indexed: a leaf holds only on a value of its field
			out = append(out, []Term{valueTerm(s, name, vs)})
		}
		return out
	case *ast.RangeExpr:
		if x.Field.Kind == ast.Wildcard || !ownValue(s, x.Field.Value()) {
			return nil
		}
		return [][]Term{{{Field: x.Field.Value()}}}
	}
	return nil
}

// orRequired returns what an "or" of branches (each what one branch
// requires) requires: nothing when a branch requires nothing; else the
// lightest disjunction of each branch together, and then, for each field
// that every branch requires on its own (a disjunction of terms on that
// field only), that field's terms together. An EQL sequence's stages, for
// example, each require their event category and often the same host.os.type:
// the second disjunction lets a set skip the rule on events without it.
func orRequired(branches [][][]Term) [][]Term {
	var any []Term
	for _, conj := range branches {
		if len(conj) == 0 {
			return nil
		}
		any = mergeTerms(any, slices.MinFunc(conj, func(a, b []Term) int { return termsWeight(a) - termsWeight(b) }))
	}
	out := [][]Term{any}
	var seen []string
	for _, first := range branches[0] {
		if len(first) != 1 || slices.Contains(seen, first[0].Field) {
			continue
		}
		field := first[0].Field
		seen = append(seen, field)
		var common []Term
		for _, conj := range branches {
			// the lightest (the first of them) of the disjunctions on
			// field alone
			var alone []Term
			for _, ts := range conj {
				if len(ts) == 1 && ts[0].Field == field && (alone == nil || termsWeight(ts) < termsWeight(alone)) {
					alone = ts
				}
			}
			if alone == nil {
				common = nil
				break
			}
			common = mergeTerms(common, alone)
		}
		if common != nil && !slices.EqualFunc(common, any, sameTerm) {
			out = append(out, common)
		}
	}
	return out
}

// sameTerm reports whether a and b are the same term.
func sameTerm(a, b Term) bool {
	return a.Field == b.Field && slices.Equal(a.Values, b.Values) && a.Numeric == b.Numeric
}

// termsWeight ranks disjunctions: values over exists, fewer over more.
func termsWeight(ts []Term) int {
	w := 0
	for _, t := range ts {
		if t.Exists() {
			w += 1000
		}
		w += len(t.Values)
	}
	return w
}

// mergeTerms adds the terms of b to a, one term a field: values are
// united, and an exists term takes in any other.
func mergeTerms(a, b []Term) []Term {
	for _, t := range b {
		i := slices.IndexFunc(a, func(u Term) bool { return u.Field == t.Field })
		switch {
		case i < 0:
			a = append(a, t)
		case a[i].Exists() || t.Exists() || a[i].Numeric != t.Numeric:
			a[i].Values, a[i].Numeric = nil, false
		default:
			a[i].Values = union(a[i].Values, t.Values)
		}
	}
	slices.SortFunc(a, func(x, y Term) int { return strings.Compare(x.Field, y.Field) })
	return a
}

// ownValue reports whether a top-level field holds its own value (not a
// multi-field, not inside or itself a nested field).
func ownValue(s mapping.Schema, name string) bool {
	return s.MultiFieldParent(name) == "" && s.NestedPath(name) == "" && s.Lookup(name) != mapping.Nested
}

// exactKeyword reports whether the field's values match a literal by
// exact string comparison.
func exactKeyword(s mapping.Schema, name string) bool {
	switch s[name] {
	case mapping.Keyword, mapping.ConstantKeyword, mapping.Wildcard, mapping.Version:
		return true
	}
	return false
}

// requiredValues returns the requirements field:v puts on the field, a
// conjunction: each element a list of values one of which the field must
// have, or nil for "any value".
func requiredValues(v ast.Value) [][]string {
	switch v := v.(type) {
	case *ast.Literal:
		switch {
		case v.IsStar():
			return [][]string{nil}
		case v.Kind == ast.Wildcard || v.Kind == ast.Null:
			return nil
		}
		return [][]string{{v.Value()}}
	case *ast.OrValue:
		var out []string
		for _, a := range v.Args {
			conj := requiredValues(a)
			if len(conj) == 0 {
				return nil
			}
			vs := slices.MinFunc(conj, func(a, b []string) int { return valuesWeight(a) - valuesWeight(b) })
			if vs == nil {
				return [][]string{nil}
			}
			out = append(out, vs...)
		}
		slices.Sort(out) // the union, sorted once
		return [][]string{slices.Compact(out)}
	case *ast.AndValue:
		var out [][]string
		for _, a := range v.Args {
			out = append(out, requiredValues(a)...)
		}
		return out
	}
	return nil
}

func valuesWeight(vs []string) int {
	if vs == nil {
		return 1000
	}
	return len(vs)
}

// union returns the sorted distinct values of a and b.
func union(a, b []string) []string {
	out := append(slices.Clone(a), b...)
	slices.Sort(out)
	return slices.Compact(out)
}
