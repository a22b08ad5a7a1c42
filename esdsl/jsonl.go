package esdsl

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// TranslateLine answers line n of the JSON-lines protocol of "kqlrules dsl
// --jsonl" (the differential tests against Kibana speak it): the object
// {"query": "...", "fields": [...] or null, "config": {...}} gives the
// Query DSL Kibana's toElasticsearchQuery builds, as JSON. Without
// "fields" the data view dv is used; a "fields" of null is no data view at
// all, as toElasticsearchQuery without an index pattern. A config leaves
// out what Kibana defaults: allowLeadingWildcards is true unless given
// (grammar.peggy: allowLeadingWildcards = true). The error says what is
// wrong with the line, or where the query does not parse or translate.
func TranslateLine(n int, line string, dv *mapping.DataView) (json.RawMessage, error) {
	// json.RawMessage keeps a null literal, where a pointer is set to nil
	var in struct {
		Query  *string         `json:"query"`
		Fields json.RawMessage `json:"fields"`
		Config Config          `json:"config"`
	}
	in.Config.AllowLeadingWildcards = true
	dec := json.NewDecoder(strings.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&in); err != nil || in.Query == nil {
		msg := fmt.Sprintf("input line %d: want a JSON object with a string \"query\"", n)
		if err != nil {
			msg += ": " + err.Error()
		}
		return nil, errors.New(msg)
	}
	if in.Fields != nil {
		dv = nil
		if s := strings.TrimSpace(string(in.Fields)); s != "null" {
			var fields []mapping.Field
			if err := json.Unmarshal(in.Fields, &fields); err != nil {
				return nil, fmt.Errorf("input line %d: \"fields\": want an array of Kibana fields or null: %w", n, err)
			}
			dv = &mapping.DataView{Fields: fields}
		}
	}
	x, err := kql.Parse(*in.Query)
	if err != nil {
		return nil, err
	}
	q, err := FromKQL(x, dv, in.Config)
	if err != nil {
		var de *Error
		if errors.As(err, &de) {
			return nil, fmt.Errorf("%s: %s", de.Pos.Position(*in.Query), de.Msg)
		}
		return nil, err
	}
	return q.MarshalJSON()
}
