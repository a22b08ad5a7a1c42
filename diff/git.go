package diff

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/rules"
)

// The git side of comparing rule files between revisions, as
// "kqlrules diff --rev" does: the revisions of a range ([GitRange]), the
// rule files that changed between them ([GitChanges]) and each file as a
// side of the comparison ([ReadSide]), to hand to [Rules]. git runs in the
// current folder.

// GitError is a failure of git, or a revision git cannot take: the
// message "kqlrules diff" ends with. Args are git's arguments, nil when
// git did not run.
type GitError struct {
	Args []string
	Msg  string
}

// Error returns "git ARGS: MSG", or MSG when git did not run.
func (e *GitError) Error() string {
	if e.Args == nil {
		return e.Msg
	}
	return "git " + strings.Join(e.Args, " ") + ": " + e.Msg
}

// GitRange returns the two revisions of rev as "kqlrules diff --rev"
// reads it: REV is REV against the working tree (newRev ""), A..B A
// against B, A...B the merge base of A and B against B; an empty side of
// a range is HEAD. A revision beginning with - is refused (git would read
// it as an option: "--output=FILE" makes git diff write a file).
func GitRange(rev string) (oldRev, newRev string, err error) {
	oldRev = rev
	if a, b, ok := strings.Cut(rev, "..."); ok {
		if err := checkRevs(a, b); err != nil {
			return "", "", err
		}
		base, err := git("merge-base", "--end-of-options", revOrHead(a), revOrHead(b))
		if err != nil {
			return "", "", err
		}
		oldRev, newRev = strings.TrimSpace(string(base)), revOrHead(b)
	} else if a, b, ok := strings.Cut(rev, ".."); ok {
		oldRev, newRev = revOrHead(a), revOrHead(b)
	}
	return oldRev, newRev, checkRevs(oldRev, newRev)
}

// checkRevs refuses revisions that git would read as options.
func checkRevs(revs ...string) error {
	for _, r := range revs {
		if strings.HasPrefix(r, "-") {
			return &GitError{Msg: r + ": a revision cannot begin with -"}
		}
	}
	return nil
}

// revOrHead returns rev, or HEAD when it is empty ("A.." means A..HEAD).
func revOrHead(rev string) string {
	if rev == "" {
		return "HEAD"
	}
	return rev
}

// GitPrefix returns the current folder's path inside the git work tree:
// "" at its top, else ending in /. Outside a repository it is the
// *GitError "not inside a git repository".
func GitPrefix() (string, error) {
	out, err := git("rev-parse", "--show-prefix")
	var ge *GitError
	if errors.As(err, &ge) && strings.Contains(ge.Msg, "not a git repository") {
		return "", &GitError{Msg: "not inside a git repository"}
	}
	return strings.TrimSpace(string(out)), err
}

// git runs git with args and returns its standard output; a failure is a
// *GitError with git's message.
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
		return nil, &GitError{Args: args, Msg: msg}
	}
	return out, nil
}

// GitChanges lists the .toml files under the current folder that differ
// between oldRev and newRev (the working tree when ""), sorted, as paths
// relative to the current folder. Renames are not left to git's
// similarity guess: a file deleted and a file added that hold the same
// rule_id are one rule moved, listed under its new path, with its old
// path in moved (new path → old path).
func GitChanges(oldRev, newRev string) (files []string, moved map[string]string, err error) {
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
	s, err := ReadSide(rev, path)
	if err != nil || !s.IsRule() {
		return ""
	}
	return s.Rule.RuleID
}

// ReadRevision returns the file at path in git revision rev, or in the
// working tree when rev is "". A file that does not exist there is an
// error wrapping fs.ErrNotExist; a rev that is not a commit, or git
// failing, a *GitError.
func ReadRevision(rev, path string) ([]byte, error) {
	if rev == "" {
		return os.ReadFile(path)
	}
	// "git cat-file -e" tells a missing file from a failing git.
	if exec.Command("git", "cat-file", "-e", "--end-of-options", rev+":./"+path).Run() != nil {
		if _, err := git("rev-parse", "--verify", "--quiet", "--end-of-options", rev+"^{commit}"); err != nil {
			return nil, &GitError{Msg: rev + ": not a git revision"}
		}
		return nil, &fs.PathError{Op: "read", Path: rev + ":" + path, Err: fs.ErrNotExist}
	}
	return git("show", "--end-of-options", rev+":./"+path)
}

// Side is a rule file (or a query file) as one side of a comparison of
// rule files reads it ([ReadSide]).
type Side struct {
	// Name is where it was read: "REV:path", or the path in the
	// working tree.
	Name string
	// Rule is the rule; nil when the file does not exist on that side.
	// A query file is a KQL query rule holding the file's text.
	Rule *rules.Rule
	// Query is the rule's KQL or EQL query placed in the file (empty for
	// a rule in another language), for the places of its errors.
	Query rules.QuerySource
}

// ReadSide reads the file at path in git revision rev, or in the working
// tree when rev is "" ([ReadRevision]): a rule file (.toml, .json,
// .ndjson, .jsonl) decoded with rules.Decode, any other file a KQL query
// file. A file that does not exist gives a Side without a Rule; a rule
// file that does not decode, the error of rules.Decode (an
// *rules.Error); git failing, a *GitError.
func ReadSide(rev, path string) (*Side, error) {
	s := &Side{Name: path}
	if rev != "" {
		s.Name = rev + ":" + path
	}
	data, err := ReadRevision(rev, path)
	if errors.Is(err, fs.ErrNotExist) {
		return s, nil
	}
	if err != nil {
		return nil, err
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml", ".json", ".ndjson", ".jsonl":
	default:
		v := rules.WholeFile(data)
		s.Query = rules.QuerySource{File: s.Name, Text: v.Text, Value: v}
		s.Rule = &rules.Rule{Type: rules.TypeQuery, Language: rules.LanguageKuery, Query: v.Text}
		return s, nil
	}
	r, err := rules.Decode(s.Name, data)
	if r == nil {
		return nil, err
	}
	s.Rule = r
	if r.IsKQL() || r.IsEQL() {
		s.Query = r.QuerySource(s.Name)
	}
	return s, nil
}

// IsRule reports whether the side holds a rule: a query file, or a rule
// file with a [rule] table (a .toml file without one is not a rule).
func (s *Side) IsRule() bool {
	if s.Rule == nil {
		return false
	}
	_, ok := s.Rule.Source.Lines()["rule"]
	return ok || s.Rule.Source.Format == ""
}
