package ruleset

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// Diagnostics returns the problems of loading a rule set, as Load
// returned it, in the one form of rules.Diagnostic: each rule that failed
// (at its line of an export when the error has no line of its own), then
// each path or entry of a folder that could not be read (err).
func Diagnostics(files []File, err error) []rules.Diagnostic {
	var out []rules.Diagnostic
	for _, f := range files {
		if f.Status == Failed {
			for _, d := range rules.LoadDiagnostics(f.Path, f.Err) {
				if d.Line == 0 {
					d.Line = f.Line
				}
				out = append(out, d)
			}
		}
	}
	if inner := errors.Unwrap(err); inner != nil {
		err = inner // "ruleset: " and the joined errors
	}
	return append(out, rules.FindDiagnostics(err)...)
}

// Summary is the outcome of a rule set's replay file by file, with its
// totals: what "kqlrules run --rules" prints ([Summary.WriteText]), and
// as JSON writes with --report-json.
type Summary struct {
	Rules          []*RuleSummary `json:"rules"`
	Files          int            `json:"files"`
	Replayed       int            `json:"replayed"`
	Skipped        int            `json:"skipped"`
	Errors         int            `json:"errors"`
	EventsRead     int            `json:"events_read"`
	EventsRejected int            `json:"events_rejected"`
	// EventsNoTime and EventsLate are the largest of the rules' counts
	// (the rules' timestamp fields may differ); MatchesUnseen is summed
	// over the rules.
	EventsNoTime  int `json:"events_no_time"`
	EventsLate    int `json:"events_late"`
	MatchesUnseen int `json:"matches_unseen"`
	Alerts        int `json:"alerts"`
	// Seconds is the time the whole run took, set by the caller.
	Seconds float64 `json:"seconds"`
	// State is what the run did with its saved state, set by the caller;
	// nil without.
	State *StateSummary `json:"state,omitempty"`
}

// RuleSummary is one rule file (or rule of an export) of a [Summary].
type RuleSummary struct {
	RuleID   string `json:"rule_id"`
	Name     string `json:"name"`
	File     string `json:"file"` // File.Where
	Type     string `json:"type"`
	Language string `json:"language"`
	Status   string `json:"status"` // replayed, skipped or error
	Reason   string `json:"reason,omitempty"`
	Alerts   int    `json:"alerts"`
	Matches  int    `json:"matches"`
	// TimeMS is the time spent matching the rule's query, estimated from
	// a sample of the events (ReplayConfig.Profile), in milliseconds.
	TimeMS float64 `json:"time_ms"`
	// Report is the replay's report of a rule replayed; its fields are
	// the row's in JSON.
	*replay.Report
}

// Summarize sums up the replay res of the set New built from the loaded
// rules of files (Rules(files), in that order).
func Summarize(files []File, res *Result) *Summary {
	byRule := map[*rules.Rule]int{}
	for i, r := range Rules(files) {
		byRule[r] = i
	}
	s := &Summary{Files: len(files), EventsRead: res.EventsRead, EventsRejected: res.EventsRejected}
	for _, f := range files {
		row := &RuleSummary{File: f.Where(), Status: "replayed"}
		if f.Rule != nil {
			row.RuleID, row.Name, row.Type, row.Language = f.Rule.RuleID, f.Rule.Name, string(f.Rule.Type), string(f.Rule.Language)
		}
		switch f.Status {
		case Loaded:
			i := byRule[f.Rule]
			r := res.Reports[i]
			row.Report = r
			row.Alerts, row.Matches = r.AlertCount, r.Matches
			if i < len(res.Spent) {
				row.TimeMS = float64(res.Spent[i]) / float64(time.Millisecond)
			}
			s.Replayed++
			s.Alerts += row.Alerts
			s.EventsNoTime = max(s.EventsNoTime, r.EventsNoTime)
			s.EventsLate = max(s.EventsLate, r.EventsLate)
			s.MatchesUnseen += r.MatchesUnseen
		case Skipped:
			row.Status, row.Reason = "skipped", f.Reason
			s.Skipped++
		default:
			row.Status, row.Reason = "error", f.Err.Error()
			s.Errors++
		}
		s.Rules = append(s.Rules, row)
	}
	return s
}

// slowest is how many of the rules replayed without a match WriteText
// lists, slowest first.
const slowest = 10

// WriteText writes the summary as "kqlrules run --rules" prints it: the
// counts, the reasons rules were skipped (most frequent first; errors
// are told as the rules load, see [Diagnostics]), the events, and a table
// of the rules that matched and of the slowest ones, slowest first.
func (s *Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "rules: %d files, %d replayed, %d skipped, %d errors\n", s.Files, s.Replayed, s.Skipped, s.Errors)
	reasons := map[string]int{}
	for _, r := range s.Rules {
		if r.Status == "skipped" {
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
		fmt.Fprintf(&b, "skipped: %d: %s\n", reasons[k], k)
	}
	fmt.Fprintf(&b, "events: %d read, %d rejected, %d without a usable time", s.EventsRead, s.EventsRejected, s.EventsNoTime)
	if s.EventsLate > 0 {
		fmt.Fprintf(&b, ", %d out of order (arrival order)", s.EventsLate)
	}
	fmt.Fprintf(&b, "; matches never searched: %d; alerts: %d; %.1fs\n", s.MatchesUnseen, s.Alerts, s.Seconds)
	var rows []*RuleSummary
	for _, r := range s.Rules {
		if r.Status == "replayed" {
			rows = append(rows, r)
		}
	}
	slices.SortStableFunc(rows, func(a, b *RuleSummary) int {
		switch {
		case a.TimeMS > b.TimeMS:
			return -1
		case a.TimeMS < b.TimeMS:
			return 1
		}
		return 0
	})
	fmt.Fprintf(&b, "%8s %8s %10s  %s\n", "ALERTS", "MATCHES", "TIME(ms)", "RULE")
	other := 0
	for i, r := range rows {
		if i >= slowest && r.Matches == 0 && r.Alerts == 0 {
			other++
			continue
		}
		fmt.Fprintf(&b, "%8d %8d %10.2f  %s (%s) %s\n", r.Alerts, r.Matches, r.TimeMS, r.Name, r.RuleID, r.File)
		if r.Report != nil && r.Report.Sequences != nil {
			fmt.Fprintf(&b, "%28s  %s\n", "", r.Report.Sequences.Text())
		}
	}
	if other > 0 {
		fmt.Fprintf(&b, "... and %d other rules without a match\n", other)
	}
	if s.State != nil {
		s.State.WriteText(&b)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
