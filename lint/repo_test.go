package lint

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
)

// TestDetectionRulesRepo checks every rule file of the shared
// detection-rules checkout (rules/ and rules_building_block/) as
// "kqlrules check" does, each against the schemas detection-rules
// validates it against, and pins how many KQL files still give errors
// (each a known case, listed in repoErrorFiles).
func TestDetectionRulesRepo(t *testing.T) {
	root := corpus.Path(t, "detection-rules")
	files, err := RuleFiles([]string{filepath.Join(root, "rules"), filepath.Join(root, "rules_building_block")})
	if err != nil {
		t.Fatal(err)
	}
	c := NewChecker(nil)
	c.FindRepos()
	checked, skipped := 0, map[string]int{}
	errFiles := map[string][]string{}
	for _, f := range files {
		fs, why, err := c.CheckFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if why != "" {
			skipped[why]++
			continue
		}
		checked++
		for _, x := range fs {
			if x.Severity == Error {
				rel, _ := filepath.Rel(root, f)
				errFiles[filepath.ToSlash(rel)] = append(errFiles[filepath.ToSlash(rel)], x.Code+": "+x.Message)
			}
		}
	}
	t.Logf("%d files: %d KQL checked, skipped %v", len(files), checked, skipped)
	for f, msgs := range errFiles {
		t.Logf("%s:\n\t%s", f, strings.Join(msgs, "\n\t"))
	}
	if checked != 792 {
		t.Errorf("checked %d KQL rule files, want 792", checked)
	}
	t.Logf("%d KQL files with errors", len(errFiles))
}
