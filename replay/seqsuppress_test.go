package replay_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// Alert suppression on an EQL sequence rule, as Kibana 8.18 made it
// (kibana#189725). In elastic/kibana,
// x-pack/solutions/security/plugins/security_solution/server/lib/
// detection_engine/rule_types/eql/eql.ts hands the sequences of the
// _eql/search to bulkCreateSuppressedSequencesInMemory
// (rule_types/utils/bulk_create_suppressed_alerts_in_memory.ts): each
// sequence is built into its shell alert and building blocks
// (eql/build_alert_group_from_sequence.ts, the shell holding the fields
// all its events share: objectPairIntersection); under doNotSuppress a
// shell lacking a group_by field (robustGet) is written with its building
// blocks as without suppression (bulkCreate, maxAlerts max_signals
// documents); the others get suppression fields from the SHELL
// (rule_types/utils/utils.ts buildShellAlertSuppressionTermsAndFields:
// getSuppressionTerms over shellAlert._source, the value as it is, an
// array sorted; start = end = the shell's primary timestamp, its
// @timestamp: the execution's time; docs_count 0) and go to
// alertWithSuppression (rule_types/factories/alert_with_suppression.ts,
// before it the rule registry's create_persistence_rule_type_wrapper.ts):
// shells whose id the alerts index holds are dropped
// (filterDuplicateAlerts), then those an existing alert of the group
// (ALERT_START from tuple.from per execution, from now-duration over a
// duration) already covers (its suppression end >= theirs), the rest
// sorted by suppression start, each group's first kept
// (suppressAlertsInMemory: docs_count the others), folded into the
// existing alert over a duration (docs_count + its own + 1), else written
// with its building blocks (subAlerts), cut to maxAlerts documents; a
// suppressed sequence's building blocks are never written. The cases
// follow x-pack/test/security_solution_api_integration/test_suites/
// detections_response/detection_engine/rule_execution_logic/eql/
// trial_license_complete_tier/eql_alert_suppression.ts ("sequence queries
// with suppression"), whose expected counts they keep.

// suppSeqEvent is a process event at 09:50:00 + sec s (eqlNow is 10:00, the
// executions every 5 minutes), with the given fields.
func suppSeqEvent(sec, n int, fields map[string]any) map[string]any {
	ev := map[string]any{"@timestamp": eqlNow.Add(-10*time.Minute + time.Duration(sec)*time.Second).Format(time.RFC3339),
		"event": map[string]any{"category": "process"}, "n": n}
	for k, v := range fields {
		ev[k] = v
	}
	return ev
}

func hostA(name any) map[string]any { return map[string]any{"host": map[string]any{"name": name}} }

// seqAlert is what a test compares of a sequence alert: "B" for a
// building block, "S -" for a shell without suppression, else "S terms
// docs_count start-end" (times as 15:04:05).
func seqAlert(t *testing.T, a *replay.Alert) string {
	t.Helper()
	switch {
	case a.Sequence == nil:
		return "not a sequence alert"
	case a.Sequence.Index >= 0:
		return "B"
	case a.Suppression == nil:
		return "S -"
	}
	b, err := json.Marshal(a.Suppression.Terms)
	if err != nil {
		t.Fatal(err)
	}
	s := a.Suppression
	return fmt.Sprintf("S %s %d %s-%s", b, s.DocsCount, s.Start.Format("15:04:05"), s.End.Format("15:04:05"))
}

func TestSequenceSuppression(t *testing.T) {
	const (
		seq        = `sequence [process where true] [process where true]`
		hostGroup  = "[rule.alert_suppression]\ngroup_by = [\"host.name\"]\n"
		suppress   = "missing_fields_strategy = \"suppress\"\n"
		doNot      = "missing_fields_strategy = \"doNotSuppress\"\n"
		agentGroup = "[rule.alert_suppression]\ngroup_by = [\"agent.name\", \"agent.version\"]\n"
	)
	none := map[string]any{}
	agent := func(name, version any) map[string]any {
		a := map[string]any{}
		if name != nil {
			a["name"] = name
		}
		if version != nil {
			a["version"] = version
		}
		return map[string]any{"agent": a}
	}
	// 3 events of each kind: the sequences are the 11 pairs of
	// consecutive events (each event ends a sequence and starts one)
	var agents []map[string]any
	for i, f := range []map[string]any{agent("agent-a", 10), agent(nil, 10), agent("agent-a", nil), none} {
		for j := range 3 {
			agents = append(agents, suppSeqEvent(360+3*i+j, 3*i+j, f))
		}
	}
	for _, tc := range []struct {
		name  string
		query string // "" seq
		extra string
		from  string // the look-back; "" now-5m
		evs   []map[string]any
		want  []string // the alerts in the order written
		rep   replay.SuppressionReport
		seq   replay.SequenceReport // Found, FoundAgain, Lost
	}{{
		// "suppresses alerts in a given rule execution": (1,2) alerts,
		// (2,3) is suppressed into it; terms from the shell: a string,
		// not the array of the event's fields an event query's term is
		name:  "per execution: one alert, docs_count 1",
		extra: hostGroup + suppress,
		evs:   []map[string]any{suppSeqEvent(360, 0, hostA("host-a")), suppSeqEvent(370, 1, hostA("host-a")), suppSeqEvent(380, 2, hostA("host-a"))},
		want:  []string{`S [{"field":"host.name","value":"host-a"}] 1 10:00:00-10:00:00`, "B", "B"},
		rep:   replay.SuppressionReport{Groups: 1, Alerts: 1, Suppressed: 1},
		seq:   replay.SequenceReport{Found: 1},
	}, {
		// "...when a subsequent event for a sequence has the suppression
		// field undefined": (a,a) host-a; (a,-) and (-,-) share no
		// host.name, a null group
		name:  "suppress: sequences not sharing the field are the null group",
		extra: hostGroup + suppress,
		evs:   []map[string]any{suppSeqEvent(360, 0, hostA("host-a")), suppSeqEvent(370, 1, hostA("host-a")), suppSeqEvent(380, 2, none), suppSeqEvent(390, 3, none)},
		want: []string{`S [{"field":"host.name","value":"host-a"}] 0 10:00:00-10:00:00`, "B", "B",
			`S [{"field":"host.name","value":null}] 1 10:00:00-10:00:00`, "B", "B"},
		rep: replay.SuppressionReport{Groups: 2, Alerts: 2, Suppressed: 1, MissingFields: 2},
		seq: replay.SequenceReport{Found: 2},
	}, {
		// "does not suppress ... when doNotSuppress is set and more than
		// one sequence has the suppression field undefined": 3 shells,
		// one suppressed (docs_count 0), the two without host.name
		// plain, written first
		name:  "doNotSuppress: shells without the field alert plain, first",
		extra: hostGroup + doNot,
		evs:   []map[string]any{suppSeqEvent(360, 0, hostA("host-a")), suppSeqEvent(370, 1, hostA("host-a")), suppSeqEvent(380, 2, none), suppSeqEvent(390, 3, none)},
		want:  []string{"S -", "B", "B", "S -", "B", "B", `S [{"field":"host.name","value":"host-a"}] 0 10:00:00-10:00:00`, "B", "B"},
		rep:   replay.SuppressionReport{Groups: 1, Alerts: 1, MissingFields: 2},
		seq:   replay.SequenceReport{Found: 3},
	}, {
		// "suppresses sequence alert with suppression value of null when
		// all events have unique values"
		name:  "suppress: distinct values are the null group",
		extra: hostGroup,
		evs:   []map[string]any{suppSeqEvent(360, 0, hostA("host-a")), suppSeqEvent(361, 1, hostA("host-b")), suppSeqEvent(370, 2, hostA("host-c")), suppSeqEvent(380, 3, hostA("host-d"))},
		want:  []string{`S [{"field":"host.name","value":null}] 2 10:00:00-10:00:00`, "B", "B"},
		rep:   replay.SuppressionReport{Groups: 1, Alerts: 1, Suppressed: 2, MissingFields: 3},
		seq:   replay.SequenceReport{Found: 1},
	}, {
		// "suppresses alerts on a field with array values"
		name:  "an array field: the shared values, sorted",
		extra: hostGroup,
		evs:   []map[string]any{suppSeqEvent(360, 0, hostA([]any{"host-b", "host-a"})), suppSeqEvent(370, 1, hostA([]any{"host-b", "host-a"})), suppSeqEvent(380, 2, hostA([]any{"host-b", "host-a"}))},
		want:  []string{`S [{"field":"host.name","value":["host-a","host-b"]}] 1 10:00:00-10:00:00`, "B", "B"},
		rep:   replay.SuppressionReport{Groups: 1, Alerts: 1, Suppressed: 1},
		seq:   replay.SequenceReport{Found: 1},
	}, {
		// "suppresses alerts with missing fields and multiple suppress by
		// fields": 4 alerts, docs_count 1, 2, 3, 1; a number stays a
		// number
		name:  "two fields, missing ones null, a number as a number",
		extra: agentGroup + suppress,
		evs:   agents,
		want: []string{
			`S [{"field":"agent.name","value":"agent-a"},{"field":"agent.version","value":10}] 1 10:00:00-10:00:00`, "B", "B",
			`S [{"field":"agent.name","value":null},{"field":"agent.version","value":10}] 2 10:00:00-10:00:00`, "B", "B",
			`S [{"field":"agent.name","value":null},{"field":"agent.version","value":null}] 3 10:00:00-10:00:00`, "B", "B",
			`S [{"field":"agent.name","value":"agent-a"},{"field":"agent.version","value":null}] 1 10:00:00-10:00:00`, "B", "B",
		},
		rep: replay.SuppressionReport{Groups: 4, Alerts: 4, Suppressed: 7, MissingFields: 9},
		seq: replay.SequenceReport{Found: 4},
	}, {
		// "does not suppress alerts when doNotSuppress is set and we have
		// alerts with missing fields and multiple suppress by fields":
		// one suppressed alert, docs_count 1; 9 plain
		name:  "two fields, doNotSuppress",
		extra: agentGroup + doNot,
		evs:   agents,
		want: append(slices.Repeat([]string{"S -", "B", "B"}, 9),
			`S [{"field":"agent.name","value":"agent-a"},{"field":"agent.version","value":10}] 1 10:00:00-10:00:00`, "B", "B"),
		rep: replay.SuppressionReport{Groups: 1, Alerts: 1, Suppressed: 1, MissingFields: 9},
		seq: replay.SequenceReport{Found: 10},
	}, {
		// per execution, the 09:55 execution alerts on (1,2) and
		// suppresses (2,3); the 10:00 one, overlapping, drops (1,2),
		// whose shell id the alerts index holds, but not (2,3): its
		// shell was never written, and the 09:55 alert's suppression
		// end is before its own (10:00), so it alerts
		name:  "per execution: a suppressed sequence found again alerts",
		extra: hostGroup,
		from:  "now-10m",
		evs:   []map[string]any{suppSeqEvent(60, 0, hostA("h")), suppSeqEvent(120, 1, hostA("h")), suppSeqEvent(180, 2, hostA("h"))},
		want: []string{`S [{"field":"host.name","value":"h"}] 1 09:55:00-09:55:00`, "B", "B",
			`S [{"field":"host.name","value":"h"}] 0 10:00:00-10:00:00`, "B", "B"},
		rep: replay.SuppressionReport{Groups: 2, Alerts: 2, Suppressed: 1},
		seq: replay.SequenceReport{Found: 2, FoundAgain: 1},
	}, {
		// over 10 minutes the 10:00 execution folds (2,3) into the
		// 09:55 alert again (docs_count + 0 + 1, end 10:00): Kibana
		// counts a suppressed sequence once per execution finding it
		name:  "duration: a suppressed sequence found again is counted again",
		extra: hostGroup + "[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 10\n",
		from:  "now-10m",
		evs:   []map[string]any{suppSeqEvent(60, 0, hostA("h")), suppSeqEvent(120, 1, hostA("h")), suppSeqEvent(180, 2, hostA("h"))},
		want:  []string{`S [{"field":"host.name","value":"h"}] 2 09:55:00-10:00:00`, "B", "B"},
		rep:   replay.SuppressionReport{Groups: 2, Alerts: 1, Suppressed: 2},
		seq:   replay.SequenceReport{Found: 1, FoundAgain: 1},
	}, {
		// a duration shorter than the interval: the 09:55 alert is not
		// found (its start is before 10:00 - 4m): a new alert
		name:  "duration shorter than the interval",
		extra: hostGroup + "[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 4\n",
		from:  "now-10m",
		evs:   []map[string]any{suppSeqEvent(60, 0, hostA("h")), suppSeqEvent(120, 1, hostA("h")), suppSeqEvent(180, 2, hostA("h"))},
		want: []string{`S [{"field":"host.name","value":"h"}] 1 09:55:00-09:55:00`, "B", "B",
			`S [{"field":"host.name","value":"h"}] 0 10:00:00-10:00:00`, "B", "B"},
		rep: replay.SuppressionReport{Groups: 2, Alerts: 2, Suppressed: 1},
		seq: replay.SequenceReport{Found: 2, FoundAgain: 1},
	}, {
		// the events share event.ingested (the rule's
		// timestamp_override): the suppression time is it, and the
		// 10:00 execution drops (2,3) as already suppressed (the 09:55
		// alert's end, 09:51, is not before its own)
		name:  "timestamp_override shared: the suppression time is the events'",
		extra: "timestamp_override = \"event.ingested\"\n" + hostGroup,
		from:  "now-10m",
		evs: []map[string]any{
			suppSeqEvent(60, 0, map[string]any{"host": map[string]any{"name": "h"}, "event": map[string]any{"category": "process", "ingested": "2024-05-01T09:51:00Z"}}),
			suppSeqEvent(61, 1, map[string]any{"host": map[string]any{"name": "h"}, "event": map[string]any{"category": "process", "ingested": "2024-05-01T09:51:00Z"}}),
			suppSeqEvent(62, 2, map[string]any{"host": map[string]any{"name": "h"}, "event": map[string]any{"category": "process", "ingested": "2024-05-01T09:51:00Z"}}),
		},
		want: []string{`S [{"field":"host.name","value":"h"}] 1 09:51:00-09:51:00`, "B", "B"},
		rep:  replay.SuppressionReport{Groups: 1, Alerts: 1, Suppressed: 1},
		seq:  replay.SequenceReport{Found: 1, FoundAgain: 2},
	}, {
		// doNotSuppress documents are cut at max_signals documents,
		// building blocks included (bulkCreate's maxAlerts): the first
		// shell and one of its building blocks; the second sequence is
		// lost
		name:  "doNotSuppress: max_signals counts documents",
		extra: "max_signals = 2\n" + hostGroup + doNot,
		evs:   []map[string]any{suppSeqEvent(360, 0, none), suppSeqEvent(370, 1, none), suppSeqEvent(380, 2, none)},
		want:  []string{"S -", "B"},
		rep:   replay.SuppressionReport{MissingFields: 2},
		seq:   replay.SequenceReport{Found: 1, Lost: 1},
	}, {
		// the 09:55 execution writes the shell and one building block
		// (max_signals 2 documents); the 10:00 one finds the sequence
		// again: filterDuplicateAlerts drops the shell and the first
		// building block, whose ids the alerts index holds, and writes
		// the second
		name:  "doNotSuppress: a building block cut is written by the next execution",
		extra: "max_signals = 2\n" + hostGroup + doNot,
		from:  "now-10m",
		evs:   []map[string]any{suppSeqEvent(60, 0, none), suppSeqEvent(120, 1, none)},
		want:  []string{"S -", "B", "B"},
		rep:   replay.SuppressionReport{MissingFields: 2},
		seq:   replay.SequenceReport{Found: 1, FoundAgain: 1},
	}, {
		// the new alerts are cut at max_signals documents (maxAlerts):
		// a's shell and building blocks, the null group's shell and one
		// building block; b's and c's alerts are lost
		name:  "suppress: max_signals counts documents",
		extra: "max_signals = 5\n" + hostGroup,
		evs: []map[string]any{suppSeqEvent(360, 0, hostA("a")), suppSeqEvent(361, 1, hostA("a")), suppSeqEvent(362, 2, hostA("b")),
			suppSeqEvent(363, 3, hostA("b")), suppSeqEvent(364, 4, hostA("c")), suppSeqEvent(365, 5, hostA("c"))},
		want: []string{`S [{"field":"host.name","value":"a"}] 0 10:00:00-10:00:00`, "B", "B",
			`S [{"field":"host.name","value":null}] 1 10:00:00-10:00:00`, "B"},
		rep: replay.SuppressionReport{Groups: 4, Alerts: 2, Suppressed: 1, MissingFields: 2},
		seq: replay.SequenceReport{Found: 2, Lost: 2},
	}, {
		// a sample's alerts are suppressed the same way (eql.ts: the
		// response's sequences): one sample per host.name, both hosts
		// in one user.name group
		name:  "a sample",
		query: `sample by host.name [process where true] [process where true]`,
		extra: "[rule.alert_suppression]\ngroup_by = [\"user.name\"]\n",
		evs: []map[string]any{
			suppSeqEvent(360, 0, map[string]any{"host": map[string]any{"name": "a"}, "user": map[string]any{"name": "u"}}),
			suppSeqEvent(361, 1, map[string]any{"host": map[string]any{"name": "a"}, "user": map[string]any{"name": "u"}}),
			suppSeqEvent(362, 2, map[string]any{"host": map[string]any{"name": "b"}, "user": map[string]any{"name": "u"}}),
			suppSeqEvent(363, 3, map[string]any{"host": map[string]any{"name": "b"}, "user": map[string]any{"name": "u"}}),
		},
		want: []string{`S [{"field":"user.name","value":"u"}] 1 10:00:00-10:00:00`, "B", "B"},
		rep:  replay.SuppressionReport{Groups: 1, Alerts: 1, Suppressed: 1},
		seq:  replay.SequenceReport{Found: 1},
	}} {
		t.Run(tc.name, func(t *testing.T) {
			from := tc.from
			if from == "" {
				from = "now-5m"
			}
			q := tc.query
			if q == "" {
				q = seq
			}
			r, err := rules.ParseTOML("eql.toml", []byte(ruleTOML("eql", q, from, "language = \"eql\"\n"+tc.extra)))
			if err != nil {
				t.Fatal(err)
			}
			rep, err := replay.Run(r, replay.EventsOf(tc.evs...), replay.WithAnyIndex(), replay.WithNow(eqlNow))
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range rep.Alerts {
				got = append(got, seqAlert(t, a))
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("alerts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tc.want, "\n"))
			}
			if rep.Suppression == nil || *rep.Suppression != tc.rep {
				t.Errorf("suppression report %+v, want %+v", rep.Suppression, tc.rep)
			}
			if s := rep.Sequences; s == nil || s.Found != tc.seq.Found || s.FoundAgain != tc.seq.FoundAgain || s.Lost != tc.seq.Lost {
				t.Errorf("sequence report %+v, want found %d, found again %d, lost %d", rep.Sequences, tc.seq.Found, tc.seq.FoundAgain, tc.seq.Lost)
			}
			checkTypedCounts(t, rep)
			// the building blocks follow their shell, in order
			var group string
			for i, a := range rep.Alerts {
				if a.Sequence.Index < 0 {
					group = a.UUID
				} else if a.Sequence.GroupID != group || rep.Alerts[i-1-a.Sequence.Index].UUID != group {
					t.Errorf("alert %d: building block %d of %s after shell %s", i, a.Sequence.Index, a.Sequence.GroupID, group)
				}
			}
		})
	}
}

// TestSequenceSuppressionScenarios: the sequence suppression scenarios of
// testdata/ruletypes (TestRuleTypeScenarios keeps their whole alerts,
// TestStateRuleTypeScenarios splits them with a saved state), checked
// against what Kibana's logic gives, worked out by hand in ruleTypeCases'
// comments.
func TestSequenceSuppressionScenarios(t *testing.T) {
	alice := `S [{"field":"user.name","value":"alice"}] `
	bob := `S [{"field":"user.name","value":"bob"}] `
	for name, want := range map[string][]string{
		"sequence_suppression": {
			alice + "4 10:05:00-10:20:00", "B", "B",
			bob + "0 10:10:00-10:10:00", "B", "B",
			`S [{"field":"user.name","value":null}] 0 10:10:00-10:10:00`, "B", "B",
			alice + "0 10:30:00-10:30:00", "B", "B",
			bob + "0 10:35:00-10:35:00", "B", "B",
		},
		"sequence_suppression_execution": {
			alice + "1 10:05:00-10:05:00", "B", "B",
			"S -", "B", "B",
			alice + "0 10:10:00-10:10:00", "B", "B",
			bob + "0 10:10:00-10:10:00", "B", "B",
			alice + "0 10:15:00-10:15:00", "B", "B",
			alice + "0 10:30:00-10:30:00", "B", "B",
			bob + "0 10:35:00-10:35:00", "B", "B",
		},
	} {
		t.Run(name, func(t *testing.T) {
			r := scenarioRule(t, name)
			path := filepath.Join("testdata", "ruletypes", "sequence_suppression.ndjson")
			rep, err := replay.Run(r, events.ReadFiles([]string{path}, nil), replay.WithAnyIndex())
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, a := range rep.Alerts {
				got = append(got, seqAlert(t, a))
			}
			if !slices.Equal(got, want) {
				t.Errorf("alerts:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

// TestStateSequenceSuppression: a suppressed sequence rule's memory (its
// groups' latest alerts, the shells whose building blocks were cut, the
// alerts held over a duration with their building blocks) is part of the
// replay state: two runs split at every cut point, the state encoded and
// decoded between them, alert as one run does. Windows overlap (a 10m
// look-back every 5m), so sequences are found again.
func TestStateSequenceSuppression(t *testing.T) {
	const q = `sequence by host.name with maxspan=1m [process where true] [network where true]`
	for _, extra := range []string{
		"[rule.alert_suppression]\ngroup_by = [\"host.name\"]\n",
		"[rule.alert_suppression]\ngroup_by = [\"event.category\"]\n[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 7\n",
		// no user.name: every sequence plain, cut at 14 documents (a
		// shell written without all its building blocks, which the
		// next execution writes)
		"max_signals = 14\n[rule.alert_suppression]\ngroup_by = [\"user.name\"]\nmissing_fields_strategy = \"doNotSuppress\"\n",
	} {
		t.Run(extra, func(t *testing.T) {
			r, err := rules.ParseTOML("eql.toml", []byte(ruleTOML("eql", q, "now-10m", "language = \"eql\"\n"+extra)))
			if err != nil {
				t.Fatal(err)
			}
			rs := []*rules.Rule{r}
			sorted, all := timeSplits(rs, seqLines())
			if len(all) == 0 {
				t.Fatal("no cut point")
			}
			// every third cut: each falls between two stages of some
			// sequence, and the test stays fast under -race
			var cuts []int
			for i := 0; i < len(all); i += 3 {
				cuts = append(cuts, all[i])
			}
			if alerts := checkSplitEqualsOne(t, rs, sorted, cuts, replay.WithAnyIndex()); len(alerts) == 0 {
				t.Fatal("no alert")
			}
		})
	}
}

// TestStateSequenceSuppressionOverride: per execution, the groups'
// latest alerts within a look-back are part of the state: with
// timestamp_override, the events of a sequence sharing event.ingested
// make it the suppression time, so the 10:00 execution drops the sequence
// the 09:55 alert already covers (its end, 09:51, is not before) only if
// the resumed run remembers that alert.
func TestStateSequenceSuppressionOverride(t *testing.T) {
	var lines []line
	for i, ts := range []string{"09:51:00", "09:51:01", "09:51:02", "09:56:00", "09:58:00", "09:58:01", "09:58:02"} {
		cat := "process"
		if ts == "09:56:00" { // no stage: the first run's clock passes 09:55
			cat = "network"
		}
		ev := fmt.Sprintf(`{"@timestamp":"2024-05-01T%sZ","event":{"category":"%s","ingested":"2024-05-01T%s:00Z"},"host":{"name":"h"},"n":%d}`, ts, cat, ts[:5], i)
		lines = append(lines, line{[]byte(ev), i + 1})
	}
	r, err := rules.ParseTOML("eql.toml", []byte(ruleTOML("eql", `sequence [process where true] [process where true]`, "now-10m",
		"language = \"eql\"\ntimestamp_override = \"event.ingested\"\n[rule.alert_suppression]\ngroup_by = [\"host.name\"]\n")))
	if err != nil {
		t.Fatal(err)
	}
	rs := []*rules.Rule{r}
	sorted, cuts := timeSplits(rs, lines)
	if len(cuts) == 0 {
		t.Fatal("no cut point")
	}
	if alerts := checkSplitEqualsOne(t, rs, sorted, cuts, replay.WithAnyIndex(), replay.WithNow(eqlNow)); len(alerts) == 0 {
		t.Fatal("no alert")
	}
}
