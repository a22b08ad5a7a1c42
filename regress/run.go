package regress

// Run: the test runner of "kqlrules test". The rules are replayed over
// event files and each rule's alerted events are compared with a baseline;
// rules with test events of their own (RULE.test.ndjson beside RULE.toml)
// are checked against the outcome each event expects.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// ExpectKey is the field of a test event that says what the rule must do
// with it: "alert" or "none". It is removed before the event is replayed.
const ExpectKey = "_expect"

// Config is what [Run] tests and where it reports.
type Config struct {
	// Name names the runner in its messages ("NAME: error: ..."), the
	// JUnit report's suite and the annotations' title: "kqlrules test".
	Name string
	// Rules are rule files, Kibana exports or directories of them, found
	// with rules.FindFiles.
	Rules []string
	// Events are the event files or directories to replay the rules over
	// ("-" reads Stdin). Without them, each rule runs on its own test
	// events (RULE.test.ndjson) only.
	Events []string
	Stdin  io.Reader
	// Baseline is the baseline file: each rule's alerted events in an
	// earlier replay. With Update, the replay's outcome is written to it
	// and its differences are accepted (listed on Stdout), not failed.
	Baseline string
	Update   bool
	// JUnit, when not "", is the file the JUnit XML report is written to.
	JUnit string
	// Annotations writes GitHub Actions error annotations to Stdout.
	Annotations bool
	// Options are the replay's options (replay.WithAnyIndex,
	// replay.WithArrivalOrder).
	Options []replay.RunOption
	// Stdout receives the failures (FILE:LINE: summary, then the events
	// gained and lost and the failed test events, indented), the
	// accepted differences and the annotations; Stderr the problems of
	// files that could not be read, the coverage summary and the last
	// line (how many rules failed, or the baseline written).
	Stdout, Stderr io.Writer
}

// Result is what a test that ran found.
type Result struct {
	// Rules counts the rule outcomes (rule files that did not load and
	// rules gone from the baseline included); Failed those that failed;
	// Changed those of them whose alerts differ from the baseline.
	Rules, Failed, Changed int
}

// RunError is why [Run] could not test: a rule path that cannot be read,
// missing events, a baseline that cannot be read or written... Its
// diagnostics are placed in their files (Config.Name when they have no
// place); some may already have been written to Stderr.
type RunError struct {
	Diagnostics []rules.Diagnostic
}

// Error returns the diagnostics, one a line.
func (e *RunError) Error() string {
	lines := make([]string, len(e.Diagnostics))
	for i, d := range e.Diagnostics {
		lines[i] = d.String()
	}
	return strings.Join(lines, "\n")
}

// Run tests the rules of cfg: it finds and loads them, replays them over
// their own test events and over cfg.Events in one pass
// (ruleset.Set.Replay), compares their alerts with the baseline (or, with
// Update, writes it), and reports. A rule fails when its alerts differ
// from the baseline, it is missing from it, its own test events fail, or
// its file does not load. The error, a *RunError, says why the test could
// not run.
func Run(ctx context.Context, cfg Config) (Result, error) {
	files, err := rules.FindFiles(cfg.Rules...)
	if err != nil {
		for _, d := range rules.FindDiagnostics(err) {
			fmt.Fprintln(cfg.Stderr, d)
		}
		return Result{}, &RunError{}
	}
	outs := loadOutcomes(files)
	withTests := 0
	for _, o := range outs {
		if o.testFile != "" {
			withTests++
		}
	}
	switch {
	case len(cfg.Events) == 0 && cfg.Update:
		return Result{}, cfg.errorf("--update needs EVENTS")
	case len(cfg.Events) == 0 && withTests == 0:
		return Result{}, cfg.errorf("give EVENTS to replay the rules over (none of the %d rule files has test events in RULE%s)", len(outs), ruleset.TestEventsSuffix)
	}
	for _, o := range outs {
		if o.replayed() && o.testFile != "" {
			o.runTestEvents()
		}
	}
	var st replayStats
	if len(cfg.Events) > 0 {
		if st, outs, err = cfg.compare(ctx, outs); err != nil {
			return Result{}, err
		}
	}
	return cfg.report(outs, st)
}

// errorf is a RunError with no place in the input.
func (cfg *Config) errorf(format string, args ...any) *RunError {
	return &RunError{Diagnostics: []rules.Diagnostic{{File: cfg.Name, Severity: rules.SeverityError, Msg: fmt.Sprintf(format, args...)}}}
}

// fileError is the RunError of a file that cannot be read or written.
func fileError(d rules.Diagnostic) *RunError {
	return &RunError{Diagnostics: []rules.Diagnostic{d}}
}

// compare replays the rules over cfg.Events, compares their alerts with
// the baseline and, with Update, writes it.
func (cfg *Config) compare(ctx context.Context, outs []*outcome) (replayStats, []*outcome, error) {
	base, err := ReadFile(cfg.Baseline)
	switch {
	case err != nil && cfg.Update:
		base = nil // nothing to list the changes against
	case err != nil:
		d := rules.FileDiagnostic(cfg.Baseline, err)
		var be *Error
		if errors.As(err, &be) {
			d = rules.Diagnostic{File: cfg.Baseline, Line: be.Line, Severity: rules.SeverityError, Msg: be.Err.Error()}
		}
		if errors.Is(err, fs.ErrNotExist) {
			d.Msg += " (write the baseline with --update)"
		}
		return replayStats{}, nil, fileError(d)
	}
	for _, f := range cfg.Events {
		if f != "-" {
			if _, err := os.Stat(f); err != nil {
				return replayStats{}, nil, fileError(rules.FileDiagnostic("", err))
			}
		}
	}
	st, unreadable, err := replayAll(ctx, outs, events.ReadRawFilesUnchecked(cfg.Events, cfg.Stdin), cfg.Options...)
	if err != nil {
		return replayStats{}, nil, cfg.errorf("%v", err)
	}
	if len(unreadable) > 0 {
		// a baseline is never compared with, or updated from, part of
		// the events
		for _, fe := range unreadable {
			fmt.Fprintln(cfg.Stderr, rules.Diagnostic{File: fe.Path, Severity: rules.SeverityError, Msg: "not read: " + fe.Err.Error()})
		}
		return replayStats{}, nil, cfg.errorf("%d event file(s) could not be read: the baseline is not compared", len(unreadable))
	}
	if st.EventsRead > 0 && st.EventsRejected == st.EventsRead {
		return replayStats{}, nil, cfg.errorf("all %d event lines were rejected", st.EventsRead)
	}
	cur := baselineOf(outs)
	if base != nil {
		outs = attachDiffs(outs, Compare(base, cur))
	}
	if cfg.Update {
		outs = acceptDiffs(cfg.Stdout, outs)
		if err := cur.WriteFile(cfg.Baseline); err != nil {
			return replayStats{}, nil, fileError(rules.FileDiagnostic(cfg.Baseline, err))
		}
	}
	return st, outs, nil
}

// report writes the failures, the annotations, the JUnit report, the
// coverage summary and the last line.
func (cfg *Config) report(outs []*outcome, st replayStats) (Result, error) {
	res := Result{Rules: len(outs)}
	res.Failed, res.Changed = writeFailures(cfg.Stdout, outs)
	if cfg.Annotations {
		writeAnnotations(cfg.Stdout, cfg.Name, outs)
	}
	if cfg.JUnit != "" {
		if err := writeJUnitFile(cfg.JUnit, cfg.Name, outs); err != nil {
			return res, fileError(rules.FileDiagnostic(cfg.JUnit, err))
		}
	}
	writeCoverage(cfg.Stderr, outs, st, len(cfg.Events) > 0)
	switch {
	case cfg.Update:
		fmt.Fprintf(cfg.Stderr, "wrote %s\n", cfg.Baseline)
	case res.Changed > 0:
		fmt.Fprintf(cfg.Stderr, "%d of %d rules failed; if the changes are intended, accept them with --update\n", res.Failed, res.Rules)
	case res.Failed > 0:
		fmt.Fprintf(cfg.Stderr, "%d of %d rules failed\n", res.Failed, res.Rules)
	}
	return res, nil
}

// outcome is what happened to one rule file.
type outcome struct {
	file string // as found, with forward slashes
	rule *rules.Rule
	// err is why the file did not load or the rule could not be replayed.
	err error
	// skip, when not empty, says why the rule was not replayed.
	skip string
	// alerts are the events alerted on in the replay over the events.
	alerts []Event
	// diff is the difference from the baseline; nil when none.
	diff *Diff
	// testFile is the rule's own test events file ("" when none);
	// testFailures what went wrong there and testCount how many events it
	// holds.
	testFile     string
	testFailures []string
	testCount    int
}

// replayed reports whether the rule loaded and is replayed.
func (o *outcome) replayed() bool {
	return o.rule != nil && o.skip == "" && o.err == nil
}

// loadOutcomes loads each rule file, decides whether it can be replayed,
// and finds its test events.
func loadOutcomes(files []string) []*outcome {
	var outs []*outcome
	byID := map[string]*outcome{}
	add := func(file string, r *rules.Rule, err error) {
		o := &outcome{file: filepath.ToSlash(file)}
		outs = append(outs, o)
		if err != nil {
			o.err = err
			return
		}
		if prev, ok := byID[r.RuleID]; ok {
			o.err = fmt.Errorf("rule_id %s is also the rule_id of %s", r.RuleID, prev.file)
			return
		}
		byID[r.RuleID] = o
		o.rule = r
		o.skip, o.err = skipReason(r)
		if rules.IsExport(file) {
			return
		}
		if t := strings.TrimSuffix(o.file, path.Ext(o.file)) + ruleset.TestEventsSuffix; fileExists(t) {
			o.testFile = t
		}
	}
	for _, f := range files {
		if !rules.IsExport(f) {
			r, err := rules.Load(f)
			add(f, r, err)
			continue
		}
		// a Kibana export: a rule a line; its exception lists and
		// summary are not rules
		data, err := rules.ReadFile(f)
		if err != nil {
			add(f, nil, err)
			continue
		}
		for _, l := range rules.ExportLines(data) {
			if l.Kind == rules.ExportRule {
				r, err := l.Parse(f)
				add(f, r, err)
			}
		}
	}
	return outs
}

// skipReason says why a rule is not replayed, or "" when it is, as
// replay.Check decides and replay.Replayable words it (other languages,
// types and settings replay.Run does not replay, indicator match rules
// without their threat index). err is a query that does not compile: the
// rule's error, not a skip.
func skipReason(r *rules.Rule) (skip string, err error) {
	err = replay.Check(r)
	if err == nil {
		return "", nil
	}
	var pe *kql.Error
	if errors.As(err, &pe) || eval.CompileErrors(err) != nil {
		return "", err
	}
	_, why := replay.Replayable(r)
	return why, nil
}

func fileExists(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && !fi.IsDir()
}

// replayStats is what the summary tells of the events of a replay.
type replayStats struct {
	EventsRead, EventsRejected int
	// EventsNoTime and EventsLate are the largest of the rules' counts;
	// MatchesUnseen is summed over the rules.
	EventsNoTime, EventsLate, MatchesUnseen int
}

// replayAll runs the rules that can be replayed over the events in one
// pass (ruleset.Set.Replay) and records the alerted events.
func replayAll(ctx context.Context, outs []*outcome, evs iter.Seq2[events.Raw, error], opts ...replay.RunOption) (replayStats, []*events.FileError, error) {
	var rs []*rules.Rule
	var of []*outcome
	for _, o := range outs {
		if o.replayed() {
			rs, of = append(rs, o.rule), append(of, o)
		}
	}
	set, err := ruleset.New(rs)
	if err != nil {
		return replayStats{}, nil, err
	}
	res, err := set.Replay(ctx, evs, ruleset.ReplayConfig{Options: opts})
	if err != nil {
		return replayStats{}, nil, err
	}
	st := replayStats{EventsRead: res.EventsRead, EventsRejected: res.EventsRejected}
	for i, rep := range res.Reports {
		st.EventsNoTime = max(st.EventsNoTime, rep.EventsNoTime)
		st.EventsLate = max(st.EventsLate, rep.EventsLate)
		st.MatchesUnseen += rep.MatchesUnseen
		for _, a := range rep.Alerts {
			of[i].alerts = append(of[i].alerts, EventOf(a))
		}
	}
	return st, res.Unreadable, nil
}

// runTestEvents replays the rule over its own test events, taking
// index-less events as in scope, and checks that it alerts on exactly
// those whose _expect is "alert".
func (o *outcome) runTestEvents() {
	want := map[int]bool{} // line → an alert is expected
	var evs []events.Record
	for rec, err := range events.ReadFiles([]string{o.testFile}, nil) {
		if err != nil { // a bad line, or a file that cannot be read
			o.testFailures = append(o.testFailures, err.Error())
			continue
		}
		o.testCount++
		switch v, _ := rec.Fields[ExpectKey].(string); v {
		case "alert", "none":
			want[rec.Line] = v == "alert"
		default:
			o.testFailures = append(o.testFailures, fmt.Sprintf("%s:%d: %s must be \"alert\" or \"none\", got %s", o.testFile, rec.Line, ExpectKey, describe(rec.Fields[ExpectKey])))
			continue
		}
		delete(rec.Fields, ExpectKey)
		evs = append(evs, rec)
	}
	got := map[int]bool{}
	rep, err := replay.Run(o.rule, records(evs), replay.WithAnyIndex(), replay.WithAlertFunc(func(a *replay.Alert) error {
		got[a.Line] = true
		return nil
	}))
	if err != nil {
		o.err = err
		return
	}
	noTime := map[int]string{} // line → why the event has no time
	for _, s := range rep.NoTime {
		noTime[s.Line] = s.Why
	}
	for _, rec := range evs {
		line := rec.Line
		if want[line] == got[line] {
			continue
		}
		at := fmt.Sprintf("%s:%d", o.testFile, line)
		msg := at + ": expected no alert, got one"
		if want[line] {
			msg = at + ": expected an alert, got none"
			if why := noTime[line]; why != "" {
				msg += " (" + why + ")"
			}
		}
		o.testFailures = append(o.testFailures, msg)
	}
}

// records returns the events as a sequence for replay.Run.
func records(evs []events.Record) iter.Seq2[events.Record, error] {
	return func(yield func(events.Record, error) bool) {
		for _, rec := range evs {
			if !yield(rec, nil) {
				return
			}
		}
	}
}

// describe shows a value of a test event's _expect field.
func describe(v any) string {
	if v == nil {
		return "nothing"
	}
	return fmt.Sprintf("%q", fmt.Sprint(v))
}

// baselineOf returns the replay's outcome as a baseline.
func baselineOf(outs []*outcome) *Baseline {
	b := &Baseline{}
	for _, o := range outs {
		if o.rule == nil || o.err != nil {
			continue
		}
		b.Rules = append(b.Rules, Rule{
			RuleID: o.rule.RuleID, Name: o.rule.Name, File: o.file,
			Skipped: o.skip, Events: o.alerts,
		})
	}
	b.Sort()
	return b
}

// attachDiffs gives each outcome its difference from the baseline, and
// returns the outcomes with one added for each rule the baseline has and
// the rules do not (unless its file is still there and failed to load).
func attachDiffs(outs []*outcome, diffs []Diff) []*outcome {
	byID := map[string]*outcome{}
	byFile := map[string]*outcome{}
	for _, o := range outs {
		byFile[o.file] = o
		if o.rule != nil && o.err == nil {
			byID[o.rule.RuleID] = o
		}
	}
	for _, d := range diffs {
		if o, ok := byID[d.Rule.RuleID]; ok {
			o.diff = &d
			continue
		}
		if o, ok := byFile[d.Rule.File]; ok && o.err != nil {
			continue // the file's error says more
		}
		outs = append(outs, &outcome{file: d.Rule.File, diff: &d})
	}
	return outs
}
