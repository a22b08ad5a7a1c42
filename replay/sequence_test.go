package replay_test

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// seqNow is the last execution of the sequence scenarios: executions every
// 5m, at 09:55, 09:50... before it.
var seqNow = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// seqAt is a time before seqNow: "09:56:30" is 09:56:30 on its day.
func seqAt(hms string) string {
	t, err := time.Parse("15:04:05", hms)
	if err != nil {
		panic(err)
	}
	return seqNow.Truncate(24 * time.Hour).Add(time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute + time.Duration(t.Second())*time.Second).Format(time.RFC3339)
}

// seqEvent is a process or network event of host, with an _id.
func seqEvent(id, hms, category, host string, extra map[string]any) map[string]any {
	m := map[string]any{"_id": id, "_index": "logs-a", "@timestamp": seqAt(hms),
		"event": map[string]any{"category": category, "kind": "event"}, "host": map[string]any{"name": host}}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

const seqRuleUUID = "00000000-1111-2222-3333-444444444444"

func runSeq(t *testing.T, query, from, extra string, evs ...map[string]any) *replay.Report {
	t.Helper()
	r := eqlRule(t, query, extra)
	r.From = from
	rep, err := runRule(r, evs)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func runRule(r *rules.Rule, evs []map[string]any) (*replay.Report, error) {
	return replay.Run(r, replay.EventsOf(evs...), replay.WithAnyIndex(), replay.WithNow(seqNow), replay.WithRuleUUID(seqRuleUUID))
}

// kibanaIDs computes the ids of a sequence's alerts as Kibana does, for
// events given as (_id, _index) pairs:
// factories/utils/generate_building_block_ids.ts (each building block:
// SHA-256 of every event's ancestors' id and index followed by the rule's
// UUID, then its place) and factories/utils/build_alert.ts generateAlertId
// for the shell (its ancestors: each event, then its building block whose
// _index is ”, and the rule's UUID), under
// x-pack/solutions/security/plugins/security_solution/server/lib/
// detection_engine/rule_types/ in elastic/kibana.
func kibanaIDs(evs [][2]string) (shell string, blocks []string) {
	base := ""
	for _, e := range evs {
		base += e[0] + e[1] + seqRuleUUID
	}
	anc := ""
	for i, e := range evs {
		sum := sha256.Sum256([]byte(base + fmt.Sprint(i)))
		blocks = append(blocks, hex.EncodeToString(sum[:]))
		anc += e[0] + e[1] + blocks[i] + ""
	}
	sum := sha256.Sum256([]byte(anc + seqRuleUUID))
	return hex.EncodeToString(sum[:]), blocks
}

// TestSequenceAlertDocuments: a sequence becomes a shell alert followed
// by one building block an event (eql/wrap_sequences.ts:
// acc.push(shellAlert, ...buildingBlocks)), as
// eql/build_alert_group_from_sequence.ts builds them: the building blocks
// carry kibana.alert.building_block_type "default", kibana.alert.group.id
// (the shell's id) and kibana.alert.group.index; the shell holds the
// fields every event shares (objectArrayIntersection), ancestors of all
// of them, depth 2.
func TestSequenceAlertDocuments(t *testing.T) {
	rep := runSeq(t, `sequence by host.name with maxspan=1m [process where true] [network where true]`, "now-9m", "",
		seqEvent("e1", "09:56:00", "process", "h1", map[string]any{"process": map[string]any{"name": "a"}, "user": map[string]any{"name": "u", "id": "1"}}),
		seqEvent("e2", "09:56:30", "network", "h1", map[string]any{"user": map[string]any{"name": "u", "id": "2"}, "tags": []any{"x", "y"}}),
	)
	if rep.AlertCount != 3 || len(rep.Alerts) != 3 {
		t.Fatalf("%d alerts, want 3 (shell and two building blocks)", rep.AlertCount)
	}
	shellID, blocks := kibanaIDs([][2]string{{"e1", "logs-a"}, {"e2", "logs-a"}})
	docs := make([]map[string]any, 3)
	for i, a := range rep.Alerts {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b, &docs[i]); err != nil {
			t.Fatal(err)
		}
	}
	exec := "2024-05-01T10:00:00.000Z"
	for _, c := range []struct {
		doc  int
		key  string
		want any
	}{
		{0, "kibana.alert.uuid", shellID},
		{0, "kibana.alert.group.id", shellID},
		{0, "kibana.alert.group.index", nil},
		{0, "kibana.alert.building_block_type", nil},
		{0, "kibana.alert.depth", 2.0},
		{0, "kibana.alert.original_time", exec},
		{0, "kibana.alert.ancestors", []any{
			map[string]any{"id": "e1", "index": "logs-a", "type": "event", "depth": 0.0},
			map[string]any{"id": blocks[0], "index": "", "type": "signal", "depth": 1.0, "rule": seqRuleUUID},
			map[string]any{"id": "e2", "index": "logs-a", "type": "event", "depth": 0.0},
			map[string]any{"id": blocks[1], "index": "", "type": "signal", "depth": 1.0, "rule": seqRuleUUID},
		}},
		{0, "host", map[string]any{"name": "h1"}},
		{0, "user", map[string]any{"name": "u"}},
		{0, "process", nil},
		{0, "tags", nil},
		{0, "@timestamp", exec},
		{0, "kibana.alert.rule.rule_type_id", "siem.eqlRule"},
		{1, "kibana.alert.uuid", blocks[0]},
		{1, "kibana.alert.group.id", shellID},
		{1, "kibana.alert.group.index", 0.0},
		{1, "kibana.alert.building_block_type", "default"},
		{1, "kibana.alert.depth", 1.0},
		{1, "kibana.alert.ancestors", []any{map[string]any{"id": "e1", "index": "logs-a", "type": "event", "depth": 0.0}}},
		{1, "process", map[string]any{"name": "a"}},
		{1, "kibana.alert.original_time", "2024-05-01T09:56:00.000Z"},
		{2, "kibana.alert.uuid", blocks[1]},
		{2, "kibana.alert.group.index", 1.0},
		{2, "tags", []any{"x", "y"}},
	} {
		if got := docs[c.doc][c.key]; !cmp.Equal(got, c.want) {
			t.Errorf("alert %d: %s = %v, want %v", c.doc, c.key, got, c.want)
		}
	}
	s := rep.Sequences
	if s == nil || s.Found != 1 || s.InStream != 1 || s.OutsideWindow != 0 {
		t.Errorf("report: %+v", s)
	}
}

// TestSequenceOverlap: executions at 09:55 and 10:00 with a 9m look-back
// both hold a sequence at 09:53-09:54; the second finds it again, and
// the alerts index refuses its ids (the persistence wrapper filters out
// the alerts whose _id it holds): one alert group. (The event at 09:59
// makes the second execution run: the replay skips an execution whose
// window holds only events earlier ones saw, Report.RepeatRuns.)
func TestSequenceOverlap(t *testing.T) {
	rep := runSeq(t, `sequence by host.name [process where true] [network where true]`, "now-9m", "",
		seqEvent("e1", "09:53:00", "process", "h1", nil),
		seqEvent("e2", "09:54:00", "network", "h1", nil),
		seqEvent("e3", "09:59:00", "process", "h2", nil),
	)
	if s := rep.Sequences; rep.AlertCount != 3 || s.Found != 1 || s.FoundAgain != 1 {
		t.Fatalf("%d alerts, %+v; want 3 alerts, found 1, found again 1", rep.AlertCount, s)
	}
	if rep.MatchesAlerted != 2 {
		t.Errorf("matches alerted %d, want 2", rep.MatchesAlerted)
	}
}

// TestSequenceMaxSignals: max_signals is the search's size, in sequences
// (eql.ts: size: ruleParams.maxSignals), and Elasticsearch returns the
// last ones (result_position tail); each becomes stages+1 alerts, written
// without a cap (bulkCreate(newSignals, undefined, ...)), and the
// execution warns as hits.total.value >= max_signals. A sequence left
// out that no later execution finds is lost.
func TestSequenceMaxSignals(t *testing.T) {
	var evs []map[string]any
	for i, h := range []string{"h1", "h2", "h3"} {
		evs = append(evs,
			seqEvent(fmt.Sprint("p", i), fmt.Sprintf("09:57:%02d", i), "process", h, nil),
			seqEvent(fmt.Sprint("n", i), fmt.Sprintf("09:58:%02d", i), "network", h, nil))
	}
	rep := runSeq(t, `sequence by host.name [process where true] [network where true]`, "now-5m", "max_signals = 2\n", evs...)
	if s := rep.Sequences; rep.AlertCount != 6 || s.Found != 2 || s.Lost != 1 {
		t.Fatalf("%d alerts, %+v; want 6 alerts, found 2, lost 1", rep.AlertCount, s)
	}
	var hosts []string
	for _, a := range rep.Alerts {
		if a.Sequence.Index < 0 {
			hosts = append(hosts, a.Event().Fields["host"].(map[string]any)["name"].(string))
		}
	}
	if !cmp.Equal(hosts, []string{"h2", "h3"}) {
		t.Errorf("sequences of %v, want the last two (h2, h3)", hosts)
	}
	if len(rep.Warnings) != 1 || rep.Warnings[0] != replay.MaxSignalsWarning {
		t.Errorf("warnings %q", rep.Warnings)
	}
	if len(rep.Runs) != 1 || rep.Runs[0].Truncated != 1 || rep.Runs[0].Alerts != 6 {
		t.Errorf("runs %+v", rep.Runs)
	}
}

// TestSequenceOutsideWindow: a maxspan longer than the look-back lets a
// sequence span more than any window (detection-rules' test_eql_lookback
// requires look-back >= maxspan for this reason): the whole stream holds
// it, no execution finds it.
func TestSequenceOutsideWindow(t *testing.T) {
	rep := runSeq(t, `sequence by host.name with maxspan=10m [process where true] [network where true]`, "now-5m", "",
		seqEvent("e1", "09:51:00", "process", "h1", nil),
		seqEvent("e2", "09:58:00", "network", "h1", nil),
		seqEvent("e3", "09:58:10", "process", "h2", nil),
		seqEvent("e4", "09:58:20", "network", "h2", nil),
	)
	s := rep.Sequences
	if rep.AlertCount != 3 || s.Found != 1 || s.InStream != 2 || s.OutsideWindow != 1 {
		t.Fatalf("%d alerts, %+v; want 3 alerts, found 1, in stream 2, outside any window 1", rep.AlertCount, s)
	}
}

// TestSequenceDropped: the whole stream's pending sequences that maxspan
// and until drop are counted (eql.MatcherStats).
func TestSequenceDropped(t *testing.T) {
	rep := runSeq(t, `sequence by host.name with maxspan=30s [process where true] [network where true] until [file where true]`, "now-9m", "",
		seqEvent("e1", "09:56:00", "process", "h1", nil),
		seqEvent("e2", "09:57:00", "network", "h1", nil), // after maxspan
		seqEvent("e3", "09:57:10", "process", "h2", nil),
		seqEvent("e4", "09:57:12", "file", "h2", nil), // until
		seqEvent("e5", "09:57:14", "network", "h2", nil),
	)
	s := rep.Sequences
	if rep.AlertCount != 0 || s.DroppedMaxspan != 1 || s.DroppedUntil != 1 || s.InStream != 0 {
		t.Fatalf("%d alerts, %+v; want none, dropped by maxspan 1 and until 1", rep.AlertCount, s)
	}
}

// TestSampleAlerts: Kibana's executor takes hits.sequences whatever the
// query (eql.ts: else if (sequences) wrapSequences(...)), and
// Elasticsearch returns samples there: a sample alerts as a sequence.
func TestSampleAlerts(t *testing.T) {
	rep := runSeq(t, `sample by host.name [process where true] [network where true]`, "now-9m", "",
		seqEvent("e1", "09:58:00", "network", "h1", nil),
		seqEvent("e2", "09:58:30", "process", "h1", nil),
	)
	if rep.AlertCount != 3 || rep.Sequences.Found != 1 {
		t.Fatalf("%d alerts, %+v; want one sample (3 alerts)", rep.AlertCount, rep.Sequences)
	}
	if got := rep.Alerts[1].ID; got != "e2" { // the process stage first
		t.Errorf("first building block on %s, want e2", got)
	}
}

// TestSequencePipes: a sequence's pipes cut what the search returns after
// size (LogicalPlanBuilder.visitStatement in x-pack/plugin/eql of
// elastic/elasticsearch): "| head 1" keeps the first of the window's
// sequences (the size cut then takes the head too).
func TestSequencePipes(t *testing.T) {
	var evs []map[string]any
	for i, h := range []string{"h1", "h2", "h3"} {
		evs = append(evs,
			seqEvent(fmt.Sprint("p", i), fmt.Sprintf("09:57:%02d", i), "process", h, nil),
			seqEvent(fmt.Sprint("n", i), fmt.Sprintf("09:58:%02d", i), "network", h, nil))
	}
	rep := runSeq(t, `sequence by host.name [process where true] [network where true] | head 1`, "now-5m", "", evs...)
	if rep.AlertCount != 3 || rep.Alerts[0].Event().Fields["host"].(map[string]any)["name"] != "h1" || rep.Sequences.Lost != 2 {
		t.Fatalf("%d alerts, %+v; want the sequence of h1 alone", rep.AlertCount, rep.Sequences)
	}
}

// TestSequenceTimestampOverride: the windows are on the rule's
// timestamp_override (event.ingested), the sequence's order on its
// timestamp_field (@timestamp): the process event indexed after the
// network event still comes first in the sequence, in an execution's
// search and in the whole stream's.
func TestSequenceTimestampOverride(t *testing.T) {
	r := eqlRule(t, `sequence by host.name [process where true] [network where true]`, `timestamp_override = "event.ingested"`+"\n")
	r.From = "now-9m"
	ingested := func(m map[string]any, hms string) map[string]any {
		m["event"].(map[string]any)["ingested"] = seqAt(hms)
		return m
	}
	rep, err := runRule(r, []map[string]any{
		ingested(seqEvent("n", "09:56:15", "network", "h1", nil), "09:56:16"),
		ingested(seqEvent("p", "09:56:10", "process", "h1", nil), "09:56:20"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Sequences; rep.AlertCount != 3 || s.Found != 1 || s.InStream != 1 || s.StreamSkipped != 0 {
		t.Fatalf("%d alerts, %+v; want the sequence p, n found and in the stream", rep.AlertCount, s)
	}
	if rep.Alerts[1].ID != "p" || rep.Alerts[2].ID != "n" {
		t.Errorf("building blocks on %s, %s; want p, n", rep.Alerts[1].ID, rep.Alerts[2].ID)
	}
}

// TestSequenceCutFoundLater: a sequence an execution leaves out by
// max_signals (the tail keeps the one ending last) is returned by the
// next execution once the other lost its first event to the window's
// start: Kibana alerts on it then, though that window holds no new event.
func TestSequenceCutFoundLater(t *testing.T) {
	rep := runSeq(t, `sequence by host.name [process where true] [network where true]`, "now-9m", "max_signals = 1\n",
		seqEvent("n1", "09:47:00", "process", "h1", nil),
		seqEvent("s1", "09:52:00", "process", "h2", nil),
		seqEvent("s2", "09:53:00", "network", "h2", nil),
		seqEvent("n2", "09:54:00", "network", "h1", nil),
	)
	if s := rep.Sequences; rep.AlertCount != 6 || s.Found != 2 || s.Lost != 0 {
		t.Fatalf("%d alerts, %+v; want both sequences, the second at 10:00", rep.AlertCount, s)
	}
	if got := rep.Alerts[3].Time; !got.Equal(seqNow) {
		t.Errorf("the second sequence alerted at %v, want %v", got, seqNow)
	}
}

// TestSequenceMissingLeavesWindow: a leading missing-event stage
// discards the sequence while its event is in the window; the next
// execution's window no longer holds it, and Elasticsearch returns the
// sequence then (TumblingWindow.doCheckMissingEvents searches the
// request's window), though that window holds no new event.
func TestSequenceMissingLeavesWindow(t *testing.T) {
	rep := runSeq(t, `sequence by host.name with maxspan=5m ![file where true] [process where true] [network where true]`, "now-9m", "",
		seqEvent("f", "09:50:30", "file", "h1", nil),
		seqEvent("p", "09:52:00", "process", "h1", nil),
		seqEvent("n", "09:53:00", "network", "h1", nil),
	)
	if rep.AlertCount != 4 || rep.Sequences.Found != 1 || !rep.Alerts[0].Time.Equal(seqNow) {
		t.Fatalf("%d alerts, %+v; want one sequence (a shell and three building blocks, one for the missing event) at 10:00", rep.AlertCount, rep.Sequences)
	}
	if a := rep.Alerts[1]; a.ID != "" || a.Sequence.Index != 0 {
		t.Errorf("the missing event's building block: id %q, index %d", a.ID, a.Sequence.Index)
	}
}

// TestSequenceArrivalOrder: in arrival order an event that comes after a
// later one is late (Report.EventsLate) but still in the windows of the
// executions to come: the sequence it starts is found, in EQL's order.
func TestSequenceArrivalOrder(t *testing.T) {
	r := eqlRule(t, `sequence by host.name [process where true] [network where true]`, "")
	r.From = "now-9m"
	rep, err := replay.Run(r, replay.EventsOf(
		seqEvent("n", "09:56:00", "network", "h1", nil),
		seqEvent("x", "09:58:00", "process", "h2", nil),
		seqEvent("p", "09:55:00", "process", "h1", nil), // late
	), replay.WithAnyIndex(), replay.WithNow(seqNow), replay.WithRuleUUID(seqRuleUUID), replay.WithArrivalOrder())
	if err != nil {
		t.Fatal(err)
	}
	if s := rep.Sequences; rep.EventsLate != 1 || rep.AlertCount != 3 || s.Found != 1 || s.InStream != 1 || s.StreamSkipped != 0 {
		t.Fatalf("late %d, %d alerts, %+v; want the late event's sequence found", rep.EventsLate, rep.AlertCount, s)
	}
	if rep.Alerts[1].ID != "p" {
		t.Errorf("first building block on %s, want p", rep.Alerts[1].ID)
	}
}

// TestSequenceJSONEqualsMap: sequence and sample rules replay the same
// alerts, documents included, whether their events come decoded (Map)
// or as JSON text, which the executor holds and reads lazily, decoding
// an event only for an alert.
func TestSequenceJSONEqualsMap(t *testing.T) {
	evs := []map[string]any{
		seqEvent("e1", "09:56:00", "process", "h1", map[string]any{"process": map[string]any{"name": "a"}, "user": map[string]any{"name": "u", "id": "1"}}),
		seqEvent("e2", "09:56:10", "process", "h2", map[string]any{"user": map[string]any{"name": "v"}}),
		seqEvent("e3", "09:56:30", "network", "h1", map[string]any{"user": map[string]any{"name": "u", "id": "2"}, "tags": []any{"x", "y"}}),
		seqEvent("e4", "09:57:00", "network", "h2", map[string]any{"destination": map[string]any{"port": 53}}),
		seqEvent("e5", "09:58:00", "network", "h1", nil),
	}
	for _, query := range []string{
		`sequence by host.name with maxspan=1m [process where true] [network where true]`,
		`sequence by host.name [process where true] ![file where true] [network where true]`,
		`sequence with maxspan=5m [process where true] by user.name [network where true] by user.name`,
		`sample by host.name [process where true] [network where true]`,
	} {
		r := eqlRule(t, query, "")
		r.From = "now-9m"
		opts := []replay.RunOption{replay.WithAnyIndex(), replay.WithNow(seqNow), replay.WithRuleUUID(seqRuleUUID)}
		mapRep, err := replay.Run(r, replay.EventsOf(evs...), opts...)
		if err != nil {
			t.Fatal(err)
		}
		var want, got []string
		for _, a := range mapRep.Alerts {
			b, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, string(b))
		}
		rp, err := replay.NewReplay([]*rules.Rule{r}, append(opts, replay.WithAlertFunc(func(a *replay.Alert) error {
			b, err := json.Marshal(a)
			got = append(got, string(b))
			return err
		}))...)
		if err != nil {
			t.Fatal(err)
		}
		for i, ev := range evs {
			b, err := json.Marshal(ev)
			if err != nil {
				t.Fatal(err)
			}
			if err := rp.Add(replay.Event{JSON: b, File: "events", Line: i + 1}, []int{0}); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := rp.Finish(); err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 {
			t.Errorf("%s: no alerts: the test tests nothing", query)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("%s: -map +json:\n%s", query, d)
		}
	}
}
