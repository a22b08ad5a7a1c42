package replay_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// ruleTOML is a rule for the scenarios: interval 5m, so executions fall on
// 10:00, 10:05, ... from the first event at 10:00; the look-back is from.
func ruleTOML(typ, query, from, extra string) string {
	return `[metadata]
creation_date = "2024/01/02"
maturity = "production"
updated_date = "2024/01/03"

[rule]
author = ["Test"]
description = "Scenario rule."
index = ["logs-*"]
name = "Scenario"
risk_score = 21
rule_id = "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11"
severity = "low"
interval = "5m"
from = "` + from + `"
type = "` + typ + `"
query = '` + query + `'
` + extra
}

// TestRuleTypeScenarios replays each rule type over a small event file
// (testdata/ruletypes/NAME.ndjson) and compares the alerts and the report's
// counts with testdata/ruletypes/NAME.golden (-update rewrites it). The
// scenarios follow the cases of Kibana's executor tests: a count exactly at
// the threshold, the threshold signal history of overlapping executions, a
// term exactly at the history window start and exactly at the execution
// window start, combinations of array values, a missing group-by field under
// each strategy.
func TestRuleTypeScenarios(t *testing.T) {
	for _, tc := range ruleTypeCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.parse(t)
			path := tc.eventsPath()
			rep, err := replay.Run(r, events.ReadFiles([]string{path}, nil), replay.WithAnyIndex())
			if err != nil {
				t.Fatal(err)
			}
			checkTypedCounts(t, rep)
			var b bytes.Buffer
			for _, a := range rep.Alerts {
				writeLine(t, &b, scenarioDoc(a))
			}
			writeLine(t, &b, map[string]any{"report": scenarioReport(rep)})
			golden := filepath.Join("testdata", "ruletypes", tc.name+".golden")
			if *update {
				if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if d := cmp.Diff(string(want), b.String()); d != "" {
				t.Errorf("alerts (-want +got):\n%s", d)
			}
		})
	}
}

// ruleTypeCase is a rule type scenario: a rule over
// testdata/ruletypes/EVENTS.ndjson.
type ruleTypeCase struct {
	name, events string
	rule         string
}

// parse returns the scenario's rule.
func (tc ruleTypeCase) parse(t *testing.T) *rules.Rule {
	t.Helper()
	r, err := rules.ParseTOML(tc.name+".toml", []byte(tc.rule))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// eventsPath is the file of the scenario's events.
func (tc ruleTypeCase) eventsPath() string {
	return filepath.Join("testdata", "ruletypes", tc.events+".ndjson")
}

// ruleTypeCases are the rule type scenarios (TestRuleTypeScenarios,
// TestStateRuleTypeScenarios).
func ruleTypeCases() []ruleTypeCase {
	const (
		auth         = `event.category:authentication and event.outcome:failure`
		seqLoginSudo = `sequence by host.name [process where process.name == "login"] [process where process.name == "sudo"]`
	)
	return []ruleTypeCase{
		// host a reaches exactly 3 events at 10:05; b has 2 failures.
		{"threshold_exact", "threshold_exact", ruleTOML("threshold", auth, "now-5m", "[rule.threshold]\nfield = [\"host.name\"]\nvalue = 3\n")},
		// The 10:05 execution alerts on a's 3 events; the 10:10 one, whose
		// window overlaps, leaves them out (signal history) and alerts on
		// the 2 later ones.
		{"threshold_history", "threshold_history", ruleTOML("threshold", auth, "now-10m", "[rule.threshold]\nfield = \"host.name\"\nvalue = 2\n")},
		// Suppressed over 10m: the 10:10 group of a folds into the 10:05
		// alert (docs_count 1, end 10:07).
		{"threshold_suppression", "threshold_history", ruleTOML("threshold", auth, "now-5m", "[rule.threshold]\nfield = \"host.name\"\nvalue = 2\n[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 10\n")},
		// No field: one group; 3 events with 2 distinct ports stay under
		// the cardinality of 3, the next window reaches it.
		{"threshold_cardinality", "threshold_cardinality", ruleTOML("threshold", "event.category:network", "now-5m", "[rule.threshold]\nfield = []\nvalue = 2\n[[rule.threshold.cardinality]]\nfield = \"destination.port\"\nvalue = 3\n")},
		// Two fields: an event with two users falls in two groups; an event
		// without user.name in none.
		{"threshold_arrays", "threshold_arrays", ruleTOML("threshold", "event.category:authentication", "now-5m", "[rule.threshold]\nfield = [\"host.name\", \"user.name\"]\nvalue = 1\n")},
		// h1 is new at 10:00, not at 10:05 (its first time equals the
		// window start) and new again at 10:40 (out of the 30m history);
		// h2 is new again at 10:34; h3's 10:05 event sits exactly at the
		// history start of the 10:35 execution, so 10:35 is not new.
		{"newterms_window", "newterms_window", ruleTOML("new_terms", "event.category:process", "now-5m", "[rule.new_terms]\nfield = \"new_terms_fields\"\nvalue = [\"host.name\"]\n[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\nvalue = \"now-30m\"\n")},
		// host × user combinations of array values; an event without
		// user.name has no term.
		{"newterms_combinations", "newterms_combinations", ruleTOML("new_terms", "event.category:process", "now-5m", "[rule.new_terms]\nfield = \"new_terms_fields\"\nvalue = [\"host.name\", \"user.name\"]\n[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\nvalue = \"now-1h\"\n")},
		// Per execution, missing fields suppressed into a null group.
		{"suppression_execution", "suppression_execution", ruleTOML("query", "event.category:network", "now-5m", "[rule.alert_suppression]\ngroup_by = [\"host.name\"]\nmissing_fields_strategy = \"suppress\"\n")},
		// Over 10 minutes: a's 10:07 event folds into the 10:05 alert, the
		// 10:14 one too (10:15 - 10m = 10:05, the alert's creation, is
		// within), the 10:18 one starts a new alert; events without
		// host.name alert one by one (doNotSuppress).
		{"suppression_duration", "suppression_duration", ruleTOML("query", "event.category:network", "now-5m", "[rule.alert_suppression]\ngroup_by = [\"host.name\"]\nmissing_fields_strategy = \"doNotSuppress\"\n[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 10\n")},
		// rule_name_override, severity_mapping (highest match wins),
		// risk_score_mapping (ignored out of 0..100), building block.
		{"overrides", "overrides", ruleTOML("query", "event.category:network", "now-5m", `building_block_type = "default"
rule_name_override = "message"
[[rule.severity_mapping]]
field = "event.severity"
operator = "equals"
value = "1"
severity = "medium"
[[rule.severity_mapping]]
field = "event.severity"
operator = "equals"
value = "9"
severity = "critical"
[[rule.risk_score_mapping]]
field = "event.risk_score"
operator = "equals"
value = ""
`)},
		// timestamp_override without the fallback: events without
		// event.ingested are not searched.
		{"fallback_disabled", "overrides", ruleTOML("query", "event.category:network", "now-5m", "timestamp_override = \"event.ingested\"\ntimestamp_override_fallback_disabled = true\n")},
		// EQL sequences (A 10:01-02 and B 10:03-04 alice, C bob, D no
		// user, E 10:12-13 alice, F 10:26-27 alice, G 10:33-34 bob)
		// suppressed by user.name over 15 minutes, as Kibana's
		// bulkCreateSuppressedSequencesInMemory does (seqsuppress.go; the
		// suppression time is the execution's): 10:05 alerts on A
		// (docs_count 1: B); 10:10 drops A (its shell is in the alerts
		// index), folds B in again (2; end 10:10), alerts on C and on D
		// (the null group); 10:15 and 10:20 fold E in (4; end 10:20);
		// 10:30 finds the 10:05 alert out of the duration and alerts on
		// F; 10:35 alerts on G (the 10:10 bob alert is out of it).
		{"sequence_suppression", "sequence_suppression", ruleTOML("eql", seqLoginSudo, "now-10m", "language = \"eql\"\n[rule.alert_suppression]\ngroup_by = [\"user.name\"]\n[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 15\n")},
		// The same per execution, doNotSuppress: 10:05 alerts on A (1);
		// 10:10 writes D without suppression first, then B (the 10:05
		// alert ends before it) and C; 10:15 alerts on E, 10:30 on F,
		// 10:35 on G; each sequence once found again drops (its shell is
		// in the alerts index).
		{"sequence_suppression_execution", "sequence_suppression", ruleTOML("eql", seqLoginSudo, "now-10m", "language = \"eql\"\n[rule.alert_suppression]\ngroup_by = [\"user.name\"]\nmissing_fields_strategy = \"doNotSuppress\"\n")},
	}
}

// checkTypedCounts checks that the report's counts add up.
func checkTypedCounts(t *testing.T, r *replay.Report) {
	t.Helper()
	if r.Matches != r.MatchesAlerted+r.MatchesNotAlerted+r.AlertsLost+r.MatchesUnseen+r.DuplicateEvents {
		t.Errorf("matches %d != alerted %d + not alerted %d + lost %d + unseen %d + duplicates %d", r.Matches, r.MatchesAlerted, r.MatchesNotAlerted, r.AlertsLost, r.MatchesUnseen, r.DuplicateEvents)
	}
	n := 0
	for _, x := range r.Runs {
		n += x.Alerts
	}
	if r.Suppression == nil && n != r.AlertCount {
		t.Errorf("executions created %d alerts, report says %d", n, r.AlertCount)
	}
	if r.AlertCount != len(r.Alerts) {
		t.Errorf("AlertCount %d, %d alerts", r.AlertCount, len(r.Alerts))
	}
}

// scenarioDoc keeps the alert fields a scenario is about: the event's
// fields and the alert's own, without the rule's copy of itself.
func scenarioDoc(a *replay.Alert) map[string]any {
	doc := a.Document()
	for k := range doc {
		switch {
		case k == "kibana.alert.rule.name":
		case strings.HasPrefix(k, "kibana.alert.rule."),
			slices.Contains([]string{"kibana.space_ids", "kibana.alert.status", "kibana.alert.workflow_status", "kibana.alert.depth", "kibana.alert.intended_timestamp", "kibana.alert.ancestors", "kibana.alert.reason", "kibana.alert.original_event", "kibana.alert.uuid"}, k):
			delete(doc, k)
		}
	}
	return doc
}

func scenarioReport(r *replay.Report) map[string]any {
	return map[string]any{
		"executions": r.Executions, "runs": len(r.Runs), "in_scope": r.EventsInScope, "no_time": r.EventsNoTime,
		"matches": r.Matches, "alerts": r.AlertCount, "matches_alerted": r.MatchesAlerted,
		"matches_not_alerted": r.MatchesNotAlerted, "duplicates": r.DuplicateEvents,
		"threshold": r.Threshold, "new_terms": r.NewTerms, "suppression": r.Suppression,
	}
}

func writeLine(t *testing.T, b *bytes.Buffer, v any) {
	t.Helper()
	enc := json.NewEncoder(b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		t.Fatal(err)
	}
}

// A history window that does not start before the look-back fails, as
// Kibana's validateHistoryWindowStart fails the execution.
func TestNewTermsHistoryBeforeFrom(t *testing.T) {
	r, err := rules.ParseTOML("nt.toml", []byte(ruleTOML("new_terms", "host.name:*", "now-10m", "[rule.new_terms]\nfield = \"new_terms_fields\"\nvalue = [\"host.name\"]\n[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\nvalue = \"now-10m\"\n")))
	if err != nil {
		t.Fatal(err)
	}
	_, err = replay.Run(r, replay.EventsOf())
	if err == nil || errors.Is(err, replay.ErrUnsupported) || !strings.Contains(err.Error(), "history_window_start now-10m must be earlier than from now-10m") {
		t.Errorf("error %v", err)
	}
}

// TestRunUnsupported: a type or setting the replay does not build is an
// error wrapping ErrUnsupported that says which, never a run as a query.
func TestRunUnsupported(t *testing.T) {
	for _, tc := range []struct{ name, rule, want string }{
		{"threat match suppression", ruleTOML("threat_match", "host.name:*", "now-5m", "threat_index = [\"ti-*\"]\n[[rule.threat_mapping]]\n[[rule.threat_mapping.entries]]\nfield = \"a\"\nvalue = \"b\"\ntype = \"mapping\"\n[rule.alert_suppression]\ngroup_by = [\"a\"]\n"), "alert suppression on an indicator match rule"},
		{"new terms suppression", ruleTOML("new_terms", "host.name:*", "now-5m", "[rule.new_terms]\nfield = \"new_terms_fields\"\nvalue = [\"host.name\"]\n[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\nvalue = \"now-7d\"\n[rule.alert_suppression]\ngroup_by = [\"host.name\"]\n"), "alert suppression on a new terms rule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := rules.ParseTOML("u.toml", []byte(tc.rule))
			if err != nil {
				t.Fatal(err)
			}
			_, err = replay.Run(r, replay.EventsOf())
			if !errors.Is(err, replay.ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want ErrUnsupported saying %q", err, tc.want)
			}
		})
	}
}

// BenchmarkRunTypes replays 10,000 matching events, one a second over 100
// hosts and 1,000 destinations, with each rule type.
func BenchmarkRunTypes(b *testing.B) {
	evs := make([]map[string]any, 10000)
	for i := range evs {
		m := ev(time.Duration(i)*time.Second, 21, fmt.Sprint(i))
		m["host.name"] = fmt.Sprintf("host-%d", i%100)
		m["destination.ip"] = fmt.Sprintf("10.0.%d.%d", i/7%1000/256, i/7%1000%256)
		evs[i] = m
	}
	for _, tc := range []struct {
		name string
		set  func(r *rules.Rule)
	}{
		{"query", func(r *rules.Rule) {}},
		{"threshold", func(r *rules.Rule) {
			r.Type, r.Threshold = rules.TypeThreshold, &rules.Threshold{Field: []string{"host.name"}, Value: 5}
		}},
		{"new_terms", func(r *rules.Rule) {
			r.Type, r.NewTermsFields, r.HistoryWindowStart = rules.TypeNewTerms, []string{"host.name", "destination.ip"}, "now-7d"
		}},
		{"suppression", func(r *rules.Rule) {
			r.AlertSuppression = &rules.AlertSuppression{GroupBy: []string{"host.name"}, Duration: &rules.SuppressionDuration{Value: 30, Unit: "m"}}
		}},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := testRule(b, "destination.port:21")
			tc.set(r)
			for b.Loop() {
				rep, err := replay.Run(r, replay.EventsOf(evs...), replay.WithAlertFunc(func(*replay.Alert) error { return nil }))
				if err != nil || rep.Matches != len(evs) {
					b.Fatal(err, rep.Matches)
				}
			}
			b.ReportMetric(float64(len(evs)*b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}

// TestRuleTypesMaxSignals: threshold groups and new terms beyond
// max_signals are left out with Kibana's warning.
func TestRuleTypesMaxSignals(t *testing.T) {
	var evs []map[string]any
	for i := range 5 {
		m := ev(time.Duration(i)*time.Second, 21, fmt.Sprint(i))
		m["host.name"] = fmt.Sprintf("h%d", i)
		evs = append(evs, m)
	}
	for _, tc := range []struct {
		name string
		set  func(r *rules.Rule)
	}{
		{"threshold", func(r *rules.Rule) {
			r.Type, r.Threshold = rules.TypeThreshold, &rules.Threshold{Field: []string{"host.name"}, Value: 1}
		}},
		{"new_terms", func(r *rules.Rule) {
			r.Type, r.NewTermsFields, r.HistoryWindowStart = rules.TypeNewTerms, []string{"host.name"}, "now-1d"
		}},
		{"suppression", func(r *rules.Rule) {
			r.AlertSuppression = &rules.AlertSuppression{GroupBy: []string{"host.name"}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := testRule(t, "destination.port:21")
			r.MaxSignals = 2
			tc.set(r)
			rep, err := replay.Run(r, replay.EventsOf(evs...))
			if err != nil {
				t.Fatal(err)
			}
			checkTypedCounts(t, rep)
			// the first execution (at the first event) sees one event, the
			// second all five: 2 of its 4 or 5 new ones alert
			if rep.AlertCount != 3 || rep.AlertsLost != 2 || !slices.Contains(rep.Warnings, replay.MaxSignalsWarning) {
				t.Errorf("alerts %d, lost %d, warnings %v; runs %+v", rep.AlertCount, rep.AlertsLost, rep.Warnings, rep.Runs)
			}
		})
	}
}

// TestHeldAlertsStreamed: alerts a suppression duration holds back reach
// WithAlertFunc as they reach Report.Alerts.
func TestHeldAlertsStreamed(t *testing.T) {
	r, err := rules.ParseTOML("s.toml", []byte(ruleTOML("query", "event.category:network", "now-5m", "[rule.alert_suppression]\ngroup_by = [\"host.name\"]\n[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 10\n")))
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("testdata", "ruletypes", "suppression_duration.ndjson")
	kept, err := replay.Run(r, events.ReadFiles([]string{path}, nil), replay.WithAnyIndex())
	if err != nil {
		t.Fatal(err)
	}
	var streamed []*replay.Alert
	rep, err := replay.Run(r, events.ReadFiles([]string{path}, nil), replay.WithAnyIndex(), replay.WithAlertFunc(func(a *replay.Alert) error {
		streamed = append(streamed, a)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Alerts) != 0 || len(streamed) != len(kept.Alerts) || rep.AlertCount != kept.AlertCount || len(streamed) == 0 {
		t.Fatalf("streamed %d, kept %d", len(streamed), len(kept.Alerts))
	}
	for i := range streamed {
		if streamed[i].UUID != kept.Alerts[i].UUID || !cmp.Equal(streamed[i].Suppression, kept.Alerts[i].Suppression) {
			t.Errorf("alert %d: streamed %+v, kept %+v", i, streamed[i].Suppression, kept.Alerts[i].Suppression)
		}
	}
}
