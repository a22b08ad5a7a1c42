package esdsl

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// ParseQuery reads Query DSL JSON (a filter's query, an exception's DSL)
// into the typed queries: bool, match_all, term, terms, wildcard, match,
// match_phrase, query_string, multi_match, range, exists, nested and
// script, long and short forms ({"term":{"f":"v"}} and
// {"term":{"f":{"value":"v"}}}). Key order is kept where the types record
// it (bool clauses, range bounds), so that reading and marshalling gives
// back Kibana's JSON. An unsupported query kind or option is an error
// that names it and its place ("bool.filter[1].fuzzy").
func ParseQuery(data []byte) (Query, error) {
	return parseQuery(data, "query")
}

// kv is one key of a JSON object, in order.
type kv struct {
	key string
	val json.RawMessage
}

// object reads a JSON object keeping its key order.
func object(data []byte, where string) ([]kv, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, fmt.Errorf("%s: want a JSON object, got %s", where, kindOf(data))
	}
	var out []kv
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", where, err)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, fmt.Errorf("%s.%s: %w", where, tok, err)
		}
		out = append(out, kv{tok.(string), raw})
	}
	if _, err := dec.Token(); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	return out, nil
}

func kindOf(data []byte) string {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return "nothing"
	}
	switch data[0] {
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	case '{':
		return "an object"
	}
	return "a number"
}

// scalar reads a JSON string, number, bool or null.
func scalar(data []byte, where string) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, fmt.Errorf("%s: %w", where, err)
	}
	switch v.(type) {
	case string, json.Number, bool, nil:
		return v, nil
	}
	return nil, fmt.Errorf("%s: want a string, number, boolean or null, got %s", where, kindOf(data))
}

func str(data []byte, where string) (string, error) {
	var s string
	if err := json.Unmarshal(data, &s); err != nil {
		return "", fmt.Errorf("%s: want a string, got %s", where, kindOf(data))
	}
	return s, nil
}

func boolean(data []byte, where string) (*bool, error) {
	var b bool
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("%s: want true or false, got %s", where, kindOf(data))
	}
	return &b, nil
}

func strings_(data []byte, where string) ([]string, error) {
	var ss []string
	if err := json.Unmarshal(data, &ss); err != nil {
		return nil, fmt.Errorf("%s: want an array of strings, got %s", where, kindOf(data))
	}
	if ss == nil {
		ss = []string{}
	}
	return ss, nil
}

// single reads {"field": X}: the one field of a leaf query.
func single(data []byte, where string) (string, json.RawMessage, error) {
	kvs, err := object(data, where)
	if err != nil {
		return "", nil, err
	}
	if len(kvs) != 1 {
		return "", nil, fmt.Errorf("%s: want one field, got %d keys", where, len(kvs))
	}
	return kvs[0].key, kvs[0].val, nil
}

func isObject(data []byte) bool {
	data = bytes.TrimSpace(data)
	return len(data) > 0 && data[0] == '{'
}

func unsupported(where, key string) error {
	return fmt.Errorf("%s: unsupported option %q", where, key)
}

// parseQuery reads {"KIND": BODY}: one query, each kind by its own
// function.
func parseQuery(data []byte, where string) (Query, error) {
	kvs, err := object(data, where)
	if err != nil {
		return nil, err
	}
	if len(kvs) != 1 {
		keys := make([]string, len(kvs))
		for i, kv := range kvs {
			keys[i] = kv.key
		}
		return nil, fmt.Errorf("%s: want one query kind, got %d keys [%s]", where, len(kvs), strings.Join(keys, " "))
	}
	kind, body := kvs[0].key, kvs[0].val
	where += "." + kind
	switch kind {
	case "bool":
		return parseBool(body, where)
	case "match_all":
		return parseMatchAll(body, where)
	case "term":
		return parseTerm(body, where)
	case "terms":
		return parseTerms(body, where)
	case "wildcard":
		return parseWildcard(body, where)
	case "match", "match_phrase":
		return parseMatch(kind, body, where)
	case "query_string":
		return parseQueryString(body, where)
	case "multi_match":
		return parseMultiMatch(body, where)
	case "range":
		return parseRange(body, where)
	case "exists":
		return parseExists(body, where)
	case "nested":
		return parseNested(body, where)
	case "script":
		return parseScript(body, where)
	}
	return nil, fmt.Errorf("%s: unsupported query kind %q", where, kind)
}

// fieldBody reads the body of a query on one field, {"FIELD": X}, in
// its two forms: X a value (the short form, given to short) or X an
// object of options (the long form: each key and value given to option,
// which reports false for a key the query does not take). A nil short
// takes the long form only. where in the callbacks is the place of the
// value or option ("term.f.value").
func fieldBody(body []byte, where string, short func(v json.RawMessage, where string) error, option func(key string, v json.RawMessage, where string) (bool, error)) (field string, err error) {
	field, v, err := single(body, where)
	if err != nil {
		return "", err
	}
	where += "." + field
	if short != nil && !isObject(v) {
		return field, short(v, where)
	}
	return field, options(v, where, option)
}

func parseMatchAll(body []byte, where string) (Query, error) {
	if _, err := object(body, where); err != nil {
		return nil, err
	}
	return &MatchAll{}, nil
}

// parseTerm reads {"f": v} or {"f": {"value": v, "case_insensitive": b}}.
func parseTerm(body []byte, where string) (Query, error) {
	q := &Term{}
	value := func(v json.RawMessage, w string) (err error) {
		q.Value, err = scalar(v, w)
		return err
	}
	field, err := fieldBody(body, where, value, func(key string, v json.RawMessage, w string) (bool, error) {
		switch key {
		case "value":
			return true, value(v, w)
		case "case_insensitive":
			b, err := boolean(v, w)
			q.CaseInsensitive = b
			return true, err
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	q.Field = field
	return q, nil
}

// parseTerms reads {"f": [v...]}.
func parseTerms(body []byte, where string) (Query, error) {
	field, v, err := single(body, where)
	if err != nil {
		return nil, err
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(v, &raws); err != nil {
		return nil, fmt.Errorf("%s.%s: want an array of values, got %s", where, field, kindOf(v))
	}
	q := &Terms{Field: field, Values: []any{}}
	for i, r := range raws {
		x, err := scalar(r, fmt.Sprintf("%s.%s[%d]", where, field, i))
		if err != nil {
			return nil, err
		}
		q.Values = append(q.Values, x)
	}
	return q, nil
}

// parseWildcard reads {"f": "p"} or {"f": {"value"|"wildcard": "p",
// "case_insensitive": b}}.
func parseWildcard(body []byte, where string) (Query, error) {
	q := &Wildcard{}
	value := func(v json.RawMessage, w string) (err error) {
		q.Value, err = str(v, w)
		return err
	}
	field, err := fieldBody(body, where, value, func(key string, v json.RawMessage, w string) (bool, error) {
		switch key {
		case "value", "wildcard":
			return true, value(v, w)
		case "case_insensitive":
			b, err := boolean(v, w)
			q.CaseInsensitive = b
			return true, err
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	q.Field = field
	return q, nil
}

// parseMatch reads match and match_phrase: {"f": v} or {"f": {"query":
// v, "type": "phrase"|"boolean"}} (the type of Kibana's old phrase
// filters).
func parseMatch(kind string, body []byte, where string) (Query, error) {
	var val any
	value := func(v json.RawMessage, w string) (err error) {
		val, err = scalar(v, w)
		return err
	}
	field, err := fieldBody(body, where, value, func(key string, v json.RawMessage, w string) (bool, error) {
		switch key {
		case "query":
			return true, value(v, w)
		case "type":
			t, err := str(v, w)
			switch {
			case err != nil:
			case t == "phrase":
				kind = "match_phrase"
			case t != "boolean":
				err = fmt.Errorf("%s: unsupported match type %q", w, t)
			}
			return true, err
		}
		return false, nil
	})
	if err != nil {
		return nil, err
	}
	if kind == "match" {
		return &Match{Field: field, Query: val}, nil
	}
	return &MatchPhrase{Field: field, Query: val}, nil
}

// parseRange reads {"f": {"gt"|"gte"|"lt"|"lte": v..., "format": ...,
// "time_zone": ...}}, keeping the bounds' order.
func parseRange(body []byte, where string) (Query, error) {
	q := &Range{}
	field, err := fieldBody(body, where, nil, func(key string, v json.RawMessage, w string) (ok bool, err error) {
		switch key {
		case "gt", "gte", "lt", "lte":
			var x any
			x, err = scalar(v, w)
			q.Bounds = append(q.Bounds, Bound{key, x})
		case "format":
			q.Format, err = str(v, w)
		case "time_zone":
			q.TimeZone, err = str(v, w)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	q.Field = field
	return q, nil
}

// options reads a query's body as an object of options, each given to
// option, which reports false for a key the query does not take.
func options(body []byte, where string, option func(key string, v json.RawMessage, where string) (bool, error)) error {
	opts, err := object(body, where)
	if err != nil {
		return err
	}
	for _, o := range opts {
		ok, err := option(o.key, o.val, where+"."+o.key)
		if err != nil {
			return err
		}
		if !ok {
			return unsupported(where, o.key)
		}
	}
	return nil
}

// parseQueryString reads the options of query_string Kibana writes.
func parseQueryString(body []byte, where string) (Query, error) {
	q := &QueryString{}
	err := options(body, where, func(key string, v json.RawMessage, w string) (ok bool, err error) {
		switch key {
		case "query":
			q.Query, err = str(v, w)
		case "fields":
			q.Fields, err = strings_(v, w)
		case "default_field":
			var f string
			f, err = str(v, w)
			q.Fields = []string{f}
		case "analyze_wildcard":
			q.AnalyzeWildcard, err = boolean(v, w)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// parseMultiMatch reads multi_match: query, type (best_fields or phrase),
// lenient, fields.
func parseMultiMatch(body []byte, where string) (Query, error) {
	q := &MultiMatch{Type: "best_fields"}
	err := options(body, where, func(key string, v json.RawMessage, w string) (ok bool, err error) {
		switch key {
		case "query":
			q.Query, err = scalar(v, w)
		case "type":
			q.Type, err = str(v, w)
			if err == nil && q.Type != "best_fields" && q.Type != "phrase" {
				err = fmt.Errorf("%s: unsupported multi_match type %q (best_fields and phrase are)", w, q.Type)
			}
		case "lenient":
			var b *bool
			b, err = boolean(v, w)
			if b != nil {
				q.Lenient = *b
			}
		case "fields":
			q.Fields, err = strings_(v, w)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// parseExists reads {"field": "f"}.
func parseExists(body []byte, where string) (Query, error) {
	q := &Exists{}
	err := options(body, where, func(key string, v json.RawMessage, w string) (ok bool, err error) {
		if key != "field" {
			return false, nil
		}
		q.Field, err = str(v, w)
		return true, err
	})
	if err != nil {
		return nil, err
	}
	if q.Field == "" {
		return nil, fmt.Errorf("%s: no \"field\"", where)
	}
	return q, nil
}

// parseNested reads path, query, score_mode and ignore_unmapped.
func parseNested(body []byte, where string) (Query, error) {
	q := &Nested{}
	err := options(body, where, func(key string, v json.RawMessage, w string) (ok bool, err error) {
		switch key {
		case "path":
			q.Path, err = str(v, w)
		case "query":
			q.Query, err = parseQuery(v, w)
		case "score_mode":
			q.ScoreMode, err = str(v, w)
		case "ignore_unmapped":
			q.IgnoreUnmapped, err = boolean(v, w)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	if q.Path == "" || q.Query == nil {
		return nil, fmt.Errorf("%s: want \"path\" and \"query\"", where)
	}
	return q, nil
}

// parseScript reads {"script": {"source", "lang", "params"}}, noting
// whether lang came after params (Kibana's order, kept when marshalling).
func parseScript(body []byte, where string) (Query, error) {
	inner, err := object(body, where)
	if err != nil {
		return nil, err
	}
	if len(inner) != 1 || inner[0].key != "script" {
		return nil, fmt.Errorf("%s: want {\"script\": {...}}", where)
	}
	q := &Script{}
	sawParams := false
	err = options(inner[0].val, where+".script", func(key string, v json.RawMessage, w string) (ok bool, err error) {
		switch key {
		case "source":
			q.ScriptSource, err = str(v, w)
		case "lang":
			q.Lang, err = str(v, w)
			q.LangLast = sawParams
		case "params":
			sawParams = true
			dec := json.NewDecoder(bytes.NewReader(v))
			dec.UseNumber()
			err = dec.Decode(&q.Params)
		default:
			return false, nil
		}
		return true, err
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}

// parseBool reads must, filter, should, must_not (a query or an array of
// queries each) and minimum_should_match, keeping the keys' order.
func parseBool(body []byte, where string) (Query, error) {
	q := &Bool{Keys: []string{}}
	clauses := func(data []byte, w string, single *bool) ([]Query, error) {
		if isObject(data) {
			*single = true
			x, err := parseQuery(data, w)
			if err != nil {
				return nil, err
			}
			return []Query{x}, nil
		}
		var raws []json.RawMessage
		if err := json.Unmarshal(data, &raws); err != nil {
			return nil, fmt.Errorf("%s: want a query or an array of queries, got %s", w, kindOf(data))
		}
		out := []Query{}
		for i, r := range raws {
			x, err := parseQuery(r, fmt.Sprintf("%s[%d]", w, i))
			if err != nil {
				return nil, err
			}
			out = append(out, x)
		}
		return out, nil
	}
	err := options(body, where, func(key string, v json.RawMessage, w string) (ok bool, err error) {
		var one bool
		switch key {
		case "must":
			q.Must, err = clauses(v, w, &one)
		case "filter":
			q.Filter, err = clauses(v, w, &one)
		case "should":
			q.Should, err = clauses(v, w, &one)
		case "must_not":
			q.MustNot, err = clauses(v, w, &one)
			q.SingleMustNot = one
		case "minimum_should_match":
			var x any
			x, err = scalar(v, w)
			switch x := x.(type) {
			case json.Number:
				var n int64
				n, err = x.Int64()
				q.MinimumShouldMatch = int(n)
			case string:
				var n int
				n, err = strconv.Atoi(x)
				q.MinimumShouldMatch = n
			}
			if err != nil {
				err = fmt.Errorf("%s: want a whole number: %w", w, err)
			}
		default:
			return false, nil
		}
		q.Keys = append(q.Keys, key)
		return true, err
	})
	if err != nil {
		return nil, err
	}
	return q, nil
}
