package main

import (
	"errors"
	"fmt"

	"github.com/kqlrules/kqlrules/diff"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
)

// diffCmd is "kqlrules diff".
type diffCmd struct {
	Old    string   `help:"The old query." placeholder:"Q1"`
	New    string   `help:"The new query." placeholder:"Q2"`
	Rule   string   `help:"Compare two versions of this rule file's [[history]] (--from, --to)." placeholder:"FILE"`
	From   int      `help:"With --rule, the old version." placeholder:"N"`
	To     int      `help:"With --rule, the new version." placeholder:"M"`
	Rev    string   `help:"Compare each FILE at git revision REV with the working tree; A..B compares revision A with B, A...B the merge base of A and B with B. Without FILE, every .toml rule file under the current folder that changed between them; a rule moved to another file (the same rule_id) is paired with its old file." placeholder:"REV"`
	Schema string   `help:"Field types: an ECS table or an Elasticsearch mapping (see check)." placeholder:"FILE"`
	Events []string `help:"Event files (NDJSON or a JSON array; directories, .gz and - too) to run both queries (KQL, or EQL event queries) over: counts and the events whose outcome changed." placeholder:"FILE"`
	Show   int      `help:"With --events, print at most N changed events in each direction." default:"10"`
	Files  []string `arg:"" optional:"" name:"FILE" help:"With --rev, the rule files (or .kql query files) to compare; without, two files: OLD NEW."`
}

// Run compares; status 0 when the queries mean the same (formatting only,
// or equivalent), 1 when the meaning changed, 2 when it could not run.
func (c *diffCmd) Run(e *env) error {
	s, err := loadSchema("diff", c.Schema)
	if err != nil {
		return err
	}
	if s == nil {
		s = mapping.ECS()
	}
	switch {
	case c.Rev != "":
		if c.Old != "" || c.New != "" || c.Rule != "" {
			return failf("diff", "give --rev REV [FILE...] alone, without --old, --new or --rule")
		}
		return c.revisions(e, s)
	case len(c.Files) > 0:
		if len(c.Files) != 2 || c.Old != "" || c.New != "" || c.Rule != "" {
			return failf("diff", "give two files, OLD NEW, or --rev REV FILE...")
		}
		old, err := readSide("", c.Files[0])
		if err != nil {
			return err
		}
		new, err := readSide("", c.Files[1])
		if err != nil {
			return err
		}
		changed, err := c.compareRules(e, s, old, new)
		if err != nil {
			return err
		}
		if changed {
			return &exitError{status: exitFindings}
		}
		return nil
	}
	var oldQ, newQ rules.QuerySource
	var oldName, newName string
	switch {
	case c.Rule != "" && (c.Old != "" || c.New != ""):
		return failf("diff", "give --old and --new, or --rule with --from and --to (not both)")
	case c.Rule != "":
		if c.From == 0 || c.To == 0 {
			return failf("diff", "--rule needs --from N and --to M")
		}
		if oldQ, err = locateQuery("diff", "", c.Rule, c.From); err != nil {
			return err
		}
		if newQ, err = locateQuery("diff", "", c.Rule, c.To); err != nil {
			return err
		}
		oldName, newName = fmt.Sprintf("v%d", c.From), fmt.Sprintf("v%d", c.To)
	case c.Old != "" && c.New != "":
		oldQ, newQ = rules.QuerySource{File: "old", Text: c.Old}, rules.QuerySource{File: "new", Text: c.New}
		oldName, newName = "old", "new"
	default:
		return failf("diff", "give --old Q1 and --new Q2, --rule FILE --from N --to M, two files OLD NEW, or --rev REV [FILE...]")
	}
	changed, err := c.compareQueries(e, s, oldQ, newQ, oldName, newName)
	if err != nil {
		return err
	}
	if changed {
		return &exitError{status: exitFindings}
	}
	return nil
}

// compareQueries prints the verdict on two queries (and, with --events,
// their counts) and reports whether the meaning changed.
func (c *diffCmd) compareQueries(e *env, s mapping.Schema, oldQ, newQ rules.QuerySource, oldName, newName string) (bool, error) {
	xo, err := parseSrc(oldQ, exitFailed)
	if err != nil {
		return false, err
	}
	xn, err := parseSrc(newQ, exitFailed)
	if err != nil {
		return false, err
	}
	d, err := diff.Queries(xo, xn, diff.Schema(s))
	if err != nil {
		return false, failf("diff", "%v", err)
	}
	if err := c.printQueries(e, s, d, oldQ, newQ, oldName, newName); err != nil {
		return false, err
	}
	return d.Verdict != diff.VerdictFormatting && d.Verdict != diff.VerdictEquivalent, nil
}

// printQueries prints the verdict on two queries and, with --events,
// runs both over the events.
func (c *diffCmd) printQueries(e *env, s mapping.Schema, d *diff.Result, oldQ, newQ rules.QuerySource, oldName, newName string) error {
	if err := d.WriteText(e.stdout, oldName, newName); err != nil || len(c.Events) == 0 {
		return err
	}
	po, err := compileSrc(oldQ, eval.WithSchema(s))
	if err != nil {
		return err
	}
	pn, err := compileSrc(newQ, eval.WithSchema(s))
	if err != nil {
		return err
	}
	return c.runBoth(e, po, pn, oldName, newName)
}

// runBoth runs two programs over the --events files and prints the
// counts and the events whose outcome changed.
func (c *diffCmd) runBoth(e *env, po, pn *eval.Program, oldName, newName string) error {
	r, err := diff.Events(po, pn, events.ReadFiles(c.Events, e.stdin), c.Show)
	if err != nil {
		return fail(exitFailed, fileProblem("", err))
	}
	return r.WriteText(e.stdout, oldName, newName)
}

// revisions compares rule files between git revisions, or a revision and
// the working tree.
func (c *diffCmd) revisions(e *env, s mapping.Schema) error {
	prefix, err := diff.GitPrefix()
	if err != nil {
		return failf("diff", "%v", err)
	}
	oldRev, newRev, err := diff.GitRange(c.Rev)
	if err != nil {
		return failf("diff", "%v", err)
	}
	newLabel := newRev
	if newLabel == "" {
		newLabel = "the working tree"
	}
	files := c.Files
	auto := len(files) == 0
	if auto && prefix != "" {
		fmt.Fprintf(e.stdout, "comparing the rule files under %s only (the current folder; run from the top of the repository to compare all)\n", prefix)
	}
	var moved map[string]string // new path → old path, for rules moved to another file
	changes := func() (err error) {
		if moved == nil {
			var fs []string
			if fs, moved, err = diff.GitChanges(oldRev, newRev); err != nil {
				return failf("diff", "%v", err)
			}
			if auto {
				files = fs
			}
		}
		return nil
	}
	if auto {
		if err := changes(); err != nil {
			return err
		}
	}
	changed := 0
	for i, f := range files {
		oldPath := f
		if from, ok := moved[f]; ok {
			oldPath = from
		}
		old, err := readSide(oldRev, oldPath)
		if err != nil {
			return err
		}
		if !auto && old.Rule == nil {
			// a named file new on this side: perhaps a rule moved here
			if err := changes(); err != nil {
				return err
			}
			if from, ok := moved[f]; ok {
				if old, err = readSide(oldRev, from); err != nil {
					return err
				}
				oldPath = from
			}
		}
		new, err := readSide(newRev, f)
		if err != nil {
			return err
		}
		if auto && !old.IsRule() && !new.IsRule() {
			continue // a .toml file that is not a rule
		}
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "== %s (%s against %s)\n", f, newLabel, oldRev)
		if oldPath != f {
			fmt.Fprintf(e.stdout, "rule moved: %s → %s\n", old.Name, new.Name)
		}
		ch, err := c.compareRules(e, s, old, new)
		if err != nil {
			return err
		}
		if ch {
			changed++
		}
	}
	if len(files) > 0 {
		fmt.Fprintf(e.stdout, "\n%d of %d rule files changed meaning\n", changed, len(files))
	} else {
		fmt.Fprintf(e.stdout, "no rule file changed (%s against %s)\n", newLabel, oldRev)
	}
	if changed > 0 {
		return &exitError{status: exitFindings}
	}
	return nil
}

// readSide reads a side of a comparison with diff.ReadSide; a failure
// ends the command with status 2.
func readSide(rev, path string) (*diff.Side, error) {
	side, err := diff.ReadSide(rev, path)
	var ge *diff.GitError
	switch {
	case errors.As(err, &ge):
		return nil, failf("diff", "%v", err)
	case err != nil:
		name := path
		if rev != "" {
			name = rev + ":" + path
		}
		return nil, fail(exitFailed, ruleProblems(name, err)...)
	}
	return side, nil
}

// compareRules prints what changed between two rules ([diff.Rules]) and
// reports whether the meaning changed: the query's (KQL: with a verdict
// and witnesses; other languages: as text), the index patterns and the
// settings that decide what the rule alerts on.
func (c *diffCmd) compareRules(e *env, s mapping.Schema, old, new *diff.Side) (bool, error) {
	w := e.stdout
	if old.Rule == nil && new.Rule == nil {
		fmt.Fprintf(w, "%s: no such file on either side\n", new.Name)
		return false, nil
	}
	d, err := diff.Rules(old.Rule, new.Rule, diff.Schema(s))
	var qe *diff.QueryError
	switch {
	case errors.As(err, &qe) && qe.Old:
		return false, fail(exitFailed, old.Query.Diagnostics(qe.Err)...)
	case errors.As(err, &qe):
		return false, fail(exitFailed, new.Query.Diagnostics(qe.Err)...)
	case err != nil:
		return false, failf("diff", "%v", err)
	}
	switch {
	case d.Added:
		fmt.Fprintf(w, "rule added: %s\n", new.Name)
		return true, nil
	case d.Removed:
		fmt.Fprintf(w, "rule removed: %s\n", old.Name)
		return true, nil
	}
	if d.Query.Text != diff.TextNone {
		fmt.Fprintf(w, "query (%s): %s\n", new.Rule.Language, d.Query.Text)
	}
	if q := d.Query.EQL; q != nil {
		if err := q.WriteText(w, "old", "new"); err != nil {
			return false, err
		}
		if len(c.Events) > 0 {
			if err := c.replayEQL(e, s, old.Rule, new.Rule); err != nil {
				return false, err
			}
		}
	}
	if d.Query.Result != nil {
		if err := c.printQueries(e, s, d.Query.Result, old.Query, new.Query, "old", "new"); err != nil {
			return false, err
		}
	}
	if d.Index != nil {
		fmt.Fprintln(w, d.Index)
	}
	for _, st := range d.Settings {
		fmt.Fprintln(w, st)
	}
	return d.Changed(), nil
}

// replayEQL runs two EQL rules' event queries (lowered as the replay
// lowers them, on each rule's event_category_override) over the --events
// files; a sequence or sample is not one search, and is said so.
func (c *diffCmd) replayEQL(e *env, s mapping.Schema, old, new *rules.Rule) error {
	for _, r := range []*rules.Rule{old, new} {
		if q, err := r.EQLQuery(); err == nil && !q.IsEventQuery() {
			fmt.Fprintln(e.stdout, "events: not run (--events runs EQL event queries; a sequence or sample is no single search)")
			return nil
		}
	}
	po, err := old.EQLProgram(eval.WithSchema(s))
	if err != nil {
		return failf("diff", "%v", err)
	}
	pn, err := new.EQLProgram(eval.WithSchema(s))
	if err != nil {
		return failf("diff", "%v", err)
	}
	return c.runBoth(e, po, pn, "old", "new")
}
