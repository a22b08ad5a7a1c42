package diff_test

import (
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/diff"
	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
)

// TestEQLDropClauseCorpus edits real event queries of the shared
// detection-rules checkout (one file in 15) as an author widening a rule
// does: the last clause of the condition's top-level and dropped. The
// verdict must be wider or equivalent (never narrower or both), and
// every witness must tell the two queries apart.
func TestEQLDropClauseCorpus(t *testing.T) {
	root := corpus.Path(t, "detection-rules")
	n, tried, wider, equivalent := 0, 0, 0, 0
	err := filepath.WalkDir(filepath.Join(root, "rules"), func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".toml") {
			return err
		}
		r, err := rules.Load(path)
		if err != nil || r.Language != rules.LanguageEQL {
			return nil
		}
		if n++; n%15 != 0 {
			return nil
		}
		q, err := eql.Parse(r.Query)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		f, ok := q.Body.(*eql.EventFilter)
		if !ok || len(q.Pipes) > 0 {
			return nil
		}
		var clauses []string
		var walk func(eql.Expr)
		walk = func(x eql.Expr) {
			if b, ok := x.(*eql.Binary); ok && b.Op == eql.OpAnd {
				walk(b.X)
				walk(b.Y)
				return
			}
			clauses = append(clauses, "("+x.String()+")")
		}
		walk(f.Cond)
		if len(clauses) < 2 {
			return nil
		}
		head := "any"
		if !f.Any {
			head = `"` + f.Category + `"`
		}
		edited := head + " where " + strings.Join(clauses[:len(clauses)-1], " and ")
		tried++
		c, err := diff.EQLQueries(r.Query, edited, diff.Budget(20_000, 20_000))
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return nil
		}
		if c.Result == nil {
			t.Logf("%s: by tree only: %s", path, c.TreeOnly)
			return nil
		}
		switch c.Result.Verdict {
		case diff.VerdictWider:
			wider++
		case diff.VerdictEquivalent:
			equivalent++
			t.Logf("%s: dropping %s is equivalent", path, clauses[len(clauses)-1])
		default:
			t.Errorf("%s: dropping %s gives %s (removed %v)", path, clauses[len(clauses)-1], c.Result.Verdict, c.Result.Removed)
		}
		checkEQLWitnesses(t, r.Query, edited, c.Result)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%d edited event queries: %d wider (with a witness), %d equivalent", tried, wider, equivalent)
	if tried == 0 {
		t.Fatal("no EQL event query edited")
	}
}
