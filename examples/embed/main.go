// Command embed shows kqlrules inside another Go program: a detector that
// compiles the FTP rule once and matches events arriving on a channel with
// several goroutines sharing the one compiled program (eval.Program is
// immutable and safe for concurrent use).
//
//	go run ./examples/embed            # the bundled sample events
//	go run ./examples/embed FILE       # NDJSON or a JSON array
//
// It checks what the rule's query and index patterns say, event by event,
// with no schedule: for Kibana's schedule, look-back and max_signals see
// replay.Run and "kqlrules run".
package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/sample"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

// Detector matches events against one rule.
type Detector struct {
	rule *rules.Rule
	prog *eval.Program
}

// NewDetector compiles the rule's query once.
func NewDetector(r *rules.Rule) (*Detector, error) {
	prog, err := r.Program()
	if err != nil {
		return nil, err
	}
	return &Detector{rule: r, prog: prog}, nil
}

// Detection is an event the rule matched.
type Detection struct {
	Rule  string
	Event events.Record
}

// Match reports whether the event is in the rule's indices (or carries no
// index) and matches its query.
func (d *Detector) Match(ev map[string]any) bool {
	if idx, ok := ev["_index"].(string); ok && !replay.MatchIndex(d.rule.Index, idx) {
		return false
	}
	return d.prog.Match(ev)
}

// Run matches the events of in with the given number of goroutines and
// sends the detections to the returned channel, which is closed when in is
// closed and drained. Detections come in no particular order.
func (d *Detector) Run(in <-chan events.Record, workers int) <-chan Detection {
	out := make(chan Detection)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Go(func() {
			for ev := range in {
				if d.Match(ev.Fields) {
					out <- Detection{Rule: d.rule.Name, Event: ev}
				}
			}
		})
	}
	go func() { wg.Wait(); close(out) }()
	return out
}

func main() {
	if err := detect(os.Args[1:], os.Stdout, runtime.NumCPU()); err != nil {
		fmt.Fprintln(os.Stderr, "embed:", err)
		os.Exit(1)
	}
}

// detect feeds the events of the file (or the bundled sample) to a
// detector and prints the detections sorted by file line.
func detect(args []string, w io.Writer, workers int) error {
	d, err := NewDetector(builtin.FTP())
	if err != nil {
		return err
	}
	name, r := sample.FTPSampleName, io.Reader(bytes.NewReader(sample.FTPSample))
	if len(args) > 0 {
		f, err := os.Open(args[0])
		if err != nil {
			return err
		}
		defer f.Close()
		name, r = args[0], f
	}

	in := make(chan events.Record, 64)
	done := d.Run(in, workers)
	var readErr error
	bad := 0
	go func() {
		defer close(in)
		for ev, err := range events.Read(name, r) {
			if err != nil {
				if _, ok := err.(*events.Error); ok {
					bad++
					continue
				}
				readErr = err
				return
			}
			in <- ev
		}
	}()
	var found []Detection
	for det := range done {
		found = append(found, det)
	}
	if readErr != nil {
		return readErr
	}
	slices.SortFunc(found, func(a, b Detection) int { return a.Event.Line - b.Event.Line })
	for _, det := range found {
		f := det.Event.Fields
		fmt.Fprintf(w, "%s:%d %s -> %s:%s\n", det.Event.File, det.Event.Line,
			value(f, "source.ip"), value(f, "destination.ip"), value(f, "destination.port"))
	}
	fmt.Fprintf(w, "%d detections by %q with %d goroutines", len(found), d.rule.Name, workers)
	if bad > 0 {
		fmt.Fprintf(w, "; %d bad lines skipped", bad)
	}
	fmt.Fprintln(w)
	return nil
}

// value returns a field's first value, flat or nested, as text.
func value(fields map[string]any, name string) string {
	v, ok := eval.First(eval.Map(fields), eval.NewPath(name))
	if !ok {
		return "-"
	}
	return strings.TrimSpace(fmt.Sprint(v))
}
