package replay_test

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/proptest"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// Elasticsearch's date range in epoch milliseconds: a date field stores
// Long.MIN_VALUE to Long.MAX_VALUE ms (elastic/elasticsearch
// server/src/main/java/org/elasticsearch/index/mapper/DateFieldMapper.java,
// Resolution.MILLISECONDS clamps to that range).
const (
	year1ms = -62135596800000 // 0001-01-01T00:00:00Z
)

// timedEvents returns port-21 events at the given epoch milliseconds,
// written as JSON numbers, with an _id each.
func timedEvents(ms []int64) []map[string]any {
	out := make([]map[string]any, len(ms))
	for i, t := range ms {
		out[i] = map[string]any{
			"_index":           "filebeat-8.5.0",
			"@timestamp":       json.Number(strconv.FormatInt(t, 10)),
			"destination.port": json.Number("21"),
			"_id":              fmt.Sprint(i),
		}
	}
	return out
}

// runDeadline runs rule over events and fails t when the run takes longer
// than a few seconds (it used to spin forever), or its counts do not add
// up, or its report does not write as JSON.
func runDeadline(t *testing.T, rule *rules.Rule, evs []map[string]any, opts ...replay.RunOption) *replay.Report {
	t.Helper()
	done := make(chan *replay.Report, 1)
	go func() {
		rep, err := replay.Run(rule, replay.EventsOf(evs...), opts...)
		if err != nil {
			t.Error(err)
		}
		done <- rep
	}()
	var rep *replay.Report
	select {
	case rep = <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the replay of %d events did not end", len(evs))
	}
	if rep == nil {
		t.FailNow()
	}
	checkCounts(t, rep)
	if _, err := json.Marshal(rep); err != nil {
		t.Errorf("report JSON: %v", err)
	}
	return rep
}

// TestExtremeTimes: Elasticsearch's largest and smallest dates and the year
// 1 after a normal event neither hang the schedule (its alignment
// overflowed) nor break the report's counts.
func TestExtremeTimes(t *testing.T) {
	normal := t0.UnixMilli()
	for _, tc := range []struct {
		name string
		ms   []int64
		// alerts in time order and in arrival order: the largest
		// date has no execution at or after it, and in arrival order
		// an event after it is late for every execution
		alerts, arrival int
	}{
		{"largest after normal", []int64{normal, math.MaxInt64}, 1, 1},
		{"normal, largest, year 1", []int64{normal, math.MaxInt64, year1ms}, 2, 1},
		{"smallest after normal", []int64{normal, math.MinInt64}, 2, 1},
		{"largest first", []int64{math.MaxInt64, normal}, 1, 0},
		{"smallest then largest", []int64{math.MinInt64, math.MaxInt64}, 1, 1},
		{"year 1 then normal", []int64{year1ms, normal}, 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			// intervals up to the look-back (9m): no gap between windows
			for _, iv := range []time.Duration{time.Millisecond, time.Second, 5 * time.Minute, 9 * time.Minute} {
				rule := testRule(t, "destination.port:21")
				rule.Interval = iv
				rep := runDeadline(t, rule, timedEvents(tc.ms))
				if rep.Matches != len(tc.ms) || rep.AlertCount != tc.alerts {
					t.Errorf("interval %v: matches %d alerts %d, want %d %d", iv, rep.Matches, rep.AlertCount, len(tc.ms), tc.alerts)
				}
				rep = runDeadline(t, rule, timedEvents(tc.ms), replay.WithArrivalOrder())
				if rep.Matches != len(tc.ms) || rep.AlertCount != tc.arrival {
					t.Errorf("interval %v, arrival order: matches %d alerts %d, want %d %d", iv, rep.Matches, rep.AlertCount, len(tc.ms), tc.arrival)
				}
			}
		})
	}
}

// TestLongLookBack: a look-back of 100 years and an interval of a second
// over two events 100 years apart is 3 billion executions; the replay runs
// the two that find a new event, whatever the ratio.
func TestLongLookBack(t *testing.T) {
	rule := testRule(t, "destination.port:21")
	rule.Interval, rule.From = time.Second, "now-36500d"
	a := t0.UnixMilli()
	b := t0.AddDate(100, 0, 0).UnixMilli()
	rep := runDeadline(t, rule, timedEvents([]int64{a, b}))
	if rep.AlertCount != 2 || rep.RunsFound != 2 || rep.Executions < 3_000_000_000 {
		t.Errorf("alerts %d runs %d executions %d", rep.AlertCount, rep.RunsFound, rep.Executions)
	}
	// every execution in the 100 years sees the first event
	if want := 36500 * 24 * 3600; rep.RepeatRuns < want-2 || rep.RepeatRuns > want {
		t.Errorf("repeat runs %d, want about %d", rep.RepeatRuns, want)
	}
}

// TestAdversarialTimes is a property over event times mixing Elasticsearch's
// extremes with close and far times in any order, any interval and look-back
// and a small max_signals: the replay ends, its counts add up, the report
// writes as JSON, and the executions it runs are bounded by the events (each
// run takes in a new event or alerts on one left out), not by the
// look-back/interval ratio.
func TestAdversarialTimes(t *testing.T) {
	seed := proptest.Seed(t, "./replay")
	p := gopter.DefaultTestParametersWithSeed(seed)
	p.MinSuccessfulTests = 300
	normal := t0.UnixMilli()
	genTime := gen.OneGenOf(
		gen.OneConstOf(int64(math.MaxInt64), int64(math.MinInt64), int64(year1ms), int64(0), int64(math.MaxInt64-1), int64(253402300799999)),
		gen.Int64Range(normal-3600_000, normal+3600_000),
		gen.Int64Range(normal-int64(200*365*24*time.Hour/time.Millisecond), normal+int64(200*365*24*time.Hour/time.Millisecond)),
		gen.Int64(),
	)
	props := gopter.NewProperties(p)
	props.Property("ends, adds up, bounded runs", prop.ForAll(
		func(ms []int64, iv time.Duration, from string, maxSignals int) string {
			rule := testRule(t, "destination.port:21")
			rule.Interval, rule.From, rule.MaxSignals = iv, from, maxSignals
			rep := runDeadline(t, rule, timedEvents(ms))
			if rep.RunsFound > 2*rep.Matches {
				return fmt.Sprintf("%d runs for %d matches", rep.RunsFound, rep.Matches)
			}
			if rep.EventsInScope+rep.EventsNoTime != len(ms) {
				return fmt.Sprintf("%d in scope and %d without a time of %d", rep.EventsInScope, rep.EventsNoTime, len(ms))
			}
			// time order: any order of the events gives the same
			// alerts, spilled to disk or not
			rev := append([]int64(nil), ms...)
			slices.Reverse(rev)
			back := runDeadline(t, rule, timedEvents(rev), replay.WithSortMemory(1))
			if back.AlertCount != rep.AlertCount || back.Matches != rep.Matches || back.MatchesUnseen != rep.MatchesUnseen {
				return fmt.Sprintf("reversed: %d alerts %d unseen, forward %d %d", back.AlertCount, back.MatchesUnseen, rep.AlertCount, rep.MatchesUnseen)
			}
			arr := runDeadline(t, rule, timedEvents(ms), replay.WithArrivalOrder())
			if arr.RunsFound > 2*arr.Matches {
				return fmt.Sprintf("arrival order: %d runs for %d matches", arr.RunsFound, arr.Matches)
			}
			return ""
		},
		gen.SliceOfN(6, genTime),
		gen.OneConstOf(time.Millisecond, time.Second, time.Minute, 5*time.Minute, 24*time.Hour),
		gen.OneConstOf("now-1s", "now-9m", "now-30d", "now-36500d"),
		gen.IntRange(1, 3),
	))
	if !props.Run(gopter.NewFormatedReporter(false, 100, os.Stdout)) {
		t.Errorf("property failed (seed %d)", seed)
	}
}

// TestNewTermsHistoryGap: a term seen again after a gap longer than the
// history window less the look-back becomes new when its earlier
// occurrence leaves the history window, while the later event is still in
// the look-back: the replay runs that execution though no event came in.
func TestNewTermsHistoryGap(t *testing.T) {
	r, err := rules.ParseTOML("gap.toml", []byte(ruleTOML("new_terms", "event.category:process", "now-6m", `
[rule.new_terms]
field = "new_terms_fields"
value = ["host.name"]
[[rule.new_terms.history_window_start]]
field = "history_window_start"
value = "now-10m"
`)))
	if err != nil {
		t.Fatal(err)
	}
	r.Interval = time.Minute
	at := func(min int) events.Record {
		return events.Record{Fields: map[string]any{
			"@timestamp": t0.Add(time.Duration(min) * time.Minute).Format(time.RFC3339), "_index": "logs-x",
			"event.category": "process", "host.name": "h1", "_id": fmt.Sprint(min),
		}, File: "-", Line: min + 1}
	}
	var alerts []time.Time
	rep, err := replay.Run(r, func(yield func(events.Record, error) bool) {
		_ = yield(at(0), nil) && yield(at(8), nil) && yield(at(20), nil)
	}, replay.WithAlertFunc(func(a *replay.Alert) error {
		alerts = append(alerts, a.Time)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	// h1 at 0 is new at 0; at 8 it is known (0 is in the history) until
	// the execution at 11, whose history starts after 0 and whose window
	// [5, 11] holds 8; at 20 it is new again (8 left the history at 19).
	want := []time.Time{t0, t0.Add(11 * time.Minute), t0.Add(20 * time.Minute)}
	if fmt.Sprint(alerts) != fmt.Sprint(want) {
		t.Errorf("alerts at %v, want %v (report %+v %+v)", alerts, want, rep.NewTerms, rep.Runs)
	}
}
