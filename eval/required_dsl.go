package eval

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/mapping"
)

// requiredOfDSL is requiredOf for a program compiled from the Query DSL
// (an EQL event query lowered by package eql, say): the clauses of a
// bool's must and filter together, the terms of every should branch
// together when at least one must match, nothing of must_not; a term or
// terms query with string values on a keyword-family field gives its
// values (a case-insensitive term only that the field has a value), and
// any other query on one named field that it has a value. Nested,
// script, query_string, multi_match and match_all queries give nothing.
func requiredOfDSL(q esdsl.Query, s mapping.Schema) [][]Term {
	return appendRequiredOfDSL(nil, q, s)
}

// appendRequiredOfDSL appends what q requires (requiredOfDSL) to out.
func appendRequiredOfDSL(out [][]Term, q esdsl.Query, s mapping.Schema) [][]Term {
	switch q := q.(type) {
	case *esdsl.Bool:
		for _, c := range q.Must {
			out = appendRequiredOfDSL(out, c, s)
		}
		for _, c := range q.Filter {
			out = appendRequiredOfDSL(out, c, s)
		}
		msm := q.MinimumShouldMatch
		if msm == 0 && len(q.Must)+len(q.Filter) == 0 {
			msm = 1 // Elasticsearch's default for a bool of should clauses only
		}
		if msm < 1 || len(q.Should) == 0 {
			return out
		}
		if any, leaves := leavesRequired(q.Should, s); leaves {
			if any != nil {
				out = append(out, any)
			}
			return out
		}
		branches := make([][][]Term, len(q.Should))
		for i, c := range q.Should {
			branches[i] = appendRequiredOfDSL(nil, c, s)
		}
		return append(out, orRequired(branches)...)
	}
	if t, ok := leafRequired(q, s); ok {
		out = append(out, []Term{t})
	}
	return out
}

// leavesRequired is orRequired of the should clauses qs when none is a
// bool (leaves true), without making a disjunction for each: a leaf
// requires one term or nothing, so that the "or" requires the terms
// together (nil when a clause requires nothing), and the common terms
// of one field orRequired adds are those terms again, or none.
func leavesRequired(qs []esdsl.Query, s mapping.Schema) (any []Term, leaves bool) {
	for _, c := range qs {
		if _, ok := c.(*esdsl.Bool); ok {
			return nil, false
		}
	}
	for _, c := range qs {
		t, ok := leafRequired(c, s)
		if !ok {
			return nil, true
		}
		any = mergeTerms(any, []Term{t})
	}
	return any, true
}

// leafRequired is what a query other than a bool requires: one term, or
// nothing (false).
func leafRequired(q esdsl.Query, s mapping.Schema) (Term, bool) {
	switch q := q.(type) {
	case *esdsl.Term:
		v, ok := termText(q.Value, s, q.Field)
		ci := q.CaseInsensitive != nil && *q.CaseInsensitive
		if ok && !ci {
			return fieldTerm(s, q.Field, true, []string{v})
		}
		return fieldTerm(s, q.Field, false, nil)
	case *esdsl.Terms:
		vs := make([]string, 0, len(q.Values))
		for _, v := range q.Values {
			str, ok := termText(v, s, q.Field)
			if !ok {
				return fieldTerm(s, q.Field, false, nil)
			}
			vs = append(vs, str)
		}
		if len(vs) == 0 {
			return Term{}, false // terms of nothing: matches nothing, requires nothing indexable
		}
		slices.Sort(vs)
		return fieldTerm(s, q.Field, true, slices.Compact(vs))
	case *esdsl.Wildcard:
		return fieldTerm(s, q.Field, false, nil)
	case *esdsl.Prefix:
		return fieldTerm(s, q.Field, false, nil)
	case *esdsl.Regexp:
		return fieldTerm(s, q.Field, false, nil)
	case *esdsl.Range:
		return fieldTerm(s, q.Field, false, nil)
	case *esdsl.Exists:
		return fieldTerm(s, q.Field, false, nil)
	case *esdsl.Match:
		return fieldTerm(s, q.Field, false, nil)
	case *esdsl.MatchPhrase:
		return fieldTerm(s, q.Field, false, nil)
	}
	return Term{}, false
}

// fieldTerm is the term a query on the field requires: its values when
// byValue and the field compares exact strings, else that it has a
// value; none (false) for a field pattern or a field that does not hold
// its own value.
func fieldTerm(s mapping.Schema, field string, byValue bool, values []string) (Term, bool) {
	if field == "" || strings.Contains(field, "*") || !ownValue(s, field) {
		return Term{}, false
	}
	if !byValue {
		values = nil
	}
	return valueTerm(s, field, values), true
}

// termText returns the text of a term query's value that an index term
// compares: a string, or, on an integer field, a JSON number (as EQL's
// lowering writes an integer) in IntTerm's form; false for other values.
func termText(v any, s mapping.Schema, field string) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case json.Number:
		if intField(s, field) && IntTerm(string(v)) {
			return string(v), true
		}
	}
	return "", false
}
