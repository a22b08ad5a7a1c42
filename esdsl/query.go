package esdsl

import (
	"bytes"
	"encoding/json"
	"strconv"
	"unicode/utf8"

	"github.com/kqlrules/kqlrules/ast"
)

// Query is one node of the Query DSL: [*Bool], [*MatchAll], [*Term],
// [*Terms], [*Wildcard], [*Match], [*MatchPhrase], [*QueryString],
// [*MultiMatch], [*Range], [*Exists], [*Nested] or [*Script]. As in go/ast,
// the interface is sealed.
//
// MarshalJSON writes the node as Kibana writes it. Source returns the KQL
// node the query was built from, or nil for a query read by [ParseQuery]
// or built by hand; it is never marshalled.
type Query interface {
	MarshalJSON() ([]byte, error)
	Source() ast.Node
	queryNode()
}

// Src is embedded in every query type: the KQL node the query was built
// from (nil when it was not built from KQL).
type Src struct {
	Node ast.Node
}

// Source returns the KQL node the query was built from, or nil.
func (s Src) Source() ast.Node { return s.Node }

// Bool is the bool query. Clauses are written in the order of Keys, which
// lists the JSON keys ("must", "filter", "should", "must_not",
// "minimum_should_match") as Kibana builds each kind of bool: an empty
// clause named in Keys is written as []. When Keys is nil, the non-empty
// clauses are written in the order must, filter, should,
// minimum_should_match, must_not.
type Bool struct {
	Src
	Must, Filter, Should, MustNot []Query
	// MinimumShouldMatch is written when it is not 0 (Kibana's or gives 1).
	MinimumShouldMatch int
	// SingleMustNot writes a MustNot of one query as that query's object
	// instead of an array, as Kibana's not does ({"must_not": {...}}).
	SingleMustNot bool
	Keys          []string
}

// MatchAll is {"match_all": {}}.
type MatchAll struct{ Src }

// Term is {"term": {Field: {"value": Value, "case_insensitive": ...}}}.
// Value is a string, bool, nil or json.Number.
type Term struct {
	Src
	Field           string
	Value           any
	CaseInsensitive *bool // written when not nil
}

// Terms is {"terms": {Field: [Values...]}}.
type Terms struct {
	Src
	Field  string
	Values []any
}

// Wildcard is {"wildcard": {Field: {"value": Value, "case_insensitive": ...}}}.
type Wildcard struct {
	Src
	Field           string
	Value           string
	CaseInsensitive *bool // written when not nil
}

// Match is Kibana's short form {"match": {Field: Query}}.
type Match struct {
	Src
	Field string
	Query any
}

// MatchPhrase is Kibana's short form {"match_phrase": {Field: Query}}.
type MatchPhrase struct {
	Src
	Field string
	Query any
}

// QueryString is {"query_string": {"fields": [...], "query": ...}}; Fields
// is left out when nil (free text searches the default fields).
type QueryString struct {
	Src
	Fields          []string
	Query           string
	AnalyzeWildcard *bool // written when not nil
}

// MultiMatch is {"multi_match": {"type": ..., "query": ..., "lenient": ...}},
// Kibana's free-text query; Fields is left out when nil.
type MultiMatch struct {
	Src
	Type    string // "best_fields" or "phrase"
	Query   any
	Lenient bool
	Fields  []string
}

// Bound is one bound of a [Range]: Op is "gt", "gte", "lt" or "lte".
type Bound struct {
	Op    string
	Value any
}

// Range is {"range": {Field: {bounds..., "format": ..., "time_zone": ...}}}.
// Bounds are written in their order (Kibana's order differs between its
// builders); Format and TimeZone when not empty.
type Range struct {
	Src
	Field    string
	Bounds   []Bound
	Format   string
	TimeZone string
}

// Bound returns the value of the bound op ("gt", "gte", "lt", "lte").
func (r *Range) Bound(op string) (any, bool) {
	for _, b := range r.Bounds {
		if b.Op == op {
			return b.Value, true
		}
	}
	return nil, false
}

// Exists is {"exists": {"field": Field}}.
type Exists struct {
	Src
	Field string
}

// Nested is {"nested": {"path": ..., "query": ..., "score_mode": ...,
// "ignore_unmapped": ...}}.
type Nested struct {
	Src
	Path           string
	Query          Query
	ScoreMode      string // written when not empty; Kibana writes "none"
	IgnoreUnmapped *bool  // written when not nil
}

// Script is {"script": {"script": {"source": ..., "lang": ..., "params":
// {...}}}}, the query Kibana builds for a scripted field. Params keys are
// written in sorted order.
type Script struct {
	Src
	ScriptSource string
	Lang         string
	Params       map[string]any
	// LangLast writes lang after params, as Kibana's range script does
	// (its phrase script writes lang before params).
	LangLast bool
}

func (*Bool) queryNode()        {}
func (*MatchAll) queryNode()    {}
func (*Term) queryNode()        {}
func (*Terms) queryNode()       {}
func (*Wildcard) queryNode()    {}
func (*Match) queryNode()       {}
func (*MatchPhrase) queryNode() {}
func (*QueryString) queryNode() {}
func (*MultiMatch) queryNode()  {}
func (*Range) queryNode()       {}
func (*Exists) queryNode()      {}
func (*Nested) queryNode()      {}
func (*Script) queryNode()      {}

// Marshalling. Kibana's JSON is JSON.stringify of objects built key by key;
// the writer below keeps that order and escapes strings as JSON.stringify
// does (no HTML escaping, lowercase \u00xx for other control characters).

type writer struct {
	b   bytes.Buffer
	err error
}

func (w *writer) raw(s string) { w.b.WriteString(s) }

func (w *writer) str(s string) {
	const hex = "0123456789abcdef"
	w.b.WriteByte('"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			if c < utf8.RuneSelf {
				w.b.WriteByte(c)
				i++
				continue
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError && size == 1 {
				w.raw(`\ufffd`)
			} else {
				w.b.WriteString(s[i : i+size])
			}
			i += size
			continue
		}
		switch c {
		case '"':
			w.raw(`\"`)
		case '\\':
			w.raw(`\\`)
		case '\b':
			w.raw(`\b`)
		case '\f':
			w.raw(`\f`)
		case '\n':
			w.raw(`\n`)
		case '\r':
			w.raw(`\r`)
		case '\t':
			w.raw(`\t`)
		default:
			w.raw(`\u00`)
			w.b.WriteByte(hex[c>>4])
			w.b.WriteByte(hex[c&0xf])
		}
		i++
	}
	w.b.WriteByte('"')
}

// key writes "k": with a leading comma when it is not the first.
func (w *writer) key(first *bool, k string) {
	if !*first {
		w.b.WriteByte(',')
	}
	*first = false
	w.str(k)
	w.b.WriteByte(':')
}

func (w *writer) query(q Query) {
	if q == nil {
		w.raw("null")
		return
	}
	b, err := q.MarshalJSON()
	if err != nil && w.err == nil {
		w.err = err
	}
	w.b.Write(b)
}

func (w *writer) queries(qs []Query) {
	w.b.WriteByte('[')
	for i, q := range qs {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.query(q)
	}
	w.b.WriteByte(']')
}

func (w *writer) strs(ss []string) {
	w.b.WriteByte('[')
	for i, s := range ss {
		if i > 0 {
			w.b.WriteByte(',')
		}
		w.str(s)
	}
	w.b.WriteByte(']')
}

func (w *writer) bool(v bool) {
	if v {
		w.raw("true")
	} else {
		w.raw("false")
	}
}

// value writes a scalar or a JSON-like value (string, bool, nil, numbers,
// []any, map[string]any with sorted keys).
func (w *writer) value(v any) {
	switch v := v.(type) {
	case nil:
		w.raw("null")
	case string:
		w.str(v)
	case bool:
		w.bool(v)
	case json.Number:
		w.raw(v.String())
	case int:
		w.raw(strconv.Itoa(v))
	case int64:
		w.raw(strconv.FormatInt(v, 10))
	case float64:
		w.raw(strconv.FormatFloat(v, 'g', -1, 64))
	case []any:
		w.b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				w.b.WriteByte(',')
			}
			w.value(x)
		}
		w.b.WriteByte(']')
	case map[string]any:
		w.b.WriteByte('{')
		first := true
		for _, k := range sortedKeys(v) {
			w.key(&first, k)
			w.value(v[k])
		}
		w.b.WriteByte('}')
	default:
		if w.err == nil {
			w.err = errorf(0, "cannot write a value of type %T", v)
		}
		w.raw("null")
	}
}

func (w *writer) done() ([]byte, error) { return w.b.Bytes(), w.err }

// open writes {"kind":{ and returns the state for the keys inside.
func (w *writer) open(kind string) {
	w.b.WriteString(`{"`)
	w.b.WriteString(kind)
	w.b.WriteString(`":{`)
}

func (w *writer) close() { w.b.WriteString("}}") }

// MarshalJSON writes the bool query.
func (q *Bool) MarshalJSON() ([]byte, error) {
	var w writer
	w.open("bool")
	keys := q.Keys
	if keys == nil {
		for _, k := range []struct {
			name string
			on   bool
		}{{"must", len(q.Must) > 0}, {"filter", len(q.Filter) > 0}, {"should", len(q.Should) > 0},
			{"minimum_should_match", q.MinimumShouldMatch != 0}, {"must_not", len(q.MustNot) > 0}} {
			if k.on {
				keys = append(keys, k.name)
			}
		}
	}
	first := true
	for _, k := range keys {
		w.key(&first, k)
		switch k {
		case "must":
			w.queries(q.Must)
		case "filter":
			w.queries(q.Filter)
		case "should":
			w.queries(q.Should)
		case "must_not":
			if q.SingleMustNot && len(q.MustNot) == 1 {
				w.query(q.MustNot[0])
			} else {
				w.queries(q.MustNot)
			}
		case "minimum_should_match":
			w.raw(strconv.Itoa(q.MinimumShouldMatch))
		default:
			return nil, errorf(0, "bool: unknown key %q in Keys", k)
		}
	}
	w.close()
	return w.done()
}

// MarshalJSON writes {"match_all":{}}.
func (q *MatchAll) MarshalJSON() ([]byte, error) { return []byte(`{"match_all":{}}`), nil }

// MarshalJSON writes the term query in its long form.
func (q *Term) MarshalJSON() ([]byte, error) {
	return valueQuery("term", q.Field, func(w *writer) { w.value(q.Value) }, q.CaseInsensitive)
}

// MarshalJSON writes the terms query.
func (q *Terms) MarshalJSON() ([]byte, error) {
	var w writer
	w.open("terms")
	w.str(q.Field)
	w.raw(":")
	w.value(append([]any{}, q.Values...))
	w.close()
	return w.done()
}

// MarshalJSON writes the wildcard query.
func (q *Wildcard) MarshalJSON() ([]byte, error) {
	return valueQuery("wildcard", q.Field, func(w *writer) { w.str(q.Value) }, q.CaseInsensitive)
}

// valueQuery writes {kind:{field:{"value":...[,"case_insensitive":b]}}},
// the long form of term and wildcard queries.
func valueQuery(kind, field string, value func(*writer), caseInsensitive *bool) ([]byte, error) {
	var w writer
	w.b.Grow(len(kind) + len(field) + 96) // a short value's query in one go
	w.open(kind)
	w.str(field)
	w.raw(`:{"value":`)
	value(&w)
	if caseInsensitive != nil {
		w.raw(`,"case_insensitive":`)
		w.bool(*caseInsensitive)
	}
	w.raw("}")
	w.close()
	return w.done()
}

// MarshalJSON writes the match query in its short form.
func (q *Match) MarshalJSON() ([]byte, error) {
	var w writer
	w.open("match")
	w.str(q.Field)
	w.raw(":")
	w.value(q.Query)
	w.close()
	return w.done()
}

// MarshalJSON writes the match_phrase query in its short form.
func (q *MatchPhrase) MarshalJSON() ([]byte, error) {
	var w writer
	w.open("match_phrase")
	w.str(q.Field)
	w.raw(":")
	w.value(q.Query)
	w.close()
	return w.done()
}

// MarshalJSON writes the query_string query.
func (q *QueryString) MarshalJSON() ([]byte, error) {
	var w writer
	w.open("query_string")
	first := true
	if q.Fields != nil {
		w.key(&first, "fields")
		w.strs(q.Fields)
	}
	w.key(&first, "query")
	w.str(q.Query)
	if q.AnalyzeWildcard != nil {
		w.key(&first, "analyze_wildcard")
		w.bool(*q.AnalyzeWildcard)
	}
	w.close()
	return w.done()
}

// MarshalJSON writes the multi_match query.
func (q *MultiMatch) MarshalJSON() ([]byte, error) {
	var w writer
	w.open("multi_match")
	first := true
	w.key(&first, "type")
	w.str(q.Type)
	w.key(&first, "query")
	w.value(q.Query)
	w.key(&first, "lenient")
	w.bool(q.Lenient)
	if q.Fields != nil {
		w.key(&first, "fields")
		w.strs(q.Fields)
	}
	w.close()
	return w.done()
}

// MarshalJSON writes the range query.
func (q *Range) MarshalJSON() ([]byte, error) {
	var w writer
	w.open("range")
	w.str(q.Field)
	w.raw(":{")
	first := true
	for _, b := range q.Bounds {
		w.key(&first, b.Op)
		w.value(b.Value)
	}
	if q.Format != "" {
		w.key(&first, "format")
		w.str(q.Format)
	}
	if q.TimeZone != "" {
		w.key(&first, "time_zone")
		w.str(q.TimeZone)
	}
	w.raw("}")
	w.close()
	return w.done()
}

// MarshalJSON writes the exists query.
func (q *Exists) MarshalJSON() ([]byte, error) {
	var w writer
	w.open("exists")
	w.raw(`"field":`)
	w.str(q.Field)
	w.close()
	return w.done()
}

// MarshalJSON writes the nested query.
func (q *Nested) MarshalJSON() ([]byte, error) {
	var w writer
	w.open("nested")
	w.raw(`"path":`)
	w.str(q.Path)
	w.raw(`,"query":`)
	w.query(q.Query)
	if q.ScoreMode != "" {
		w.raw(`,"score_mode":`)
		w.str(q.ScoreMode)
	}
	if q.IgnoreUnmapped != nil {
		w.raw(`,"ignore_unmapped":`)
		w.bool(*q.IgnoreUnmapped)
	}
	w.close()
	return w.done()
}

// MarshalJSON writes the script query.
func (q *Script) MarshalJSON() ([]byte, error) {
	var w writer
	w.open("script")
	w.raw(`"script":{"source":`)
	w.str(q.ScriptSource)
	if q.Lang != "" && !q.LangLast {
		w.raw(`,"lang":`)
		w.str(q.Lang)
	}
	w.raw(`,"params":`)
	w.value(map[string]any(q.Params))
	if q.Lang != "" && q.LangLast {
		w.raw(`,"lang":`)
		w.str(q.Lang)
	}
	w.raw("}")
	w.close()
	return w.done()
}
