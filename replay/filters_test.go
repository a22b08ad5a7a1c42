package replay_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/replay"
)

// TestSearchFilters checks Kibana filters ANDed with a query as
// kbn-es-query's buildEsQuery combines them (from_filters.ts: disabled
// filters dropped, negated ones in must_not, cleanFilter for the legacy
// top-level forms) and the DSL leaves as Elasticsearch matches them on ECS
// field types.
func TestSearchFilters(t *testing.T) {
	ev := map[string]any{
		"host.name": "Web-1", "user.name": "alice", "source.port": json.Number("51000"),
		"source.ip": "10.1.2.3", "@timestamp": "2024-03-01T10:00:00Z",
		"process":   map[string]any{"name": "PowerShell.exe", "args": []any{"-enc", "abc"}},
		"file.path": `C:\Windows\x.dll`,
	}
	tests := []struct {
		name    string
		query   string
		filters string // a JSON array of filter objects
		want    bool
	}{
		{"no filters", "user.name:alice", `[]`, true},
		{"match_phrase", "", `[{"meta":{},"query":{"match_phrase":{"user.name":"alice"}}}]`, true},
		{"match_phrase other", "", `[{"meta":{},"query":{"match_phrase":{"user.name":"bob"}}}]`, false},
		{"negated", "", `[{"meta":{"negate":true},"query":{"match_phrase":{"user.name":"alice"}}}]`, false},
		{"negated on a missing field", "", `[{"meta":{"negate":true},"query":{"exists":{"field":"no.such"}}}]`, true},
		{"disabled", "", `[{"meta":{"disabled":true},"query":{"match_phrase":{"user.name":"bob"}}}]`, true},
		{"ANDed with the query", "user.name:bob", `[{"meta":{},"query":{"match_all":{}}}]`, false},
		{"legacy exists", "", `[{"meta":{"type":"exists"},"exists":{"field":"process.name"}}]`, true},
		{"legacy range", "", `[{"meta":{"type":"range"},"range":{"source.port":{"gte":50000,"lt":52000}}}]`, true},
		{"legacy range outside", "", `[{"meta":{"type":"range"},"range":{"source.port":{"gt":51000}}}]`, false},
		{"legacy match_phrase with $state", "", `[{"$state":{"store":"appState"},"meta":{},"match_phrase":{"user.name":"alice"}}]`, true},
		{"old phrase form", "", `[{"meta":{},"query":{"match":{"source.port":{"query":51000,"type":"phrase"}}}}]`, true},
		{"keyword is case-sensitive", "", `[{"meta":{},"query":{"term":{"host.name":"web-1"}}}]`, false},
		{"term case_insensitive", "", `[{"meta":{},"query":{"term":{"host.name":{"value":"WEB-1","case_insensitive":true}}}}]`, true},
		{"wildcard", "", `[{"meta":{},"query":{"wildcard":{"process.name":{"value":"Power*.exe"}}}}]`, true},
		{"wildcard case-sensitive", "", `[{"meta":{},"query":{"wildcard":{"process.name":{"value":"power*"}}}}]`, false},
		{"wildcard case_insensitive", "", `[{"meta":{},"query":{"wildcard":{"process.name":{"value":"POWER*","case_insensitive":true}}}}]`, true},
		{"wildcard escaped ?", "", `[{"meta":{},"query":{"wildcard":{"process.name":{"value":"Power\\?hell.exe"}}}}]`, false},
		{"terms", "", `[{"meta":{},"query":{"terms":{"user.name":["bob","alice"]}}}]`, true},
		{"terms on an array", "", `[{"meta":{},"query":{"terms":{"process.args":["abc"]}}}]`, true},
		{"ip in a CIDR", "", `[{"meta":{},"query":{"term":{"source.ip":"10.0.0.0/8"}}}]`, true},
		{"date range with date math", "", `[{"meta":{},"query":{"range":{"@timestamp":{"gte":"2024-03-01T00:00:00Z","lt":"2024-03-01T00:00:00Z||+1d"}}}}]`, true},
		{"bool should", "", `[{"meta":{},"query":{"bool":{"should":[{"match_phrase":{"user.name":"bob"}},{"match_phrase":{"user.name":"alice"}}],"minimum_should_match":1}}}]`, true},
		{"bool should beside filter is optional", "", `[{"meta":{},"query":{"bool":{"filter":[{"exists":{"field":"user.name"}}],"should":[{"match_phrase":{"user.name":"bob"}}]}}}]`, true},
		{"bool must_not", "", `[{"meta":{},"query":{"bool":{"must_not":{"match_phrase":{"user.name":"alice"}}}}}]`, false},
		{"two filters ANDed", "", `[{"meta":{},"exists":{"field":"user.name"}},{"meta":{},"query":{"match_phrase":{"host.name":"Web-2"}}}]`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var raw []json.RawMessage
			if err := json.Unmarshal([]byte(tt.filters), &raw); err != nil {
				t.Fatal(err)
			}
			fs, err := replay.KibanaFilters(raw)
			if err != nil {
				t.Fatal(err)
			}
			s, err := replay.NewSearch(tt.query, fs)
			if err != nil {
				t.Fatal(err)
			}
			if got := s.Match(ev); got != tt.want {
				t.Errorf("Match = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestSearchFilterErrors checks that filters that cannot be run say where
// and why.
func TestSearchFilterErrors(t *testing.T) {
	tests := []struct {
		filters string
		want    string
	}{
		{`[1]`, "filters[0]: want a JSON object"},
		{`[{"meta":{"negate":"yes"}}]`, "filters[0].meta:"},
		{`[{"meta":{},"query":{"nope":{}}}]`, "filters[0].query.nope: unsupported query kind"},
		{`[{"meta":{},"query":{"term":{"source.ip":"not an address"}}}]`, `filters: field source.ip: "not an address" is not a valid IP address`},
		{`[{"meta":{},"query":{"query_string":{"query":"a AND (b)"}}}]`, `filters: not supported: field : query_string syntax '(' in "(b)" is not supported`},
		{`[{"meta":{},"script":{"script":{"source":"true","lang":"painless"}}}]`, "a script query is not supported"},
	}
	for _, tt := range tests {
		var raw []json.RawMessage
		if err := json.Unmarshal([]byte(tt.filters), &raw); err != nil {
			t.Fatal(err)
		}
		fs, err := replay.KibanaFilters(raw)
		if err == nil {
			_, err = replay.NewSearch("", fs)
		}
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want it to contain %q", tt.filters, err, tt.want)
		}
	}
}
