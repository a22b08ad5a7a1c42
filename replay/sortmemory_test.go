package replay_test

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
)

// TestSortMemoryOneCorpus: a replay in time order whose sort memory holds
// nothing (every matched event is its own sorted run, merged back at the
// end) gives the alerts and the report of the default, which sorts in
// memory, for rules of several types over the first 2,000 events of the
// Beats corpus (events of many dates, out of order, some without a time).
func TestSortMemoryOneCorpus(t *testing.T) {
	text, err := os.ReadFile(filepath.Join("..", "..", "shared", "corpus", "beats_events.ndjson"))
	if err != nil {
		t.Skipf("the shared Beats corpus is absent: %v", err)
	}
	n := 2000
	if testing.Short() {
		n = 500
	}
	lines := bytes.SplitAfterN(text, []byte("\n"), n+1)
	path := filepath.Join(t.TempDir(), "head.ndjson")
	if err := os.WriteFile(path, bytes.Join(lines[:min(n, len(lines))], nil), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []ruleTypeCase{ // events: the corpus head, not a scenario file
		{name: "query", rule: ruleTOML("query", "event.kind:event", "now-6m", "")},
		{name: "threshold", rule: ruleTOML("threshold", "event.category:*", "now-10m", "[rule.threshold]\nfield = [\"event.dataset\"]\nvalue = 2\n")},
		{name: "new_terms", rule: ruleTOML("new_terms", "event.kind:*", "now-5m", "[rule.new_terms]\nfield = \"new_terms_fields\"\nvalue = [\"user.name\"]\n[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\nvalue = \"now-1h\"\n")},
		{name: "suppressed", rule: ruleTOML("query", "event.kind:*", "now-5m", "[rule.alert_suppression]\ngroup_by = [\"event.dataset\"]\nmissing_fields_strategy = \"suppress\"\n[rule.alert_suppression.duration]\nunit = \"m\"\nvalue = 30\n")},
		{name: "timestamp_override", rule: ruleTOML("query", "event.kind:*", "now-6m", "timestamp_override = \"event.ingested\"\n")},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.parse(t)
			var reports [2][]byte
			for i, opts := range [][]replay.RunOption{nil, {replay.WithSortMemory(1), replay.WithTempDir(t.TempDir())}} {
				rep, err := replay.Run(r, events.ReadFiles([]string{path}, nil), append(opts, replay.WithAnyIndex())...)
				if err != nil {
					t.Fatal(err)
				}
				if i == 0 && (rep.Matches < 100 || rep.AlertCount == 0) {
					t.Fatalf("%d matches, %d alerts: the case tests little", rep.Matches, rep.AlertCount)
				}
				if reports[i], err = json.Marshal(rep); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Equal(reports[0], reports[1]) {
				t.Errorf("sort memory 1 gives another report (its alerts included) than the default:\n%.2000s\nwant\n%.2000s", reports[1], reports[0])
			}
		})
	}
}
