//go:build unix

package ruleset_test

import (
	"bytes"
	"os"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
)

// BenchmarkWorker is what one of Set.Replay's workers does for each event
// of the Beats corpus, with every rule of Elastic's tree that loads: one
// lazy event read with Reset, the set's match (match), then also the
// check of whether the mapping refuses the event (match+refusal, as
// replay.Facts makes it), per event. The time-order replay, reading and
// validation are apart (BenchmarkPipeline has them). cpu-ns/event is the
// process's CPU time (user and system, the garbage collector's too) per
// event, which holds on a busy machine better than ns/op.
func BenchmarkWorker(b *testing.B) {
	set := treeSet(b)
	data, err := os.ReadFile(corpus.Path(b, "corpus/beats_events.ndjson"))
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	ref := set.Program(0) // the mapping every program of the tree has
	for _, refusal := range []bool{false, true} {
		name := "match"
		if refusal {
			name = "match+refusal"
		}
		b.Run(name, func(b *testing.B) {
			var lazy events.Lazy
			var dst []int
			b.ReportAllocs()
			n := 0
			c0 := cpuTime(b)
			for b.Loop() {
				lazy.Reset(lines[n%len(lines)])
				dst = set.Match(&lazy, dst[:0])
				if refusal {
					ref.RejectsEvent(&lazy)
				}
				n++
			}
			b.ReportMetric(float64(cpuTime(b)-c0)/float64(n), "cpu-ns/event")
		})
	}
}
