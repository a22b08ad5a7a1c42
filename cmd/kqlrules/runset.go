package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// memoryLimit is the Go runtime's soft memory limit for a run with
// --rules, unless GOMEMLIMIT sets another.
const memoryLimit = 40 << 20

// batchSize is the number of events a worker decodes and matches at once.
const batchSize = 64

// profileEvery: one event in profileEvery is matched with each rule's
// time measured, for the per-rule time column.
const profileEvery = 64

// batch is a run of events read in order, decoded and matched by one
// worker.
type batch struct {
	text    []byte // the events' JSON, one after another
	raws    []events.Raw
	recs    []events.Record
	errs    []error // a rejected line, or nil
	matched [][]int
	spent   []time.Duration // per rule, the sampled time
	done    chan struct{}
}

// matchedEvents reads the events of files, decodes and matches them with
// set on workers goroutines, and yields them in input order with the
// indexes of the rules that matched. A read error that is not a bad line
// ends the sequence.
func matchedEvents(set *ruleset.Set, files []string, stdin io.Reader, workers int, spent []time.Duration) iter.Seq2[matchedEvent, error] {
	return func(yield func(matchedEvent, error) bool) {
		work := make(chan *batch, workers)
		order := make(chan *batch, workers+1)
		stop := make(chan struct{})
		defer close(stop)
		var readErr error
		go func() { // the reader: batches in order
			defer close(work)
			defer close(order)
			b := newBatch()
			send := func() bool {
				select {
				case order <- b:
				case <-stop:
					return false
				}
				work <- b
				b = newBatch()
				return true
			}
			for raw, err := range events.ReadRawFiles(files, stdin) {
				if err != nil {
					var ee *events.Error
					if !errors.As(err, &ee) {
						readErr = err
						break
					}
					b.raws = append(b.raws, events.Raw{File: ee.File, Line: ee.Line})
					b.errs = append(b.errs, err)
				} else {
					start := len(b.text)
					b.text = append(b.text, raw.JSON...)
					// a slice of the text so far: a later append that
					// moves b.text leaves this one as it is
					raw.JSON = b.text[start:len(b.text):len(b.text)]
					b.raws = append(b.raws, raw)
					b.errs = append(b.errs, nil)
				}
				if len(b.raws) == batchSize && !send() {
					return
				}
			}
			if len(b.raws) > 0 {
				send()
			}
		}()
		for range workers {
			go func() {
				var dst []int
				for b := range work {
					b.recs = make([]events.Record, len(b.raws))
					b.matched = make([][]int, len(b.raws))
					for i, raw := range b.raws {
						if b.errs[i] != nil {
							continue
						}
						rec, err := raw.Decode()
						if err != nil {
							b.errs[i] = err
							continue
						}
						b.recs[i] = rec
						if spent != nil && raw.Line%profileEvery == 0 {
							if b.spent == nil {
								b.spent = make([]time.Duration, set.Len())
							}
							dst = set.MatchTimed(eval.Map(rec.Fields), dst[:0], b.spent)
						} else {
							dst = set.MatchMap(rec.Fields, dst[:0])
						}
						if len(dst) > 0 {
							b.matched[i] = slices.Clone(dst)
						}
					}
					close(b.done)
				}
			}()
		}
		for b := range order {
			<-b.done
			for i := range b.spent {
				spent[i] += b.spent[i]
			}
			for i := range b.raws {
				if !yield(matchedEvent{rec: b.recs[i], raw: b.raws[i], err: b.errs[i], rules: b.matched[i]}, nil) {
					return
				}
			}
		}
		if readErr != nil {
			yield(matchedEvent{}, readErr)
		}
	}
}

func newBatch() *batch {
	return &batch{done: make(chan struct{})}
}

// matchedEvent is one event of the input: decoded, or rejected (err),
// with the rules it matched.
type matchedEvent struct {
	rec   events.Record
	raw   events.Raw
	err   error
	rules []int
}

// ruleRow is one rule file in the report of a run with --rules.
type ruleRow struct {
	RuleID   string `json:"rule_id"`
	Name     string `json:"name"`
	File     string `json:"file"`
	Type     string `json:"type"`
	Language string `json:"language"`
	Status   string `json:"status"` // replayed, skipped or error
	Reason   string `json:"reason,omitempty"`
	Alerts   int    `json:"alerts"`
	Matches  int    `json:"matches"`
	// TimeMS is the time spent matching the rule's query, estimated from
	// a sample of the events, in milliseconds.
	TimeMS float64 `json:"time_ms"`
	*replay.Report
}

// setReport is what --report-json writes for a run with --rules.
type setReport struct {
	Rules          []*ruleRow `json:"rules"`
	Files          int        `json:"files"`
	Replayed       int        `json:"replayed"`
	Skipped        int        `json:"skipped"`
	Errors         int        `json:"errors"`
	EventsRead     int        `json:"events_read"`
	EventsRejected int        `json:"events_rejected"`
	Alerts         int        `json:"alerts"`
	Seconds        float64    `json:"seconds"`
}

// runSet is "kqlrules run --rules": every rule of the files at once.
func (c *runCmd) runSet(e *env, opts []replay.RunOption) error {
	start := time.Now()
	if os.Getenv("GOMEMLIMIT") == "" {
		// A soft limit: the rules and the events in flight take about
		// 25 MB; without it the collector lets the heap grow to twice
		// that before it runs. 40 MiB rather than 48 MiB costs ~5% CPU
		// and saves ~2 MB of peak RSS on the detection-rules tree.
		debug.SetMemoryLimit(memoryLimit)
	}
	files, err := ruleset.Load(c.Rules...)
	if err != nil {
		return failf("run", "%v", err)
	}
	loaded := ruleset.Rules(files)
	set, err := ruleset.New(loaded)
	if err != nil {
		return failf("run", "%v", err)
	}
	evFiles := c.Events
	if len(evFiles) == 0 {
		evFiles = []string{"-"}
	}
	for _, f := range evFiles { // fail early on a missing file
		if f != "-" {
			if _, err := os.Stat(f); err != nil {
				return failf("run", "%v", err)
			}
		}
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	prog := newProgress(e.stderr)
	opts = append(opts, replay.WithAlertFunc(func(a *replay.Alert) error {
		prog.alerts++
		return writeAlert(out, a)
	}))
	rp, err := replay.NewReplay(loaded, opts...)
	if err != nil {
		return failf("run", "%v", err)
	}
	workers := c.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	spent := make([]time.Duration, set.Len())
	read, rejected := 0, 0
	for ev, err := range matchedEvents(set, evFiles, e.stdin, workers, spent) {
		if err != nil {
			prog.done()
			out.Flush()
			return failf("run", "%v", err)
		}
		prog.tick()
		read++
		if ev.err != nil {
			rejected++
			var ee *events.Error
			if !errors.As(ev.err, &ee) {
				ee = &events.Error{File: ev.raw.File, Line: ev.raw.Line, Err: ev.err}
			}
			rp.Reject(ee)
			continue
		}
		if err := rp.Add(ev.rec, ev.rules); err != nil {
			prog.done()
			return failf("run", "%v", err)
		}
	}
	reps, err := rp.Finish()
	prog.done()
	if err != nil {
		return failf("run", "%v", err)
	}
	if err := out.Flush(); err != nil {
		return err
	}
	rep := buildSetReport(files, loaded, reps, spent, read, rejected)
	rep.Seconds = time.Since(start).Seconds()
	if c.ReportJSON != "" {
		w := e.stderr
		if c.ReportJSON != "-" {
			f, err := os.Create(c.ReportJSON)
			if err != nil {
				return failf("run", "%v", err)
			}
			defer f.Close()
			w = f
		}
		if err := writeJSON(w, rep, "  "); err != nil {
			return err
		}
	} else {
		writeSetReport(e.stderr, rep)
	}
	if read > 0 && rejected == read {
		return failf("run", "all %d event lines were rejected", read)
	}
	return nil
}

// writeAlert writes an alert as a JSON line, with the file and line of its
// event (kqlrules.source.file, kqlrules.source.line).
func writeAlert(w *bufio.Writer, a *replay.Alert) error {
	doc := a.Document()
	doc["kqlrules.source.file"] = a.Event.File
	doc["kqlrules.source.line"] = a.Event.Line
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}

func buildSetReport(files []ruleset.File, loaded []*rules.Rule, reps []*replay.Report, spent []time.Duration, read, rejected int) *setReport {
	byRule := map[*rules.Rule]int{}
	for i, r := range loaded {
		byRule[r] = i
	}
	rep := &setReport{Files: len(files), EventsRead: read, EventsRejected: rejected}
	scale := float64(profileEvery)
	for _, f := range files {
		row := &ruleRow{File: f.Where(), Status: "replayed"}
		if f.Rule != nil {
			row.RuleID, row.Name, row.Type, row.Language = f.Rule.RuleID, f.Rule.Name, string(f.Rule.Type), string(f.Rule.Language)
		}
		switch f.Status {
		case ruleset.Loaded:
			i := byRule[f.Rule]
			row.Report = reps[i]
			row.Alerts, row.Matches = reps[i].AlertCount, reps[i].Matches
			row.TimeMS = float64(spent[i]) * scale / float64(time.Millisecond)
			rep.Replayed++
			rep.Alerts += row.Alerts
		case ruleset.Skipped:
			row.Status, row.Reason = "skipped", f.Reason
			rep.Skipped++
		default:
			row.Status, row.Reason = "error", f.Err.Error()
			rep.Errors++
		}
		rep.Rules = append(rep.Rules, row)
	}
	return rep
}

// writeSetReport writes the human-readable report of a run with --rules:
// a summary, the reasons rules were skipped, errors, and a table of the
// rules that matched and of the slowest ones, slowest first.
func writeSetReport(w io.Writer, rep *setReport) {
	fmt.Fprintf(w, "rules: %d files, %d replayed, %d skipped, %d errors\n", rep.Files, rep.Replayed, rep.Skipped, rep.Errors)
	reasons := map[string]int{}
	for _, r := range rep.Rules {
		switch r.Status {
		case "skipped":
			reasons[r.Reason]++
		case "error":
			for _, l := range strings.Split(r.Reason, "\n") {
				fmt.Fprintf(w, "error: %s\n", l)
			}
		}
	}
	keys := make([]string, 0, len(reasons))
	for k := range reasons {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b string) int {
		if reasons[a] != reasons[b] {
			return reasons[b] - reasons[a]
		}
		return strings.Compare(a, b)
	})
	for _, k := range keys {
		fmt.Fprintf(w, "skipped: %d: %s\n", reasons[k], k)
	}
	fmt.Fprintf(w, "events: %d read, %d rejected; alerts: %d; %.1fs\n", rep.EventsRead, rep.EventsRejected, rep.Alerts, rep.Seconds)
	var rows []*ruleRow
	for _, r := range rep.Rules {
		if r.Status == "replayed" {
			rows = append(rows, r)
		}
	}
	slices.SortStableFunc(rows, func(a, b *ruleRow) int {
		switch {
		case a.TimeMS > b.TimeMS:
			return -1
		case a.TimeMS < b.TimeMS:
			return 1
		}
		return 0
	})
	const slowest = 10
	fmt.Fprintf(w, "%8s %8s %10s  %s\n", "ALERTS", "MATCHES", "TIME(ms)", "RULE")
	other := 0
	for i, r := range rows {
		if i >= slowest && r.Matches == 0 && r.Alerts == 0 {
			other++
			continue
		}
		fmt.Fprintf(w, "%8d %8d %10.2f  %s (%s) %s\n", r.Alerts, r.Matches, r.TimeMS, r.Name, r.RuleID, r.File)
	}
	if other > 0 {
		fmt.Fprintf(w, "... and %d other rules without a match\n", other)
	}
}
