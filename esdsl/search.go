package esdsl

import (
	"net/url"
	"strings"

	"github.com/kqlrules/kqlrules/mapping"
)

// Filter is a Kibana filter reduced to what the search uses: its query
// and whether it is negated. Disabled filters are left out by the caller.
type Filter struct {
	Query  Query
	Negate bool
}

// BuildEsQuery is Kibana's buildEsQuery (es_query/build_es_query.ts) for
// one KQL query, already translated by [FromKQL] (nil for none), and a
// rule's filters on the data view dv: a bool with must, filter, should
// and must_not, each written even when empty; the query and the filters
// in filter, the negated filters in must_not, match_all removed from the
// first three. A filter on a field of a nested object is wrapped in a
// nested query as from_nested_filter.ts does (with ignore_unmapped when
// cfg.NestedIgnoreUnmapped is set).
func BuildEsQuery(kql Query, filters []Filter, dv mapping.Fields, cfg Config) *Bool {
	dv = noView(dv)
	out := &Bool{Must: []Query{}, Filter: []Query{}, Should: []Query{}, MustNot: []Query{},
		Keys: []string{"must", "filter", "should", "must_not"}}
	// buildQueryFromKuery: and[query] → {bool:{filter:[query]}} merged
	// into {must:[], filter:[], should:[], must_not:[]}.
	if kql != nil {
		out.Filter = append(out.Filter, kql)
	}
	for _, f := range filters {
		q := nestFilter(f.Query, dv, cfg)
		if f.Negate {
			out.MustNot = append(out.MustNot, q)
		} else {
			out.Filter = append(out.Filter, q)
		}
	}
	out.Must = removeMatchAll(out.Must)
	out.Filter = removeMatchAll(out.Filter)
	out.Should = removeMatchAll(out.Should)
	return out
}

// nestFilter is fromNestedFilter: the field of an exists, phrase or range
// filter (getFilterField) that the data view places in a nested object
// makes the filter a nested query.
func nestFilter(q Query, dv mapping.Fields, cfg Config) Query {
	var name string
	switch q := q.(type) {
	case *Exists:
		name = q.Field
	case *MatchPhrase:
		name = q.Field
	case *Range:
		name = q.Field
	default:
		return q
	}
	if dv == nil {
		return q
	}
	f := dv.Field(name)
	if f == nil || f.NestedPath() == "" {
		return q
	}
	return &Nested{Src: Src{q.Source()}, Path: f.NestedPath(), Query: q, IgnoreUnmapped: cfg.NestedIgnoreUnmapped}
}

func removeMatchAll(qs []Query) []Query {
	out := qs[:0]
	for _, q := range qs {
		if _, ok := q.(*MatchAll); !ok {
			out = append(out, q)
		}
	}
	return out
}

// SearchParams are the plain values a rule's search is built from.
type SearchParams struct {
	Index []string // the rule's index patterns
	// Filter is the rule's query and filters, from [BuildEsQuery].
	Filter Query
	// TimestampOverride is the rule's timestamp_override ("" for none).
	TimestampOverride string
	// FallbackDisabled is timestamp_override_fallback_disabled: no
	// fallback to @timestamp for events without the override field.
	FallbackDisabled bool
	From, To         string // the window, as date math ("now-6m") or dates
	Size             int    // hits a page: max_signals
	SortOrder        string // "asc" when empty
}

// SortField is one sort key of a search.
type SortField struct {
	Field, Order, UnmappedType string
}

// SearchRequest is the search Kibana's detection engine sends for a query
// rule: buildEventsSearchQuery in security_solution's
// rule_types/utils/build_events_query.ts. MarshalJSON writes the request
// with Kibana's key order; Index is the path part of the request and is
// written too, as Kibana's client request object has it.
type SearchRequest struct {
	Index []string
	Size  int
	Query Query
	// DocFields are the timestamp fields fetched as dates, after Kibana's
	// {"field":"*","include_unmapped":true}.
	DocFields []string
	Sort      []SortField
}

// Timestamps returns the primary and secondary timestamp fields, as
// Kibana's query executor chooses them: the override (or @timestamp)
// first, and @timestamp as the fallback when an override other than
// @timestamp is set and the fallback is not disabled.
func Timestamps(override string, fallbackDisabled bool) (primary, secondary string) {
	if override == "" {
		return "@timestamp", ""
	}
	if fallbackDisabled || override == "@timestamp" {
		return override, ""
	}
	return override, "@timestamp"
}

// TimeRangeFilter is buildTimeRangeFilter: the window on the primary
// timestamp, or, with a secondary one, on the primary or else (when the
// event has no primary) the secondary.
func TimeRangeFilter(from, to, primary, secondary string) Query {
	rng := func(field string) *Range {
		return &Range{Field: field, Bounds: []Bound{{"lte", to}, {"gte", from}}, Format: "strict_date_optional_time"}
	}
	if secondary == "" {
		return rng(primary)
	}
	return &Bool{
		MinimumShouldMatch: 1,
		Should: []Query{
			rng(primary),
			&Bool{Filter: []Query{
				rng(secondary),
				&Bool{MustNot: []Query{&Exists{Field: primary}}, SingleMustNot: true, Keys: []string{"must_not"}},
			}, Keys: []string{"filter"}},
		},
		Keys: []string{"minimum_should_match", "should"},
	}
}

// BuildSearchRequest builds the first search of a query rule's execution.
func BuildSearchRequest(p SearchParams) *SearchRequest {
	primary, secondary := Timestamps(p.TimestampOverride, p.FallbackDisabled)
	order := p.SortOrder
	if order == "" {
		order = "asc"
	}
	filter := p.Filter
	if filter == nil {
		filter = BuildEsQuery(nil, nil, nil, Config{})
	}
	req := &SearchRequest{
		Index: p.Index,
		Size:  p.Size,
		Query: &Bool{Filter: []Query{filter, TimeRangeFilter(p.From, p.To, primary, secondary)}, Keys: []string{"filter"}},
	}
	for _, ts := range []string{primary, secondary} {
		if ts != "" {
			req.DocFields = append(req.DocFields, ts)
			req.Sort = append(req.Sort, SortField{Field: ts, Order: order, UnmappedType: "date"})
		}
	}
	return req
}

// MarshalJSON writes the request in the order buildEventsSearchQuery
// builds it: allow_no_indices, size, query, fields, sort, index,
// ignore_unavailable. Kibana's client sends index, allow_no_indices and
// ignore_unavailable in the URL ([SearchRequest.URLPath]) and the rest as
// the body ([SearchRequest.MarshalBody]).
func (r *SearchRequest) MarshalJSON() ([]byte, error) {
	var w writer
	w.raw(`{"allow_no_indices":true,`)
	r.body(&w)
	w.raw(`,"index":`)
	idx := r.Index
	if idx == nil {
		idx = []string{}
	}
	w.strs(idx)
	w.raw(`,"ignore_unavailable":true}`)
	return w.done()
}

// MarshalBody writes the body of the search: size, query, fields, sort.
func (r *SearchRequest) MarshalBody() ([]byte, error) {
	var w writer
	w.raw("{")
	r.body(&w)
	w.raw("}")
	return w.done()
}

// URLPath returns the path and parameters of the search:
// /INDEX,.../_search?allow_no_indices=true&ignore_unavailable=true, with
// the index patterns escaped for a URL path ('*' is kept).
func (r *SearchRequest) URLPath() string {
	parts := make([]string, len(r.Index))
	for i, p := range r.Index {
		parts[i] = strings.ReplaceAll(url.PathEscape(p), "%2A", "*")
	}
	return "/" + strings.Join(parts, ",") + "/_search?allow_no_indices=true&ignore_unavailable=true"
}

func (r *SearchRequest) body(w *writer) {
	w.raw(`"size":`)
	w.value(r.Size)
	w.raw(`,"query":`)
	w.query(r.Query)
	w.raw(`,"fields":[{"field":"*","include_unmapped":true}`)
	for _, f := range r.DocFields {
		w.raw(`,{"field":`)
		w.str(f)
		w.raw(`,"format":"strict_date_optional_time"}`)
	}
	w.raw(`],"sort":[`)
	for i, s := range r.Sort {
		if i > 0 {
			w.raw(",")
		}
		w.raw("{")
		w.str(s.Field)
		w.raw(`:{"order":`)
		w.str(s.Order)
		w.raw(`,"unmapped_type":`)
		w.str(s.UnmappedType)
		w.raw("}}")
	}
	w.raw("]")
}
