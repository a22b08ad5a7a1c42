package replay_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// TestScenarios replays the rules under testdata/scenarios/NAME (rule.toml
// or rule.json) over events.ndjson, with the indicators of threat.ndjson
// when there is one, and compares the alerts, one line each (the event, the
// execution, and the alert document's threat.enrichments), and the report's
// counts with scenario.golden.ndjson; exceptions.ndjson, when there is
// one, is Kibana's exception list export (-update rewrites it). Each scenario's
// files say what it checks; the expectations below are the alerted events.
//
// Kibana sources relied on: filters, kbn-es-query's buildEsQuery
// (es_query/build_es_query.ts, from_filters.ts: disabled filters dropped,
// negated ones in must_not, cleanFilter for legacy forms); indicator
// match, x-pack/.../rule_types/indicator_match/threat_mapping:
// build_threat_mapping_filter.ts (createInnerAndClauses: match per entry,
// buildNegateClause: must_not match or exists; filterThreatMapping: a
// plain entry needs exactly one indicator value), get_threat_list.ts (the
// threat list is searched with threat_query and threat_filters, no time
// range of its own), enrich_signal_threat_matches.ts (buildEnrichments,
// enrichSignalWithThreatMatches).
func TestScenarios(t *testing.T) {
	tests := []struct {
		name    string
		alerted []string // event ids, in alert order
	}{
		// match_phrase, a negated bool of should term/terms, a
		// case-insensitive wildcard, a disabled filter
		{"filters", []string{"e1", "e6"}},
		// top-level range, exists and match_phrase (negated), match with
		// type phrase; numbers given as text
		{"legacy_filters", []string{"n1", "n5"}},
		// a2: its indicator is older than now-30d/d; a5: a month later
		// the indicator a1 matched is outside the window; a3: the
		// indicator is in another index; a4: threat_query drops it
		{"threat_window", []string{"a1"}},
		// m2: port differs; m3: the indicator has two ports (Kibana skips
		// the mapping); m4 by domain; m5 by both mappings
		{"multi_entry", []string{"m1", "m4", "m5"}},
		// u1: alice on her own host; u5: bob's indicator has no host, so
		// the event must have one; u6: not watched
		{"negate_entry", []string{"u2", "u3", "u4"}},
		// p1: backup item; p3: updater item on windows (os_types); p4:
		// signed by nobody (excluded entry); p5: not windows; p6: an item
		// of a list the rule does not name. Kibana's buildExceptionFilter
		// (kbn-securitysolution-list-utils).
		{"exceptions", []string{"p2", "p4", "p5", "p6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join("testdata", "scenarios", tt.name)
			rule, opts := loadScenario(t, dir)
			rep, err := replay.Run(rule, events.ReadFiles([]string{filepath.Join(dir, "events.ndjson")}, nil), opts...)
			if err != nil {
				t.Fatal(err)
			}
			if rep.Matches != rep.MatchesAlerted+rep.MatchesNotAlerted+rep.AlertsLost+rep.MatchesUnseen+rep.DuplicateEvents {
				t.Errorf("matches %d != alerted %d + not alerted %d + lost %d + unseen %d + duplicates %d", rep.Matches, rep.MatchesAlerted, rep.MatchesNotAlerted, rep.AlertsLost, rep.MatchesUnseen, rep.DuplicateEvents)
			}
			var ids []string
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			for _, a := range rep.Alerts {
				ids = append(ids, a.ID)
				doc := a.Document()
				line := map[string]any{"event": a.ID, "execution": a.Time, "threat.enrichments": doc["threat.enrichments"]}
				if err := enc.Encode(line); err != nil {
					t.Fatal(err)
				}
			}
			if err := enc.Encode(map[string]any{
				"matches": rep.Matches, "alerts": rep.AlertCount, "unseen": rep.MatchesUnseen,
				"duplicates": rep.DuplicateEvents, "not_alerted": rep.MatchesNotAlerted, "warnings": rep.Warnings,
				"threat_match": rep.ThreatMatch,
			}); err != nil {
				t.Fatal(err)
			}
			if d := cmp.Diff(tt.alerted, ids); d != "" {
				t.Errorf("alerted events -want +got:\n%s", d)
			}
			golden := filepath.Join(dir, "scenario.golden.ndjson")
			if *update {
				if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if d := cmp.Diff(string(want), buf.String()); d != "" {
				t.Errorf("%s -want +got:\n%s", golden, d)
			}
		})
	}
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func firstExisting(t *testing.T, paths ...string) string {
	t.Helper()
	for _, p := range paths {
		if exists(p) {
			return p
		}
	}
	t.Fatalf("none of %s", strings.Join(paths, ", "))
	return ""
}

// TestThreatMatchAllNegated: a mapping of negated entries only has no
// value to prefilter on; Kibana's buildNegateClause still applies (the
// event field must differ from the indicator's, or exist when the
// indicator has none). An event without the field matches must_not, and
// getMappingFilters requires no field for negated entries: it alerts.
func TestThreatMatchAllNegated(t *testing.T) {
	r, err := rules.ParseTOML("neg.toml", []byte(`[rule]
name = "neg"
rule_id = "neg"
description = "d"
risk_score = 1
severity = "low"
type = "threat_match"
index = ["logs-*"]
query = "*"
threat_index = ["ti"]
threat_query = "*"
[[rule.threat_mapping]]
[[rule.threat_mapping.entries]]
field = "host.name"
type = "mapping"
value = "ti.host"
negate = true
`))
	if err != nil {
		t.Fatal(err)
	}
	evs := replay.EventsOf(
		map[string]any{"_index": "logs-a", "_id": "same", "@timestamp": "2024-01-01T00:00:00Z", "host.name": "h1"},
		map[string]any{"_index": "logs-a", "_id": "other", "@timestamp": "2024-01-01T00:00:01Z", "host.name": "h2"},
		map[string]any{"_index": "logs-a", "_id": "none", "@timestamp": "2024-01-01T00:00:02Z"},
	)
	ti := replay.EventsOf(map[string]any{"_index": "ti", "_id": "i1", "ti.host": "h1"})
	rep, err := replay.Run(r, evs, replay.WithThreat(ti))
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range rep.Alerts {
		ids = append(ids, a.ID)
	}
	if d := cmp.Diff([]string{"other", "none"}, ids); d != "" {
		t.Errorf("alerts -want +got:\n%s", d)
	}
}

// loadScenario reads the rule of the scenario in dir (rule.toml or
// rule.json) and the options its files ask for: the indicators of
// threat.ndjson, the exception items of exceptions.ndjson.
func loadScenario(t *testing.T, dir string) (*rules.Rule, []replay.RunOption) {
	t.Helper()
	rule, err := rules.Load(firstExisting(t, filepath.Join(dir, "rule.toml"), filepath.Join(dir, "rule.json")))
	if err != nil {
		t.Fatal(err)
	}
	var opts []replay.RunOption
	if threat := filepath.Join(dir, "threat.ndjson"); exists(threat) {
		opts = append(opts, replay.WithThreat(events.ReadFiles([]string{threat}, nil)))
	}
	if exc := filepath.Join(dir, "exceptions.ndjson"); exists(exc) {
		f, err := os.Open(exc)
		if err != nil {
			t.Fatal(err)
		}
		items, err := replay.ReadExceptions(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		opts = append(opts, replay.WithExceptions(items))
	}
	return rule, opts
}
