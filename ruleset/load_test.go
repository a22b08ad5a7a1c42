package ruleset_test

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/ruleset"
)

// outcomeText is what a File says, as text to compare.
func outcomeText(f ruleset.File) string {
	s := fmt.Sprintf("%s %s %s", f.Where(), f.Status, f.Reason)
	if f.Err != nil {
		s += " err=" + f.Err.Error()
	}
	if f.Rule != nil {
		s += fmt.Sprintf(" rule=%s/%s/%q/%d/%q", f.Rule.RuleID, f.Rule.Name, f.Rule.Query, f.Rule.Version, f.Rule.Type)
	}
	return s
}

// oneByOne loads each rule file below the roots alone, in lexical order:
// what Load of the directory must equal.
func oneByOne(t *testing.T, roots ...string) []string {
	t.Helper()
	var out []string
	for _, root := range roots {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() {
				return err
			}
			switch filepath.Ext(path) {
			case ".toml", ".json", ".ndjson":
			default:
				return nil
			}
			if strings.HasSuffix(path, ruleset.TestEventsSuffix) {
				return nil
			}
			files, err := ruleset.Load(path)
			if err != nil {
				return err
			}
			for _, f := range files {
				out = append(out, outcomeText(f))
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func loadText(t *testing.T, dir string) []string {
	t.Helper()
	files, err := ruleset.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(files))
	for i, f := range files {
		out[i] = outcomeText(f)
	}
	return out
}

func sameLines(t *testing.T, what string, got, want []string) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d outcomes, want %d", what, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] {
			t.Fatalf("%s: outcome %d:\n got %s\nwant %s", what, i, got[i], want[i])
		}
	}
}

// TestLoadParallel: loading a directory in parallel gives, in order, the
// outcomes of loading each of its files alone, with every worker count:
// the rules, the skipped ones with their reason, and the failures naming
// their file and line. Over a directory of generated good and bad files,
// and over Elastic's whole tree.
func TestLoadParallel(t *testing.T) {
	dir := t.TempDir()
	good := "[metadata]\ncreation_date = \"2020/01/01\"\n\n[rule]\nname = \"r%d\"\nrule_id = \"id-%d\"\ntype = \"query\"\nlanguage = \"kuery\"\nquery = \"f:%d\"\nrisk_score = 1\nseverity = \"low\"\ndescription = \"d\"\n"
	for i := range 300 {
		var text string
		switch i % 6 {
		case 0, 1, 2:
			text = fmt.Sprintf(good, i, i, i)
		case 3: // a syntax error on line 5
			text = fmt.Sprintf(good, i, i, i)
			text = strings.Replace(text, "name = ", "name = = ", 1)
		case 4: // a field of the wrong type
			text = strings.Replace(fmt.Sprintf(good, i, i, i), "risk_score = 1", "risk_score = \"high\"", 1)
		case 5: // a rule type the set does not run
			text = strings.Replace(fmt.Sprintf(good, i, i, i), `type = "query"`, `type = "machine_learning"`, 1)
		}
		sub := filepath.Join(dir, fmt.Sprintf("d%d", i%7))
		if err := os.MkdirAll(sub, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(sub, fmt.Sprintf("r%03d.toml", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	export := `{"rule_id":"e1","name":"e1","type":"query","language":"kuery","query":"a:1","risk_score":1,"severity":"low","description":"d"}` + "\n" +
		`{"rule_id":"e2","name":"e2","type":"query","query":` + "\n" + `{"exported_count":1}` + "\n"
	if err := os.WriteFile(filepath.Join(dir, "export.ndjson"), []byte(export), 0o644); err != nil {
		t.Fatal(err)
	}
	want := oneByOne(t, dir)
	statuses := map[string]bool{}
	for _, w := range want {
		statuses[strings.Fields(w)[1]] = true
	}
	if !statuses["loaded"] || !statuses["skipped"] || !statuses["error"] {
		t.Fatalf("the files do not give every outcome: %v", statuses)
	}
	if !strings.Contains(strings.Join(want, "\n"), ":5") {
		t.Fatalf("no failure names line 5:\n%s", strings.Join(want, "\n"))
	}
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	for _, procs := range []int{1, 2, 3, 8} {
		runtime.GOMAXPROCS(procs)
		sameLines(t, fmt.Sprintf("GOMAXPROCS %d", procs), loadText(t, dir), want)
	}
	if testing.Short() || raceEnabled {
		return // the tree loaded file by file takes seconds
	}
	runtime.GOMAXPROCS(4)
	tree := corpus.Path(t, "detection-rules")
	treeWant := oneByOne(t, filepath.Join(tree, "rules"), filepath.Join(tree, "rules_building_block"))
	if len(treeWant) != 2192 {
		t.Fatalf("%d files in the tree, want 2192", len(treeWant))
	}
	sameLines(t, "Elastic's tree", loadText(t, tree), treeWant)
}

// TestLoadUnreadable: a file that cannot be read (here a dangling link)
// is Load's error, naming it, and the other files load still, in order.
func TestLoadUnreadable(t *testing.T) {
	dir := t.TempDir()
	rule := "[rule]\nname = \"r\"\nrule_id = \"r%d\"\ntype = \"query\"\nlanguage = \"kuery\"\nquery = \"f:a\"\nrisk_score = 1\nseverity = \"low\"\ndescription = \"d\"\n"
	for i := range 20 {
		name := filepath.Join(dir, fmt.Sprintf("r%02d.toml", i))
		if i == 12 {
			if err := os.Symlink(filepath.Join(dir, "nowhere"), name); err != nil {
				t.Skip("no symbolic links here:", err)
			}
			continue
		}
		if err := os.WriteFile(name, fmt.Appendf(nil, rule, i), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := ruleset.Load(dir)
	if err == nil || !strings.Contains(err.Error(), "r12.toml") {
		t.Fatalf("error %v, want one naming r12.toml", err)
	}
	if len(files) != 19 || files[11].Rule == nil || files[11].Rule.RuleID != "r11" || files[12].Rule == nil || files[12].Rule.RuleID != "r13" {
		t.Errorf("%d outcomes, want the 19 of r00..r19 but r12, in order", len(files))
	}
}
