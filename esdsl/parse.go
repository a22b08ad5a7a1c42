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
		if _, err := object(body, where); err != nil {
			return nil, err
		}
		return &MatchAll{}, nil
	case "term":
		field, v, err := single(body, where)
		if err != nil {
			return nil, err
		}
		q := &Term{Field: field}
		if !isObject(v) {
			q.Value, err = scalar(v, where+"."+field)
			return q, err
		}
		opts, err := object(v, where+"."+field)
		if err != nil {
			return nil, err
		}
		for _, o := range opts {
			w := where + "." + field + "." + o.key
			switch o.key {
			case "value":
				q.Value, err = scalar(o.val, w)
			case "case_insensitive":
				q.CaseInsensitive, err = boolean(o.val, w)
			default:
				err = unsupported(where+"."+field, o.key)
			}
			if err != nil {
				return nil, err
			}
		}
		return q, nil
	case "terms":
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
	case "wildcard":
		field, v, err := single(body, where)
		if err != nil {
			return nil, err
		}
		q := &Wildcard{Field: field}
		if !isObject(v) {
			q.Value, err = str(v, where+"."+field)
			return q, err
		}
		opts, err := object(v, where+"."+field)
		if err != nil {
			return nil, err
		}
		for _, o := range opts {
			w := where + "." + field + "." + o.key
			switch o.key {
			case "value", "wildcard":
				q.Value, err = str(o.val, w)
			case "case_insensitive":
				q.CaseInsensitive, err = boolean(o.val, w)
			default:
				err = unsupported(where+"."+field, o.key)
			}
			if err != nil {
				return nil, err
			}
		}
		return q, nil
	case "match", "match_phrase":
		field, v, err := single(body, where)
		if err != nil {
			return nil, err
		}
		var val any
		if !isObject(v) {
			val, err = scalar(v, where+"."+field)
		} else {
			var opts []kv
			opts, err = object(v, where+"."+field)
			for _, o := range opts {
				if err != nil {
					break
				}
				switch o.key {
				case "query":
					val, err = scalar(o.val, where+"."+field+".query")
				case "type":
					// {"match":{"f":{"query":v,"type":"phrase"}}}: Kibana's
					// old phrase filters.
					var t string
					if t, err = str(o.val, where+"."+field+".type"); err == nil && t == "phrase" {
						kind = "match_phrase"
					} else if err == nil && t != "boolean" {
						err = fmt.Errorf("%s.%s.type: unsupported match type %q", where, field, t)
					}
				default:
					err = unsupported(where+"."+field, o.key)
				}
			}
		}
		if err != nil {
			return nil, err
		}
		if kind == "match" {
			return &Match{Field: field, Query: val}, nil
		}
		return &MatchPhrase{Field: field, Query: val}, nil
	case "query_string":
		opts, err := object(body, where)
		if err != nil {
			return nil, err
		}
		q := &QueryString{}
		for _, o := range opts {
			w := where + "." + o.key
			switch o.key {
			case "query":
				q.Query, err = str(o.val, w)
			case "fields":
				q.Fields, err = strings_(o.val, w)
			case "default_field":
				var f string
				f, err = str(o.val, w)
				q.Fields = []string{f}
			case "analyze_wildcard":
				q.AnalyzeWildcard, err = boolean(o.val, w)
			default:
				err = unsupported(where, o.key)
			}
			if err != nil {
				return nil, err
			}
		}
		return q, nil
	case "multi_match":
		opts, err := object(body, where)
		if err != nil {
			return nil, err
		}
		q := &MultiMatch{Type: "best_fields"}
		for _, o := range opts {
			w := where + "." + o.key
			switch o.key {
			case "query":
				q.Query, err = scalar(o.val, w)
			case "type":
				q.Type, err = str(o.val, w)
				if err == nil && q.Type != "best_fields" && q.Type != "phrase" {
					err = fmt.Errorf("%s: unsupported multi_match type %q (best_fields and phrase are)", w, q.Type)
				}
			case "lenient":
				var b *bool
				b, err = boolean(o.val, w)
				if b != nil {
					q.Lenient = *b
				}
			case "fields":
				q.Fields, err = strings_(o.val, w)
			default:
				err = unsupported(where, o.key)
			}
			if err != nil {
				return nil, err
			}
		}
		return q, nil
	case "range":
		field, v, err := single(body, where)
		if err != nil {
			return nil, err
		}
		opts, err := object(v, where+"."+field)
		if err != nil {
			return nil, err
		}
		q := &Range{Field: field}
		for _, o := range opts {
			w := where + "." + field + "." + o.key
			switch o.key {
			case "gt", "gte", "lt", "lte":
				var x any
				x, err = scalar(o.val, w)
				q.Bounds = append(q.Bounds, Bound{o.key, x})
			case "format":
				q.Format, err = str(o.val, w)
			case "time_zone":
				q.TimeZone, err = str(o.val, w)
			default:
				err = unsupported(where+"."+field, o.key)
			}
			if err != nil {
				return nil, err
			}
		}
		return q, nil
	case "exists":
		opts, err := object(body, where)
		if err != nil {
			return nil, err
		}
		q := &Exists{}
		for _, o := range opts {
			if o.key != "field" {
				return nil, unsupported(where, o.key)
			}
			if q.Field, err = str(o.val, where+".field"); err != nil {
				return nil, err
			}
		}
		if q.Field == "" {
			return nil, fmt.Errorf("%s: no \"field\"", where)
		}
		return q, nil
	case "nested":
		opts, err := object(body, where)
		if err != nil {
			return nil, err
		}
		q := &Nested{}
		for _, o := range opts {
			w := where + "." + o.key
			switch o.key {
			case "path":
				q.Path, err = str(o.val, w)
			case "query":
				q.Query, err = parseQuery(o.val, w)
			case "score_mode":
				q.ScoreMode, err = str(o.val, w)
			case "ignore_unmapped":
				q.IgnoreUnmapped, err = boolean(o.val, w)
			default:
				err = unsupported(where, o.key)
			}
			if err != nil {
				return nil, err
			}
		}
		if q.Path == "" || q.Query == nil {
			return nil, fmt.Errorf("%s: want \"path\" and \"query\"", where)
		}
		return q, nil
	case "script":
		inner, err := object(body, where)
		if err != nil {
			return nil, err
		}
		if len(inner) != 1 || inner[0].key != "script" {
			return nil, fmt.Errorf("%s: want {\"script\": {...}}", where)
		}
		opts, err := object(inner[0].val, where+".script")
		if err != nil {
			return nil, err
		}
		q := &Script{}
		sawParams := false
		for _, o := range opts {
			w := where + ".script." + o.key
			switch o.key {
			case "source":
				q.ScriptSource, err = str(o.val, w)
			case "lang":
				q.Lang, err = str(o.val, w)
				q.LangLast = sawParams
			case "params":
				sawParams = true
				dec := json.NewDecoder(bytes.NewReader(o.val))
				dec.UseNumber()
				err = dec.Decode(&q.Params)
			default:
				err = unsupported(where+".script", o.key)
			}
			if err != nil {
				return nil, err
			}
		}
		return q, nil
	}
	return nil, fmt.Errorf("%s: unsupported query kind %q", where, kind)
}

func parseBool(body []byte, where string) (Query, error) {
	opts, err := object(body, where)
	if err != nil {
		return nil, err
	}
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
	for _, o := range opts {
		w := where + "." + o.key
		var one bool
		switch o.key {
		case "must":
			q.Must, err = clauses(o.val, w, &one)
		case "filter":
			q.Filter, err = clauses(o.val, w, &one)
		case "should":
			q.Should, err = clauses(o.val, w, &one)
		case "must_not":
			q.MustNot, err = clauses(o.val, w, &one)
			q.SingleMustNot = one
		case "minimum_should_match":
			var v any
			v, err = scalar(o.val, w)
			switch v := v.(type) {
			case json.Number:
				var n int64
				n, err = v.Int64()
				q.MinimumShouldMatch = int(n)
			case string:
				var n int
				n, err = strconv.Atoi(v)
				q.MinimumShouldMatch = n
			}
			if err != nil {
				err = fmt.Errorf("%s: want a whole number: %w", w, err)
			}
		default:
			err = unsupported(where, o.key)
		}
		if err != nil {
			return nil, err
		}
		q.Keys = append(q.Keys, o.key)
	}
	return q, nil
}
