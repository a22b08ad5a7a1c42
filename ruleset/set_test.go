package ruleset_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// corpusRules reads the 792 KQL queries of Elastic's detection rules as
// rules, leaving out the few that do not compile.
func corpusRules(tb testing.TB) []*rules.Rule {
	tb.Helper()
	f, err := os.Open(corpus.Path(tb, "corpus/elastic_kuery_rules.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []*rules.Rule
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct{ Name, Query, File string }
		var id struct {
			RuleID string `json:"rule_id"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatal(err)
		}
		json.Unmarshal(sc.Bytes(), &id)
		if _, err := kqlrules.Compile(r.Query); err != nil {
			continue
		}
		out = append(out, &rules.Rule{Name: r.Name, RuleID: id.RuleID, Query: r.Query, Type: rules.TypeQuery})
	}
	if len(out) < 700 {
		tb.Fatalf("only %d rules compile", len(out))
	}
	return out
}

func corpusEvents(tb testing.TB) []map[string]any {
	tb.Helper()
	f, err := os.Open(corpus.Path(tb, "corpus/beats_events.ndjson"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []map[string]any
	for rec, err := range events.Read("beats", f) {
		if err != nil {
			tb.Fatal(err)
		}
		out = append(out, rec.Fields)
	}
	return out
}

// naive is what the set must equal: every rule's own program, one by one.
func naive(progs []*eval.Program, ev map[string]any) []int {
	var out []int
	for i, p := range progs {
		if p.Match(ev) {
			out = append(out, i)
		}
	}
	return out
}

func ownPrograms(tb testing.TB, rs []*rules.Rule) []*eval.Program {
	progs := make([]*eval.Program, len(rs))
	for i, r := range rs {
		p, err := kqlrules.Compile(r.Query)
		if err != nil {
			tb.Fatal(err)
		}
		progs[i] = p
	}
	return progs
}

// TestSetEqualsPrograms is the differential test: over the Beats corpus,
// the set matches exactly the rules whose own programs match, through map
// events and through lazy JSON events.
func TestSetEqualsPrograms(t *testing.T) {
	rs := corpusRules(t)
	evs := corpusEvents(t)
	step := 1
	if raceEnabled {
		step = 10 // a sample: the race detector makes matching slow
	}
	set, err := ruleset.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	st := set.Stats()
	t.Logf("%d rules, %d distinct fields, %d rules indexed on %d fields", st.Rules, st.Fields, st.IndexedRules, st.IndexFields)
	if st.IndexedRules < st.Rules/2 {
		t.Errorf("only %d of %d rules indexed", st.IndexedRules, st.Rules)
	}
	progs := ownPrograms(t, rs)
	var got []int
	total := 0
	wants := make([][]int, len(evs))
	for n, ev := range evs {
		if n%step != 0 {
			continue
		}
		want := naive(progs, ev)
		wants[n] = want
		got = set.MatchMap(ev, got[:0])
		total += len(want)
		if !slices.Equal(got, want) {
			t.Fatalf("event %d: set matched %v, programs %v", n+1, got, want)
		}
	}
	if total == 0 {
		t.Fatal("no rule matched any event: the test proves nothing")
	}
	t.Logf("%d matches", total)

	// lazy events
	f, err := os.Open(corpus.Path(t, "corpus/beats_events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	n := 0
	var lazy events.Lazy
	for raw, err := range events.ReadRaw("beats", f) {
		if err != nil {
			t.Fatal(err)
		}
		if n%step != 0 {
			n++
			continue
		}
		got = set.Match(events.JSON(raw.JSON), got[:0])
		if want := wants[n]; !slices.Equal(got, want) {
			t.Fatalf("lazy event %d: set matched %v, programs %v", n+1, got, want)
		}
		// one Lazy reading the stream, as Set.Replay's workers do
		lazy.Reset(raw.JSON)
		got = set.Match(&lazy, got[:0])
		if want := wants[n]; !slices.Equal(got, want) {
			t.Fatalf("lazy event %d read with Reset: set matched %v, programs %v", n+1, got, want)
		}
		n++
	}
}

// TestSetConcurrent matches from several goroutines at once (run with
// -race).
func TestSetConcurrent(t *testing.T) {
	rs := corpusRules(t)
	evs := corpusEvents(t)
	if len(evs) > 2000 {
		evs = evs[:2000]
	}
	set, err := ruleset.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	want := make([][]int, len(evs))
	for i, ev := range evs {
		want[i] = set.MatchMap(ev, nil)
	}
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			var got []int
			for i := w; i < len(evs); i += 4 {
				got = set.MatchMap(evs[i], got[:0])
				if !slices.Equal(got, want[i]) {
					t.Errorf("event %d: %v, want %v", i, got, want[i])
					return
				}
			}
		})
	}
	wg.Wait()
}

// TestSetAllocs: matching the whole set on an event allocates nothing in
// steady state, the rules with wildcard field names (file.hash.*:*)
// included.
func TestSetAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("skipped under the race detector: its sync.Pool drops items, so matching allocates")
	}
	rs := corpusRules(t)
	wild := 0
	for _, r := range rs {
		if containsWildcardField(r.Query) {
			wild++
		}
	}
	if wild == 0 {
		t.Fatal("no rule with a wildcard field name in the corpus")
	}
	evs := corpusEvents(t)
	set, err := ruleset.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]int, 0, len(rs))
	for _, ev := range evs { // warm up: buffers grow to the largest event
		dst = set.MatchMap(ev, dst[:0])
	}
	for _, n := range []int{0, 1, 100, 5000, len(evs) - 1} {
		ev := evs[n]
		if a := testing.AllocsPerRun(20, func() { dst = set.MatchMap(ev, dst[:0]) }); a != 0 {
			t.Errorf("event %d: %v allocations per match", n+1, a)
		}
	}
	// an event the wildcard-name rules look into
	ev := map[string]any{"event": map[string]any{"category": "file", "type": "creation"},
		"file":         map[string]any{"hash": map[string]any{"sha256": "abc", "md5": "def"}, "path": "/tmp/x"},
		"process.name": "cmd.exe"}
	dst = set.MatchMap(ev, dst[:0])
	if a := testing.AllocsPerRun(20, func() { dst = set.MatchMap(ev, dst[:0]) }); a != 0 {
		t.Errorf("nested file.hash event: %v allocations per match", a)
	}
}

func containsWildcardField(q string) bool {
	for i := 0; i+2 < len(q); i++ {
		if q[i] == '*' && q[i+1] == ':' {
			return true
		}
	}
	return false
}

// TestLoadSkipsTestEvents: a rule's own test events (rule.test.ndjson,
// for kqlrules test) are not read as a Kibana export of rules.
func TestLoadSkipsTestEvents(t *testing.T) {
	dir := t.TempDir()
	rule := "[rule]\nname = \"r\"\nrule_id = \"r1\"\ntype = \"query\"\nlanguage = \"kuery\"\nquery = \"f:a\"\nrisk_score = 1\nseverity = \"low\"\ndescription = \"d\"\n"
	if err := os.WriteFile(filepath.Join(dir, "r.toml"), []byte(rule), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "r"+ruleset.TestEventsSuffix), []byte(`{"f":"a","_expect":"alert"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := ruleset.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 1 || filepath.Base(files[0].Path) != "r.toml" {
		t.Errorf("loaded %+v, want r.toml alone", files)
	}
}
