package replay_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/replay"
)

// TestReportWriteText pins the text of a report ("kqlrules run" prints
// it): every line a count or setting decides, the max_signals warning
// told once per execution (not again among the run's warnings), the
// samples cut at what was kept, and times past the year 9999.
func TestReportWriteText(t *testing.T) {
	at := func(s string) replay.Time {
		tm, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return replay.Time{Time: tm}
	}
	r := &replay.Report{
		Rule: "FTP out", RuleID: "id-1", Version: 2, Index: []string{"logs-*", "filebeat-*"},
		Interval: "5m", LookBack: "9m", MaxSignals: 100, TimestampField: "@timestamp",
		FirstExecution: at("2023-01-01T00:00:00Z"), Executions: 3, RunsFound: 1, RepeatRuns: 1,
		EventsRead: 10, EventsRejected: 3, EventsInScope: 4, EventsOtherIndex: 1, EventsNoIndex: 1, EventsNoTime: 1, EventsRefused: 2, EventsLate: 1,
		Matches: 4, AlertCount: 1, AlertsLost: 1, MatchesUnseen: 1, MatchesAlerted: 2,
		Threshold: &replay.ThresholdReport{GroupsEvaluated: 2, GroupsAlerted: 1, GroupsBelow: 1},
		Warnings:  []string{replay.MaxSignalsWarning, "something else"},
		Runs:      []replay.Execution{{Warning: replay.MaxSignalsWarning, Truncated: 1}, {}},
		Rejected:  []replay.Sample{{File: "a.ndjson", Line: 2, Why: "not a JSON object"}},
		NoTime:    []replay.Sample{{File: "-", Line: 7, Why: "no @timestamp"}},
	}
	r.LastExecution = at("2023-01-01T00:10:00Z")
	r.LastExecution.Time = r.LastExecution.AddDate(10000, 0, 0)
	r.Runs[0].Time = at("2023-01-01T00:05:00Z")
	var b strings.Builder
	if err := r.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	want := `rule: FTP out (id-1), version 2
index: logs-*, filebeat-*
schedule: every 5m looking back 9m, at most 100 alerts an execution, event time @timestamp
executions: 3 from 2023-01-01T00:00:00Z to 12023-01-01T00:10:00Z, 2 with matches (1 of them finding only matches earlier executions had handled)
events: 10 read, 3 rejected, 4 in scope, 1 other index, 1 without index, 1 without a usable time, 2 Elasticsearch would refuse, 1 out of order (arrival order)
matches: 4; alerts: 1, lost to max_signals: 1, never searched: 1, duplicates: 0
matches an alert stands for: 2, seen without an alert: 0
threshold: 2 groups evaluated, 1 alerted, 1 under the threshold, 0 left out by max_signals; 0 events left out by the signal history, 0 without a threshold field
warning: something else
warning: execution at 2023-01-01T00:05:00Z: ` + replay.MaxSignalsWarning + ` (1 left out)
hint: events are not in time order; executions that had already run missed the late ones (without --arrival-order the replay is in time order)
rejected:
  a.ndjson:2: not a JSON object
  ... and 2 more
without a usable time:
  -:7: no @timestamp
`
	if diff := cmp.Diff(want, b.String()); diff != "" {
		t.Errorf("WriteText (-want +got):\n%s", diff)
	}

	empty := &replay.Report{Rule: "r", EventsNoIndex: 2}
	b.Reset()
	empty.WriteText(&b)
	for _, line := range []string{"executions: none (no event in scope)\n", "hint: no event carries _index or data_stream.*; --any-index treats them as in scope\n"} {
		if !strings.Contains(b.String(), line) {
			t.Errorf("no events in scope: %q lacks %q", b.String(), line)
		}
	}
	if err := empty.WriteText(failWriter{}); err == nil {
		t.Error("WriteText to a failing writer: no error")
	}
}

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }
