package diff_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/diff"
	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/eval"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// Real queries of ../shared/detection-rules, edited as authors edit them.
const (
	// rules/linux/discovery_dynamic_linker_via_od.toml
	odRule = `process where host.os.type == "linux" and event.type == "start" and event.action in ("exec", "exec_event", "start", "ProcessRollup2", "executed", "process_started")
 and process.name == "od" and process.args in (
  "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/etc/ld.so.preload", "/lib64/ld-linux-x86-64.so.2",
  "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2", "/usr/lib64/ld-linux-x86-64.so.2"
)`
	// rules/linux/privilege_escalation_gdb_sys_ptrace_netcon.toml
	gdbRule = `sequence by host.id, process.entry_leader.entity_id with maxspan=30s
  [process where host.os.type == "linux" and event.type == "start" and event.action == "exec" and process.name == "gdb" and
   (process.thread.capabilities.effective : "CAP_SYS_PTRACE" or process.thread.capabilities.permitted : "CAP_SYS_PTRACE") and
   user.id != "0"]
  [network where host.os.type == "linux" and event.action == "connection_attempted" and event.type == "start" and
   process.name != null and user.id == "0"]`
)

// checkEQLWitnesses runs both event queries, lowered as the replay lowers
// them, over each witness (from its JSON text) and fails unless it tells
// them apart in its direction.
func checkEQLWitnesses(t *testing.T, oldQ, newQ string, r *diff.Result) {
	t.Helper()
	compile := func(q string) *eval.Program {
		x, err := eql.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		if s, ok := x.Body.(*eql.Sequence); ok { // a stage's filter
			x = &eql.Query{Body: s.Stages[0].Filter}
		}
		d, err := eql.Lower(x, eql.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p, err := eval.CompileQuery(d)
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	po, pn := compile(oldQ), compile(newQ)
	for _, dir := range []struct {
		evs      []map[string]any
		old, new bool
	}{{r.Added, false, true}, {r.Removed, true, false}} {
		for _, w := range dir.evs {
			b, _ := json.Marshal(w)
			var ev map[string]any
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Fatal(err)
			}
			if po.Match(ev) != dir.old || pn.Match(ev) != dir.new {
				t.Errorf("witness %s: old %v new %v, want old %v new %v", b, po.Match(ev), pn.Match(ev), dir.old, dir.new)
			}
		}
	}
}

func TestEQLQueriesByMeaning(t *testing.T) {
	for _, tc := range []struct {
		name     string
		old, new string
		verdict  diff.Verdict // of the event query; "" for none
		added    string       // the first added witness as JSON, "" for none
		removed  string
		changed  bool
		treeOnly string // a substring of TreeOnly, "" for none
	}{
		{name: "formatting", old: odRule, new: strings.Join(strings.Fields(odRule), " ")},
		{name: "one more argument", old: odRule, new: strings.Replace(odRule, `"/etc/ld.so.preload",`, `"/etc/ld.so.preload", "/etc/ld.so.cache",`, 1),
			verdict: diff.VerdictWider, changed: true,
			added: `{"event.action":"exec","event.category":"process","event.type":"start","host.os.type":"linux","process.args":"/etc/ld.so.cache","process.name":"od"}`},
		{name: "== to :", old: odRule, new: strings.Replace(odRule, `process.name == "od"`, `process.name : "od"`, 1),
			verdict: diff.VerdictWider, changed: true,
			added: `{"event.action":"exec","event.category":"process","event.type":"start","host.os.type":"linux","process.args":"/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2","process.name":"OD"}`},
		{name: "category", old: odRule, new: strings.Replace(odRule, "process where", "any where", 1),
			verdict: diff.VerdictWider, changed: true,
			added: `{"event.action":"exec","event.type":"start","host.os.type":"linux","process.args":"/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2","process.name":"od"}`},
		{name: "clauses reordered", old: `process where process.name == "od" and user.id != "0"`, new: `process where not user.id == "0" and process.name == "od"`,
			verdict: diff.VerdictEquivalent},
		{name: "in split into or", old: `process where process.name in ("a", "b")`, new: `process where process.name == "a" or process.name == "b"`,
			verdict: diff.VerdictEquivalent},
		{name: "startsWith against like", old: `file where startsWith(file.path, "/tmp/")`, new: `file where file.path like "/tmp/*"`,
			verdict: diff.VerdictEquivalent},
		{name: "regex narrowed", old: `file where file.name regex "[a-z]+\\.sh"`, new: `file where file.name regex "[a-z]+\\.bash"`,
			verdict: diff.VerdictBoth, changed: true,
			added: `{"event.category":"file","file.name":"a.bash"}`, removed: `{"event.category":"file","file.name":"a.sh"}`},
		{name: "script function", old: `process where length(process.name) > 3`, new: `process where length(process.name) > 2`,
			verdict: diff.VerdictWider, changed: true},
		{name: "pipes by tree", old: `process where process.name == "od" | head 5`, new: `process where process.name : "od" | head 6`,
			verdict: diff.VerdictWider, changed: true, treeOnly: "the pipes are compared by tree only",
			added: `{"event.category":"process","process.name":"OD"}`},
		{name: "field comparison does not lower", old: `process where process.name == "a"`, new: `process where process.name == process.executable`,
			changed: true, treeOnly: "the new query does not lower"},
		{name: "event query to sequence", old: `process where true`, new: `sequence [process where true] [process where true]`,
			changed: true, treeOnly: "an event query and a sequence"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := diff.EQLQueries(tc.old, tc.new)
			if err != nil {
				t.Fatal(err)
			}
			if c.Changed() != tc.changed {
				t.Errorf("Changed %v, want %v (%q)", c.Changed(), tc.changed, c.Parts)
			}
			if !strings.Contains(c.TreeOnly, tc.treeOnly) || (tc.treeOnly == "" && c.TreeOnly != "") {
				t.Errorf("TreeOnly %q, want %q", c.TreeOnly, tc.treeOnly)
			}
			var verdict diff.Verdict
			if c.Result != nil {
				verdict = c.Result.Verdict
				checkEQLWitnesses(t, tc.old, tc.new, c.Result)
				first := func(evs []map[string]any) string {
					if len(evs) == 0 {
						return ""
					}
					b, _ := json.Marshal(evs[0])
					return string(b)
				}
				if got := first(c.Result.Added); tc.added != "" && got != tc.added {
					t.Errorf("added %s, want %s", got, tc.added)
				}
				if got := first(c.Result.Removed); tc.removed != "" && got != tc.removed {
					t.Errorf("removed %s, want %s", got, tc.removed)
				}
				if (tc.verdict == diff.VerdictWider || tc.verdict == diff.VerdictBoth) && len(c.Result.Added) == 0 {
					t.Errorf("no added witness")
				}
			}
			if verdict != tc.verdict {
				t.Errorf("verdict %q, want %q", verdict, tc.verdict)
			}
		})
	}
}

// TestEQLSequences: a change of a sequence's stages, keys or maxspan is
// reported, naming the stage (issue 19 item 6), and a stage whose filter
// alone changed is compared by meaning.
func TestEQLSequences(t *testing.T) {
	for _, tc := range []struct {
		name    string
		old     string // gdbRule when ""
		new     string
		parts   string // Parts joined by "; "
		stages  string // "stage N: VERDICT" of each stage compared by meaning
		changed bool
	}{
		{name: "maxspan", new: strings.Replace(gdbRule, "maxspan=30s", "maxspan=1m", 1),
			parts: "maxspan: 30s → 1m", changed: true},
		{name: "maxspan spelled otherwise", new: strings.Replace(gdbRule, "maxspan=30s", "maxspan=30000ms", 1)},
		{name: "keys", new: strings.Replace(gdbRule, "by host.id, process.entry_leader.entity_id", "by host.id", 1),
			parts: "by: host.id, process.entry_leader.entity_id → host.id", changed: true},
		{name: "stage 2 narrowed", new: strings.Replace(gdbRule, `event.action == "connection_attempted"`, `event.action == "connection_attempted" and destination.port == 443`, 1),
			parts: "stage 2 condition: + destination.port == 443", stages: "stage 2: narrower", changed: true},
		{name: "stage 1 same meaning", new: strings.Replace(gdbRule, `user.id != "0"]`, `not user.id == "0"]`, 1),
			parts: `stage 1 condition: - user.id != "0"; stage 1 condition: + not user.id == "0"`, stages: "stage 1: equivalent"},
		{name: "stage keys", new: strings.Replace(strings.Replace(gdbRule, `user.id == "0"]`, `user.id == "0"] by user.id`, 1), `user.id != "0"]`, `user.id != "0"] by process.parent.pid`, 1),
			parts:   `stage 1 by: (none) → process.parent.pid; stage 2 by: (none) → user.id`,
			changed: true},
		{name: "stage added", new: gdbRule + "\n  [file where true]",
			parts: "stage 3: added [file where true]", changed: true},
		{name: "runs", new: strings.Replace(gdbRule, `user.id != "0"]`, `user.id != "0"] with runs=2`, 1),
			parts: "stage 1 runs: 1 → 2", changed: true},
		{name: "until", new: gdbRule + "\nuntil [process where event.type == \"end\"]",
			parts: `until: (none) → [process where event.type == "end"]`, changed: true},
		{name: "until widened", old: gdbRule + "\nuntil [process where event.type == \"end\"]",
			new:   gdbRule + "\nuntil [process where event.type in (\"end\", \"stop\")]",
			parts: `until: [process where event.type == "end"] → [process where event.type in ("end", "stop")]`, stages: "until: wider", changed: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			old := tc.old
			if old == "" {
				old = gdbRule
			}
			c, err := diff.EQLQueries(old, tc.new)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(c.Parts, "; "); got != tc.parts {
				t.Errorf("parts\n%s\nwant\n%s", got, tc.parts)
			}
			var stages []string
			for _, st := range c.Stages {
				if st.Until {
					stages = append(stages, fmt.Sprintf("until: %s", st.Result.Verdict))
					continue
				}
				stages = append(stages, fmt.Sprintf("stage %d: %s", st.Stage, st.Result.Verdict))
			}
			if got := strings.Join(stages, "; "); got != tc.stages {
				t.Errorf("stages %q, want %q", got, tc.stages)
			}
			if c.Changed() != tc.changed {
				t.Errorf("Changed %v, want %v", c.Changed(), tc.changed)
			}
		})
	}
}

// TestEQLWriteGolden pins the text `kqlrules diff` prints for EQL edits.
func TestEQLWriteGolden(t *testing.T) {
	var b strings.Builder
	for _, tc := range []struct{ old, new string }{
		{odRule, strings.Replace(odRule, `process.name == "od"`, `process.name : ("od", "xxd")`, 1)},
		{gdbRule, strings.Replace(strings.Replace(gdbRule, "maxspan=30s", "maxspan=1m", 1), `user.id == "0"]`, `user.id == "0" and destination.port == 443]`, 1)},
		{`process where process.name == "a"`, `process where process.name == process.executable`},
	} {
		c, err := diff.EQLQueries(tc.old, tc.new)
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&b, "# %s\n# %s\n", strings.Join(strings.Fields(tc.old), " "), strings.Join(strings.Fields(tc.new), " "))
		c.WriteText(&b, "old", "new")
		b.WriteString("\n")
	}
	golden := filepath.Join("testdata", "eql.golden")
	if *update {
		if err := os.MkdirAll("testdata", 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(golden, []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if b.String() != string(want) {
		t.Errorf("got\n%s\nwant (go test -update)\n%s", b.String(), want)
	}
}
