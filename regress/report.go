package regress

// The reporters of Run: the failures, GitHub annotations, the JUnit
// report and the coverage summary.

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"maps"
	"path"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/internal/atomicfile"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules"
)

// maxListed bounds the events listed for one rule; all are counted.
const maxListed = 20

// maxReasons bounds the reasons for skipping rules the summary lists.
const maxReasons = 6

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

// acceptDiffs lists the differences from the old baseline that Update
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

// errDiagnostics returns the diagnostics of a rule file that did not load
// or a rule that could not be replayed, placed in the file: a query that
// does not compile at its line and column.
func (o *outcome) errDiagnostics() []rules.Diagnostic {
	switch {
	case o.err == nil:
		return nil
	case o.rule == nil:
		return rules.LoadDiagnostics(o.file, o.err)
	}
	var pe *kql.Error
	if o.rule.IsKQL() {
		if errors.As(o.err, &pe) || eval.CompileErrors(o.err) != nil {
			return o.rule.QuerySource(o.file).Diagnostics(o.err)
		}
	}
	return []rules.Diagnostic{{File: o.file, Line: o.line(), Severity: rules.SeverityError, Msg: o.err.Error()}}
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
	case Added:
		s += " (not in the baseline)"
	case Removed:
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
	list := func(sign string, es []Event, where string) {
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
		for _, d := range o.errDiagnostics() {
			fmt.Fprintln(w, d)
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

// writeAnnotations writes GitHub Actions error annotations titled name:
// one for each rule whose alerts or test events failed, one for each
// problem of a rule that did not load or run.
func writeAnnotations(w io.Writer, name string, outs []*outcome) {
	annotate := func(file string, line, col int, msg string) {
		fmt.Fprintf(w, "::error file=%s,line=%d", escapeProperty(file), max(line, 1))
		if col > 0 {
			fmt.Fprintf(w, ",col=%d", col)
		}
		fmt.Fprintf(w, ",title=%s::%s\n", escapeProperty(name), escapeData(msg))
	}
	for _, o := range sortedOutcomes(outs) {
		for _, d := range o.errDiagnostics() {
			annotate(d.File, d.Line, d.Col, d.Msg)
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
func testCases(outs []*outcome) []TestCase {
	var cases []TestCase
	for _, o := range sortedOutcomes(outs) {
		tc := TestCase{
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
			for _, d := range o.errDiagnostics() {
				lines = append(lines, d.String())
			}
			lines = append(lines, o.details()...)
			msg, _, _ := strings.Cut(lines[0], "\n")
			tc.Error = &Outcome{Message: msg, Text: strings.Join(lines, "\n")}
		case o.failed():
			tc.Failure = &Outcome{Message: o.summary(), Text: strings.Join(o.details(), "\n")}
		case o.skip != "":
			tc.Skipped = &Outcome{Message: o.skip}
		}
		cases = append(cases, tc)
	}
	return cases
}

// writeJUnitFile writes the JUnit report of the suite name to the file.
func writeJUnitFile(file, name string, outs []*outcome) error {
	var b bytes.Buffer
	if err := NewJUnit(name, testCases(outs)).Write(&b); err != nil {
		return err
	}
	return atomicfile.WriteFile(file, b.Bytes(), 0o644)
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
		if o.testFile != "" && o.replayed() {
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
