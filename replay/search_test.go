package replay_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

// TestSearchRequest: the rule's search goes to its index patterns, over
// the window from its from to now, at most max_signals hits, with its
// query; its to when it sets one; a filter Kibana cannot read is an
// error.
func TestSearchRequest(t *testing.T) {
	r := builtin.FTP()
	dv := mapping.ECS().DataView()
	cfg := esdsl.DetectionEngineConfig()
	x, err := kql.Parse(r.Query)
	if err != nil {
		t.Fatal(err)
	}
	q, err := esdsl.FromKQL(x, dv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	req, err := replay.SearchRequest(r, q, dv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	path := req.URLPath()
	body, err := req.MarshalBody()
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{strings.Join(r.Index, ",")} {
		if !strings.Contains(path, want) {
			t.Errorf("path %s lacks %s", path, want)
		}
	}
	for _, want := range []string{`"size":100`, `"gte":"now-9m"`, `"lte":"now"`, `"destination.port"`} {
		if !strings.Contains(string(body), want) {
			t.Errorf("body lacks %s:\n%s", want, body)
		}
	}
	r.Extra = map[string]any{"to": "now-1m"}
	if req, err = replay.SearchRequest(r, q, dv, cfg); err != nil {
		t.Fatal(err)
	}
	if body, _ := req.MarshalBody(); !strings.Contains(string(body), `"lte":"now-1m"`) {
		t.Errorf("to now-1m: %s", body)
	}
	r.Filters = []json.RawMessage{json.RawMessage(`"not a filter"`)}
	if _, err := replay.SearchRequest(r, q, dv, cfg); err == nil {
		t.Error("a filter that is not an object: no error")
	}
}
