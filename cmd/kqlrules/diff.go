package main

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/diff"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/kql"
)

// diffCmd is "kqlrules diff".
type diffCmd struct {
	Old    string   `help:"The old query." placeholder:"Q1"`
	New    string   `help:"The new query." placeholder:"Q2"`
	Rule   string   `help:"Compare two versions of this rule file's history (--from, --to)." placeholder:"FILE"`
	From   int      `help:"With --rule, the old version." placeholder:"N"`
	To     int      `help:"With --rule, the new version." placeholder:"M"`
	Schema string   `help:"Field types: an ECS table or an Elasticsearch mapping (see check)." placeholder:"FILE"`
	Events []string `help:"Event files (NDJSON or a JSON array; directories, .gz and - too) to run both queries over: counts and the events whose outcome changed." placeholder:"FILE"`
	Show   int      `help:"With --events, print at most N changed events in each direction." default:"10"`
}

// Run compares; status 0 when the queries mean the same (formatting only,
// or equivalent), 1 when the meaning changed, 2 when it could not run.
func (c *diffCmd) Run(e *env) error {
	var oldQ, newQ, oldName, newName string
	switch {
	case c.Rule != "" && (c.Old != "" || c.New != ""):
		return &exitError{status: 2, msg: "kqlrules diff: give --old and --new, or --rule with --from and --to (not both)"}
	case c.Rule != "":
		if c.From == 0 || c.To == 0 {
			return &exitError{status: 2, msg: "kqlrules diff: --rule needs --from N and --to M"}
		}
		var err error
		if oldQ, err = queryOf("diff", "", c.Rule, c.From); err != nil {
			return err
		}
		if newQ, err = queryOf("diff", "", c.Rule, c.To); err != nil {
			return err
		}
		oldName, newName = fmt.Sprintf("v%d", c.From), fmt.Sprintf("v%d", c.To)
	case c.Old != "" && c.New != "":
		oldQ, newQ, oldName, newName = c.Old, c.New, "old", "new"
	default:
		return &exitError{status: 2, msg: "kqlrules diff: give --old Q1 and --new Q2, or --rule FILE --from N --to M"}
	}
	parse := func(name, q string) (ast.Expr, error) {
		x, err := kql.Parse(q)
		if err != nil {
			se := syntaxError(err).(*exitError)
			return nil, &exitError{status: 2, msg: name + ": " + se.msg}
		}
		return x, nil
	}
	xo, err := parse(oldName, oldQ)
	if err != nil {
		return err
	}
	xn, err := parse(newName, newQ)
	if err != nil {
		return err
	}
	s, err := loadSchema("diff", c.Schema)
	if err != nil {
		return err
	}
	if s == nil {
		s = eval.DefaultSchema()
	}
	d, err := diff.Queries(xo, xn, diff.Schema(s))
	if err != nil {
		return &exitError{status: 2, msg: "kqlrules diff: " + err.Error()}
	}
	w := e.stdout
	fmt.Fprintf(w, "%s: %s\n%s: %s\n", oldName, d.Old, newName, d.New)
	switch d.Verdict {
	case diff.VerdictFormatting:
		fmt.Fprintln(w, "verdict: formatting only (the canonical trees are equal)")
	case diff.VerdictEquivalent:
		how := "no event tells them apart among"
		if !d.Exhaustive {
			how += " the sampled"
		}
		fmt.Fprintf(w, "verdict: equivalent (%s %d candidate events)\n", how, d.Searched)
	default:
		what := map[diff.Verdict]string{
			diff.VerdictNarrower: fmt.Sprintf("%s matches fewer events than %s", newName, oldName),
			diff.VerdictWider:    fmt.Sprintf("%s matches more events than %s", newName, oldName),
			diff.VerdictBoth:     fmt.Sprintf("%s matches events %s does not, and misses events %s matched", newName, oldName, oldName),
		}[d.Verdict]
		fmt.Fprintf(w, "verdict: %s (%s)\n", d.Verdict, what)
		witnesses := func(label string, evs []map[string]any) {
			if len(evs) == 0 {
				fmt.Fprintf(w, "%s: none found\n", label)
				return
			}
			fmt.Fprintf(w, "%s:\n", label)
			for _, ev := range evs {
				b, _ := json.Marshal(ev)
				fmt.Fprintf(w, "  %s\n", b)
			}
		}
		witnesses(fmt.Sprintf("added (%s matches, %s does not)", newName, oldName), d.Added)
		witnesses(fmt.Sprintf("removed (%s matched, %s does not)", oldName, newName), d.Removed)
		mode := "guided search"
		if d.Exhaustive {
			mode = "every combination"
		}
		fmt.Fprintf(w, "searched %d candidate events (%s)\n", d.Searched, mode)
	}
	if len(c.Events) > 0 {
		if err := c.replay(e, xo, xn, s, oldName, newName); err != nil {
			return err
		}
	}
	if d.Verdict == diff.VerdictFormatting || d.Verdict == diff.VerdictEquivalent {
		return nil
	}
	return &exitError{status: 1}
}

// replay runs both queries over the --events files.
func (c *diffCmd) replay(e *env, xo, xn ast.Expr, s eval.Schema, oldName, newName string) error {
	po, err := eval.Compile(xo, eval.WithSchema(s))
	if err != nil {
		return &exitError{status: 2, msg: "kqlrules diff: " + err.Error()}
	}
	pn, err := eval.Compile(xn, eval.WithSchema(s))
	if err != nil {
		return &exitError{status: 2, msg: "kqlrules diff: " + err.Error()}
	}
	var total, om, nm, bad int
	var added, removed []events.Record
	na, nr := 0, 0
	for ev, err := range events.ReadFiles(c.Events, e.stdin) {
		if err != nil {
			var evErr *events.Error
			if !errors.As(err, &evErr) {
				return &exitError{status: 2, msg: fmt.Sprintf("kqlrules diff: %v", err)}
			}
			bad++
			continue
		}
		total++
		o, n := po.Match(ev.Fields), pn.Match(ev.Fields)
		if o {
			om++
		}
		if n {
			nm++
		}
		switch {
		case n && !o:
			na++
			if len(added) < c.Show {
				added = append(added, ev)
			}
		case o && !n:
			nr++
			if len(removed) < c.Show {
				removed = append(removed, ev)
			}
		}
	}
	w := e.stdout
	fmt.Fprintf(w, "events: %d read", total)
	if bad > 0 {
		fmt.Fprintf(w, " (%d unreadable, skipped)", bad)
	}
	fmt.Fprintf(w, "; %s matches %d, %s matches %d; %d added, %d removed\n", oldName, om, newName, nm, na, nr)
	show := func(sign string, evs []events.Record) {
		for _, ev := range evs {
			b, _ := json.Marshal(ev.Fields)
			fmt.Fprintf(w, "  %s %s:%d %s\n", sign, ev.File, ev.Line, b)
		}
	}
	show("+", added)
	show("-", removed)
	return nil
}
