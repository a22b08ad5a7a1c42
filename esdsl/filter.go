package esdsl

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// ParseFilters reads a JSON array of Kibana filters (a rule's "filters",
// a saved search's filter list), as buildEsQuery takes them: each
// filter's query, with Negate from meta.negate; a filter whose
// meta.disabled is true is left out, as Kibana's filterMatchesIndex and
// translateToQuery leave it out. The query is the filter's "query" key
// or, in the legacy forms that put it at the top level ({"exists": ...},
// {"range": ...}, {"match_phrase": ...}, {"script": ...}), the one key
// other than "meta" and "$state". Errors name the filter
// ("filters[2].query.bool.filter[0]: ...").
func ParseFilters(data []byte) ([]Filter, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '[' {
		return nil, fmt.Errorf("filters: want a JSON array, got %s", kindOf(data))
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("filters: %w", err)
	}
	out := []Filter{}
	for i, r := range raw {
		f, disabled, err := parseFilter(r, fmt.Sprintf("filters[%d]", i))
		if err != nil {
			return nil, err
		}
		if !disabled {
			out = append(out, f)
		}
	}
	return out, nil
}

// ParseFilter reads one Kibana filter object (see [ParseFilters]) and
// tells whether meta.disabled is set.
func ParseFilter(data []byte) (f Filter, disabled bool, err error) {
	return parseFilter(data, "filter")
}

func parseFilter(data []byte, where string) (Filter, bool, error) {
	kvs, err := object(data, where)
	if err != nil {
		return Filter{}, false, err
	}
	var f Filter
	var disabled bool
	var body []kv
	var query json.RawMessage
	for _, p := range kvs {
		switch p.key {
		case "meta":
			var meta struct {
				Negate   *bool `json:"negate"`
				Disabled *bool `json:"disabled"`
			}
			if err := json.Unmarshal(p.val, &meta); err != nil {
				return Filter{}, false, fmt.Errorf("%s.meta: want an object with boolean negate and disabled: %w", where, err)
			}
			f.Negate = meta.Negate != nil && *meta.Negate
			disabled = meta.Disabled != nil && *meta.Disabled
		case "$state":
		case "query":
			query = p.val
		default:
			body = append(body, p)
		}
	}
	switch {
	case query != nil:
		f.Query, err = parseQuery(query, where+".query")
	case len(body) == 1:
		var b bytes.Buffer
		b.WriteByte('{')
		key, _ := json.Marshal(body[0].key)
		b.Write(key)
		b.WriteByte(':')
		b.Write(body[0].val)
		b.WriteByte('}')
		f.Query, err = parseQuery(b.Bytes(), where)
	case len(body) == 0:
		return Filter{}, false, fmt.Errorf("%s: no query (want a \"query\" key, or exists, range, match_phrase or script)", where)
	default:
		return Filter{}, false, fmt.Errorf("%s: %d query keys (%q, %q...), want one", where, len(body), body[0].key, body[1].key)
	}
	if err != nil {
		return Filter{}, false, err
	}
	return f, disabled, nil
}
