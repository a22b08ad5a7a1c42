package diff_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/diff"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

// gitRepo makes a git repository in a temporary folder, makes it the
// current folder and returns a function that runs git there.
func gitRepo(t *testing.T) func(args ...string) string {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		t.Skip("git is not installed")
	}
	dir := t.TempDir()
	t.Chdir(dir)
	for k, v := range map[string]string{"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com", "GIT_CONFIG_NOSYSTEM": "1", "HOME": dir} {
		t.Setenv(k, v)
	}
	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command("git", args...).CombinedOutput()
		if err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return strings.TrimSpace(string(out))
	}
	run("init", "-q")
	return run
}

func write(t *testing.T, name, text string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestGit: the revisions of a range, the rule files that changed between
// two revisions (a rule moved to another file paired by its rule_id, a
// TOML file that is not a rule listed but not a rule), each side read at
// a revision or in the working tree, and git's failures as *GitError.
func TestGit(t *testing.T) {
	git := gitRepo(t)
	ftp, err := builtin.Files.ReadFile("ftp.toml")
	if err != nil {
		t.Fatal(err)
	}
	write(t, "rules/a.toml", string(ftp))
	write(t, "rules/gone.toml", strings.Replace(string(ftp), "87ec6396-9ac4-4706-bcf0-2ebb22002f43", "00000000-0000-4000-8000-000000000002", 1))
	write(t, "q.kql", "destination.port:21")
	git("add", ".")
	git("commit", "-q", "-m", "v1")
	v1 := git("rev-parse", "HEAD")

	if err := os.Rename("rules/a.toml", "rules/moved.toml"); err != nil {
		t.Fatal(err)
	}
	os.Remove("rules/gone.toml")
	write(t, "pyproject.toml", "[project]\nname = \"x\"\n")
	write(t, "q.kql", "destination.port:(21 or 22)")
	git("add", "-A")
	git("commit", "-q", "-m", "v2")

	for _, tc := range []struct{ rev, old, new string }{
		{"HEAD", "HEAD", ""},
		{v1 + "..", v1, "HEAD"},
		{"..HEAD", "HEAD", "HEAD"},
		{v1 + "...HEAD", v1, "HEAD"},
	} {
		old, new, err := diff.GitRange(tc.rev)
		if err != nil || old != tc.old || new != tc.new {
			t.Errorf("GitRange(%q) = %q, %q, %v; want %q, %q", tc.rev, old, new, err, tc.old, tc.new)
		}
	}
	var ge *diff.GitError
	if _, _, err := diff.GitRange("--output=x..HEAD"); !errors.As(err, &ge) || err.Error() != "--output=x: a revision cannot begin with -" {
		t.Errorf("GitRange of an option: %v", err)
	}

	files, moved, err := diff.GitChanges(v1, "HEAD")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"pyproject.toml", "rules/gone.toml", "rules/moved.toml"}; !cmp.Equal(files, want) {
		t.Errorf("GitChanges files = %q, want %q", files, want)
	}
	if want := map[string]string{"rules/moved.toml": "rules/a.toml"}; !cmp.Equal(moved, want) {
		t.Errorf("GitChanges moved = %v, want %v", moved, want)
	}

	old, err := diff.ReadSide(v1, "rules/a.toml")
	if err != nil || old.Rule == nil || !old.IsRule() || old.Name != v1+":rules/a.toml" || old.Query.Value == nil {
		t.Fatalf("ReadSide at v1: %+v, %v", old, err)
	}
	gone, err := diff.ReadSide("", "rules/a.toml")
	if err != nil || gone.Rule != nil || gone.IsRule() {
		t.Errorf("ReadSide of a file the working tree lacks: %+v, %v", gone, err)
	}
	if s, err := diff.ReadSide("HEAD", "pyproject.toml"); err == nil && s.IsRule() {
		t.Errorf("pyproject.toml is a rule: %+v", s)
	}
	q, err := diff.ReadSide("", "q.kql")
	if err != nil || !q.IsRule() || q.Rule.Query != "destination.port:(21 or 22)" {
		t.Fatalf("ReadSide of a query file: %+v, %v", q, err)
	}
	qOld, err := diff.ReadSide(v1, "q.kql")
	if err != nil {
		t.Fatal(err)
	}
	d, err := diff.Rules(qOld.Rule, q.Rule)
	if err != nil || d.Query.Result == nil || d.Query.Result.Verdict != diff.VerdictWider {
		t.Errorf("Rules of the query file's sides: %+v, %v", d, err)
	}

	if _, err := diff.ReadSide("nosuch", "q.kql"); !errors.As(err, &ge) || err.Error() != "nosuch: not a git revision" {
		t.Errorf("ReadSide at a revision that does not exist: %v", err)
	}
	if _, err := diff.ReadRevision("HEAD", "nosuch.toml"); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("ReadRevision of a missing file: %v", err)
	}
	write(t, "bad.toml", "[rule\n")
	var re *rules.Error
	if _, err := diff.ReadSide("", "bad.toml"); !errors.As(err, &re) {
		t.Errorf("ReadSide of a rule file that does not decode: %v, want a *rules.Error", err)
	}
	if _, _, err := diff.GitChanges("nosuch", ""); !errors.As(err, &ge) || !strings.HasPrefix(err.Error(), "git diff --name-status") {
		t.Errorf("GitChanges at a revision that does not exist: %v", err)
	}

	if err := os.MkdirAll("rules", 0o755); err != nil {
		t.Fatal(err)
	}
	t.Chdir("rules")
	if p, err := diff.GitPrefix(); err != nil || p != "rules/" {
		t.Errorf("GitPrefix in rules = %q, %v", p, err)
	}
	t.Chdir(t.TempDir())
	if _, err := diff.GitPrefix(); !errors.As(err, &ge) || err.Error() != "not inside a git repository" {
		t.Errorf("GitPrefix outside a repository: %v", err)
	}
}
