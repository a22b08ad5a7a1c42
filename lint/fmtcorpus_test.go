package lint

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/schemas"
)

// TestFormatEQLRepo copies the EQL rule files of the shared
// detection-rules checkout into a temporary folder (checked against the
// checkout's schemas, as --schema-dir does), rewrites them with rules.Format as
// "kqlrules fmt -w" does, and checks that a second pass changes nothing
// ("fmt --check" is clean: a query holding comments is kept as written,
// with a note) and that "kqlrules check" gives the same
// findings (code, field and message; lines move) before and after.
func TestFormatEQLRepo(t *testing.T) {
	root := corpus.Path(t, "detection-rules")
	files, err := rules.FindFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	repo, err := schemas.Open(root)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	before, after := NewChecker(nil), NewChecker(nil)
	before.UseRepo(repo)
	after.UseRepo(repo)
	n, changed, kept := 0, 0, 0
	for i, f := range files {
		data, err := rules.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `language = "eql"`) || raceEnabled && i%10 != 0 {
			continue
		}
		rel, _ := filepath.Rel(root, f)
		n++
		out, res := rules.Format(rel, data, 0)
		for _, r := range res {
			if r.Err != nil {
				t.Errorf("%s: %v", rel, r.Err)
			}
			if r.Changed {
				changed++
			}
			if r.Kept != "" {
				kept++
			}
		}
		again, res := rules.Format(rel, out, 0)
		if string(again) != string(out) || slices.ContainsFunc(res, func(r rules.FormattedQuery) bool { return r.Changed }) {
			t.Errorf("%s: fmt --check is not clean after fmt -w", rel)
		}
		dst := filepath.Join(tmp, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, out, 0o644); err != nil {
			t.Fatal(err)
		}
		if string(out) == string(data) {
			continue // the same bytes give the same findings
		}
		fb, _, _ := before.CheckFile(f)
		fa, _, _ := after.CheckFile(dst)
		if a, b := findingKeys(fb), findingKeys(fa); !slices.Equal(a, b) {
			t.Errorf("%s: check before fmt -w:\n%s\nafter:\n%s", rel, strings.Join(a, "\n"), strings.Join(b, "\n"))
		}
	}
	if n == 0 {
		t.Fatal("no EQL rule file")
	}
	t.Logf("%d EQL rule files: %d rewritten, %d kept as written (comments)", n, changed, kept)
}

// findingKeys is what a finding says, without where.
func findingKeys(fs []Finding) []string {
	var out []string
	for _, f := range fs {
		out = append(out, string(f.Severity)+" "+f.Code+" "+f.Field+" "+f.Msg)
	}
	slices.Sort(out)
	return out
}
