package ruleset

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/kqlrules/kqlrules/eval"
)

// TestCompiledOnce: a set FromFiles made of what Load loaded runs the
// programs Load compiled (one compile a query), once, and replays with
// what Load prepared: a second set of the same files, a set with
// options, a set New made of the rules and a rule whose query changed
// compile their own; the sets match alike.
func TestCompiledOnce(t *testing.T) {
	dir := t.TempDir()
	const file = "[metadata]\ncreation_date = \"2020/01/01\"\n\n[rule]\nname = \"r%d\"\nrule_id = \"id-%d\"\ntype = %q\nlanguage = %q\nquery = '''%s'''\nrisk_score = 1\nseverity = \"low\"\ndescription = \"d\"\n"
	queries := []struct{ typ, lang, query string }{
		{"query", "kuery", "destination.port:21"},
		{"eql", "eql", `network where destination.port == 22`},
		{"query", "kuery", "process.name:sshd and user.name:root"},
		{"eql", "eql", `process where process.name : "bash"`},
	}
	for i, q := range queries {
		text := fmt.Sprintf(file, i, i, q.typ, q.lang, q.query)
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("r%d.toml", i)), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	rs := Rules(files)
	if len(rs) != len(queries) || len(files) != len(queries) {
		t.Fatalf("%d rules loaded: %+v", len(rs), files)
	}
	kept := make([]*eval.Program, len(rs))
	for i, f := range files {
		if kept[i] = f.Prepared.Program(); kept[i] == nil {
			t.Fatalf("Load kept no program for %s", f.Rule.Name)
		}
	}
	rs[3].Query = `process where process.name : "zsh"` // changed: compiled again

	withOpts, err := FromFiles(files[:1], eval.WithSchema(nil))
	if err != nil {
		t.Fatal(err)
	}
	if withOpts.Program(0) == kept[0] {
		t.Error("a set with options took the program compiled without")
	}
	fromRules, err := New(rs)
	if err != nil {
		t.Fatal(err)
	}
	first, err := FromFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	second, err := FromFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range files {
		if fromRules.Program(i) == kept[i] {
			t.Errorf("rule %d: New took Load's program", i)
		}
		if got := first.Program(i) == kept[i]; got != (i != 3) {
			t.Errorf("rule %d: the first set runs Load's program: %v", i, got)
		}
		if got := first.preps[i] == f.Prepared; got != (i != 3) {
			t.Errorf("rule %d: the first set replays what Load prepared: %v", i, got)
		}
		if first.preps[i].Program() != first.Program(i) {
			t.Errorf("rule %d: the first set replays another program than it matches with", i)
		}
		if second.Program(i) == first.Program(i) || second.Program(i) == kept[i] || second.preps[i] == f.Prepared {
			t.Errorf("rule %d: the second set shares a program", i)
		}
		if f.Prepared.Take(f.Rule) != nil {
			t.Errorf("rule %d: a program is handed out again after FromFiles", i)
		}
	}
	evs := []map[string]any{
		{"event": map[string]any{"category": "network"}, "destination": map[string]any{"port": 21}},
		{"event": map[string]any{"category": "network"}, "destination": map[string]any{"port": 22}},
		{"event": map[string]any{"category": "process"}, "process": map[string]any{"name": "sshd"}, "user": map[string]any{"name": "root"}},
		{"event": map[string]any{"category": "process"}, "process": map[string]any{"name": "zsh"}},
		{"event": map[string]any{"category": "process"}, "process": map[string]any{"name": "bash"}},
	}
	for k, ev := range evs {
		a, b, c := first.MatchMap(ev, nil), second.MatchMap(ev, nil), fromRules.MatchMap(ev, nil)
		if fmt.Sprint(a) != fmt.Sprint(b) || fmt.Sprint(a) != fmt.Sprint(c) || k < 4 && fmt.Sprint(a) != fmt.Sprint([]int{k}) || k == 4 && len(a) != 0 {
			t.Errorf("event %d: the sets match %v, %v and %v", k, a, b, c)
		}
	}
}

// TestFromFilesOnceConcurrent: of two sets made at once of the same
// files, exactly one adopts each program Load compiled (run it with
// -race).
func TestFromFilesOnceConcurrent(t *testing.T) {
	dir := t.TempDir()
	const file = "[metadata]\ncreation_date = \"2020/01/01\"\n\n[rule]\nname = \"r%d\"\nrule_id = \"id-%d\"\ntype = \"query\"\nlanguage = \"kuery\"\nquery = '''destination.port:%d'''\nrisk_score = 1\nseverity = \"low\"\ndescription = \"d\"\n"
	const n = 20
	for i := range n {
		if err := os.WriteFile(filepath.Join(dir, fmt.Sprintf("r%02d.toml", i)), []byte(fmt.Sprintf(file, i, i, i)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(Rules(files)) != n {
		t.Fatalf("%d rules loaded", len(Rules(files)))
	}
	var sets [2]*Set
	var errs [2]error
	var wg sync.WaitGroup
	for k := range sets {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sets[k], errs[k] = FromFiles(files)
		}()
	}
	wg.Wait()
	for k, err := range errs {
		if err != nil {
			t.Fatalf("set %d: %v", k, err)
		}
	}
	for i, f := range files {
		a, b := sets[0].Program(i) == f.Prepared.Program(), sets[1].Program(i) == f.Prepared.Program()
		if a == b {
			t.Errorf("rule %d: the sets run Load's program: %v and %v", i, a, b)
		}
	}
}
