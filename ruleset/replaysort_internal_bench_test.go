//go:build unix

package ruleset

import (
	"bytes"
	"os"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/replay"
)

// BenchmarkReplaySorted is the time-order replay alone of "kqlrules run
// --rules" over Elastic's tree and the Beats corpus ten times (events
// matched and their facts read once, before): AddFacts for every event,
// the sort spilled beyond 16 MiB, Finish. "text" keeps every event's
// text, as a replay that saves a state does; "facts" is a replay
// WithoutState, which keeps an event only threshold rules take as their
// facts. Each iteration replays both, one after the other, and reports
// the CPU time (user and system, of every goroutine: the garbage
// collector's too) of each.
func BenchmarkReplaySorted(b *testing.B) {
	files, err := Load(corpus.Path(b, "detection-rules"))
	if err != nil {
		b.Fatal(err)
	}
	set, err := FromFiles(files)
	if err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(corpus.Path(b, "corpus/beats_events.ndjson"))
	if err != nil {
		b.Fatal(err)
	}
	data = bytes.Repeat(data, 10)
	alerts := 0
	opts := []replay.RunOption{replay.WithAnyIndex(), replay.WithTempDir(b.TempDir()), replay.WithAlertFunc(func(*replay.Alert) error {
		alerts++
		return nil
	})}
	rp, err := replay.NewReplayPrepared(set.rules, set.preps, opts...)
	if err != nil {
		b.Fatal(err)
	}
	type matched struct {
		raw   events.Raw
		facts replay.Facts
		rules []int
	}
	var evs []matched
	var lazy events.Lazy
	for raw, err := range events.ReadRaw("x3.ndjson", bytes.NewReader(data)) {
		if err != nil {
			b.Fatal(err)
		}
		lazy.Reset(raw.JSON)
		var e eval.Event = &lazy
		raw.JSON = bytes.Clone(raw.JSON) // ReadRaw reuses its buffer
		m := matched{raw: raw, rules: set.Match(e, nil)}
		rp.Facts(e, &m.facts)
		evs = append(evs, m)
	}
	variants := []struct {
		name string
		opts []replay.RunOption
		cpu  time.Duration
		n    int // alerts
	}{{"text", opts, 0, 0}, {"facts", append(opts[:len(opts):len(opts)], replay.WithoutState()), 0, 0}}
	n := 0
	for b.Loop() {
		n++
		for k := range variants { // alternating: the same load on both
			v := &variants[k]
			runtime.GC()
			alerts = 0
			before := cpuTime()
			rp, err := replay.NewReplayPrepared(set.rules, set.preps, v.opts...)
			if err != nil {
				b.Fatal(err)
			}
			for i := range evs {
				ev := &evs[i]
				if err := rp.AddFacts(replay.Event{JSON: ev.raw.JSON, File: ev.raw.File, Line: ev.raw.Line}, &ev.facts, ev.rules); err != nil {
					b.Fatal(err)
				}
			}
			if _, err := rp.Finish(); err != nil {
				b.Fatal(err)
			}
			v.cpu += cpuTime() - before
			v.n = alerts
		}
		if variants[0].n != variants[1].n {
			b.Fatalf("%d alerts with the text, %d with facts", variants[0].n, variants[1].n)
		}
	}
	for _, v := range variants {
		b.ReportMetric(float64(v.cpu.Milliseconds())/float64(n), v.name+"-cpu-ms")
	}
}

// cpuTime is the process's user and system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
