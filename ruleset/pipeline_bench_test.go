//go:build unix

package ruleset_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/ruleset"
)

// BenchmarkPipeline runs the whole pipeline of "kqlrules run --rules"
// (read and validate the NDJSON, match every rule of the set on every CPU,
// replay in time order, alerts) over the Beats corpus in memory, for
// three sets of Elastic's tree: the FTP rule alone (ftp), the KQL rules of
// ../shared/corpus/elastic_kuery_rules.jsonl (kql, 792 rules), and every
// rule of the tree that loads (tree, with EQL and every rule type).
//
// Each iteration makes two passes: one over no events, the one-time
// set-up of a pass (the replay of every rule prepared, then finished),
// reported as setup-ms; and one over the corpus. The figures per event
// are the corpus pass minus the empty one, the stream's own cost:
// events/cpu-s is events per second of CPU time (user and system, of
// every goroutine: the matching workers, the reader, the replay and the
// garbage collector), that is events per second per core, which holds on
// a busy machine; events/s is per second of wall time with GOMAXPROCS
// workers. Compare the sets within one run.
//
// A first pass over the corpus, before the timed ones, is not counted: it
// makes what the passes of a long-running process reuse (the heap's
// pages, the batches, the workers' memos of the stream's keys), as the
// first iterations of any benchmark do. So the figures are those of a
// process that replays batch after batch; the command line, which makes
// one pass, is measured on its own (README).
func BenchmarkPipeline(b *testing.B) {
	tree := corpus.Path(b, "detection-rules")
	files, err := ruleset.Load(tree)
	if err != nil {
		b.Fatal(err)
	}
	kqlFiles := kueryRuleFiles(b)
	var ftp, kql, all []ruleset.File
	for _, f := range files {
		if f.Status != ruleset.Loaded {
			continue
		}
		all = append(all, f)
		if f.Rule.Name == "FTP (File Transfer Protocol) Activity to the Internet" {
			ftp = append(ftp, f)
		}
		if rel, err := filepath.Rel(tree, f.Path); err == nil && kqlFiles[filepath.ToSlash(rel)] {
			kql = append(kql, f)
		}
	}
	if len(ftp) != 1 || len(kql) < 700 {
		b.Fatalf("%d FTP rules, %d of the KQL rules of the corpus in the tree", len(ftp), len(kql))
	}
	data, err := os.ReadFile(corpus.Path(b, "corpus/beats_events.ndjson"))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		files []ruleset.File
	}{{"ftp", ftp}, {"kql", kql}, {"tree", all}} {
		// a set adopts the programs Load compiled; a rule in a second
		// set (FTP is in all three) compiles its own
		set, err := ruleset.FromFiles(bc.files)
		if err != nil {
			b.Fatal(err)
		}
		cfg := ruleset.ReplayConfig{
			Options: []replay.RunOption{replay.WithAnyIndex(), replay.WithAlertFunc(func(*replay.Alert) error { return nil })},
		}
		pass := func(data []byte) (read int, wall, cpu time.Duration) {
			c0, t0 := cpuTime(b), time.Now()
			res, err := set.Replay(context.Background(), events.ReadRawUnchecked("corpus", bytes.NewReader(data)), cfg)
			if err != nil {
				b.Fatal(err)
			}
			return res.EventsRead, time.Since(t0), cpuTime(b) - c0
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			pass(data) // the warm-up, not counted
			n := 0
			var setWall, setCPU, streamWall, streamCPU time.Duration
			for b.Loop() {
				_, w0, c0 := pass(nil)
				k, w1, c1 := pass(data)
				n += k
				setWall, setCPU = setWall+w0, setCPU+c0
				streamWall, streamCPU = streamWall+w1-w0, streamCPU+c1-c0
			}
			b.ReportMetric(setWall.Seconds()*1000/float64(b.N), "setup-ms")
			b.ReportMetric(float64(n)/streamWall.Seconds(), "events/s")
			b.ReportMetric(float64(n)/streamCPU.Seconds(), "events/cpu-s")
			b.ReportMetric(float64(len(bc.files)), "rules")
		})
	}
}

// kueryRuleFiles returns the files (relative to the tree) of the KQL
// rules of ../shared/corpus/elastic_kuery_rules.jsonl.
func kueryRuleFiles(tb testing.TB) map[string]bool {
	tb.Helper()
	f, err := os.Open(corpus.Path(tb, "corpus/elastic_kuery_rules.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	out := map[string]bool{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct{ File string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		out[strings.TrimPrefix(r.File, "./")] = true
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

// cpuTime returns the CPU time (user and system) the process has used.
func cpuTime(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
