package replay_test

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// TestClassCounts: in time order the event counts of a report (out of
// scope, without an index, without a usable time, refused by the mapping,
// in scope, and their samples) are summed by the events' index and
// timestamp field rather than per group of rules; over sorted events they
// are arrival order's, which counts them group by group, for rules of
// several index patterns and timestamp fields, over more distinct indexes
// than time order holds at once.
func TestClassCounts(t *testing.T) {
	rule := func(id string, index []string, override string, noFallback bool) *rules.Rule {
		r := testRule(t, "host.name:*")
		r.RuleID, r.Name, r.Index = id, id, index
		r.TimestampOverride, r.TimestampOverrideFallbackDisabled = override, noFallback
		return r
	}
	rs := []*rules.Rule{
		rule("a", []string{"logs-a*"}, "", false),
		rule("b", []string{"logs-*", "-logs-a*"}, "event.ingested", false),
		rule("c", []string{"logs-*"}, "event.ingested", true),
		rule("d", []string{"other-*"}, "", false),
		rule("e", []string{"logs-a*"}, "", false), // a's group
	}
	var evs []map[string]any
	for i := range 3000 {
		ts := t0.Add(time.Duration(i) * time.Second)
		m := map[string]any{"host.name": "h", "@timestamp": ts.Format(time.RFC3339)}
		switch i % 7 {
		case 0:
			m["_index"] = fmt.Sprintf("logs-a-%d", i%400)
		case 1:
			m["_index"] = fmt.Sprintf("logs-b-%d", i%400)
			m["event.ingested"] = ts.Add(time.Second).Format(time.RFC3339)
		case 2:
			m["_index"] = fmt.Sprintf("other-%d", i%50)
			if i%2 == 0 {
				delete(m, "@timestamp")
			}
		case 3: // no index
		case 4:
			m["_index"] = "logs-a-1"
			delete(m, "@timestamp")
		case 5:
			m["_index"] = "logs-b-1"
			m["event.ingested"] = "not a date"
		case 6:
			m["_index"] = fmt.Sprintf("logs-c-%d", i%3)
			m["destination.port"] = "not a port" // the mapping refuses it
		}
		evs = append(evs, m)
	}
	replayAll := func(opts ...replay.RunOption) []*replay.Report {
		rp, err := replay.NewReplay(rs, opts...)
		if err != nil {
			t.Fatal(err)
		}
		for i, m := range evs {
			if err := rp.Add(replay.Event{Map: m, File: "x", Line: i + 1}, []int{0, 1, 2, 3, 4}); err != nil {
				t.Fatal(err)
			}
		}
		reps, err := rp.Finish()
		if err != nil {
			t.Fatal(err)
		}
		return reps
	}
	timed, arrived := replayAll(), replayAll(replay.WithArrivalOrder())
	counts := func(r *replay.Report) []any {
		return []any{r.EventsEvaluated, r.EventsNoIndex, r.EventsOtherIndex, r.EventsNoTime, r.EventsRefused, r.EventsInScope,
			r.NoTime, r.Refused, r.Matches, r.AlertCount, r.FirstExecution, r.LastExecution, r.Executions}
	}
	for i, r := range rs {
		got, want := counts(timed[i]), counts(arrived[i])
		if !reflect.DeepEqual(got, want) {
			t.Errorf("rule %s: time order counts\n%v\narrival order's\n%v", r.RuleID, got, want)
		}
		if timed[i].EventsInScope == 0 || (timed[i].EventsNoTime == 0 && timed[i].EventsRefused == 0) || timed[i].EventsEvaluated != len(evs) {
			t.Errorf("rule %s: %v: the events do not test every count", r.RuleID, got)
		}
	}
	// the refused events (logs-c-*, three indexes each met many times)
	// are refused for the rule whose scope holds them with a time (c has
	// none: no event.ingested)
	refused := 0
	for i := range evs {
		if i%7 == 6 {
			refused++
		}
	}
	for i, want := range []int{0, refused, 0, 0, 0} {
		if got := timed[i].EventsRefused; got != want {
			t.Errorf("rule %s: %d events refused, want %d", rs[i].RuleID, got, want)
		}
	}
}
