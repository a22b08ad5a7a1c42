//go:build unix

package events_test

import (
	"syscall"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
)

// BenchmarkScan is the walk a rule set's worker makes of each event of the
// Beats corpus, one op an event: Reset of a Lazy that reads the stream,
// the presence scan of the paths of every compiling query of Elastic's
// rules corpus (one eval.FieldTable, as a rule set compiles them), and,
// for scan+refusal, the refusal check of the default mapping, which the
// scan notes the leaves of (eval.LeafChecker). cpu-ns/event is the
// process's CPU time (user and system) per event, which holds on a busy
// machine better than ns/op.
func BenchmarkScan(b *testing.B) {
	evs := corpus.Lines(b, "corpus/beats_events.ndjson")
	_, queries := corpusPrograms(b)
	table := eval.NewFieldTable()
	for _, q := range queries {
		x, err := kql.Parse(q)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := table.Compile(x); err != nil {
			b.Fatal(err)
		}
	}
	ref := compile(b, "source.port:*")
	bits := make([]uint64, (table.Len()+63)/64)
	for _, refusal := range []bool{false, true} {
		name := "scan"
		if refusal {
			name = "scan+refusal"
		}
		b.Run(name, func(b *testing.B) {
			var lazy events.Lazy
			b.ReportAllocs()
			n := 0
			c0 := cpuTime(b)
			for b.Loop() {
				lazy.Reset(evs[n%len(evs)])
				lazy.Present(table, bits)
				if refusal {
					ref.RejectsEvent(&lazy)
				}
				n++
			}
			b.ReportMetric(float64(cpuTime(b)-c0)/float64(n), "cpu-ns/event")
		})
	}
}

// cpuTime returns the CPU time the process has used, user and system.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
