package replay_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// eqlRule is an EQL event-query rule: interval 5m, look-back 5m.
func eqlRule(t *testing.T, query, extra string) *rules.Rule {
	t.Helper()
	// the extra keys go after language: the [rule] table's keys first
	r, err := rules.ParseTOML("eql.toml", []byte(ruleTOML("eql", query, "now-5m", "language = \"eql\"\n"+extra)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// eqlNow is the time of the last execution of the EQL scenarios: events
// at 09:59:00+i s fall in its window only.
var eqlNow = time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)

// at is the time of an event sec seconds after 09:59:00.
func at(sec int) string {
	return eqlNow.Add(-time.Minute + time.Duration(sec)*time.Second).Format(time.RFC3339)
}

// alertLines returns the event numbers (the field n) of the alerts.
func alertNumbers(rep *replay.Report) []int {
	var out []int
	for _, a := range rep.Alerts {
		out = append(out, int(a.Event().Fields["n"].(int)))
	}
	return out
}

// TestEQLTail: Kibana's EQL executor (x-pack/solutions/security/plugins/
// security_solution/server/lib/detection_engine/rule_types/eql/eql.ts in
// elastic/kibana) sends one _eql/search with size = max_signals and no
// result_position (build_eql_search_request.ts), so Elasticsearch's
// default, tail (EqlSearchRequest in x-pack/plugin/eql of
// elastic/elasticsearch), returns the window's LAST max_signals events,
// where a query rule alerts on its oldest hits first; and it warns when
// hits.total.value >= max_signals.
func TestEQLTail(t *testing.T) {
	var evs []map[string]any
	for i := range 5 {
		evs = append(evs, map[string]any{"@timestamp": at(i), "event": map[string]any{"category": "process"}, "process": map[string]any{"name": "a"}, "n": i})
	}
	extra := "max_signals = 3\n"
	eqlRep, err := replay.Run(eqlRule(t, `process where process.name == "a"`, extra), replay.EventsOf(evs...), replay.WithAnyIndex(), replay.WithNow(eqlNow))
	if err != nil {
		t.Fatal(err)
	}
	if got := alertNumbers(eqlRep); !slices.Equal(got, []int{2, 3, 4}) {
		t.Errorf("EQL alerts on %v, want the last three [2 3 4]", got)
	}
	if eqlRep.AlertsLost != 2 || !slices.Equal(eqlRep.Warnings, []string{replay.MaxSignalsWarning}) {
		t.Errorf("lost %d, warnings %q; want 2 and the max signals warning", eqlRep.AlertsLost, eqlRep.Warnings)
	}
	if eqlRep.Type != "eql" || eqlRep.Language != "eql" {
		t.Errorf("type %q language %q", eqlRep.Type, eqlRep.Language)
	}
	if id := eqlRep.Alerts[0].Document()["kibana.alert.rule.rule_type_id"]; id != "siem.eqlRule" {
		t.Errorf("rule_type_id %v", id)
	}
	// the same rule as KQL: the oldest three
	kql, err := rules.ParseTOML("q.toml", []byte(ruleTOML("query", `process.name:a`, "now-5m", extra)))
	if err != nil {
		t.Fatal(err)
	}
	qRep, err := replay.Run(kql, replay.EventsOf(evs...), replay.WithAnyIndex(), replay.WithNow(eqlNow))
	if err != nil {
		t.Fatal(err)
	}
	if got := alertNumbers(qRep); !slices.Equal(got, []int{0, 1, 2}) {
		t.Errorf("KQL alerts on %v, want the first three", got)
	}
	// exactly max_signals events: no event left out, still the warning
	exact, err := replay.Run(eqlRule(t, `process where process.name == "a"`, extra), replay.EventsOf(evs[:3]...), replay.WithAnyIndex(), replay.WithNow(eqlNow))
	if err != nil {
		t.Fatal(err)
	}
	if exact.AlertCount != 3 || len(exact.Warnings) != 1 {
		t.Errorf("3 events: %d alerts, warnings %q; want 3 and the warning", exact.AlertCount, exact.Warnings)
	}
}

// TestEQLSettings: the window is on timestamp_override (with its fallback),
// the order on timestamp_field, ties on tiebreaker_field; the category on
// event_category_override (build_eql_search_request.ts:
// event_category_field, timestamp_field, tiebreaker_field); the rule's
// filters are the request's filter.
func TestEQLSettings(t *testing.T) {
	ev := func(n int, ingested, ts string, seq int) map[string]any {
		return map[string]any{"@timestamp": ts, "event": map[string]any{"ingested": ingested, "category": "process"}, "seq": seq, "n": n, "my": map[string]any{"cat": "process"}}
	}
	for _, c := range []struct {
		name, extra string
		evs         []map[string]any
		want        []int
	}{
		// in the window by event.ingested; EQL's order is @timestamp: n=0 is last
		{"timestamp_field", "max_signals = 1\ntimestamp_override = \"event.ingested\"\n",
			[]map[string]any{ev(0, at(1), at(9), 0), ev(1, at(2), at(3), 0)}, []int{0}},
		// ordered by its own timestamp_field: seq
		{"own timestamp_field", "max_signals = 1\ntimestamp_field = \"event.ingested\"\n",
			[]map[string]any{ev(0, at(9), at(1), 0), ev(1, at(2), at(3), 0)}, []int{0}},
		// the same time: the tiebreaker decides, whatever the order given
		{"tiebreaker", "max_signals = 1\ntiebreaker_field = \"seq\"\n",
			[]map[string]any{ev(0, at(1), at(5), 7), ev(1, at(1), at(5), 3)}, []int{0}},
		// the same time, no tiebreaker: the last indexed
		{"no tiebreaker", "max_signals = 1\n",
			[]map[string]any{ev(0, at(1), at(5), 7), ev(1, at(1), at(5), 3)}, []int{1}},
	} {
		rep, err := replay.Run(eqlRule(t, `process where true`, c.extra), replay.EventsOf(c.evs...), replay.WithAnyIndex(), replay.WithNow(eqlNow))
		if err != nil {
			t.Fatal(err)
		}
		if got := alertNumbers(rep); !slices.Equal(got, c.want) {
			t.Errorf("%s: alerts on %v, want %v", c.name, got, c.want)
		}
	}

	// event_category_override: the category is my.cat, not event.category
	other := map[string]any{"@timestamp": at(1), "event": map[string]any{"category": "process"}, "n": 0}
	mine := map[string]any{"@timestamp": at(2), "my": map[string]any{"cat": "process"}, "n": 1}
	rep, err := replay.Run(eqlRule(t, `process where true`, "event_category_override = \"my.cat\"\n"), replay.EventsOf(other, mine), replay.WithAnyIndex(), replay.WithNow(eqlNow))
	if err != nil {
		t.Fatal(err)
	}
	if got := alertNumbers(rep); !slices.Equal(got, []int{1}) {
		t.Errorf("event_category_override: alerts on %v, want [1]", got)
	}

	// filters: the request's filter
	r := eqlRule(t, `process where true`, `[[rule.filters]]
[rule.filters.query.match_phrase]
"user.name" = "x"
`)
	x := map[string]any{"@timestamp": at(1), "event": map[string]any{"category": "process"}, "user": map[string]any{"name": "x"}, "n": 0}
	y := map[string]any{"@timestamp": at(2), "event": map[string]any{"category": "process"}, "user": map[string]any{"name": "y"}, "n": 1}
	rep, err = replay.Run(r, replay.EventsOf(x, y), replay.WithAnyIndex(), replay.WithNow(eqlNow))
	if err != nil {
		t.Fatal(err)
	}
	if got := alertNumbers(rep); !slices.Equal(got, []int{0}) {
		t.Errorf("filters: alerts on %v, want [0]", got)
	}
}

// TestEQLSuppression: alert suppression on a non-sequence EQL rule
// (eql.ts: bulkCreateSuppressedAlertsInMemory over the returned events)
// folds the events of a group into one alert.
func TestEQLSuppression(t *testing.T) {
	var evs []map[string]any
	for i := range 3 {
		evs = append(evs, map[string]any{"@timestamp": at(i), "event": map[string]any{"category": "process"}, "host": map[string]any{"name": "h"}, "n": i})
	}
	r := eqlRule(t, `process where true`, "[rule.alert_suppression]\ngroup_by = [\"host.name\"]\n")
	rep, err := replay.Run(r, replay.EventsOf(evs...), replay.WithAnyIndex(), replay.WithNow(eqlNow))
	if err != nil {
		t.Fatal(err)
	}
	if rep.AlertCount != 1 || rep.Alerts[0].Suppression == nil || rep.Alerts[0].Suppression.DocsCount != 2 {
		t.Fatalf("%d alerts, want one with docs_count 2: %+v", rep.AlertCount, rep.Suppression)
	}
}

// TestEQLReplayable: event queries, with or without pipes (TestEQLPipes),
// sequences and samples (sequence.go) are all replayed.
func TestEQLReplayable(t *testing.T) {
	for q, why := range map[string]string{
		`sequence [process where true] [network where true]`:          "",
		`sample by host.id [process where true] [network where true]`: "",
		`process where true | head 3`:                                 "",
		`process where process.name == "a"`:                           "",
	} {
		r := eqlRule(t, q, "")
		if ok, got := replay.Replayable(r); ok != (why == "") || got != why {
			t.Errorf("%s: Replayable %v %q, want %q", q, ok, got, why)
		}
		if _, err := replay.Run(r, replay.EventsOf()); (err == nil) != (why == "") || (err != nil && !errors.Is(err, replay.ErrUnsupported)) {
			t.Errorf("%s: Run: %v", q, err)
		}
	}
}

// TestEQLPipes: an event query with pipes runs as
// LogicalPlanBuilder.visitStatement (x-pack/plugin/eql of
// elastic/elasticsearch) plans it: size (max_signals) events from the end
// the first pipe names, then each pipe's head or tail in turn; the
// execution alerts on the events the search returns, the same ones
// eql.Search returns for that request.
func TestEQLPipes(t *testing.T) {
	var evs []map[string]any
	var docs []eql.Doc
	for i := range 5 {
		ev := map[string]any{"@timestamp": at(i), "event": map[string]any{"category": "process"}, "process": map[string]any{"name": "a"}, "n": i}
		evs = append(evs, ev)
		docs = append(docs, eql.Doc{ID: strconv.Itoa(i), Source: ev})
	}
	for q, want := range map[string][]int{
		`process where process.name == "a" | head 2`:          {0, 1},
		`process where process.name == "a" | tail 2`:          {3, 4},
		`process where process.name == "a" | head 4 | tail 1`: {2},
		`process where process.name == "a" | tail 9 | head 1`: {2},
		`process where process.name == "a"`:                   {2, 3, 4},
	} {
		r := eqlRule(t, q, "max_signals = 3\n")
		if ok, why := replay.Replayable(r); !ok {
			t.Errorf("%s: not replayable: %s", q, why)
			continue
		}
		rep, err := replay.Run(r, replay.EventsOf(evs...), replay.WithAnyIndex(), replay.WithNow(eqlNow))
		if err != nil {
			t.Fatal(err)
		}
		got := alertNumbers(rep)
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("%s: alerts on %v, want %v", q, got, want)
		}
		resp, err := eql.Search(eql.Request{Query: q, Size: 3}, nil, docs)
		if err != nil {
			t.Fatal(err)
		}
		var search []int
		for _, h := range resp.Hits.Events {
			n, _ := strconv.Atoi(h.ID)
			search = append(search, n)
		}
		slices.Sort(search)
		if !slices.Equal(search, want) {
			t.Errorf("%s: eql.Search returns %v, the replay alerts on %v", q, search, got)
		}
	}
}

// TestEQLOrderFromJSON: an EQL rule's events read from JSON text (the
// lazy path, as run --rules reads them) are put in EQL's order by their
// timestamp_field and tiebreaker_field, as with decoded events, before
// the cut to the window's last max_signals (Elasticsearch's tail,
// EqlSearchRequest in x-pack/plugin/eql of elastic/elasticsearch, sorted
// on timestamp then tiebreaker). The replay's own time is event.ingested
// (timestamp_override), in arrival order; @timestamp is not.
func TestEQLOrderFromJSON(t *testing.T) {
	r := eqlRule(t, `process where true`, "max_signals = 2\ntimestamp_override = \"event.ingested\"\ntiebreaker_field = \"seq\"\n")
	// n: @timestamp second, seq. EQL's order: 4 (1s), 1 (3s), 3 (7s, seq
	// 2), 2 (7s, seq 5), 0 (9s): the last two are 2 and 0; arrival order
	// would keep 3 and 4.
	stamps := []struct{ sec, seq int }{{9, 0}, {3, 1}, {7, 5}, {7, 2}, {1, 0}}
	var got []string
	rp, err := replay.NewReplay([]*rules.Rule{r}, replay.WithAnyIndex(), replay.WithNow(eqlNow),
		replay.WithAlertFunc(func(a *replay.Alert) error {
			got = append(got, fmt.Sprint(a.Event().Fields["n"]))
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	for n, s := range stamps {
		line := fmt.Appendf(nil, `{"@timestamp":%q,"event":{"category":"process","ingested":%q},"seq":%d,"n":%d}`, at(s.sec), at(10+n), s.seq, n)
		if err := rp.Add(replay.Event{JSON: line, File: "events.ndjson", Line: n + 1}, []int{0}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rp.Finish(); err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if !slices.Equal(got, []string{"0", "2"}) {
		t.Errorf("alerts on %v, want the last two in EQL's order [0 2]", got)
	}
}
