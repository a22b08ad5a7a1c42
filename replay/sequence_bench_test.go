package replay_test

import (
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// BenchmarkSequenceRuleVsEventRule replays, over the Beats corpus ×10
// (110,420 events, decoded once in memory), an EQL rule with a two-stage
// sequence joined by source.ip with maxspan and the EQL rule of its first
// stage alone, and reports the sequence rule's cost as a ratio of the
// event rule's in the same run (issue 19 asks for at most 2):
//
//	go test -run '^$' -bench SequenceRuleVsEventRule -benchtime 3x ./replay
func BenchmarkSequenceRuleVsEventRule(b *testing.B) {
	var one []events.Record
	for rec, err := range events.ReadFiles([]string{corpus.Path(b, "corpus/beats_events.ndjson")}, nil) {
		if err != nil {
			b.Fatal(err)
		}
		one = append(one, rec)
	}
	var recs []events.Record
	for range 10 {
		recs = append(recs, one...)
	}
	t := &testing.T{}
	event := eqlRule(t, `network where true`, "")
	seq := eqlRule(t, `sequence by source.ip with maxspan=5m [network where true] [network where destination.port == 53]`, "")
	run := func(r *rules.Rule) (*replay.Report, time.Duration) {
		start := time.Now()
		rep, err := replay.Run(r, func(yield func(events.Record, error) bool) {
			for _, rec := range recs {
				if !yield(rec, nil) {
					return
				}
			}
		}, replay.WithAnyIndex(), replay.WithAlertFunc(func(*replay.Alert) error { return nil }))
		if err != nil {
			b.Fatal(err)
		}
		return rep, time.Since(start)
	}
	var tEvent, tSeq time.Duration
	var rep *replay.Report
	for b.Loop() {
		_, d := run(event)
		tEvent += d
		rep, d = run(seq)
		tSeq += d
	}
	b.ReportMetric(float64(tSeq)/float64(tEvent), "seq/event")
	b.ReportMetric(float64(tEvent.Milliseconds())/float64(b.N), "event-ms/op")
	b.ReportMetric(float64(tSeq.Milliseconds())/float64(b.N), "seq-ms/op")
	b.ReportMetric(float64(rep.Sequences.Found), "sequences")
	b.ReportMetric(float64(rep.Matches), "matches")
}

// BenchmarkSequenceRuleVsEventRuleJSON is BenchmarkSequenceRuleVsEventRule
// over the events' JSON text, as run --rules gives them to the replay
// (lazy events; each rule's query matched beforehand, outside the
// timing), one sub-benchmark a rule so that each reports its own
// allocations:
//
//	go test -run '^$' -bench SequenceRuleVsEventRuleJSON -benchtime 3x -benchmem ./replay
func BenchmarkSequenceRuleVsEventRuleJSON(b *testing.B) {
	var one [][]byte
	for raw, err := range events.ReadRawFiles([]string{corpus.Path(b, "corpus/beats_events.ndjson")}, nil) {
		if err != nil {
			b.Fatal(err)
		}
		one = append(one, append([]byte(nil), raw.JSON...))
	}
	var lines [][]byte
	for range 10 {
		lines = append(lines, one...)
	}
	t := &testing.T{}
	for _, c := range []struct{ name, query string }{
		{"event", `network where true`},
		{"sequence", `sequence by source.ip with maxspan=5m [network where true] [network where destination.port == 53]`},
	} {
		r := eqlRule(t, c.query, "")
		prep, err := replay.Prepare(r)
		if err != nil {
			b.Fatal(err)
		}
		prog := prep.Program()
		matched := make([]bool, len(lines))
		var lazy events.Lazy
		for i, l := range lines {
			lazy.Reset(l)
			matched[i] = prog.MatchEvent(&lazy)
		}
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			var rep *replay.Report
			for b.Loop() {
				rp, err := replay.NewReplay([]*rules.Rule{r}, replay.WithAnyIndex(), replay.WithAlertFunc(func(*replay.Alert) error { return nil }))
				if err != nil {
					b.Fatal(err)
				}
				var m []int
				for i, l := range lines {
					m = m[:0]
					if matched[i] {
						m = append(m, 0)
					}
					if err := rp.Add(replay.Event{JSON: l, File: "x.ndjson", Line: i + 1}, m); err != nil {
						b.Fatal(err)
					}
				}
				reps, err := rp.Finish()
				if err != nil {
					b.Fatal(err)
				}
				rep = reps[0]
			}
			b.ReportMetric(float64(rep.Matches), "matches")
			b.ReportMetric(float64(rep.AlertCount), "alerts")
		})
	}
}
