package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// runCmd is "kqlrules run": a replay of Kibana's detection engine.
type runCmd struct {
	Rule         []string `xor:"rule" required:"" sep:"none" help:"The rule file (detection-rules TOML or Kibana JSON); builtin/NAME for a bundled rule such as builtin/ftp.toml."`
	Rules        []string `xor:"rule" required:"" sep:"none" help:"Rule files, directories (a detection-rules checkout reads rules/ and rules_building_block/) or Kibana exports (.ndjson): every KQL rule and EQL rule (event query, sequence, sample) that the replay runs (query, threshold, new_terms, indicator match, eql, with their filters, exceptions and suppression) is replayed, every other rule skipped with the reason; repeatable."`
	Workers      int      `help:"Goroutines that match events (default: the number of CPUs)."`
	ArrivalOrder bool     `name:"arrival-order" help:"Replay the events in the order they come, as a live cluster indexes them (an event after a later one is seen only by the executions still to run); by default they are replayed in time order, as Kibana's manual rule run over an index holding them all."`
	RuleVersion  int      `name:"rule-version" help:"Run the query and index patterns of version N of the rule's history."`
	Now          string   `help:"Time of the last execution, as Elasticsearch reads a date (2023-01-01T12:00:00Z, 2023-01-01, 2023, or epoch milliseconds); default: the first execution at or after the last event."`
	ReportJSON   string   `name:"report-json" help:"Write the run report as JSON to FILE (- for standard error) instead of the human-readable report on standard error."`
	AnyIndex     bool     `name:"any-index" help:"Treat events without _index or data_stream.* as matching the rule's index patterns."`
	Exceptions   string   `help:"Kibana's exception list export (NDJSON) holding the items of the exception lists the rule names in exceptions_list; without it those lists are not applied (a warning)."`
	Threat       []string `help:"Indicator documents for an indicator match rule (its threat index): files or directories of NDJSON or JSON arrays, .gz too; - reads standard input."`
	Events       []string `arg:"" optional:"" help:"Event files (NDJSON, a JSON array or pretty-printed objects) in any order (see --arrival-order), directories of them (*.ndjson, *.jsonl, *.json), gzip too; - (or none) reads standard input."`
}

func (c *runCmd) Run(e *env) error {
	if len(c.Rule) > 1 {
		return failf("run", "--rule takes one rule file; give --rules for several")
	}
	if c.Workers < 0 {
		return failf("run", "--workers %d: give a number of goroutines, or 0 for one a CPU", c.Workers)
	}
	if c.ReportJSON != "" && c.ReportJSON != "-" {
		// before the run, not after the alerts were written
		if err := probeWritable(c.ReportJSON); err != nil {
			p := fileProblem(c.ReportJSON, err)
			p.Msg = "--report-json: cannot write: " + p.Msg
			return fail(exitFailed, p)
		}
	}
	var opts []replay.RunOption
	if c.Now != "" {
		now, err := eval.ParseDate(c.Now)
		if err != nil {
			return failf("run", "--now: %v", err)
		}
		opts = append(opts, replay.WithNow(now))
	}
	if c.AnyIndex {
		opts = append(opts, replay.WithAnyIndex())
	}
	if c.ArrivalOrder {
		opts = append(opts, replay.WithArrivalOrder())
	}
	if c.Exceptions != "" {
		f, err := os.Open(c.Exceptions)
		if err != nil {
			return &exitError{status: 2, msg: "kqlrules run: --exceptions: " + err.Error()}
		}
		items, err := replay.ReadExceptions(f)
		f.Close()
		if err != nil {
			return &exitError{status: 2, msg: fmt.Sprintf("kqlrules run: --exceptions: %s: %v", c.Exceptions, err)}
		}
		opts = append(opts, replay.WithExceptions(items))
	}
	if len(c.Rules) > 0 {
		if c.RuleVersion != 0 {
			return failf("run", "--rule-version needs --rule (one rule)")
		}
		if len(c.Threat) > 0 {
			// the threat index of every indicator match rule of the set
			opts = append(opts, replay.WithThreat(events.ReadFiles(c.Threat, e.stdin)))
		}
		return c.runSet(e, opts)
	}
	rule, err := loadRule(c.Rule[0])
	if err != nil {
		return fail(exitFailed, ruleProblems(c.Rule[0], err)...)
	}
	if c.RuleVersion != 0 {
		if rule, err = rule.AtVersion(c.RuleVersion); err != nil {
			return failf("run", "%v", err)
		}
	}
	if len(c.Threat) > 0 {
		if rule.Type != rules.TypeThreatMatch {
			return &exitError{status: 2, msg: fmt.Sprintf("kqlrules run: --threat is for indicator match rules; %s is a %s rule", c.Rule[0], rule.Type)}
		}
		opts = append(opts, replay.WithThreat(events.ReadFiles(c.Threat, e.stdin)))
	}
	files, err := eventFiles(c.Events)
	if err != nil {
		return fail(exitFailed, fileProblem("", err))
	}
	if ok, why := replay.Replayable(rule); !ok {
		if q, qerr := ruleQuery(rule, c.Rule[0], 0); qerr == nil {
			if _, err := replay.Run(rule, replay.EventsOf()); eval.CompileErrors(err) != nil {
				return fail(exitFailed, q.problems(err)...)
			}
		}
		return failf("run", "rule %s: %s", rule.Name, why)
	}
	set, err := ruleset.New([]*rules.Rule{rule})
	if err != nil {
		return failf("run", "%v", err)
	}

	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	prog := newProgress(e.stderr)
	opts = append(opts, replay.WithAlertFunc(func(a *replay.Alert) error {
		prog.alerts++
		b, err := a.MarshalJSON()
		if err != nil {
			return err
		}
		out.Write(b)
		return out.WriteByte('\n')
	}))
	res, err := set.Replay(context.Background(), events.ReadRawFiles(files, e.stdin), ruleset.ReplayConfig{
		Workers: c.Workers, Options: opts, Progress: prog.set,
	})
	prog.done()
	if err != nil {
		return failf("run", "%v", err)
	}
	reportUnreadable(e, res)
	rep := res.Reports[0]
	if err := out.Flush(); err != nil {
		return err
	}
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
		writeReport(e.stderr, rep)
	}
	if len(res.Unreadable) > 0 {
		return &exitError{status: exitFailed}
	}
	return nil
}

// reportUnreadable names on stderr each entry of a directory that could
// not be read (the rest was read and replayed).
func reportUnreadable(e *env, res *ruleset.Result) {
	for _, fe := range res.Unreadable {
		p, _ := readIssue(fe)
		fmt.Fprintln(e.stderr, p)
	}
}

// progress draws a one-line indicator on stderr when it is a terminal.
type progress struct {
	w      io.Writer
	on     bool
	events int
	alerts int
	last   time.Time
}

func newProgress(w io.Writer) *progress {
	p := &progress{w: w}
	if f, ok := w.(*os.File); ok {
		if fi, err := f.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			p.on = true
		}
	}
	return p
}

// set takes the number of events read so far.
func (p *progress) set(n int) {
	p.events = n
	if !p.on {
		return
	}
	if now := time.Now(); now.Sub(p.last) > 200*time.Millisecond {
		p.last = now
		fmt.Fprintf(p.w, "\r %d events, %d alerts ", p.events, p.alerts)
	}
}

func (p *progress) done() {
	if p.on && !p.last.IsZero() {
		fmt.Fprint(p.w, "\r\033[K")
	}
}

// isoTime writes a report's time as RFC 3339 in seconds (for any year).
func isoTime(t replay.Time) string {
	b, _ := t.MarshalJSON() // "2006-01-02T15:04:05.000Z"
	s := strings.Trim(string(b), `"`)
	return s[:len(s)-len(".000Z")] + "Z"
}

// writeTypeReport writes the rule type's counts and the run's warnings
// other than max_signals (which the executions list).
func writeTypeReport(w io.Writer, r *replay.Report) {
	if r.MatchesAlerted != r.AlertCount || r.MatchesNotAlerted > 0 {
		fmt.Fprintf(w, "matches an alert stands for: %d, seen without an alert: %d\n", r.MatchesAlerted, r.MatchesNotAlerted)
	}
	if t := r.Threshold; t != nil {
		fmt.Fprintf(w, "threshold: %d groups evaluated, %d alerted, %d under the threshold, %d left out by max_signals; %d events left out by the signal history, %d without a threshold field\n",
			t.GroupsEvaluated, t.GroupsAlerted, t.GroupsBelow, t.GroupsTruncated, t.EventsInHistory, t.EventsMissingField)
	}
	if n := r.NewTerms; n != nil {
		fmt.Fprintf(w, "new terms: %d terms in history, %d evaluated, %d new, %d known; %d events without a term\n",
			n.TermsInHistory, n.TermsEvaluated, n.TermsNew, n.TermsKnown, n.EventsMissingField)
	}
	if s := r.Suppression; s != nil {
		fmt.Fprintf(w, "suppression: %d groups, %d alerts, %d events suppressed, %d events missing a group_by field\n",
			s.Groups, s.Alerts, s.Suppressed, s.MissingFields)
	}
	if t := r.ThreatMatch; t != nil {
		fmt.Fprintf(w, "indicator match: %d indicators read, %d in the threat index, %d indicator mappings; %d events seen without an indicator that threat_query finds\n",
			t.IndicatorsRead, t.Indicators, t.Mappings, t.EventsNoIndicator)
	}
	for _, x := range r.Warnings {
		if x != replay.MaxSignalsWarning {
			fmt.Fprintf(w, "warning: %s\n", x)
		}
	}
}

// writeReport writes the human-readable run report.
func writeReport(w io.Writer, r *replay.Report) {
	fmt.Fprintf(w, "rule: %s (%s), version %d\n", r.Rule, r.RuleID, r.Version)
	fmt.Fprintf(w, "index: %s\n", strings.Join(r.Index, ", "))
	fmt.Fprintf(w, "schedule: every %s looking back %s, at most %d alerts an execution, event time %s\n", r.Interval, r.LookBack, r.MaxSignals, r.TimestampField)
	if r.Executions > 0 {
		fmt.Fprintf(w, "executions: %d from %s to %s, %d with matches", r.Executions, isoTime(r.FirstExecution), isoTime(r.LastExecution), r.RunsFound+r.RepeatRuns)
		if r.RepeatRuns > 0 {
			fmt.Fprintf(w, " (%d of them finding only matches earlier executions had handled)", r.RepeatRuns)
		}
		fmt.Fprintln(w)
	} else {
		fmt.Fprintln(w, "executions: none (no event in scope)")
	}
	fmt.Fprintf(w, "events: %d read, %d rejected, %d in scope, %d other index, %d without index, %d without a usable time",
		r.EventsRead, r.EventsRejected, r.EventsInScope, r.EventsOtherIndex, r.EventsNoIndex, r.EventsNoTime)
	if r.EventsRefused > 0 {
		fmt.Fprintf(w, ", %d Elasticsearch would refuse", r.EventsRefused)
	}
	if r.EventsLate > 0 {
		fmt.Fprintf(w, ", %d out of order (arrival order)", r.EventsLate)
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "matches: %d; alerts: %d, lost to max_signals: %d, never searched: %d, duplicates: %d\n",
		r.Matches, r.AlertCount, r.AlertsLost, r.MatchesUnseen, r.DuplicateEvents)
	writeTypeReport(w, r)
	for _, x := range r.Runs {
		if x.Warning != "" {
			fmt.Fprintf(w, "warning: execution at %s: %s (%d left out)\n", isoTime(x.Time), x.Warning, x.Truncated)
		}
	}
	if r.EventsNoIndex > 0 && r.EventsInScope == 0 {
		fmt.Fprintln(w, "hint: no event carries _index or data_stream.*; --any-index treats them as in scope")
	}
	if r.EventsLate > 0 {
		fmt.Fprintln(w, "hint: events are not in time order; executions that had already run missed the late ones (without --arrival-order the replay is in time order)")
	}
	list := func(title string, items []replay.Sample, total int) {
		if len(items) == 0 {
			return
		}
		fmt.Fprintf(w, "%s:\n", title)
		for _, s := range items {
			fmt.Fprintf(w, "  %s\n", s)
		}
		if total > len(items) {
			fmt.Fprintf(w, "  ... and %d more\n", total-len(items))
		}
	}
	list("rejected", r.Rejected, r.EventsRejected)
	list("refused by the mapping", r.Refused, r.EventsRefused)
	list("without a usable time", r.NoTime, r.EventsNoTime)
}
