package esdsl

import (
	"reflect"
	"testing"
)

// TestBuildEventsSearchQuery follows build_events_query.test.ts in
// security_solution's detection_engine/rule_types/utils: Kibana's tests
// pass the filter {}, here a match_all stands in for it.
func TestBuildEventsSearchQuery(t *testing.T) {
	const head = `{"allow_no_indices":true,"index":["auditbeat-*"],"ignore_unavailable":true,"size":100,"query":{"bool":{"filter":[{"match_all":{}},`
	for _, c := range []struct {
		test             string
		override         string
		fallbackDisabled bool
		want             string
	}{
		{"it builds a now-5m up to today filter", "", false,
			head + `{"range":{"@timestamp":{"gte":"now-5m","lte":"today","format":"strict_date_optional_time"}}}]}},` +
				`"fields":[{"field":"*","include_unmapped":true},{"field":"@timestamp","format":"strict_date_optional_time"}],` +
				`"sort":[{"@timestamp":{"order":"asc","unmapped_type":"date"}}]}`},
		{"it builds a now-5m up to today filter with timestampOverride", "event.ingested", false,
			head + `{"bool":{"should":[{"range":{"event.ingested":{"gte":"now-5m","lte":"today","format":"strict_date_optional_time"}}},` +
				`{"bool":{"filter":[{"range":{"@timestamp":{"gte":"now-5m","lte":"today","format":"strict_date_optional_time"}}},{"bool":{"must_not":{"exists":{"field":"event.ingested"}}}}]}}],"minimum_should_match":1}}]}},` +
				`"fields":[{"field":"*","include_unmapped":true},{"field":"event.ingested","format":"strict_date_optional_time"},{"field":"@timestamp","format":"strict_date_optional_time"}],` +
				`"sort":[{"event.ingested":{"order":"asc","unmapped_type":"date"}},{"@timestamp":{"order":"asc","unmapped_type":"date"}}]}`},
		{"it builds a filter without @timestamp fallback if `secondaryTimestamp` is undefined", "event.ingested", true,
			head + `{"range":{"event.ingested":{"gte":"now-5m","lte":"today","format":"strict_date_optional_time"}}}]}},` +
				`"fields":[{"field":"*","include_unmapped":true},{"field":"event.ingested","format":"strict_date_optional_time"}],` +
				`"sort":[{"event.ingested":{"order":"asc","unmapped_type":"date"}}]}`},
	} {
		req := BuildSearchRequest(SearchParams{Index: []string{"auditbeat-*"}, Filter: &MatchAll{},
			TimestampOverride: c.override, FallbackDisabled: c.fallbackDisabled, From: "now-5m", To: "today", Size: 100})
		got, err := req.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(canonical(t, got), canonical(t, []byte(c.want))) {
			t.Errorf("%s:\n got %s\nwant %s", c.test, got, c.want)
		}
	}
	// Key order of build_events_query.ts, byte for byte.
	req := BuildSearchRequest(SearchParams{Index: []string{"logs-*", "a b"}, Filter: &MatchAll{}, From: "now-6m", To: "now", Size: 100})
	got, _ := req.MarshalJSON()
	want := `{"allow_no_indices":true,"size":100,"query":{"bool":{"filter":[{"match_all":{}},{"range":{"@timestamp":{"lte":"now","gte":"now-6m","format":"strict_date_optional_time"}}}]}},"fields":[{"field":"*","include_unmapped":true},{"field":"@timestamp","format":"strict_date_optional_time"}],"sort":[{"@timestamp":{"order":"asc","unmapped_type":"date"}}],"index":["logs-*","a b"],"ignore_unavailable":true}`
	if string(got) != want {
		t.Errorf("key order:\n got %s\nwant %s", got, want)
	}
	body, _ := req.MarshalBody()
	if want := `{"size":100,"query":` + want[len(`{"allow_no_indices":true,"size":100,"query":`):len(want)-len(`,"index":["logs-*","a b"],"ignore_unavailable":true}`)] + `}`; string(body) != want {
		t.Errorf("body:\n got %s\nwant %s", body, want)
	}
	if got, want := req.URLPath(), "/logs-*,a%20b/_search?allow_no_indices=true&ignore_unavailable=true"; got != want {
		t.Errorf("URLPath: got %s, want %s", got, want)
	}
}

func TestTimestamps(t *testing.T) {
	for _, c := range []struct {
		override        string
		disabled        bool
		primary, second string
	}{
		{"", false, "@timestamp", ""},
		{"event.ingested", false, "event.ingested", "@timestamp"},
		{"event.ingested", true, "event.ingested", ""},
		{"@timestamp", false, "@timestamp", ""},
	} {
		p, s := Timestamps(c.override, c.disabled)
		if p != c.primary || s != c.second {
			t.Errorf("Timestamps(%q, %v) = %q, %q; want %q, %q", c.override, c.disabled, p, s, c.primary, c.second)
		}
	}
}
