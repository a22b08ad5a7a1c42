package eql_test

import (
	"bufio"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
)

// eqlRules returns the query of every EQL rule file of the shared
// detection-rules checkout (rules/ and rules_building_block/), by path.
func eqlRules(t testing.TB) map[string]string {
	t.Helper()
	root := corpus.Path(t, "detection-rules")
	rulesOnce.Do(func() { loadedRules = loadEQLRules(t, root) })
	return loadedRules
}

var (
	rulesOnce   sync.Once
	loadedRules map[string]string
)

// loadEQLRules reads the rule files; under the race detector, one in ten.
func loadEQLRules(t testing.TB, root string) map[string]string {
	out := map[string]string{}
	n := 0
	for _, dir := range []string{"rules", "rules_building_block"} {
		err := filepath.WalkDir(filepath.Join(root, dir), func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".toml") {
				return err
			}
			if n++; raceEnabled && n%10 != 0 {
				return nil
			}
			r, err := rules.Load(path)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				return nil
			}
			if r.Language == rules.LanguageEQL {
				out[path] = r.Query
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// TestDetectionRules parses every EQL rule of Elastic's detection-rules
// (1,081 files: event queries, sequences and samples; Elastic validates
// each against a real Elasticsearch in CI), prints it canonically and
// parses the print back to the same tree.
func TestDetectionRules(t *testing.T) {
	qs := eqlRules(t)
	if len(qs) != 1081 && !raceEnabled {
		t.Errorf("found %d EQL rules, want the 1,081 of the checkout", len(qs))
	}
	kinds := map[string]int{}
	for path, src := range qs {
		q, err := eql.Parse(src)
		if err != nil {
			t.Errorf("%s: %v\n%s", path, err, err.(*eql.Error).Snippet())
			continue
		}
		kinds[strings.Fields(q.String())[0]]++
		roundTrip(t, path, q)
	}
	t.Logf("%d EQL rules parsed: %v", len(qs), kinds)
}

// TestSpecQueries parses the query of every entry of Elasticsearch's EQL
// spec tests (x-pack/plugin/eql/qa/common/src/main/resources/*.toml,
// converted in ../shared/eql-spec): Elasticsearch runs them all.
func TestSpecQueries(t *testing.T) {
	for _, c := range specCases(t) {
		q, err := eql.Parse(c.Query)
		if err != nil {
			t.Errorf("%s: %v\n%s", c.ID, err, err.(*eql.Error).Snippet())
			continue
		}
		roundTrip(t, c.ID, q)
	}
}

// specCase is one line of ../shared/eql-spec/cases.jsonl.
type specCase struct {
	ID       string `json:"id"`
	Query    string `json:"query"`
	Kind     string `json:"kind"`
	Data     []string
	Mapping  string
	IDField  string   `json:"id_field"`
	Expected []int    `json:"expected_event_ids"`
	AnyOf    [][]int  `json:"expected_event_ids_any_of"`
	JoinKeys []string `json:"expected_join_keys"`
	Params   struct {
		MaxSamplesPerKey   int    `json:"max_samples_per_key"`
		EventCategoryField string `json:"event_category_field"`
		TimestampField     string `json:"timestamp_field"`
		TiebreakerField    string `json:"tiebreaker_field"`
		Size               int    `json:"size"`
		FetchSize          int    `json:"fetch_size"`
		ResultPosition     string `json:"result_position"`
	}
}

func specCases(t *testing.T) []specCase {
	t.Helper()
	f, err := os.Open(corpusPath(t, "eql-spec/cases.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []specCase
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var c specCase
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

func corpusPath(t *testing.T, rel string) string { return corpus.Path(t, rel) }

// TestDetectionRulesLower lowers every event query of detection-rules to
// the DSL and compiles it with eval over the default ECS mapping: every
// one must compile (scripts included).
func TestDetectionRulesLower(t *testing.T) {
	events := 0
	for path, src := range eqlRules(t) {
		q, err := eql.Parse(src)
		if err != nil {
			continue // TestDetectionRules reports it
		}
		if _, ok := q.Body.(*eql.EventFilter); !ok {
			continue
		}
		events++
		dsl, err := eql.Lower(q, eql.Options{})
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if _, err := eval.CompileQuery(dsl); err != nil {
			t.Errorf("%s: %v\n%s", path, err, src)
		}
	}
	t.Logf("%d event queries lowered and compiled", events)
}

// TestDetectionRulesSequences compiles every sequence and sample rule of
// detection-rules (217 sequences, 3 samples) into a matcher plan, with
// every field taken for a keyword, and runs each plan over an empty
// stream and over 1,000 Beats events: every stage lowers and compiles,
// every join key resolves, every sequence runs.
func TestDetectionRulesSequences(t *testing.T) {
	kinds := map[string]int{}
	found := 0
	var beats []*eql.Event
	plan, err := eql.CompileSequence(eql.Request{Query: `sequence [any where true] [any where true]`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for rec, err := range events.ReadFiles([]string{corpus.Path(t, "corpus/beats_events.ndjson")}, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if ev, ok := plan.Event(eql.Doc{Source: rec.Fields}, int64(len(beats))); ok {
			beats = append(beats, &ev)
		}
		if len(beats) == 1000 {
			break
		}
	}
	sort.SliceStable(beats, func(i, j int) bool { return beats[i].Ordinal.Compare(beats[j].Ordinal) < 0 })
	for path, src := range eqlRules(t) {
		q, err := eql.Parse(src)
		if err != nil {
			continue // TestDetectionRules reports it
		}
		kind := ""
		switch q.Body.(type) {
		case *eql.Sequence:
			kind = "sequence"
		case *eql.Sample:
			kind = "sample"
		default:
			continue
		}
		kinds[kind]++
		p, err := eql.CompileSequence(eql.Request{Query: src}, nil)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if p.Stages() < 2 {
			t.Errorf("%s: %d stages", path, p.Stages())
		}
		m := p.NewMatcher()
		m.Flush()
		if got := m.Drain(); len(got) != 0 {
			t.Errorf("%s: %d sequences from no events", path, len(got))
		}
		if kind == "sample" {
			continue
		}
		// and runs over Beats events in event time
		m = p.NewMatcher()
		for _, ev := range beats {
			if err := m.Add(ev); err != nil {
				t.Errorf("%s: %v", path, err)
				break
			}
		}
		m.Flush()
		found += len(m.Drain())
	}
	t.Logf("compiled %v; %d sequences found over %d Beats events", kinds, found, len(beats))
	if !raceEnabled && (kinds["sequence"] != 217 || kinds["sample"] != 3) {
		t.Errorf("compiled %v, want 217 sequences and 3 samples", kinds)
	}
}

// TestCompileSequenceLowered holds a plan compiled from the stages a
// search lowered already (CompileSequenceLowered, what the replay does)
// to the plan that lowers them itself (CompileSequenceQuery): over
// every sequence rule of detection-rules and 1,000 Beats events both see
// the same stage matches and find the same sequences. A filter that is
// not LowerStages' any-of-the-stages is ignored.
func TestCompileSequenceLowered(t *testing.T) {
	var beats []eql.Event
	any2, err := eql.CompileSequence(eql.Request{Query: `sequence [any where true] [any where true]`}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for rec, err := range events.ReadFiles([]string{corpus.Path(t, "corpus/beats_events.ndjson")}, nil) {
		if err != nil {
			t.Fatal(err)
		}
		if ev, ok := any2.Event(eql.Doc{Source: rec.Fields}, int64(len(beats))); ok {
			beats = append(beats, ev)
		}
	}
	sort.SliceStable(beats, func(i, j int) bool { return beats[i].Ordinal.Compare(beats[j].Ordinal) < 0 })
	run := func(p *eql.SequencePlan) (int, eql.MatcherStats) {
		m := p.NewMatcher()
		for _, ev := range beats {
			ev := ev // each plan masks its own copy
			if err := m.Add(&ev); err != nil {
				t.Fatal(err)
			}
		}
		m.Flush()
		return len(m.Drain()), m.Stats()
	}
	n, seen := 0, 0
	for path, src := range eqlRules(t) {
		q, err := eql.Parse(src)
		if err != nil {
			continue
		}
		if _, ok := q.Body.(*eql.Sequence); !ok {
			continue
		}
		req := eql.Request{Query: src}
		want, err := eql.CompileSequenceQuery(q, req, nil)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		lowered, err := eql.LowerStages(q, eql.Options{})
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		for _, l := range []esdsl.Query{lowered, &esdsl.MatchAll{}} {
			got, err := eql.CompileSequenceLowered(q, req, l)
			if err != nil {
				t.Errorf("%s: %v", path, err)
				continue
			}
			if got.Stages() != want.Stages() {
				t.Errorf("%s: %d stages, want %d", path, got.Stages(), want.Stages())
			}
			gn, gs := run(got)
			wn, ws := run(want)
			if gn != wn || gs != ws {
				t.Errorf("%s: lowered %T: %d sequences %+v, want %d %+v", path, l, gn, gs, wn, ws)
			}
			seen += gs.Seen
		}
		n++
	}
	if n == 0 {
		t.Fatal("no sequence rules")
	}
	if seen == 0 && !raceEnabled { // the race detector's sample of the rules may see none
		t.Error("no stage matched any event: the comparison shows nothing")
	}
	t.Logf("%d sequences, %d stage matches", n, seen)
}
