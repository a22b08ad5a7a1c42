package ruleset_test

import (
	"slices"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// treeEQLRules returns the EQL event-query rules of Elastic's rules tree
// that the replay runs (the 861 event queries; sequences and samples are
// skipped), and a few EQL rules that match events of the Beats corpus, which
// the tree's rules do not.
func treeEQLRules(tb testing.TB) []*rules.Rule {
	tb.Helper()
	files, err := ruleset.Load(corpus.Path(tb, "detection-rules"))
	if err != nil {
		tb.Fatal(err)
	}
	var out []*rules.Rule
	for _, r := range ruleset.Rules(files) {
		if r.Type == rules.TypeEQL {
			out = append(out, r)
		}
	}
	if len(out) < 800 {
		tb.Fatalf("only %d EQL event-query rules loaded", len(out))
	}
	for i, q := range []string{
		`network where destination.port == 21`,
		`any where event.dataset : "o365.*" and event.outcome != "failure"`,
		`authentication where event.outcome in ("success", "failure")`,
		`any where ?source.ip != null and cidrMatch(source.ip, "10.0.0.0/8", "192.168.0.0/16")`,
		`file where length(file.name) > 5`,
	} {
		out = append(out, &rules.Rule{Name: "eql " + q, RuleID: "eql-" + string(rune('a'+i)), Type: rules.TypeEQL, Language: rules.LanguageEQL, Query: q})
	}
	return out
}

// TestSetEQLEqualsPrograms is the differential test for EQL event queries
// in a set with the KQL rules: over the Beats corpus the set matches
// exactly the rules whose own programs match (Rule.EQLProgram for EQL),
// and most EQL rules are indexed (the event category term).
func TestSetEQLEqualsPrograms(t *testing.T) {
	kql := corpusRules(t)
	eqls := treeEQLRules(t)
	rs := slices.Concat(kql, eqls)
	evs := corpusEvents(t)
	step := 4 // one event in four: 1,658 programs one by one are slow
	if raceEnabled {
		step = 40
	}
	set, err := ruleset.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	kqlSet, err := ruleset.New(kql)
	if err != nil {
		t.Fatal(err)
	}
	st, kst := set.Stats(), kqlSet.Stats()
	t.Logf("%d rules (%d EQL), %d indexed; KQL alone %d of %d", st.Rules, len(eqls), st.IndexedRules, kst.IndexedRules, kst.Rules)
	if eqlIndexed := st.IndexedRules - kst.IndexedRules; eqlIndexed < len(eqls)*9/10 {
		t.Errorf("only %d of %d EQL rules indexed", eqlIndexed, len(eqls))
	}
	progs := ownPrograms(t, kql)
	for _, r := range eqls {
		p, err := r.EQLProgram()
		if err != nil {
			t.Fatal(err)
		}
		progs = append(progs, p)
	}
	var got []int
	eqlMatches := 0
	for n, ev := range evs {
		if n%step != 0 {
			continue
		}
		want := naive(progs, ev)
		got = set.MatchMap(ev, got[:0])
		if !slices.Equal(got, want) {
			t.Fatalf("event %d: set matched %v, programs %v", n+1, got, want)
		}
		for _, i := range want {
			if i >= len(kql) {
				eqlMatches++
			}
		}
	}
	if eqlMatches == 0 {
		t.Fatal("no EQL rule matched any event: the test proves nothing")
	}
	t.Logf("%d EQL matches", eqlMatches)
}

// BenchmarkSetEQL matches the Beats corpus (decoded events) with the set
// of the KQL rules and with the set of the same KQL rules and the tree's
// 861 EQL event queries, alternating in one run, and reports the
// cost of each per event and their ratio (kql+eql/kql; the goal is at
// most 1.5).
func BenchmarkSetEQL(b *testing.B) {
	kql := corpusRules(b)
	both := slices.Concat(kql, treeEQLRules(b))
	evs := corpusEvents(b)
	kqlSet, err := ruleset.New(kql)
	if err != nil {
		b.Fatal(err)
	}
	bothSet, err := ruleset.New(both)
	if err != nil {
		b.Fatal(err)
	}
	// the two sets alternate every few hundred events, so that a change
	// of the machine's load weighs on both alike
	var dst []int
	pass := func(s *ruleset.Set, evs []map[string]any) time.Duration {
		start := time.Now()
		for _, ev := range evs {
			dst = s.MatchMap(ev, dst[:0])
		}
		return time.Since(start)
	}
	var tk, tb time.Duration
	for b.Loop() {
		for c := range slices.Chunk(evs, 256) {
			tk += pass(kqlSet, c)
			tb += pass(bothSet, c)
		}
	}
	n := float64(b.N * len(evs))
	b.ReportMetric(float64(tk.Nanoseconds())/n, "kql-ns/event")
	b.ReportMetric(float64(tb.Nanoseconds())/n, "kql+eql-ns/event")
	b.ReportMetric(float64(tb)/float64(tk), "ratio")
}

// TestSetSequenceIndex: a sequence rule's stages each require their event
// category and the same host.os.type; the set tests the rule only on an
// event that has both (MatchTimed records no time for a rule it did not
// test), and matches as the rule's own program does on each event.
func TestSetSequenceIndex(t *testing.T) {
	seq := &rules.Rule{Name: "seq", RuleID: "seq", Type: rules.TypeEQL, Language: rules.LanguageEQL,
		Query: `sequence by host.id with maxspan=1m [network where host.os.type == "linux" and event.type == "start"] [process where host.os.type == "linux" and process.name == "sh"]`}
	set, err := ruleset.New([]*rules.Rule{seq})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		event        map[string]any
		tested, want bool
	}{
		// a network event without host.os.type: not a candidate
		{map[string]any{"event": map[string]any{"category": "network", "type": "start"}}, false, false},
		// the host.os.type of no stage
		{map[string]any{"event": map[string]any{"category": "process"}, "host": map[string]any{"os": map[string]any{"type": "windows"}}, "process": map[string]any{"name": "sh"}}, false, false},
		// no stage's category
		{map[string]any{"event": map[string]any{"category": "file"}, "host": map[string]any{"os": map[string]any{"type": "linux"}}}, false, false},
		{map[string]any{"event": map[string]any{"category": "network", "type": "start"}, "host": map[string]any{"os": map[string]any{"type": "linux"}}}, true, true},
		{map[string]any{"event": map[string]any{"category": "process"}, "host.os.type": "linux", "process.name": "sh"}, true, true},
		{map[string]any{"event": map[string]any{"category": "process"}, "host.os.type": "linux", "process.name": "bash"}, true, false},
	} {
		spent := make([]time.Duration, 1)
		got := set.MatchTimed(eval.Map(c.event), nil, spent)
		if len(got) == 1 != c.want {
			t.Errorf("%v: matched %v, want %v", c.event, got, c.want)
		}
		if !c.tested && spent[0] != 0 {
			t.Errorf("%v: the rule was tested (%v), want it left out by the index", c.event, spent[0])
		}
		if own := set.Program(0).Match(c.event); own != c.want {
			t.Errorf("%v: own program %v, want %v", c.event, own, c.want)
		}
	}
}
