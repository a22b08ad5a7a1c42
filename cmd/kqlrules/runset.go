package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

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
	// EventsNoTime and EventsLate are the largest of the rules' counts
	// (the rules' timestamp fields may differ); MatchesUnseen is summed
	// over the rules.
	EventsNoTime  int     `json:"events_no_time"`
	EventsLate    int     `json:"events_late"`
	MatchesUnseen int     `json:"matches_unseen"`
	Alerts        int     `json:"alerts"`
	Seconds       float64 `json:"seconds"`
	// State is what --state did.
	State *stateSummary `json:"state,omitempty"`
}

// runSet is "kqlrules run --rules": every rule of the files at once.
func (c *runCmd) runSet(e *env, opts []replay.RunOption) error {
	start := time.Now()
	files, err := ruleset.Load(c.Rules...)
	if !reportRuleLoad(e.stderr, files, err) {
		return &exitError{status: exitFailed}
	}
	loaded := ruleset.Rules(files)
	set, err := ruleset.New(loaded)
	if err != nil {
		return failf("run", "%v", err)
	}
	evFiles, err := eventFiles(c.Events)
	if err != nil {
		return failf("run", "%v", err)
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	prog := newProgress(e.stderr)
	opts = append(opts, replay.WithAlertFunc(func(a *replay.Alert) error {
		prog.alerts++
		return writeAlert(out, a)
	}))
	cfg := ruleset.ReplayConfig{Workers: c.Workers, Options: opts, Progress: prog.set, Profile: true}
	if err := readState(c.State, &cfg); err != nil {
		return err
	}
	res, err := set.Replay(context.Background(), events.ReadRawFiles(evFiles, e.stdin), cfg)
	prog.done()
	if err != nil {
		out.Flush()
		return replayFailed(err)
	}
	reportUnreadable(e, res)
	if err := out.Flush(); err != nil {
		return err
	}
	rep := buildSetReport(files, loaded, res)
	if rep.State, err = writeState(c.State, res); err != nil {
		return err
	}
	rep.Seconds = time.Since(start).Seconds()
	if c.ReportJSON != "" {
		w := e.stderr
		if c.ReportJSON != "-" {
			f, err := os.Create(c.ReportJSON)
			if err != nil {
				return fail(exitFailed, fileProblem(c.ReportJSON, err))
			}
			defer f.Close()
			w = f
		}
		if err := writeJSON(w, rep, "  "); err != nil {
			return err
		}
	} else {
		writeSetReport(e.stderr, rep)
		writeStateSummary(e.stderr, rep.State)
	}
	if res.EventsRead > 0 && res.EventsRejected == res.EventsRead {
		return failf("run", "all %d event lines were rejected", res.EventsRead)
	}
	if n := len(res.Unreadable); n > 0 {
		return failf("run", "%d file(s) could not be read", n)
	}
	return nil
}

// eventFiles returns the event files to read ("-" when none), failing
// early on a file that does not exist.
func eventFiles(names []string) ([]string, error) {
	if len(names) == 0 {
		return []string{"-"}, nil
	}
	for _, f := range names {
		if f != "-" {
			if _, err := os.Stat(f); err != nil {
				return nil, err
			}
		}
	}
	return names, nil
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

func buildSetReport(files []ruleset.File, loaded []*rules.Rule, res *ruleset.Result) *setReport {
	byRule := map[*rules.Rule]int{}
	for i, r := range loaded {
		byRule[r] = i
	}
	rep := &setReport{Files: len(files), EventsRead: res.EventsRead, EventsRejected: res.EventsRejected}
	for _, f := range files {
		row := &ruleRow{File: f.Where(), Status: "replayed"}
		if f.Rule != nil {
			row.RuleID, row.Name, row.Type, row.Language = f.Rule.RuleID, f.Rule.Name, string(f.Rule.Type), string(f.Rule.Language)
		}
		switch f.Status {
		case ruleset.Loaded:
			i := byRule[f.Rule]
			r := res.Reports[i]
			row.Report = r
			row.Alerts, row.Matches = r.AlertCount, r.Matches
			row.TimeMS = float64(res.Spent[i]) / float64(time.Millisecond)
			rep.Replayed++
			rep.Alerts += row.Alerts
			rep.EventsNoTime = max(rep.EventsNoTime, r.EventsNoTime)
			rep.EventsLate = max(rep.EventsLate, r.EventsLate)
			rep.MatchesUnseen += r.MatchesUnseen
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
		if r.Status == "skipped" { // errors were reported as the rules loaded
			reasons[r.Reason]++
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
	fmt.Fprintf(w, "events: %d read, %d rejected, %d without a usable time", rep.EventsRead, rep.EventsRejected, rep.EventsNoTime)
	if rep.EventsLate > 0 {
		fmt.Fprintf(w, ", %d out of order (arrival order)", rep.EventsLate)
	}
	fmt.Fprintf(w, "; matches never searched: %d; alerts: %d; %.1fs\n", rep.MatchesUnseen, rep.Alerts, rep.Seconds)
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
