package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/atomicfile"
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
	State        string   `placeholder:"FILE" help:"Resume the replay from the state in FILE when it exists, and save the state there at the end (atomically; a name ending in .gz is compressed): each rule's schedule, de-duplication identities, threshold, new terms and suppression memory, and the matches waiting for an execution of the next run. For a job run over each new batch of logs, whose events come after the last batch's."`
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
		if err := atomicfile.CanWrite(c.ReportJSON); err != nil {
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
				return fail(exitFailed, q.Diagnostics(err)...)
			}
		}
		return failf("run", "rule %s: %s", rule.Name, why)
	}
	set, err := ruleset.New([]*rules.Rule{rule})
	if err != nil {
		return failf("run", "%v", err)
	}

	res, st, err := c.replay(e, set, files, opts, false, func(a *replay.Alert) any { return a.Document() })
	if err != nil {
		return err
	}
	if err := c.writeReport(e, res.Reports[0]); err != nil {
		return err
	}
	if st != nil && c.ReportJSON == "" {
		if err := st.WriteText(e.stderr); err != nil {
			return err
		}
	}
	if len(res.Unreadable) > 0 {
		return &exitError{status: exitFailed}
	}
	return nil
}

// replay runs the set over the event files: each alert on standard output
// as the JSON line of line(alert), a progress line on a terminal, and
// each entry of a directory that could not be read named on stderr. With
// --state it restores the state first and saves it at the end, saying
// what it did.
func (c *runCmd) replay(e *env, set *ruleset.Set, files []string, opts []replay.RunOption, profile bool, line func(*replay.Alert) any) (*ruleset.Result, *ruleset.StateSummary, error) {
	out := bufio.NewWriter(e.stdout)
	prog := newProgress(e.stderr)
	var buf []byte
	opts = append(opts, replay.WithAlertFunc(func(a *replay.Alert) error {
		prog.alerts++
		// writeJSON's bytes, without encoding/json's reflection over
		// the document's maps
		var err error
		if buf, err = events.AppendJSON(buf[:0], line(a)); err != nil {
			return err
		}
		_, err = out.Write(append(buf, '\n'))
		return err
	}))
	cfg := ruleset.ReplayConfig{Workers: c.Workers, Options: opts, Progress: prog.set, Profile: profile}
	if c.State != "" {
		if err := cfg.OpenState(c.State); err != nil {
			return nil, nil, failf("run", "--state: %v", err)
		}
	}
	res, err := set.Replay(context.Background(), events.ReadRawFilesUnchecked(files, e.stdin), cfg)
	prog.done()
	ferr := out.Flush()
	if err != nil {
		return nil, nil, replayFailed(err)
	}
	reportUnreadable(e, res)
	if ferr != nil {
		return nil, nil, ferr
	}
	if c.State == "" {
		return res, nil, nil
	}
	st, err := ruleset.SaveState(c.State, res)
	if err != nil {
		return nil, nil, failf("run", "--state: %v", err)
	}
	return res, st, nil
}

// writeReport writes the run's report: as JSON to --report-json (- for
// standard error), else as text on standard error.
func (c *runCmd) writeReport(e *env, rep interface{ WriteText(io.Writer) error }) error {
	if c.ReportJSON == "" {
		return rep.WriteText(e.stderr)
	}
	w := e.stderr
	if c.ReportJSON != "-" {
		f, err := os.Create(c.ReportJSON)
		if err != nil {
			return fail(exitFailed, fileProblem(c.ReportJSON, err))
		}
		defer f.Close()
		w = f
	}
	return writeJSON(w, rep, "  ")
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

// replayFailed is the exit of a replay that failed: a state that does
// not restore is a --state error, naming the file.
func replayFailed(err error) *exitError {
	var se *replay.StateError
	if errors.As(err, &se) {
		return failf("run", "--state: %v", err)
	}
	return failf("run", "%v", err)
}
