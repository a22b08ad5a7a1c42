package eql_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
)

// runMatcher feeds docs in event time to a matcher of the plan, saving
// and restoring its state (with a plan compiled again) before each event
// where cut says so, and returns the sequences as "key:ids" in the order
// they were decided.
func runMatcher(t *testing.T, req eql.Request, m *eql.Mapping, docs []eql.Doc, idField string, cut func(i int) bool) []string {
	t.Helper()
	plan, err := eql.CompileSequence(req, m)
	if err != nil {
		t.Fatal(err)
	}
	var evs []*eql.Event
	for i, d := range docs {
		if ev, ok := plan.Event(d, int64(i)); ok {
			evs = append(evs, &ev)
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Ordinal.Compare(evs[j].Ordinal) < 0 })
	mt := plan.NewMatcher()
	var out []string
	drain := func() {
		for _, s := range mt.Drain() {
			var ids []string
			for _, e := range s.Events {
				if e == nil {
					ids = append(ids, "-1")
					continue
				}
				b, _ := json.Marshal(e.Doc.Source[idField])
				ids = append(ids, string(b))
			}
			out = append(out, fmt.Sprint(s.JoinKeys)+":"+strings.Join(ids, ","))
		}
	}
	for i, ev := range evs {
		if cut(i) {
			drain()
			state, err := mt.Save()
			if err != nil {
				t.Fatal(err)
			}
			again := plan
			if i%4 == 0 { // a plan compiled again, as by the next process
				if again, err = eql.CompileSequence(req, m); err != nil {
					t.Fatal(err)
				}
			}
			if mt, err = again.RestoreMatcher(state); err != nil {
				t.Fatalf("%v\n%s", err, state)
			}
		}
		if err := mt.Add(ev); err != nil {
			t.Fatal(err)
		}
	}
	mt.Flush()
	drain()
	return out
}

// TestMatcherSaveRestore: a matcher saved and restored between any two
// events finds what one run finds, on the random cases of the
// differential test and on the sequence entries of Elasticsearch's spec
// tests (missing events included), saving before every third event.
func TestMatcherSaveRestore(t *testing.T) {
	m, err := eql.ReadMapping([]byte(diffMapping))
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewSource(7))
	for range 300 {
		q, evs := genCase(r.Intn)
		var docs []eql.Doc
		for i, e := range evs {
			src := map[string]any{"@timestamp": json.Number(fmt.Sprint(e.ts)), "event_type": e.cat, "tb": json.Number(fmt.Sprint(e.tb))}
			if e.k != nil {
				src["k"] = *e.k
			}
			docs = append(docs, eql.Doc{Index: "i", ID: fmt.Sprint(i), Source: src})
		}
		req := eql.Request{Query: q.String(), TiebreakerField: "tb"}
		if q.noTB {
			req.TiebreakerField = ""
		}
		whole := runMatcher(t, req, m, docs, "tb", func(int) bool { return false })
		split := r.Intn(len(evs) + 1)
		parts := runMatcher(t, req, m, docs, "tb", func(i int) bool { return i == split })
		if !slices.Equal(whole, parts) {
			t.Fatalf("%s, saved before event %d:\n got %q\nwant %q", q, split, parts, whole)
		}
	}
	dir := filepath.Dir(corpusPath(t, "eql-spec/cases.jsonl"))
	n := 0
	for _, c := range specCases(t) {
		if c.Kind != "sequence" || (raceEnabled && len(c.ID)%5 != 0) {
			continue
		}
		data := must(t, filepath.Join(dir, "data", c.Mapping))
		sm, err := eql.ReadMapping(data)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, d := range c.Data {
			paths = append(paths, filepath.Join(dir, "data", d))
		}
		docs, err := eql.ReadDocs(paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			sm.Dynamic(d.Source)
		}
		req := eql.Request{Query: c.Query, TiebreakerField: c.Params.TiebreakerField}
		whole := runMatcher(t, req, sm, docs, c.IDField, func(int) bool { return false })
		every := runMatcher(t, req, sm, docs, c.IDField, func(i int) bool { return i%3 == n%3 })
		if !slices.Equal(whole, every) {
			t.Errorf("%s: saved before every third event:\n got %q\nwant %q", c.ID, every, whole)
		}
		n++
	}
	t.Logf("%d spec sequences saved and restored before every third event", n)
}

func must(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
