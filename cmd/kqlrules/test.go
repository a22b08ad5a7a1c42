package main

// "kqlrules test": regression tests of a rules repository. The rules are
// replayed over event files and each rule's alerted events are compared
// with a baseline (package regress); rules with test events of their own
// (RULE.test.ndjson beside RULE.toml) are checked against the outcome each
// event expects.

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"maps"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/atomicfile"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/regress"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// testCmd is "kqlrules test".
type testCmd struct {
	Rules        []string `required:"" placeholder:"PATH" help:"Rule files, Kibana exports (.ndjson) or directories of them (a detection-rules checkout: its rules/ and rules_building_block/), found as run --rules finds them."`
	Baseline     string   `default:"kqlrules.baseline.json" placeholder:"FILE" help:"The baseline: each rule's alerted events in an earlier replay (default: ${default})."`
	Update       bool     `help:"Write the replay's outcome to the baseline instead of failing on differences."`
	JUnit        string   `name:"junit" placeholder:"FILE" help:"Write JUnit XML to FILE: one testcase per rule."`
	AnyIndex     bool     `name:"any-index" help:"Treat events without _index or data_stream.* as matching every rule's index patterns."`
	ArrivalOrder bool     `name:"arrival-order" help:"Replay the events in the order they come, as a live cluster indexes them; by default in time order, as Kibana's manual rule run over an index holding them all."`
	Events       []string `arg:"" optional:"" help:"Event files or directories (*.ndjson, *.jsonl, *.json, .gz), in any order (see --arrival-order); - reads standard input. Without them, each rule runs on its own test events only."`
}

// testSuffix names a rule's own test events: RULE.test.ndjson beside
// RULE.toml.
const testSuffix = ruleset.TestEventsSuffix

// expectKey is the field of a test event that says what the rule must do
// with it: "alert" or "none". It is removed before the event is replayed.
const expectKey = "_expect"

// maxListed bounds the events listed for one rule; all are counted.
const maxListed = 20

// maxReasons bounds the reasons for skipping rules the summary lists.
const maxReasons = 6

// outcome is what happened to one rule file.
type outcome struct {
	file string // as found, with forward slashes
	rule *rules.Rule
	// err is why the file did not load or the rule could not be replayed.
	err error
	// skip, when not empty, says why the rule was not replayed.
	skip string
	// alerts are the events alerted on in the replay over EVENTS.
	alerts []regress.Event
	// diff is the difference from the baseline; nil when none.
	diff *regress.Diff
	// testFile is the rule's own test events file ("" when none);
	// testFailures what went wrong there and testCount how many events it
	// holds.
	testFile     string
	testFailures []string
	testCount    int
}

// failed reports whether the rule's test failed.
func (o *outcome) failed() bool {
	return o.err != nil || o.diff != nil || len(o.testFailures) > 0
}

// line is the line to point at: the rule's query, else 1.
func (o *outcome) line() int {
	if o.rule != nil {
		if n := o.rule.Source.Line("rule.query"); n > 0 {
			return n
		}
	}
	return 1
}

// title is "rule NAME (rule_id)", or the file's base name for a file that
// did not load.
func (o *outcome) title() string {
	if o.rule == nil {
		return "rule file " + filepath.Base(o.file)
	}
	return fmt.Sprintf("rule %s (%s)", o.rule.Name, o.rule.RuleID)
}

// Run tests; the status is 0 when every rule matches its baseline and its
// own test events, 1 when one does not (or a rule file does not load), 2
// when the test could not run.
func (c *testCmd) Run(e *env) error {
	files, ok := findRuleFiles(e, c.Rules)
	if !ok {
		return &exitError{status: exitFailed}
	}
	outs := loadOutcomes(files)
	withTests := 0
	for _, o := range outs {
		if o.testFile != "" {
			withTests++
		}
	}
	switch {
	case len(c.Events) == 0 && c.Update:
		return failf("test", "--update needs EVENTS")
	case len(c.Events) == 0 && withTests == 0:
		return failf("test", "give EVENTS to replay the rules over (none of the %d rule files has test events in RULE%s)", len(outs), testSuffix)
	}

	var opts []replay.RunOption
	if c.AnyIndex {
		opts = append(opts, replay.WithAnyIndex())
	}
	if c.ArrivalOrder {
		opts = append(opts, replay.WithArrivalOrder())
	}
	for _, o := range outs {
		if o.testFile != "" && o.rule != nil && o.skip == "" && o.err == nil {
			o.runTestEvents()
		}
	}
	var base *regress.Baseline
	var st replayStats
	if len(c.Events) > 0 {
		var err error
		base, err = regress.ReadFile(c.Baseline)
		switch {
		case err != nil && c.Update:
			base = nil // nothing to list the changes against
		case err != nil:
			p := baselineProblem(c.Baseline, err)
			if errors.Is(err, fs.ErrNotExist) {
				p.Msg += " (write the baseline with --update)"
			}
			return fail(exitFailed, p)
		}
		evFiles, err := eventFiles(c.Events)
		if err != nil {
			return fail(exitFailed, fileProblem("", err))
		}
		var unreadable []*events.FileError
		if st, unreadable, err = replayAll(outs, events.ReadRawFiles(evFiles, e.stdin), opts...); err != nil {
			return failf("test", "%v", err)
		}
		if len(unreadable) > 0 {
			// a baseline is never compared with, or updated from, part
			// of the events
			for _, fe := range unreadable {
				p, _ := readIssue(fe)
				fmt.Fprintln(e.stderr, p)
			}
			return failf("test", "%d event file(s) could not be read: the baseline is not compared", len(unreadable))
		}
		if st.EventsRead > 0 && st.EventsRejected == st.EventsRead {
			return failf("test", "all %d event lines were rejected", st.EventsRead)
		}
		cur := baselineOf(outs)
		if base != nil {
			outs = attachDiffs(outs, regress.Compare(base, cur))
		}
		if c.Update {
			outs = acceptDiffs(e.stdout, outs)
			if err := cur.WriteFile(c.Baseline); err != nil {
				return fail(exitFailed, fileProblem(c.Baseline, err))
			}
		}
	}

	failed, changed := writeFailures(e.stdout, outs)
	if os.Getenv("GITHUB_ACTIONS") == "true" {
		writeAnnotations(e.stdout, outs)
	}
	if c.JUnit != "" {
		if err := writeJUnitFile(c.JUnit, outs); err != nil {
			return fail(exitFailed, fileProblem(c.JUnit, err))
		}
	}
	writeCoverage(e.stderr, outs, st, len(c.Events) > 0)
	switch {
	case c.Update:
		fmt.Fprintf(e.stderr, "wrote %s\n", c.Baseline)
	case changed > 0:
		fmt.Fprintf(e.stderr, "%d of %d rules failed; if the changes are intended, accept them with --update\n", failed, len(outs))
	case failed > 0:
		fmt.Fprintf(e.stderr, "%d of %d rules failed\n", failed, len(outs))
	}
	if failed > 0 {
		return &exitError{status: exitFindings}
	}
	return nil
}

// Help is the text after the flags in "kqlrules test --help".
func (c *testCmd) Help() string {
	return exitHelp + " 1 when a rule's alerts differ from the baseline, a rule is missing from it, a rule's own test events fail, or a rule file does not load; --update writes the baseline and accepts the differences."
}

// baselineProblem is the problem of a baseline that cannot be read.
func baselineProblem(name string, err error) problem {
	var be *regress.Error
	if errors.As(err, &be) {
		return problem{File: name, Line: be.Line, Severity: sevError, Msg: be.Err.Error()}
	}
	return fileProblem(name, err)
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
		if t := strings.TrimSuffix(o.file, path.Ext(o.file)) + testSuffix; fileExists(t) {
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
// replay.Replayable tells (other languages, types and settings replay.Run
// does not replay, indicator match rules without their threat index). err
// is a query that does not compile: the rule's error, not a skip.
func skipReason(r *rules.Rule) (skip string, err error) {
	if ok, why := replay.Replayable(r); !ok {
		// a query that does not compile is the rule's error, not a reason
		// to skip it
		_, err := replay.Run(r, replay.EventsOf())
		var pe *kql.Error
		if err != nil && (errors.As(err, &pe) || eval.CompileErrors(err) != nil) {
			return "", err
		}
		return why, nil
	}
	return "", nil
}

func fileExists(name string) bool {
	fi, err := os.Stat(name)
	return err == nil && !fi.IsDir()
}

// item is one event read, or a bad line.
type item struct {
	rec events.Record
	err error
}

// each returns the items as a sequence for replay.Run.
func each(evs []item) iter.Seq2[events.Record, error] {
	return func(yield func(events.Record, error) bool) {
		for _, it := range evs {
			if !yield(it.rec, it.err) {
				return
			}
		}
	}
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
func replayAll(outs []*outcome, evs iter.Seq2[events.Raw, error], opts ...replay.RunOption) (replayStats, []*events.FileError, error) {
	var rs []*rules.Rule
	var of []*outcome
	for _, o := range outs {
		if o.rule != nil && o.skip == "" && o.err == nil {
			rs, of = append(rs, o.rule), append(of, o)
		}
	}
	set, err := ruleset.New(rs)
	if err != nil {
		return replayStats{}, nil, err
	}
	res, err := set.Replay(context.Background(), evs, ruleset.ReplayConfig{Options: opts})
	if err != nil {
		return replayStats{}, nil, err
	}
	st := replayStats{EventsRead: res.EventsRead, EventsRejected: res.EventsRejected}
	for i, rep := range res.Reports {
		st.EventsNoTime = max(st.EventsNoTime, rep.EventsNoTime)
		st.EventsLate = max(st.EventsLate, rep.EventsLate)
		st.MatchesUnseen += rep.MatchesUnseen
		for _, a := range rep.Alerts {
			of[i].alerts = append(of[i].alerts, regress.EventOf(a))
		}
	}
	return st, res.Unreadable, nil
}

// runTestEvents replays the rule over its own test events, taking
// index-less events as in scope, and checks that it alerts on exactly
// those whose _expect is "alert".
func (o *outcome) runTestEvents() {
	want := map[int]bool{} // line → an alert is expected
	var evs []item
	for rec, err := range events.ReadFiles([]string{o.testFile}, nil) {
		if err != nil { // a bad line, or a file that cannot be read
			o.testFailures = append(o.testFailures, err.Error())
			continue
		}
		o.testCount++
		switch v, _ := rec.Fields[expectKey].(string); v {
		case "alert", "none":
			want[rec.Line] = v == "alert"
		default:
			o.testFailures = append(o.testFailures, fmt.Sprintf("%s:%d: %s must be \"alert\" or \"none\", got %s", o.testFile, rec.Line, expectKey, describe(rec.Fields[expectKey])))
			continue
		}
		delete(rec.Fields, expectKey)
		evs = append(evs, item{rec: rec})
	}
	got := map[int]bool{}
	rep, err := replay.Run(o.rule, each(evs), replay.WithAnyIndex(), replay.WithAlertFunc(func(a *replay.Alert) error {
		got[a.Event.Line] = true
		return nil
	}))
	if err != nil {
		o.err = err
		return
	}
	noTime := map[string]string{} // "file:line" → why the event has no time
	for _, s := range rep.NoTime {
		if at, why, ok := strings.Cut(s, ": "); ok {
			noTime[at] = why
		}
	}
	for _, it := range evs {
		line := it.rec.Line
		if want[line] == got[line] {
			continue
		}
		at := fmt.Sprintf("%s:%d", o.testFile, line)
		msg := at + ": expected no alert, got one"
		if want[line] {
			msg = at + ": expected an alert, got none"
			if why := noTime[at]; why != "" {
				msg += " (" + why + ")"
			}
		}
		o.testFailures = append(o.testFailures, msg)
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
func baselineOf(outs []*outcome) *regress.Baseline {
	b := &regress.Baseline{}
	for _, o := range outs {
		if o.rule == nil || o.err != nil {
			continue
		}
		b.Rules = append(b.Rules, regress.Rule{
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
func attachDiffs(outs []*outcome, diffs []regress.Diff) []*outcome {
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

// acceptDiffs lists the differences from the old baseline that --update
// accepts and returns the outcomes without them.
func acceptDiffs(w io.Writer, outs []*outcome) []*outcome {
	var kept []*outcome
	for _, o := range sortedOutcomes(outs) {
		if o.diff != nil {
			fmt.Fprintf(w, "%s: %s\n", o.where(), o.diffSummary())
			for _, l := range o.diffDetails() {
				fmt.Fprintln(w, "  "+l)
			}
			o.diff = nil
		}
		if o.rule != nil || o.err != nil { // not a rule that went away
			kept = append(kept, o)
		}
	}
	return kept
}

// summary is the one-line account of a rule whose alerts or test events
// failed, after "FILE:LINE: ".
func (o *outcome) summary() string {
	var parts []string
	if o.diff != nil {
		parts = append(parts, o.diffSummary())
	}
	if len(o.testFailures) > 0 {
		parts = append(parts, fmt.Sprintf("%s: %d of %d test events failed (%s)", o.title(), len(o.testFailures), o.testCount, path.Base(o.testFile)))
	}
	return strings.Join(parts, "; ")
}

// errProblems returns the problems of a rule file that did not load or a
// rule that could not be replayed, placed in the file: a query that does
// not compile at its line and column.
func (o *outcome) errProblems() []problem {
	switch {
	case o.err == nil:
		return nil
	case o.rule == nil:
		return ruleProblems(o.file, o.err)
	}
	var pe *kql.Error
	if errors.As(o.err, &pe) || eval.CompileErrors(o.err) != nil {
		if q, err := ruleQuery(o.rule, o.file, 0); err == nil {
			return q.problems(o.err)
		}
	}
	return []problem{{File: o.file, Line: o.line(), Severity: sevError, Msg: o.err.Error()}}
}

// diffSummary is "rule NAME (rule_id): +N -M alerts".
func (o *outcome) diffSummary() string {
	d := o.diff
	title := o.title()
	if o.rule == nil {
		title = fmt.Sprintf("rule %s (%s)", d.Rule.Name, d.Rule.RuleID)
	}
	s := fmt.Sprintf("%s: +%d -%d alerts", title, len(d.Gained), len(d.Lost))
	switch d.Status {
	case regress.Added:
		s += " (not in the baseline)"
	case regress.Removed:
		s += " (in the baseline, no longer in the rules)"
	}
	return s
}

// details lists the events gained and lost and the failed test events,
// one a line.
func (o *outcome) details() []string {
	return append(o.diffDetails(), o.testFailures...)
}

// diffDetails lists the events gained ("+ ID  FILE:LINE") and lost
// ("- ID  baseline: FILE:LINE").
func (o *outcome) diffDetails() []string {
	if o.diff == nil {
		return nil
	}
	var lines []string
	list := func(sign string, es []regress.Event, where string) {
		for i, ev := range es {
			if i == maxListed {
				lines = append(lines, fmt.Sprintf("%s ... and %d more", sign, len(es)-maxListed))
				break
			}
			lines = append(lines, fmt.Sprintf("%s %s  %s%s", sign, ev.ID, where, ev.At))
		}
	}
	list("+", o.diff.Gained, "")
	list("-", o.diff.Lost, "baseline: ")
	return lines
}

// where is "FILE:LINE" of an outcome, or FILE alone for a removed rule.
func (o *outcome) where() string {
	if o.rule == nil {
		return o.file
	}
	return fmt.Sprintf("%s:%d", o.file, o.line())
}

// writeFailures lists each failed rule, its changed events and failed
// test events, in file order; it returns how many rules failed and how
// many of them differ from the baseline.
func writeFailures(w io.Writer, outs []*outcome) (failed, changed int) {
	for _, o := range sortedOutcomes(outs) {
		if !o.failed() {
			continue
		}
		failed++
		if o.diff != nil {
			changed++
		}
		for _, p := range o.errProblems() {
			fmt.Fprintln(w, p)
		}
		if o.diff == nil && len(o.testFailures) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s: %s\n", o.where(), o.summary())
		for _, l := range o.details() {
			fmt.Fprintln(w, "  "+l)
		}
	}
	return failed, changed
}

func sortedOutcomes(outs []*outcome) []*outcome {
	s := slices.Clone(outs)
	slices.SortStableFunc(s, func(a, b *outcome) int { return cmp.Compare(a.file, b.file) })
	return s
}

// writeAnnotations writes GitHub Actions error annotations: one for each
// rule whose alerts or test events failed, one for each problem of a rule
// that did not load or run.
func writeAnnotations(w io.Writer, outs []*outcome) {
	annotate := func(file string, line, col int, msg string) {
		fmt.Fprintf(w, "::error file=%s,line=%d", escapeProperty(file), max(line, 1))
		if col > 0 {
			fmt.Fprintf(w, ",col=%d", col)
		}
		fmt.Fprintf(w, ",title=kqlrules test::%s\n", escapeData(msg))
	}
	for _, o := range sortedOutcomes(outs) {
		for _, p := range o.errProblems() {
			annotate(p.File, p.Line, p.Col, p.Msg)
		}
		if o.diff != nil || len(o.testFailures) > 0 {
			line := 1
			if o.rule != nil {
				line = o.line()
			}
			annotate(o.file, line, 0, strings.Join(append([]string{o.summary()}, o.details()...), "\n"))
		}
	}
}

// escapeData escapes an annotation's message as GitHub's workflow commands
// require (toolkit/core's escapeData).
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes an annotation's property value (toolkit/core's
// escapeProperty).
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}

// testCases returns one JUnit testcase per rule: classname the rule file's
// folder, name the rule's name and rule_id.
func testCases(outs []*outcome) []regress.TestCase {
	var cases []regress.TestCase
	for _, o := range sortedOutcomes(outs) {
		tc := regress.TestCase{
			Name:      strings.TrimPrefix(o.title(), "rule "),
			ClassName: path.Dir(o.file),
			File:      o.file,
		}
		switch {
		case o.rule == nil && o.diff != nil:
			tc.Name = fmt.Sprintf("%s (%s)", o.diff.Rule.Name, o.diff.Rule.RuleID)
		case o.rule == nil:
			tc.Name = path.Base(o.file)
		}
		switch {
		case o.err != nil:
			var lines []string
			for _, p := range o.errProblems() {
				lines = append(lines, p.String())
			}
			lines = append(lines, o.details()...)
			msg, _, _ := strings.Cut(lines[0], "\n")
			tc.Error = &regress.Outcome{Message: msg, Text: strings.Join(lines, "\n")}
		case o.failed():
			tc.Failure = &regress.Outcome{Message: o.summary(), Text: strings.Join(o.details(), "\n")}
		case o.skip != "":
			tc.Skipped = &regress.Outcome{Message: o.skip}
		}
		cases = append(cases, tc)
	}
	return cases
}

// writeJUnitFile writes the JUnit report to the named file.
func writeJUnitFile(name string, outs []*outcome) error {
	var b bytes.Buffer
	if err := regress.NewJUnit("kqlrules test", testCases(outs)).Write(&b); err != nil {
		return err
	}
	return atomicfile.WriteFile(name, b.Bytes(), 0o644)
}

// writeCoverage writes a summary: rules replayed, skipped, failed; rules
// that alerted on no event; the noisiest rules.
func writeCoverage(w io.Writer, outs []*outcome, st replayStats, replayed bool) {
	var fired, silent []*outcome
	loaded, skipped, broken := 0, 0, 0
	reasons := map[string]int{}
	for _, o := range sortedOutcomes(outs) {
		switch {
		case o.rule == nil && o.err == nil: // removed from the rules
		case o.err != nil:
			broken++
		case o.skip != "":
			skipped++
			reasons[o.skip]++
		default:
			loaded++
			if len(o.alerts) > 0 {
				fired = append(fired, o)
			} else {
				silent = append(silent, o)
			}
		}
	}
	fmt.Fprintf(w, "rules: %d replayed, %d skipped, %d in error", loaded, skipped, broken)
	if replayed {
		fmt.Fprintf(w, "; events: %d", st.EventsRead)
	}
	fmt.Fprintln(w)
	if replayed {
		fmt.Fprintf(w, "events: %d read, %d rejected, %d without a usable time", st.EventsRead, st.EventsRejected, st.EventsNoTime)
		if st.EventsLate > 0 {
			fmt.Fprintf(w, ", %d out of order (arrival order)", st.EventsLate)
		}
		fmt.Fprintf(w, "; matches never searched: %d\n", st.MatchesUnseen)
	}
	withTests, testEvents, testFailed := 0, 0, 0
	for _, o := range outs {
		if o.testFile != "" && o.rule != nil && o.skip == "" && o.err == nil {
			withTests++
			testEvents += o.testCount
			if len(o.testFailures) > 0 {
				testFailed++
			}
		}
	}
	if withTests > 0 {
		fmt.Fprintf(w, "test events: %d rules with %d events, %d failed\n", withTests, testEvents, testFailed)
	}
	// the most frequent reasons first, each on one short line
	byCount := slices.SortedStableFunc(maps.Keys(reasons), func(a, b string) int {
		return cmp.Or(cmp.Compare(reasons[b], reasons[a]), cmp.Compare(a, b))
	})
	for i, r := range byCount {
		if i == maxReasons {
			fmt.Fprintf(w, "  ... and %d other reasons (in the baseline and the JUnit report)\n", len(byCount)-maxReasons)
			break
		}
		if rs := []rune(r); len(rs) > 100 {
			r = string(rs[:100]) + "..."
		}
		fmt.Fprintf(w, "  skipped %d: %s\n", reasons[byCount[i]], r)
	}
	if !replayed || loaded == 0 {
		return
	}
	fmt.Fprintf(w, "coverage: %d of %d replayed rules alerted\n", len(fired), loaded)
	if len(silent) > 0 {
		fmt.Fprintf(w, "never alerted (%d):\n", len(silent))
		for i, o := range silent {
			if i == maxListed {
				fmt.Fprintf(w, "  ... and %d more\n", len(silent)-maxListed)
				break
			}
			fmt.Fprintf(w, "  %s: %s\n", o.file, o.title())
		}
	}
	noisy := slices.Clone(fired)
	slices.SortStableFunc(noisy, func(a, b *outcome) int { return cmp.Compare(len(b.alerts), len(a.alerts)) })
	if len(noisy) > 5 {
		noisy = noisy[:5]
	}
	if len(noisy) > 0 {
		fmt.Fprintln(w, "noisiest:")
		for _, o := range noisy {
			fmt.Fprintf(w, "  %6d alerts  %s: %s\n", len(o.alerts), o.file, o.title())
		}
	}
}
