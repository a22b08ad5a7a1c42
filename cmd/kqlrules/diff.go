package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"slices"
	"strings"

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

// ruleSide is one side of a comparison of rule files: where it was read,
// and the rule (nil when the file does not exist on that side).
type ruleSide struct {
	name string // "REV:path", or the path in the working tree
	rule *rules.Rule
	q    querySrc
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
		old, err := readSide(c.Files[0], "", c.Files[0])
		if err != nil {
			return err
		}
		new, err := readSide(c.Files[1], "", c.Files[1])
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
	var oldQ, newQ querySrc
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
		oldQ, newQ = querySrc{name: "old", text: c.Old}, querySrc{name: "new", text: c.New}
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
func (c *diffCmd) compareQueries(e *env, s mapping.Schema, oldQ, newQ querySrc, oldName, newName string) (bool, error) {
	xo, err := oldQ.parse(exitFailed)
	if err != nil {
		return false, err
	}
	xn, err := newQ.parse(exitFailed)
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
func (c *diffCmd) printQueries(e *env, s mapping.Schema, d *diff.Result, oldQ, newQ querySrc, oldName, newName string) error {
	w := e.stdout
	fmt.Fprintf(w, "%s: %s\n%s: %s\n", oldName, d.Old, newName, d.New)
	d.Write(w, "", oldName, newName)
	if len(c.Events) > 0 {
		return c.replay(e, oldQ, newQ, s, oldName, newName)
	}
	return nil
}

// revisions compares rule files between git revisions, or a revision and
// the working tree.
func (c *diffCmd) revisions(e *env, s mapping.Schema) error {
	prefix, err := gitPrefix()
	if err != nil {
		return err
	}
	oldRev, newRev := c.Rev, ""
	if a, b, ok := strings.Cut(c.Rev, "..."); ok {
		if err := checkRevs(a, b); err != nil {
			return err
		}
		base, err := git("merge-base", "--end-of-options", revOrHead(a), revOrHead(b))
		if err != nil {
			return err
		}
		oldRev, newRev = strings.TrimSpace(string(base)), revOrHead(b)
	} else if a, b, ok := strings.Cut(c.Rev, ".."); ok {
		oldRev, newRev = revOrHead(a), revOrHead(b)
	}
	if err := checkRevs(oldRev, newRev); err != nil {
		return err
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
	if auto {
		if files, moved, err = changedRuleFiles(oldRev, newRev); err != nil {
			return err
		}
	}
	changed := 0
	for i, f := range files {
		oldPath := f
		if from, ok := moved[f]; ok {
			oldPath = from
		}
		old, err := readSide(oldRev+":"+oldPath, oldRev, oldPath)
		if err != nil {
			return err
		}
		if !auto && old.rule == nil {
			// a named file new on this side: perhaps a rule moved here
			if moved == nil {
				if _, moved, err = changedRuleFiles(oldRev, newRev); err != nil {
					return err
				}
			}
			if from, ok := moved[f]; ok {
				if old, err = readSide(oldRev+":"+from, oldRev, from); err != nil {
					return err
				}
				oldPath = from
			}
		}
		name := f
		if newRev != "" {
			name = newRev + ":" + f
		}
		new, err := readSide(name, newRev, f)
		if err != nil {
			return err
		}
		if auto && !isRule(old) && !isRule(new) {
			continue // a .toml file that is not a rule
		}
		if i > 0 {
			fmt.Fprintln(e.stdout)
		}
		fmt.Fprintf(e.stdout, "== %s (%s against %s)\n", f, newLabel, oldRev)
		if oldPath != f {
			fmt.Fprintf(e.stdout, "rule moved: %s → %s\n", old.name, new.name)
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

// checkRevs refuses revisions that git would read as options
// ("--output=FILE" makes git diff write a file).
func checkRevs(revs ...string) error {
	for _, r := range revs {
		if strings.HasPrefix(r, "-") {
			return failf("diff", "%s: a revision cannot begin with -", r)
		}
	}
	return nil
}

// gitPrefix returns the current folder's path inside the git work tree
// ("" at its top, else ending in /). Outside a repository it is the error
// "not inside a git repository".
func gitPrefix() (string, error) {
	cmd := exec.Command("git", "rev-parse", "--show-prefix")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		if strings.Contains(stderr.String(), "not a git repository") {
			return "", failf("diff", "not inside a git repository")
		}
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return "", failf("diff", "git rev-parse --show-prefix: %s", msg)
	}
	return strings.TrimSpace(string(out)), nil
}

// changedRuleFiles lists the .toml files under the current folder that
// differ between oldRev and newRev (the working tree when ""), sorted.
// Renames are not left to git's similarity guess: a file deleted and a
// file added that hold the same rule_id are one rule moved, listed under
// its new path, with its old path in moved.
func changedRuleFiles(oldRev, newRev string) (files []string, moved map[string]string, err error) {
	args := []string{"diff", "--name-status", "--no-renames", "--relative", "--end-of-options", oldRev}
	if newRev != "" {
		args = append(args, newRev)
	}
	out, err := git(append(args, "--")...)
	if err != nil {
		return nil, nil, err
	}
	var added, deleted []string
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		status, f, ok := strings.Cut(line, "\t")
		if !ok || !strings.HasSuffix(strings.ToLower(f), ".toml") {
			continue
		}
		switch status {
		case "A":
			added = append(added, f)
		case "D":
			deleted = append(deleted, f)
		default:
			files = append(files, f)
		}
	}
	byID := map[string][]string{} // rule_id → deleted files holding it
	for _, f := range deleted {
		if id := ruleIDAt(oldRev, f); id != "" {
			byID[id] = append(byID[id], f)
		}
	}
	moved = map[string]string{}
	gone := map[string]bool{}
	for _, f := range added {
		files = append(files, f)
		if from := byID[ruleIDAt(newRev, f)]; len(from) == 1 && !gone[from[0]] {
			moved[f], gone[from[0]] = from[0], true
		}
	}
	for _, f := range deleted {
		if !gone[f] {
			files = append(files, f)
		}
	}
	slices.Sort(files)
	return files, moved, nil
}

// ruleIDAt returns the rule_id of the rule file at path in rev (the
// working tree when ""), or "" when it has none or cannot be read.
func ruleIDAt(rev, path string) string {
	side, err := readSide(path, rev, path)
	if err != nil || side.rule == nil || !isRule(side) {
		return ""
	}
	return side.rule.RuleID
}

// revOrHead returns rev, or HEAD when it is empty ("A.." means A..HEAD).
func revOrHead(rev string) string {
	if rev == "" {
		return "HEAD"
	}
	return rev
}

// git runs git with args and returns its standard output; a failure ends
// the command with status 2 and git's message.
func git(args ...string) ([]byte, error) {
	cmd := exec.Command("git", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, failf("diff", "git %s: %s", strings.Join(args, " "), msg)
	}
	return out, nil
}

// readSide reads a rule file (or a query file) at git revision rev, or in
// the working tree when rev is "". A file that does not exist there gives
// a side without a rule.
func readSide(name, rev, path string) (ruleSide, error) {
	var data []byte
	var err error
	if rev == "" {
		data, err = os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return ruleSide{name: name}, nil
		}
		if err != nil {
			return ruleSide{}, fail(exitFailed, fileProblem(path, err))
		}
	} else {
		// "git cat-file -e" tells a missing file from a failing git.
		if exec.Command("git", "cat-file", "-e", "--end-of-options", rev+":./"+path).Run() != nil {
			if _, err := git("rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}"); err != nil {
				return ruleSide{}, failf("diff", "%s: not a git revision", rev)
			}
			return ruleSide{name: name}, nil
		}
		if data, err = git("show", "--end-of-options", rev+":./"+path); err != nil {
			return ruleSide{}, err
		}
	}
	side := ruleSide{name: name}
	if toml, json := isRuleFile(path); !toml && !json {
		v := rules.WholeFile(data)
		side.q = querySrc{name: name, text: v.Text, val: v}
		side.rule = &rules.Rule{Type: rules.TypeQuery, Language: rules.LanguageKuery, Query: v.Text}
		return side, nil
	}
	r, err := rules.Decode(name, data)
	if r == nil {
		return ruleSide{}, fail(exitFailed, ruleProblems(name, err)...)
	}
	side.rule = r
	if q, err := ruleQuery(r, name, 0); err == nil {
		side.q = q
	} else if r.Language == rules.LanguageEQL {
		side.q = querySrc{name: name, text: r.Query}
		if v, err := r.Source.Value("rule.query"); err == nil && v.Text == r.Query {
			side.q.val = v
		}
	}
	return side, nil
}

// isRule reports whether a side holds a rule (a file with a [rule] table).
func isRule(s ruleSide) bool {
	if s.rule == nil {
		return false
	}
	_, ok := s.rule.Source.Lines["rule"]
	return ok || s.rule.Source.Format == ""
}

// compareRules prints what changed between two rules ([diff.Rules]) and
// reports whether the meaning changed: the query's (KQL: with a verdict
// and witnesses; other languages: as text), the index patterns and the
// settings that decide what the rule alerts on.
func (c *diffCmd) compareRules(e *env, s mapping.Schema, old, new ruleSide) (bool, error) {
	w := e.stdout
	if old.rule == nil && new.rule == nil {
		fmt.Fprintf(w, "%s: no such file on either side\n", new.name)
		return false, nil
	}
	d, err := diff.Rules(old.rule, new.rule, diff.Schema(s))
	var qe *diff.QueryError
	switch {
	case errors.As(err, &qe) && qe.Old:
		return false, fail(exitFailed, old.q.problems(qe.Err)...)
	case errors.As(err, &qe):
		return false, fail(exitFailed, new.q.problems(qe.Err)...)
	case err != nil:
		return false, failf("diff", "%v", err)
	}
	switch {
	case d.Added:
		fmt.Fprintf(w, "rule added: %s\n", new.name)
		return true, nil
	case d.Removed:
		fmt.Fprintf(w, "rule removed: %s\n", old.name)
		return true, nil
	}
	lang := new.rule.Language
	switch d.Query.Text {
	case diff.TextUnchanged:
		fmt.Fprintf(w, "query (%s): unchanged\n", lang)
	case diff.TextWhiteSpace:
		fmt.Fprintf(w, "query (%s): white space only\n", lang)
	case diff.TextChanged:
		fmt.Fprintf(w, "query (%s): changed (kqlrules compares only KQL and EQL queries by meaning)\n", lang)
	}
	if q := d.Query.EQL; q != nil {
		printEQLChange(w, q)
		if len(c.Events) > 0 {
			if err := c.replayEQL(e, s, old, new); err != nil {
				return false, err
			}
		}
	}
	if d.Query.Result != nil {
		if err := c.printQueries(e, s, d.Query.Result, old.q, new.q, "old", "new"); err != nil {
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

// replay runs both queries over the --events files.
func (c *diffCmd) replay(e *env, oldQ, newQ querySrc, s mapping.Schema, oldName, newName string) error {
	po, err := oldQ.compile(eval.WithSchema(s))
	if err != nil {
		return err
	}
	pn, err := newQ.compile(eval.WithSchema(s))
	if err != nil {
		return err
	}
	return c.runBoth(e, po, pn, oldName, newName)
}

// replayEQL runs two EQL rules' event queries (lowered as the replay
// lowers them, on each rule's event_category_override) over the --events
// files; a sequence or sample is not one search, and is said so.
func (c *diffCmd) replayEQL(e *env, s mapping.Schema, old, new ruleSide) error {
	po, err := old.rule.EQLProgram(eval.WithSchema(s))
	if err == nil {
		var pn *eval.Program
		if pn, err = new.rule.EQLProgram(eval.WithSchema(s)); err == nil {
			return c.runBoth(e, po, pn, "old", "new")
		}
	}
	if errors.Is(err, rules.ErrNotEventQuery) {
		fmt.Fprintln(e.stdout, "events: not run (--events runs EQL event queries; a sequence or sample is no single search)")
		return nil
	}
	return failf("diff", "%v", err)
}

// runBoth runs two programs over the --events files: counts, and the
// events whose outcome changed.
func (c *diffCmd) runBoth(e *env, po, pn *eval.Program, oldName, newName string) error {
	var total, om, nm, bad int
	var added, removed []events.Record
	na, nr := 0, 0
	for ev, err := range events.ReadFiles(c.Events, e.stdin) {
		if err != nil {
			var evErr *events.Error
			if !errors.As(err, &evErr) {
				return fail(exitFailed, fileProblem("", err))
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

// printEQLChange prints how an EQL query changed (diff.EQLChange.Write).
func printEQLChange(w io.Writer, q *diff.EQLChange) {
	q.Write(w, "old", "new")
}
