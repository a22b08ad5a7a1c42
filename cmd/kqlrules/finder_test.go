package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOneRuleFinder: given the root of a detection-rules checkout, run
// --rules, match --rules, test --rules, check and fmt --check report the
// same set of rule files (issue 21: four walkers had four policies; test
// and fmt read pyproject.toml). Every rule file here has a query that
// does not parse, so that each command names each file it read.
func TestOneRuleFinder(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	broken := strings.NewReplacer("LANG", "kuery", "QUERY", "f:(a or )", "NAME", "x", "TYPE", "query")
	files := map[string]string{
		"dr/pyproject.toml":                "[project]\nname = 'detection_rules'\n",
		"dr/etc/api_schemas.json":          `{"not": "a rule"}`,
		"dr/tests/data/t.toml":             "[rule]\nquery = 'f:(a or )'\n",
		"dr/hunting/h.toml":                "[hunt]\nquery = ['x']\n",
		"dr/rules/.hidden/h.toml":          "[rule]\n",
		"dr/rules/network/a.toml":          broken.Replace(strings.ReplaceAll(testRule, "ID", "00000000-0000-4000-8000-0000000000a1")),
		"dr/rules/network/a.test.ndjson":   `{"f":"a","_expect":"alert"}` + "\n",
		"dr/rules/network/notes.md":        "# notes\n",
		"dr/rules/windows/b.json":          `{"rule_id":"00000000-0000-4000-8000-0000000000b1","name":"b","type":"query","language":"kuery","query":"f:(a or )","risk_score":1,"severity":"low","description":"b"}`,
		"dr/rules/windows/export.ndjson":   `{"rule_id":"00000000-0000-4000-8000-0000000000c1","name":"c","type":"query","language":"kuery","query":"f:(a or )","risk_score":1,"severity":"low","description":"c"}` + "\n",
		"dr/rules_building_block/bb.toml":  broken.Replace(strings.ReplaceAll(testRule, "ID", "00000000-0000-4000-8000-0000000000d1")),
		"dr/rules_building_block/bb2.TOML": broken.Replace(strings.ReplaceAll(testRule, "ID", "00000000-0000-4000-8000-0000000000e1")),
		"ev.ndjson":                        `{"@timestamp":"2023-01-01T00:00:00Z","f":"a"}` + "\n",
	}
	for name, text := range files {
		if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(name, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want := []string{
		"dr/rules/network/a.toml",
		"dr/rules/windows/b.json",
		"dr/rules/windows/export.ndjson",
		"dr/rules_building_block/bb.toml",
		"dr/rules_building_block/bb2.TOML",
	}
	named := regexp.MustCompile(`dr/[A-Za-z0-9_./-]+?\.(?i:toml|json|ndjson|md)\b`)
	for _, args := range [][]string{
		{"run", "--rules", "dr", "--any-index", "ev.ndjson"},
		{"match", "--rules", "dr", "ev.ndjson"},
		{"test", "--rules", "dr", "--update", "--baseline", "b.json", "ev.ndjson"},
		{"check", "dr"},
		{"fmt", "--check", "dr"},
	} {
		var stdout, stderr bytes.Buffer
		run(args, strings.NewReader(""), &stdout, &stderr)
		var got []string
		for _, m := range named.FindAllString(stdout.String()+stderr.String(), -1) {
			if !slices.Contains(got, m) {
				got = append(got, m)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, want) {
			t.Errorf("kqlrules %s named the rule files\n%q\nwant\n%q\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), got, want, stdout.String(), stderr.String())
		}
	}
}
