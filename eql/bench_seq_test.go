package eql_test

import (
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
)

// BenchmarkSequenceVsEvent runs, over the Beats corpus ×10 (110,420
// events, built in memory), a two-stage sequence joined by source.ip
// with maxspan and the event query of its first stage, both through
// eql.Search (dynamic mapping pass, matching pass, ordering, size), and
// reports the sequence's cost as a ratio of the event query's in the same
// run (the issue asks for at most 2):
//
//	go test -run '^$' -bench SequenceVsEvent -benchtime 5x ./eql
func BenchmarkSequenceVsEvent(b *testing.B) {
	var one []eql.Doc
	for rec, err := range events.ReadFiles([]string{corpus.Path(b, "corpus/beats_events.ndjson")}, nil) {
		if err != nil {
			b.Fatal(err)
		}
		one = append(one, eql.Doc{Index: "beats", Source: rec.Fields})
	}
	var docs []eql.Doc
	for range 10 {
		docs = append(docs, one...)
	}
	event := eql.Request{Query: `network where event.outcome == "success"`, Size: 10}
	seq := eql.Request{Query: `sequence by source.ip with maxspan=5m
  [network where event.outcome == "success"]
  [any where event.category != "network"]`, Size: 10}
	var tEvent, tSeq time.Duration
	var nSeq int
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := eql.Search(event, nil, docs); err != nil {
			b.Fatal(err)
		}
		mid := time.Now()
		resp, err := eql.Search(seq, nil, docs)
		if err != nil {
			b.Fatal(err)
		}
		tEvent += mid.Sub(start)
		tSeq += time.Since(mid)
		nSeq = resp.Hits.Total.Value
	}
	b.ReportMetric(float64(tSeq)/float64(tEvent), "seq/event")
	b.ReportMetric(float64(tEvent.Milliseconds())/float64(b.N), "event-ms/op")
	b.ReportMetric(float64(tSeq.Milliseconds())/float64(b.N), "seq-ms/op")
	b.ReportMetric(float64(nSeq), "sequences")
}
