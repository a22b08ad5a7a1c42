package replay

import (
	"fmt"
	"io"
	"strings"
)

// WriteText writes the report as "kqlrules run" prints it on standard
// error: the rule and its schedule, the executions, the counts of events
// and matches, the rule type's counts, the warnings (an execution that
// reached max_signals once, with the events it left out), hints, and the
// first rejected, refused and untimed event lines. Times are RFC 3339 in
// seconds, UTC.
func (r *Report) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "rule: %s (%s), version %d\n", r.Rule, r.RuleID, r.Version)
	fmt.Fprintf(&b, "index: %s\n", strings.Join(r.Index, ", "))
	fmt.Fprintf(&b, "schedule: every %s looking back %s, at most %d alerts an execution, event time %s\n", r.Interval, r.LookBack, r.MaxSignals, r.TimestampField)
	if r.Executions > 0 {
		fmt.Fprintf(&b, "executions: %d from %s to %s, %d with matches", r.Executions, r.FirstExecution.seconds(), r.LastExecution.seconds(), r.RunsFound+r.RepeatRuns)
		if r.RepeatRuns > 0 {
			fmt.Fprintf(&b, " (%d of them finding only matches earlier executions had handled)", r.RepeatRuns)
		}
		b.WriteString("\n")
	} else {
		b.WriteString("executions: none (no event in scope)\n")
	}
	fmt.Fprintf(&b, "events: %d read, %d rejected, %d in scope, %d other index, %d without index, %d without a usable time",
		r.EventsRead, r.EventsRejected, r.EventsInScope, r.EventsOtherIndex, r.EventsNoIndex, r.EventsNoTime)
	if r.EventsRefused > 0 {
		fmt.Fprintf(&b, ", %d Elasticsearch would refuse", r.EventsRefused)
	}
	if r.EventsLate > 0 {
		fmt.Fprintf(&b, ", %d out of order (arrival order)", r.EventsLate)
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "matches: %d; alerts: %d, lost to max_signals: %d, never searched: %d, duplicates: %d\n",
		r.Matches, r.AlertCount, r.AlertsLost, r.MatchesUnseen, r.DuplicateEvents)
	r.writeTypeText(&b)
	for _, x := range r.Runs {
		if x.Warning != "" {
			fmt.Fprintf(&b, "warning: execution at %s: %s (%d left out)\n", x.Time.seconds(), x.Warning, x.Truncated)
		}
	}
	if r.EventsNoIndex > 0 && r.EventsInScope == 0 {
		b.WriteString("hint: no event carries _index or data_stream.*; --any-index treats them as in scope\n")
	}
	if r.EventsLate > 0 {
		b.WriteString("hint: events are not in time order; executions that had already run missed the late ones (without --arrival-order the replay is in time order)\n")
	}
	list := func(title string, items []Sample, total int) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(&b, "%s:\n", title)
		for _, s := range items {
			fmt.Fprintf(&b, "  %s\n", s)
		}
		if total > len(items) {
			fmt.Fprintf(&b, "  ... and %d more\n", total-len(items))
		}
	}
	list("rejected", r.Rejected, r.EventsRejected)
	list("refused by the mapping", r.Refused, r.EventsRefused)
	list("without a usable time", r.NoTime, r.EventsNoTime)
	_, err := io.WriteString(w, b.String())
	return err
}

// writeTypeText writes the rule type's counts and the run's warnings
// other than max_signals (which the executions list).
func (r *Report) writeTypeText(b *strings.Builder) {
	if r.MatchesAlerted != r.AlertCount || r.MatchesNotAlerted > 0 {
		fmt.Fprintf(b, "matches an alert stands for: %d, seen without an alert: %d\n", r.MatchesAlerted, r.MatchesNotAlerted)
	}
	if t := r.Threshold; t != nil {
		fmt.Fprintf(b, "threshold: %d groups evaluated, %d alerted, %d under the threshold, %d left out by max_signals; %d events left out by the signal history, %d without a threshold field\n",
			t.GroupsEvaluated, t.GroupsAlerted, t.GroupsBelow, t.GroupsTruncated, t.EventsInHistory, t.EventsMissingField)
	}
	if n := r.NewTerms; n != nil {
		fmt.Fprintf(b, "new terms: %d terms in history, %d evaluated, %d new, %d known; %d events without a term\n",
			n.TermsInHistory, n.TermsEvaluated, n.TermsNew, n.TermsKnown, n.EventsMissingField)
	}
	if s := r.Suppression; s != nil {
		what := "events" // a sequence rule suppresses sequences (seqsuppress.go)
		if r.Sequences != nil {
			what = "sequences"
		}
		fmt.Fprintf(b, "suppression: %d groups, %d alerts, %d %s suppressed, %d %[4]s missing a group_by field\n",
			s.Groups, s.Alerts, s.Suppressed, what, s.MissingFields)
	}
	if t := r.ThreatMatch; t != nil {
		fmt.Fprintf(b, "indicator match: %d indicators read, %d in the threat index, %d indicator mappings; %d events seen without an indicator that threat_query finds\n",
			t.IndicatorsRead, t.Indicators, t.Mappings, t.EventsNoIndicator)
	}
	if s := r.Sequences; s != nil {
		b.WriteString(s.Text() + "\n")
	}
	for _, x := range r.Warnings {
		if x != MaxSignalsWarning {
			fmt.Fprintf(b, "warning: %s\n", x)
		}
	}
}

// Text is the report's one line for a sequence or sample rule: the
// sequences alerted on, found again, lost to max_signals; for sequences,
// those of the whole stream no execution's window holds and the pending
// ones maxspan, until or a missing event dropped.
func (s *SequenceReport) Text() string {
	t := fmt.Sprintf("sequences: %d found, %d found again, %d lost to max_signals", s.Found, s.FoundAgain, s.Lost)
	if s.Stream {
		t += fmt.Sprintf("; in the stream %d, outside any execution's window %d; pending dropped by maxspan %d, by until %d, by a missing event %d, left at the end %d",
			s.InStream, s.OutsideWindow, s.DroppedMaxspan, s.DroppedUntil, s.DroppedMissing, s.PendingAtEnd)
	}
	return t
}

// seconds returns t as RFC 3339 in seconds, UTC (for any year).
func (t Time) seconds() string {
	s := isoMillis(t.Time) // "2006-01-02T15:04:05.000Z"
	return s[:len(s)-len(".000Z")] + "Z"
}
