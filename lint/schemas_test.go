package lint_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/lint"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
)

// Integration schemas name fields with '*' ("o365.audit.Parameters.*"),
// which detection-rules' KQL parser accepts any field for
// (lib/kql/kql/parser.py, get_field_type: star_fields).
func TestStarFields(t *testing.T) {
	c := lint.NewChecker(mapping.Schema{"o365.audit.Parameters.*": mapping.Object, "a.*.b": mapping.Keyword, "host.name": mapping.Keyword})
	for q, want := range map[string]int{
		"o365.audit.Parameters.AllowGuestUser:true": 0,
		"o365.audit.Parameters.x.y:1":               0,
		"a.x.y.b:1":                                 0,
		"a.x.c:1":                                   1,
		"o365.audit.Param:1":                        1,
	} {
		n := 0
		for _, f := range c.Query(q) {
			if f.Code == lint.CodeUnknownField {
				n++
				if strings.Contains(f.Suggestion, "*") {
					t.Errorf("%s: suggests %s", q, f.Suggestion)
				}
			}
		}
		if n != want {
			t.Errorf("%s: %d unknown fields, want %d", q, n, want)
		}
	}
}

func TestSkipped(t *testing.T) {
	for _, tc := range []struct {
		r    rules.Rule
		want string
	}{
		{rules.Rule{Type: "query", Language: "kuery", Query: "a:b"}, ""},
		{rules.Rule{Type: "threshold", Language: "kuery", Query: "a:b"}, ""},
		{rules.Rule{Type: "eql", Language: "eql", Query: "any where true"}, "language eql is not checked"},
		{rules.Rule{Type: "esql", Language: "esql", Query: "from x"}, "language esql is not checked"},
		{rules.Rule{Type: "query", Language: "lucene", Query: "a:b"}, "language lucene is not checked"},
		{rules.Rule{Type: "machine_learning"}, "type machine_learning has no KQL query"},
	} {
		if got := lint.Skipped(&tc.r); got != tc.want {
			t.Errorf("Skipped(%s/%s) = %q, want %q", tc.r.Type, tc.r.Language, got, tc.want)
		}
	}
}

func TestRuleFiles(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"a/r1.toml", "a/b/r2.json", "a/b/r3.ndjson", "a/notes.md", "a/.git/x.toml", "c.toml"} {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := lint.RuleFiles([]string{filepath.Join(dir, "a"), filepath.Join(dir, "*.toml"), filepath.Join(dir, "a", "notes.md")})
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		got[i], _ = filepath.Rel(dir, got[i])
		got[i] = filepath.ToSlash(got[i])
	}
	want := []string{"a/b/r2.json", "a/b/r3.ndjson", "a/r1.toml", "c.toml", "a/notes.md"}
	if !slices.Equal(got, want) {
		t.Errorf("RuleFiles = %q, want %q", got, want)
	}
	for _, bad := range []string{filepath.Join(dir, "nosuch.toml"), filepath.Join(dir, "*.yaml")} {
		if _, err := lint.RuleFiles([]string{bad}); err == nil {
			t.Errorf("RuleFiles(%s): no error", bad)
		}
	}
}
