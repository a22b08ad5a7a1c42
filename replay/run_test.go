package replay_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"iter"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

// testRule is a query rule on filebeat-* every 5m looking back 9m, as the
// FTP rule runs.
func testRule(t testing.TB, query string) *rules.Rule {
	t.Helper()
	return &rules.Rule{
		RuleID: "00000000-0000-4000-8000-000000000001", Name: "test rule", Description: "d",
		Type: rules.TypeQuery, Language: rules.LanguageKuery, Query: query,
		Index: []string{"filebeat-*", "logs-endpoint.events.*"}, Severity: "low", RiskScore: 21,
		Interval: 5 * time.Minute, From: "now-9m", MaxSignals: 100, Version: 1,
	}
}

var t0 = time.Date(2023, 1, 1, 0, 0, 0, 0, time.UTC)

// ev builds an in-scope event at t0+offset with a port and an id.
func ev(offset time.Duration, port int, id string) map[string]any {
	m := map[string]any{
		"_index":           "filebeat-8.5.0-2023.01.01",
		"@timestamp":       t0.Add(offset).Format(time.RFC3339Nano),
		"destination.port": json.Number(fmt.Sprint(port)),
	}
	if id != "" {
		m["_id"] = id
	}
	return m
}

// checkCounts checks the report's invariants.
func checkCounts(t testing.TB, r *replay.Report) {
	t.Helper()
	if r.EventsRead != r.EventsEvaluated+r.EventsRejected {
		t.Errorf("read %d != evaluated %d + rejected %d", r.EventsRead, r.EventsEvaluated, r.EventsRejected)
	}
	if r.EventsEvaluated != r.EventsNoIndex+r.EventsOtherIndex+r.EventsRefused+r.EventsNoTime+r.EventsInScope {
		t.Errorf("evaluated %d != no index %d + other index %d + refused %d + no time %d + in scope %d", r.EventsEvaluated, r.EventsNoIndex, r.EventsOtherIndex, r.EventsRefused, r.EventsNoTime, r.EventsInScope)
	}
	if r.Matches != r.AlertCount+r.AlertsLost+r.MatchesUnseen+r.DuplicateEvents {
		t.Errorf("matches %d != alerts %d + lost %d + unseen %d + duplicates %d", r.Matches, r.AlertCount, r.AlertsLost, r.MatchesUnseen, r.DuplicateEvents)
	}
	sum := 0
	for _, x := range r.Runs {
		sum += x.Alerts
	}
	if len(r.Runs) > replay.MaxRuns || r.RunsFound < len(r.Runs) || r.RunsFound < replay.MaxRuns && r.RunsFound != len(r.Runs) {
		t.Errorf("%d runs listed, %d found (at most %d listed)", len(r.Runs), r.RunsFound, replay.MaxRuns)
	}
	if r.RunsFound+r.RepeatRuns > r.Executions {
		t.Errorf("runs %d + repeats %d > executions %d", r.RunsFound, r.RepeatRuns, r.Executions)
	}
	if len(r.Runs) == r.RunsFound && sum != r.AlertCount {
		t.Errorf("executions created %d alerts, report says %d", sum, r.AlertCount)
	}
}

func run(t testing.TB, rule *rules.Rule, events []map[string]any, opts ...replay.RunOption) *replay.Report {
	t.Helper()
	rep, err := replay.Run(rule, replay.EventsOf(events...), opts...)
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, rep)
	return rep
}

func alertIDs(rep *replay.Report) []string {
	var ids []string
	for _, a := range rep.Alerts {
		ids = append(ids, a.ID)
	}
	return ids
}

func TestRunWindowEdges(t *testing.T) {
	rule := testRule(t, "destination.port:21")
	now := t0.Add(time.Hour)
	events := []map[string]any{
		ev(time.Hour-9*time.Minute-time.Millisecond, 21, "before"), // just before now-9m
		ev(time.Hour-9*time.Minute, 21, "at-from"),                 // exactly now-9m: in
		ev(time.Hour, 21, "at-now"),                                // exactly now: in
		ev(time.Hour+time.Millisecond, 21, "after"),                // after now: never searched
	}
	// one execution only: an interval longer than the span
	rule.Interval = 24 * time.Hour
	rep := run(t, rule, events, replay.WithNow(now))
	if d := cmp.Diff([]string{"at-from", "at-now"}, alertIDs(rep)); d != "" {
		t.Errorf("alerts -want +got:\n%s", d)
	}
	if rep.MatchesUnseen != 2 || rep.Executions != 1 || len(rep.Runs) != 1 {
		t.Errorf("unseen %d executions %d runs %d, want 2 1 1", rep.MatchesUnseen, rep.Executions, len(rep.Runs))
	}
	if x := rep.Runs[0]; !x.Time.Equal(now) || !x.From.Equal(now.Add(-9*time.Minute)) {
		t.Errorf("execution %v from %v", x.Time, x.From)
	}
}

func TestRunOverlapDedup(t *testing.T) {
	rule := testRule(t, "destination.port:21")
	// executions at 0, 5m, 10m, 15m (anchored at the first event); an
	// event at 3m is in the windows of 5m ([-4m,5m]) and 10m ([1m,10m]).
	events := []map[string]any{ev(0, 80, "first"), ev(3*time.Minute, 21, "a"), ev(3*time.Minute, 21, ""), ev(14*time.Minute, 80, "last")}
	rep := run(t, rule, events)
	if rep.AlertCount != 2 {
		t.Fatalf("alerts = %d, want 2 (one per event, not per execution)", rep.AlertCount)
	}
	want := []replay.Execution{
		{Time: replay.Time{Time: t0.Add(5 * time.Minute)}, From: replay.Time{Time: t0.Add(-4 * time.Minute)}, Hits: 2, Alerts: 2},
	}
	if d := cmp.Diff(want, rep.Runs); d != "" {
		t.Errorf("runs -want +got:\n%s", d)
	}
	// the execution at 10m finds the two alerted events again: a
	// repeat, counted and not run
	if rep.RepeatRuns != 1 {
		t.Errorf("repeat runs %d, want 1 (10m)", rep.RepeatRuns)
	}
	if rep.Executions != 4 || !rep.FirstExecution.Equal(t0) || !rep.LastExecution.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("executions %d from %v to %v", rep.Executions, rep.FirstExecution, rep.LastExecution)
	}
	// the same event twice (same _index and _id) gives one alert
	rep = run(t, rule, []map[string]any{ev(0, 21, "x"), ev(time.Minute, 21, "x")})
	if rep.AlertCount != 1 || rep.DuplicateEvents != 1 {
		t.Errorf("same _id twice: alerts %d duplicates %d, want 1 1", rep.AlertCount, rep.DuplicateEvents)
	}
}

func TestRunMaxSignals(t *testing.T) {
	rule := testRule(t, "destination.port:21")
	rule.Interval, rule.From = 10*time.Minute, "now-10m" // windows meet: lost alerts stay lost
	events := []map[string]any{ev(0, 80, "first")}       // the first execution, at 0, sees no match
	for i := range 130 {
		events = append(events, ev(time.Duration(i+1)*time.Second, 21, fmt.Sprint("e", i)))
	}
	// a second burst later, under the cap
	for i := range 3 {
		events = append(events, ev(time.Hour-time.Duration(3-i)*time.Second, 21, fmt.Sprint("f", i)))
	}
	rep := run(t, rule, events)
	if rep.AlertCount != 103 || rep.AlertsLost != 30 {
		t.Fatalf("alerts %d lost %d, want 103 30", rep.AlertCount, rep.AlertsLost)
	}
	want := []replay.Execution{
		{Time: replay.Time{Time: t0.Add(10 * time.Minute)}, From: replay.Time{Time: t0}, Hits: 130, Alerts: 100, Truncated: 30, Warning: replay.MaxSignalsWarning},
		{Time: replay.Time{Time: t0.Add(time.Hour)}, From: replay.Time{Time: t0.Add(50 * time.Minute)}, Hits: 3, Alerts: 3},
	}
	if d := cmp.Diff(want, rep.Runs); d != "" {
		t.Errorf("runs -want +got:\n%s", d)
	}
	if d := cmp.Diff([]string{"This rule reached the maximum alert limit for the rule execution. Some alerts were not created."}, rep.Warnings); d != "" {
		t.Error(d)
	}
	// oldest first: e0..e99 alerted, e100..e129 lost
	ids := alertIDs(rep)
	if ids[0] != "e0" || ids[99] != "e99" || ids[100] != "f0" {
		t.Errorf("alerts not oldest first: %v", ids)
	}

	// with the FTP rule's overlap (5m, now-9m) the execution at 10m
	// ([1m, 10m]) picks up what the cap left at 5m
	rule.Interval, rule.From = 5*time.Minute, "now-9m"
	rep = run(t, rule, events)
	if rep.AlertCount != 133 || rep.AlertsLost != 0 || rep.Runs[1].Alerts != 30 || rep.Runs[1].Duplicates != 41 {
		t.Errorf("overlapping: alerts %d lost %d, want 133 0; runs %+v", rep.AlertCount, rep.AlertsLost, rep.Runs)
	}
}

func TestRunTimestampOverride(t *testing.T) {
	rule := testRule(t, "destination.port:21")
	rule.TimestampOverride = "event.ingested"
	rule.Interval = 24 * time.Hour
	now := t0.Add(time.Hour)
	late := ev(0, 21, "ingested-late") // happened long ago, ingested just now
	late["event.ingested"] = now.Add(-time.Minute).Format(time.RFC3339)
	nested := ev(time.Hour-time.Minute, 21, "nested-ingested-old")
	nested["event"] = map[string]any{"ingested": t0.Format(time.RFC3339)}
	plain := ev(time.Hour-2*time.Minute, 21, "no-ingested")
	millis := ev(0, 21, "millis")
	millis["event.ingested"] = json.Number(fmt.Sprint(now.UnixMilli()))
	bad := ev(0, 21, "bad")
	bad["event.ingested"] = "yesterday"
	none := map[string]any{"_index": "filebeat-x", "destination.port": 21}
	rep := run(t, rule, []map[string]any{late, nested, plain, millis, bad, none}, replay.WithNow(now))
	// oldest first on the event time: no-ingested (0:58), ingested-late (0:59), millis (1:00)
	if d := cmp.Diff([]string{"no-ingested", "ingested-late", "millis"}, alertIDs(rep)); d != "" {
		t.Errorf("alerts -want +got:\n%s", d)
	}
	if rep.EventsNoTime != 2 || len(rep.NoTime) != 2 || !strings.Contains(rep.NoTime[0].Why, "event.ingested is not a date") {
		t.Errorf("no time %d %q", rep.EventsNoTime, rep.NoTime)
	}
	doc := rep.Alerts[1].Document()
	if doc["kibana.alert.original_time"] != "2023-01-01T00:00:00.000Z" || doc["@timestamp"] != "2023-01-01T01:00:00.000Z" {
		t.Errorf("original_time %v @timestamp %v", doc["kibana.alert.original_time"], doc["@timestamp"])
	}
}

// TestRunRefused: a document Elasticsearch would refuse at index time
// (a mapper_parsing_exception: "abc" in the long field destination.port,
// an object where the keyword network.transport is mapped) never reaches
// the index, so no execution finds it; a geo_point object is a value.
func TestRunRefused(t *testing.T) {
	rule := testRule(t, "destination.port:21 or network.transport:*")
	at := t0.Format(time.RFC3339)
	events := []map[string]any{
		{"_id": "ok", "@timestamp": at, "destination.port": 21, "source.geo.location": map[string]any{"lat": 1.5, "lon": 2.5}},
		{"_id": "port", "@timestamp": at, "destination.port": "abc", "network.transport": "tcp"},
		{"_id": "object", "@timestamp": at, "destination.port": 21, "network.transport": map[string]any{"name": "tcp"}},
	}
	rep := run(t, rule, events, replay.WithAnyIndex())
	if d := cmp.Diff([]string{"ok"}, alertIDs(rep)); d != "" {
		t.Errorf("alerts -want +got:\n%s", d)
	}
	if rep.EventsRefused != 2 || len(rep.Refused) != 2 || !strings.Contains(rep.Refused[0].Why, "destination.port") || !strings.Contains(rep.Refused[1].Why, "network.transport") {
		t.Errorf("refused %d %q", rep.EventsRefused, rep.Refused)
	}
}

func TestRunIndexPatterns(t *testing.T) {
	rule := testRule(t, "destination.port:21")
	at := t0.Format(time.RFC3339)
	mk := func(id string, kv ...any) map[string]any {
		m := map[string]any{"_id": id, "@timestamp": at, "destination.port": 21}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i].(string)] = kv[i+1]
		}
		return m
	}
	events := []map[string]any{
		mk("fb", "_index", "filebeat-8.5.0-2023.01.01"),
		mk("ds", "data_stream.type", "logs", "data_stream.dataset", "endpoint.events.network", "data_stream.namespace", "default"),
		mk("ds-nested", "data_stream", map[string]any{"type": "logs", "dataset": "endpoint.events.network", "namespace": "prod"}),
		mk("backing", "_index", ".ds-logs-endpoint.events.network-default-2023.01.01-000001"),
		mk("pb", "_index", "packetbeat-8.5.0"),
		mk("other-ds", "data_stream.type", "logs", "data_stream.dataset", "system.syslog", "data_stream.namespace", "default"),
		mk("none"),
	}
	rep := run(t, rule, events)
	if d := cmp.Diff([]string{"fb", "ds", "ds-nested", "backing"}, alertIDs(rep)); d != "" {
		t.Errorf("alerts -want +got:\n%s", d)
	}
	if rep.EventsOtherIndex != 2 || rep.EventsNoIndex != 1 {
		t.Errorf("other %d none %d", rep.EventsOtherIndex, rep.EventsNoIndex)
	}
	rep = run(t, rule, events, replay.WithAnyIndex())
	if rep.AlertCount != 5 || rep.EventsNoIndex != 0 {
		t.Errorf("any index: alerts %d no index %d", rep.AlertCount, rep.EventsNoIndex)
	}

	for _, tt := range []struct {
		patterns []string
		index    string
		want     bool
	}{
		{[]string{"logs-endpoint.events.*"}, "logs-endpoint.events.network-default", true},
		{[]string{"logs-endpoint.events.*"}, "logs-endpoint.alerts-default", false},
		{[]string{"filebeat-*"}, "filebeat-", true},
		{[]string{"filebeat-*"}, "xfilebeat-1", false},
		{[]string{"*beat-*-2023*"}, "packetbeat-8.5.0-2023.01.01", true},
		{[]string{"logs-*", "-logs-system*"}, "logs-system.syslog-default", false},
		{[]string{"logs-*", "-logs-system*"}, "logs-nginx.access-default", true},
		{[]string{"a*a"}, "a", false},
		{[]string{"exact"}, "exact", true},
		{[]string{"Filebeat-*"}, "filebeat-1", false},
	} {
		if got := replay.MatchIndex(tt.patterns, tt.index); got != tt.want {
			t.Errorf("MatchIndex(%q, %q) = %v", tt.patterns, tt.index, got)
		}
	}
}

func TestRunBadLinesCounted(t *testing.T) {
	rule := testRule(t, "destination.port:21")
	in := `{"_index":"filebeat-1","@timestamp":"2023-01-01T00:00:00Z","destination.port":21}
{"_index":"filebeat-1","@timestamp":
not json at all
{"_index":"filebeat-1","@timestamp":"2023-01-01T00:01:00Z","destination.port":"21"}
`
	rep, err := replay.Run(rule, events.Read("ev.ndjson", strings.NewReader(in)))
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, rep)
	if rep.EventsRead != 4 || rep.EventsRejected != 2 || rep.AlertCount != 2 {
		t.Errorf("read %d rejected %d alerts %d, want 4 2 2", rep.EventsRead, rep.EventsRejected, rep.AlertCount)
	}
	want := []replay.Sample{
		{File: "ev.ndjson", Line: 2, Why: "invalid JSON: unexpected end"},
		{File: "ev.ndjson", Line: 3, Why: "invalid JSON: invalid character 'o' in literal null (expecting 'u')"},
	}
	if d := cmp.Diff(want, rep.Rejected); d != "" {
		t.Errorf("rejected -want +got:\n%s", d)
	}
	// in JSON a sample is the string "file:line: why", as before it was typed
	if b, err := json.Marshal(rep.Rejected[:1]); err != nil || string(b) != `["ev.ndjson:2: invalid JSON: unexpected end"]` {
		t.Errorf("rejected in JSON: %s %v", b, err)
	}
	if got := rep.Rejected[0].String(); got != "ev.ndjson:2: invalid JSON: unexpected end" {
		t.Errorf("rejected[0].String() = %q", got)
	}
}

func TestRunOutOfOrder(t *testing.T) {
	rule := testRule(t, "destination.port:21")
	events := []map[string]any{
		ev(0, 21, "a"),
		ev(20*time.Minute, 80, "clock"),      // executions up to 15m have run
		ev(14*time.Minute, 21, "late-seen"),  // still in the 20m window [11m, 20m]
		ev(2*time.Minute, 21, "late-missed"), // no execution to come covers it
	}
	rep := run(t, rule, events, replay.WithArrivalOrder())
	if d := cmp.Diff([]string{"a", "late-seen"}, alertIDs(rep)); d != "" {
		t.Errorf("arrival order: alerts -want +got:\n%s", d)
	}
	if rep.EventsLate != 2 || rep.MatchesUnseen != 1 {
		t.Errorf("arrival order: late %d unseen %d, want 2 1", rep.EventsLate, rep.MatchesUnseen)
	}
	// in time order (Kibana's manual run over an index holding them
	// all) every event is seen, in time order
	rep = run(t, rule, events)
	if d := cmp.Diff([]string{"a", "late-missed", "late-seen"}, alertIDs(rep)); d != "" {
		t.Errorf("time order: alerts -want +got:\n%s", d)
	}
	if rep.EventsLate != 0 || rep.MatchesUnseen != 0 {
		t.Errorf("time order: late %d unseen %d, want 0 0", rep.EventsLate, rep.MatchesUnseen)
	}
}

func TestRunGaps(t *testing.T) {
	rule := testRule(t, "destination.port:21")
	rule.From = "now-1m" // windows of 1m every 5m leave gaps
	rep := run(t, rule, []map[string]any{ev(0, 21, "a"), ev(2*time.Minute, 21, "gap"), ev(5*time.Minute, 21, "b")})
	if d := cmp.Diff([]string{"a", "b"}, alertIDs(rep)); d != "" {
		t.Errorf("alerts -want +got:\n%s", d)
	}
	if rep.MatchesUnseen != 1 {
		t.Errorf("unseen %d", rep.MatchesUnseen)
	}
}

// sparse yields n matching events spread over years.
func sparse(n int, span time.Duration) iter.Seq2[events.Record, error] {
	return func(yield func(events.Record, error) bool) {
		for i := range n {
			off := time.Duration(int64(span) / int64(n) * int64(i))
			if !yield(events.Record{Fields: ev(off, 21, fmt.Sprint(i)), File: "-", Line: i + 1}, nil) {
				return
			}
		}
	}
}

func TestRunSparseYears(t *testing.T) {
	// 40 years at a 5 minute interval is 4.2 million executions; only
	// those that see an event may cost anything.
	rule := testRule(t, "destination.port:21")
	rep, err := replay.Run(rule, sparse(2000, 40*365*24*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	checkCounts(t, rep)
	if rep.AlertCount != 2000 || rep.Executions < 4_000_000 || rep.RunsFound > 4000 || len(rep.Runs) != replay.MaxRuns {
		t.Errorf("alerts %d executions %d runs %d", rep.AlertCount, rep.Executions, len(rep.Runs))
	}
}

func BenchmarkRunSparse(b *testing.B) {
	rule := testRule(b, "destination.port:21")
	for b.Loop() {
		if _, err := replay.Run(rule, sparse(10000, 30*365*24*time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(10000*b.N)/b.Elapsed().Seconds(), "events/s")
}

func BenchmarkRunDense(b *testing.B) {
	rule := builtin.FTP()
	events := make([]map[string]any, 10000)
	for i := range events {
		m := ev(time.Duration(i)*time.Second, 21, "")
		m["_index"] = "packetbeat-8.5.0"
		m["event.category"] = "network"
		m["network.transport"] = "tcp"
		m["source.ip"] = "10.0.0.1"
		m["destination.ip"] = fmt.Sprintf("8.8.%d.%d", i/256%256, i%256)
		if i%2 == 1 {
			m["destination.ip"] = "10.0.0.2"
		}
		events[i] = m
	}
	b.ResetTimer()
	for b.Loop() {
		rep, err := replay.Run(rule, replay.EventsOf(events...), replay.WithAlertFunc(func(*replay.Alert) error { return nil }))
		if err != nil || rep.Matches != 5000 {
			b.Fatal(err, rep.Matches)
		}
	}
	b.ReportMetric(float64(len(events)*b.N)/b.Elapsed().Seconds(), "events/s")
}

func TestRunVersion(t *testing.T) {
	rule := builtin.FTP()
	// an outbound connection to a private address: only versions 1 and 2
	// (network.direction: outbound) match; version 1's index takes
	// packetbeat-*, version 2's does not.
	e := map[string]any{
		"_index": "packetbeat-7.6.0-2020.03.01", "@timestamp": "2020-03-01T10:00:00Z",
		"network": map[string]any{"transport": "tcp", "direction": "outbound"},
		"source":  map[string]any{"ip": "10.1.1.1"}, "destination": map[string]any{"ip": "10.2.2.2", "port": 21},
		"event": map[string]any{"category": "network"},
	}
	for _, tt := range []struct{ version, alerts int }{{1, 1}, {2, 0}, {3, 0}, {8, 0}, {0, 0}} {
		var opts []replay.RunOption
		if tt.version != 0 {
			opts = append(opts, replay.WithVersion(tt.version))
		}
		rep := run(t, rule, []map[string]any{e}, opts...)
		if rep.AlertCount != tt.alerts {
			t.Errorf("version %d: alerts %d, want %d", tt.version, rep.AlertCount, tt.alerts)
		}
		want := tt.version
		if want == 0 {
			want = 8
		}
		if rep.Version != want {
			t.Errorf("version %d: report version %d", tt.version, rep.Version)
		}
	}
	if _, err := replay.Run(rule, replay.EventsOf(), replay.WithVersion(9)); err == nil || !strings.Contains(err.Error(), "no such version") {
		t.Errorf("version 9: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	rule := testRule(t, "a:(b or )")
	if _, err := replay.Run(rule, replay.EventsOf()); err == nil || !strings.Contains(err.Error(), "line 1, col 9") {
		t.Errorf("bad query: %v", err)
	}
	rule = testRule(t, "a:b")
	rule.Language = rules.LanguageLucene
	if _, err := replay.Run(rule, replay.EventsOf()); err == nil || !strings.Contains(err.Error(), "lucene is not supported") {
		t.Errorf("lucene: %v", err)
	}
	// an error from the alert callback stops the run
	rule = testRule(t, "destination.port:21")
	stop := fmt.Errorf("stop")
	_, err := replay.Run(rule, replay.EventsOf(ev(0, 21, "a")), replay.WithAlertFunc(func(*replay.Alert) error { return stop }))
	if err != stop {
		t.Errorf("callback error: %v", err)
	}
}

// TestAlertDocument keeps the shape of an alert stable (golden file).
func TestAlertDocument(t *testing.T) {
	rule := builtin.FTP()
	e := map[string]any{
		"_index": "packetbeat-8.5.0-2023.01.01", "_id": "abc",
		"@timestamp": "2023-01-01T00:00:00Z", "event.ingested": "2023-01-01T00:00:03.5Z",
		"event.category": []any{"network"}, "event.dataset": "network_traffic.flow",
		"network.transport": "tcp", "source.ip": "10.1.2.3", "source.port": json.Number("50123"),
		"destination.ip": "203.0.113.7", "destination.port": json.Number("21"), "host.name": "ws-1",
	}
	rep := run(t, rule, []map[string]any{e})
	if len(rep.Alerts) != 1 {
		t.Fatalf("alerts: %d", len(rep.Alerts))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(rep.Alerts[0]); err != nil {
		t.Fatal(err)
	}
	got := bytes.TrimSuffix(buf.Bytes(), []byte("\n"))
	golden := filepath.Join("testdata", "run", "alert.json.golden")
	if *update {
		if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, append(got, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if d := cmp.Diff(string(want), string(got)+"\n"); d != "" {
		t.Errorf("alert document -want +got:\n%s", d)
	}
}

func ExampleRun() {
	rule := builtin.FTP()
	input := `{"_index":"packetbeat-8.5.0","@timestamp":"2023-01-01T00:00:00Z","event.category":"network","network.transport":"tcp","source.ip":"10.0.0.5","destination.ip":"198.51.100.9","destination.port":21}
{"_index":"packetbeat-8.5.0","@timestamp":"2023-01-01T00:03:00Z","event.category":"network","network.transport":"tcp","source.ip":"10.0.0.5","destination.ip":"10.0.0.9","destination.port":21}
not json
{"_index":"packetbeat-8.5.0","@timestamp":"2023-01-01T00:07:00Z","event.category":"network","network.transport":"tcp","source.ip":"10.0.0.6","destination.ip":"2001:db8::1","destination.port":"20"}
`
	rep, err := replay.Run(rule, events.Read("events.ndjson", strings.NewReader(input)),
		replay.WithAlertFunc(func(a *replay.Alert) error {
			fmt.Println(a.Time.Format(time.TimeOnly), a.Document()["kibana.alert.reason"])
			return nil
		}))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("read %d, rejected %d, matches %d, alerts %d, executions %d\n", rep.EventsRead, rep.EventsRejected, rep.Matches, rep.AlertCount, rep.Executions)
	// Output:
	// 00:00:00 network event with source 10.0.0.5, destination 198.51.100.9:21 created low alert FTP (File Transfer Protocol) Activity to the Internet.
	// 00:10:00 network event with source 10.0.0.6, destination [2001:db8::1]:20 created low alert FTP (File Transfer Protocol) Activity to the Internet.
	// read 4, rejected 1, matches 2, alerts 2, executions 3
}

// BenchmarkRunBeatsCorpus reads and replays the shared corpus of 11,042
// real Beats events (skipped when absent): the whole pipeline, JSON
// decoding included.
func BenchmarkRunBeatsCorpus(b *testing.B) {
	data, err := os.ReadFile(corpus.Path(b, "corpus/beats_events.ndjson"))
	if err != nil {
		b.Fatal(err)
	}
	rule := builtin.FTP()
	n := 0
	for b.Loop() {
		rep, err := replay.Run(rule, events.Read("beats", bytes.NewReader(data)), replay.WithAnyIndex())
		if err != nil {
			b.Fatal(err)
		}
		n += rep.EventsRead
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "events/s")
	b.SetBytes(int64(len(data)))
}

// TestRunEventTimeAgreesWithEval: the runner reads an event's time with
// eval's date reader, so the time an alert carries is the time a date
// query sees, for every form of timestamp; a value eval cannot read is an
// event without a usable time.
func TestRunEventTimeAgreesWithEval(t *testing.T) {
	values := []string{
		`"2021"`, `"2021-03"`, `"2021-03-04"`, `"2021-03-04T05"`, `"2021-03-04T05:06"`,
		`"2021-03-04T05:06:07"`, `"2021-03-04T05:06:07.123"`, `"2021-03-04T05:06:07.123456Z"`,
		`"2021-03-04T05:06:07,5+01:00"`, `"2021-03-04T05:06-0130"`, `"2021-03-04T05:06:07Z"`,
		`1614834367123`, `"1614834367123"`, `1614834367123.7`, `2021`, `-86400000`, `"-86400000"`,
		`-1000`, `999`, `"2021-03-04 05:06:07"`, `"2021-02-30"`, `"yesterday"`, `""`, `true`, `1e300`,
	}
	for _, v := range values {
		var x any
		d := json.NewDecoder(strings.NewReader(v))
		d.UseNumber()
		if err := d.Decode(&x); err != nil {
			t.Fatal(err)
		}
		want, ok := eval.DateOf(x)
		event := map[string]any{"_index": "filebeat-1", "@timestamp": x}
		rep := run(t, testRule(t, "*"), []map[string]any{event})
		if !ok {
			if rep.EventsNoTime != 1 {
				t.Errorf("%s: eval reads no date, the runner counts %d events without time", v, rep.EventsNoTime)
			}
			continue
		}
		if len(rep.Alerts) != 1 {
			t.Errorf("%s: eval reads %v, the runner gave %d alerts", v, want, len(rep.Alerts))
			continue
		}
		if got := rep.Alerts[0].EventTime; !got.Equal(want) {
			t.Errorf("%s: the runner reads %v, eval %v", v, got, want)
		}
		q := fmt.Sprintf(`@timestamp:%d`, want.UnixMilli())
		expr, err := kql.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := eval.Compile(expr, eval.WithSchema(mapping.Schema{"@timestamp": mapping.Date}))
		if err != nil {
			t.Fatal(err)
		}
		if !p.Match(eval.Map(event)) {
			t.Errorf("%s: %s does not match the event the runner timed at %v", v, q, want)
		}
	}
}

// TestRunNoTimeWhy: an event with no value at the rule's time fields is
// listed with why, naming the fields the rule reads.
func TestRunNoTimeWhy(t *testing.T) {
	for _, c := range []struct {
		override   string
		noFallback bool
		want       string
	}{
		{"", false, "no @timestamp"},
		{"event.ingested", false, "neither event.ingested nor @timestamp"},
		{"event.ingested", true, "no event.ingested (timestamp_override_fallback_disabled)"},
	} {
		rule := testRule(t, "destination.port:21")
		rule.TimestampOverride, rule.TimestampOverrideFallbackDisabled = c.override, c.noFallback
		none := map[string]any{"_index": "filebeat-x", "destination.port": 21}
		rep := run(t, rule, []map[string]any{none, none})
		if rep.EventsNoTime != 2 || len(rep.NoTime) != 2 || rep.NoTime[0].Why != c.want || rep.NoTime[1].Why != c.want {
			t.Errorf("override %q, no fallback %v: no time %d %q, want 2 %q", c.override, c.noFallback, rep.EventsNoTime, rep.NoTime, c.want)
		}
	}
}
