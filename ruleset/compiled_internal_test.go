package ruleset

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"weak"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/rules"
)

func peekProgram(r *rules.Rule) *eval.Program {
	compiled.Lock()
	defer compiled.Unlock()
	return compiled.m[weak.Make(r)].prog
}

// TestCompiledOnce: a set made of the rules Load loaded runs the programs
// Load compiled (one compile a query), once: a second set of the same
// rules, a set with options and a rule whose query changed compile their
// own; both sets match alike.
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
	if len(rs) != len(queries) {
		t.Fatalf("%d rules loaded: %+v", len(rs), files)
	}
	kept := make([]*eval.Program, len(rs))
	for i, r := range rs {
		if kept[i] = peekProgram(r); kept[i] == nil {
			t.Fatalf("Load kept no program for %s", r.Name)
		}
	}
	rs[3].Query = `process where process.name : "zsh"` // changed: compiled again

	withOpts, err := New(rs[:1], eval.WithSchema(nil))
	if err != nil {
		t.Fatal(err)
	}
	if withOpts.Program(0) == kept[0] {
		t.Error("a set with options took the program compiled without")
	}
	first, err := New(rs)
	if err != nil {
		t.Fatal(err)
	}
	second, err := New(rs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		if got := first.Program(i) == kept[i]; got != (i != 3) {
			t.Errorf("rule %d: the first set runs Load's program: %v", i, got)
		}
		if second.Program(i) == first.Program(i) || second.Program(i) == kept[i] {
			t.Errorf("rule %d: the second set shares a program", i)
		}
		if peekProgram(r) != nil {
			t.Errorf("rule %d: a program is still kept after New", i)
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
		a, b := first.MatchMap(ev, nil), second.MatchMap(ev, nil)
		if fmt.Sprint(a) != fmt.Sprint(b) || k < 4 && fmt.Sprint(a) != fmt.Sprint([]int{k}) || k == 4 && len(a) != 0 {
			t.Errorf("event %d: the sets match %v and %v", k, a, b)
		}
	}
}
