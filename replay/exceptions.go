package replay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"slices"

	"github.com/kqlrules/kqlrules/rules"
)

// ExceptionItem is one item of a Kibana exception list, as Kibana's
// exception list export writes it (one NDJSON line an item): an event
// matching every entry is left out of the rule's alerts.
type ExceptionItem struct {
	ItemID        string           `json:"item_id"`
	ListID        string           `json:"list_id"`
	Name          string           `json:"name"`
	NamespaceType string           `json:"namespace_type"`
	OSTypes       []string         `json:"os_types,omitempty"`
	Entries       []ExceptionEntry `json:"entries"`
}

// ExceptionEntry is one condition of an exception item. Type is match
// (Value a string), match_any (Value a list of strings), exists, wildcard
// (Value a pattern), nested (Field the nested object, Entries the
// conditions on one of its elements) or list (a value list, which lives
// in Kibana). Operator is "included" (the event has the value) or
// "excluded" (it does not).
type ExceptionEntry struct {
	Field    string           `json:"field"`
	Operator string           `json:"operator,omitempty"`
	Type     string           `json:"type"`
	Value    any              `json:"value,omitempty"`
	Entries  []ExceptionEntry `json:"entries,omitempty"`
}

// ReadExceptions reads Kibana's exception list export (NDJSON: the lists,
// their items, and a summary line) and returns the items. Errors give the
// line.
func ReadExceptions(r io.Reader) ([]ExceptionItem, error) {
	var items []ExceptionItem
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal(line, &keys); err != nil {
			return nil, fmt.Errorf("line %d: %w", n, err)
		}
		if _, ok := keys["item_id"]; !ok {
			continue // a list or the export summary
		}
		var it ExceptionItem
		if err := json.Unmarshal(line, &it); err != nil {
			return nil, fmt.Errorf("line %d: item: %w", n, err)
		}
		items = append(items, it)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return items, nil
}

// WithExceptions gives the items of the exception lists the rule's
// exceptions_list names (from ReadExceptions). Events matching an item of
// one of those lists give no alert, as Kibana's buildExceptionFilter
// makes them a negated filter of the search (and of the indicator
// search). A list named by the rule with no item here gives a warning;
// without WithExceptions every list does.
func WithExceptions(items []ExceptionItem) RunOption {
	return func(c *runConfig) { c.exceptions, c.hasExceptions = items, true }
}

// exceptionFilter builds the rule's exception filter as Kibana's
// buildExceptionFilter (kbn-securitysolution-list-utils) does: the items
// ORed in a negated filter, each item the AND of its entries. It returns
// nil when no item applies, and warnings for the lists and entries that
// were not applied.
func exceptionFilter(r *rules.Rule, cfg *runConfig) (json.RawMessage, []string, error) {
	var warnings []string
	var should []any
	for _, l := range r.ExceptionsList {
		if !cfg.hasExceptions {
			warnings = append(warnings, exceptionsWarning(l))
			continue
		}
		found := false
		for _, it := range cfg.exceptions {
			if it.ListID != l.ListID || (l.NamespaceType != "" && it.NamespaceType != "" && it.NamespaceType != l.NamespaceType) {
				continue
			}
			found = true
			if slices.ContainsFunc(it.Entries, func(e ExceptionEntry) bool { return e.Type == "list" }) {
				warnings = append(warnings, fmt.Sprintf("exceptions_list: item %q of list %q uses a value list, which lives in Kibana: the item was not applied", it.ItemID, it.ListID))
				continue
			}
			clauses, err := itemClauses(it)
			if err != nil {
				return nil, nil, fmt.Errorf("exception item %q of list %q: %w", it.ItemID, it.ListID, err)
			}
			should = append(should, clauses...)
		}
		if !found {
			warnings = append(warnings, fmt.Sprintf("exceptions_list: no item of exception list %q was given: the list was not applied", l.ListID))
		}
	}
	if len(should) == 0 {
		return nil, warnings, nil
	}
	b, err := json.Marshal(map[string]any{
		"meta":  map[string]any{"alias": nil, "negate": true, "disabled": false},
		"query": map[string]any{"bool": map[string]any{"should": should}},
	})
	return b, warnings, err
}

// itemClauses is buildExceptionItemFilter: with os_types, one clause per
// OS type on host.os.type and on host.os.name.caseless (transformOsType).
func itemClauses(it ExceptionItem) ([]any, error) {
	and := func(entries []ExceptionEntry) (any, error) {
		var fs []any
		for _, e := range entries {
			c, err := entryClause(e, "")
			if err != nil {
				return nil, err
			}
			fs = append(fs, c)
		}
		if len(fs) == 1 {
			return fs[0], nil
		}
		return map[string]any{"bool": map[string]any{"filter": fs}}, nil
	}
	if len(it.OSTypes) == 0 {
		c, err := and(it.Entries)
		return []any{c}, err
	}
	var out []any
	for _, field := range []string{"host.os.type", "host.os.name.caseless"} {
		for _, os := range it.OSTypes {
			os := ExceptionEntry{Field: field, Operator: "included", Type: "match", Value: os}
			c, err := and(append([]ExceptionEntry{os}, it.Entries...))
			if err != nil {
				return nil, err
			}
			out = append(out, c)
		}
	}
	return out, nil
}

// entryClause is createInnerAndClauses for one entry.
func entryClause(e ExceptionEntry, parent string) (any, error) {
	field := e.Field
	if parent != "" {
		field = parent + "." + field
	}
	should := func(qs ...any) map[string]any {
		return map[string]any{"bool": map[string]any{"minimum_should_match": 1, "should": qs}}
	}
	var c map[string]any
	switch e.Type {
	case "match":
		v, ok := e.Value.(string)
		if !ok {
			return nil, fmt.Errorf("entry %s: match wants a string value, got %T", field, e.Value)
		}
		c = should(map[string]any{"match_phrase": map[string]any{field: v}})
	case "match_any":
		vs, ok := e.Value.([]any)
		if !ok || len(vs) == 0 {
			return nil, fmt.Errorf("entry %s: match_any wants a list of values", field)
		}
		if len(vs) == 1 {
			c = should(map[string]any{"match_phrase": map[string]any{field: vs[0]}})
		} else {
			var qs []any
			for _, v := range vs {
				qs = append(qs, should(map[string]any{"match_phrase": map[string]any{field: v}}))
			}
			c = should(qs...)
		}
	case "wildcard":
		v, ok := e.Value.(string)
		if !ok {
			return nil, fmt.Errorf("entry %s: wildcard wants a string value, got %T", field, e.Value)
		}
		c = map[string]any{"bool": map[string]any{"filter": map[string]any{"wildcard": map[string]any{field: v}}}}
	case "exists":
		c = should(map[string]any{"exists": map[string]any{"field": field}})
	case "nested":
		var fs []any
		for _, n := range e.Entries {
			x, err := entryClause(n, e.Field)
			if err != nil {
				return nil, err
			}
			fs = append(fs, x)
		}
		var q any = map[string]any{"bool": map[string]any{"filter": fs}}
		if len(fs) == 1 {
			q = fs[0]
		}
		return map[string]any{"nested": map[string]any{"path": e.Field, "query": q, "score_mode": "none"}}, nil
	default:
		return nil, fmt.Errorf("entry %s: unknown type %q (want match, match_any, wildcard, exists or nested)", field, e.Type)
	}
	if e.Operator == "excluded" {
		return map[string]any{"bool": map[string]any{"must_not": c}}, nil
	}
	return c, nil
}

// exceptionsWarning says that an exception list attached to the rule was
// not applied: its items live in Kibana, not in the rule file.
func exceptionsWarning(l rules.ExceptionList) string {
	name := l.ListID
	if name == "" {
		name = l.ID
	}
	return fmt.Sprintf("exceptions_list: the items of exception list %q (type %s, namespace %s) live in Kibana and were not applied", name, cmpOr(l.Type, "detection"), cmpOr(l.NamespaceType, "single"))
}
