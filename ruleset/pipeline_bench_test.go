package ruleset_test

import (
	"bytes"
	"context"
	"os"
	"runtime"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/ruleset"
)

// BenchmarkPipeline runs the whole pipeline of "kqlrules run --rules"
// (read, match on every CPU, replay in time order) over the Beats corpus in
// memory: every rule of Elastic's tree that loads, beside the FTP rule
// alone. Compare the two events/s figures of one run.
func BenchmarkPipeline(b *testing.B) {
	files, err := ruleset.Load(corpus.Path(b, "detection-rules"))
	if err != nil {
		b.Fatal(err)
	}
	var ftp []ruleset.File
	for _, f := range files {
		if f.Status == ruleset.Loaded && f.Rule.Name == "FTP (File Transfer Protocol) Activity to the Internet" {
			ftp = append(ftp, f)
		}
	}
	if len(ftp) != 1 {
		b.Fatalf("%d FTP rules in the tree", len(ftp))
	}
	data, err := os.ReadFile(corpus.Path(b, "corpus/beats_events.ndjson"))
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name  string
		files []ruleset.File
	}{{"ftp", ftp}, {"all-rules", files}} {
		// the FTP set adopts the FTP rule's program; all-rules compiles
		// its own of that rule and adopts Load's of the others
		set, err := ruleset.FromFiles(bc.files)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				res, err := set.Replay(context.Background(), events.ReadRaw("corpus", bytesReader(data)), ruleset.ReplayConfig{
					Options: []replay.RunOption{replay.WithAnyIndex(), replay.WithAlertFunc(func(*replay.Alert) error { return nil })},
				})
				if err != nil {
					b.Fatal(err)
				}
				n += res.EventsRead
			}
			secs := b.Elapsed().Seconds()
			b.ReportMetric(float64(n)/secs, "events/s")
			b.ReportMetric(float64(n)/secs/float64(runtime.GOMAXPROCS(0)), "events/s/core")
		})
	}
}

func bytesReader(b []byte) *bytes.Reader { return bytes.NewReader(b) }
