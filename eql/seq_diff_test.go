package eql_test

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
)

// This file checks the event-time Matcher against a second
// implementation written independently here: the stage-major algorithm
// of Elasticsearch's TumblingWindow with a single window holding every
// event (x-pack/plugin/eql/src/main/java/org/elasticsearch/xpack/eql/
// execution/sequence/TumblingWindow.java, SequenceMatcher.match,
// SequenceGroup.trimBefore, UntilGroup, Ordinal.between): all hits of
// stage 0 first, then all hits of stage 1, each taking the latest
// sequence of the previous stage before it from a full group and
// dropping the older ones, over every event of small random streams.

// dEvent is an event of a differential case.
type dEvent struct {
	ts  int     // epoch milliseconds
	cat string  // event_type
	k   *string // the join key field; nil: absent
	tb  int     // the tiebreaker
}

// dQuery is a sequence of a differential case.
type dQuery struct {
	stages  []string // categories
	by      int      // 0: no key, 1: by k, 2: by ?k
	maxspan int      // ms; 0: none
	until   string   // category; "": none
	noTB    bool     // no tiebreaker field: ties go by input order
}

func (q dQuery) String() string {
	var b strings.Builder
	b.WriteString("sequence")
	switch q.by {
	case 1:
		b.WriteString(" by k")
	case 2:
		b.WriteString(" by ?k")
	}
	if q.maxspan > 0 {
		fmt.Fprintf(&b, " with maxspan=%dms", q.maxspan)
	}
	for _, s := range q.stages {
		fmt.Fprintf(&b, " [%s where true]", s)
	}
	if q.until != "" {
		fmt.Fprintf(&b, " until [%s where true]", q.until)
	}
	return b.String()
}

const diffMapping = `{"properties": {
  "@timestamp": {"type": "date"},
  "event_type": {"type": "keyword"},
  "event": {"properties": {"category": {"type": "alias", "path": "event_type"}}},
  "k": {"type": "keyword"},
  "tb": {"type": "long"}
}}`

// viaSearch runs the case through eql.Search: each sequence as its
// events' tiebreakers joined by "," and its key, as "key:tb,tb".
func viaSearch(t testing.TB, q dQuery, evs []dEvent) []string {
	m, err := eql.ReadMapping([]byte(diffMapping))
	if err != nil {
		t.Fatal(err)
	}
	var docs []eql.Doc
	for i, e := range evs {
		src := map[string]any{"@timestamp": json.Number(fmt.Sprint(e.ts)), "event_type": e.cat, "tb": json.Number(fmt.Sprint(e.tb))}
		if e.k != nil {
			src["k"] = *e.k
		}
		docs = append(docs, eql.Doc{Index: "i", ID: fmt.Sprint(i), Source: src})
	}
	req := eql.Request{Query: q.String(), TiebreakerField: "tb", Size: 10000, ResultPosition: "head"}
	if q.noTB {
		req.TiebreakerField = ""
	}
	resp, err := eql.Search(req, m, docs)
	if err != nil {
		t.Fatalf("%s: %v", q, err)
	}
	out := []string{}
	for _, s := range resp.Hits.Sequences {
		var tbs []string
		for _, e := range s.Events {
			var src struct{ TB int }
			if err := json.Unmarshal(e.Source, &src); err != nil {
				t.Fatal(err)
			}
			tbs = append(tbs, fmt.Sprint(src.TB))
		}
		key := ""
		if len(s.JoinKeys) > 0 {
			key = fmt.Sprint(s.JoinKeys[0])
		}
		out = append(out, key+":"+strings.Join(tbs, ","))
	}
	return out
}

// bruteForce is the reference: stage-major matching over full groups.
func bruteForce(q dQuery, evs []dEvent) []string {
	type ev struct {
		dEvent
		pos int
	}
	sorted := make([]ev, len(evs))
	for i, e := range evs {
		sorted[i] = ev{e, i}
	}
	before := func(a, b ev) bool { // Ordinal.compareTo < 0
		if a.ts != b.ts {
			return a.ts < b.ts
		}
		if !q.noTB && a.tb != b.tb {
			return a.tb < b.tb
		}
		return a.pos < b.pos
	}
	sort.SliceStable(sorted, func(i, j int) bool { return before(sorted[i], sorted[j]) })
	keyOf := func(e ev) (string, bool) {
		switch {
		case q.by == 0:
			return "", true
		case e.k != nil:
			return *e.k, true
		case q.by == 2:
			return "<nil>", true
		}
		return "", false
	}
	type partial struct {
		evs []ev
	}
	last := func(p *partial) ev { return p.evs[len(p.evs)-1] }
	groups := make([]map[string][]*partial, len(q.stages))
	for i := range groups {
		groups[i] = map[string][]*partial{}
	}
	type done struct {
		key string
		p   *partial
	}
	var completed []done
	for s, cat := range q.stages {
		for _, e := range sorted {
			if e.cat != cat {
				continue
			}
			key, ok := keyOf(e)
			if !ok {
				continue
			}
			if s == 0 {
				groups[0][key] = append(groups[0][key], &partial{evs: []ev{e}})
				continue
			}
			g := groups[s-1][key]
			idx := -1
			for i := range g {
				if before(last(g[i]), e) {
					idx = i
				}
			}
			if idx < 0 {
				continue
			}
			p := g[idx]
			groups[s-1][key] = g[idx+1:]
			if q.maxspan > 0 && e.ts-p.evs[0].ts > q.maxspan {
				continue
			}
			if q.until != "" {
				killed := false
				for _, u := range sorted {
					if uk, ok := keyOf(u); ok && uk == key && u.cat == q.until && !before(u, last(p)) && before(u, e) {
						killed = true
					}
				}
				if killed {
					continue
				}
			}
			np := &partial{evs: append(slices.Clone(p.evs), e)}
			if s == len(q.stages)-1 {
				completed = append(completed, done{key, np})
			} else {
				groups[s][key] = append(groups[s][key], np)
			}
		}
	}
	sort.SliceStable(completed, func(i, j int) bool {
		a, b := last(completed[i].p), last(completed[j].p)
		if before(a, b) || before(b, a) {
			return before(a, b)
		}
		return completed[i].key < completed[j].key
	})
	out := []string{}
	for _, c := range completed {
		var tbs []string
		for _, e := range c.p.evs {
			tbs = append(tbs, fmt.Sprint(e.tb))
		}
		out = append(out, c.key+":"+strings.Join(tbs, ","))
	}
	return out
}

// genCase builds a case from a source of small numbers.
func genCase(next func(n int) int) (dQuery, []dEvent) {
	cats := []string{"a", "b", "c"}
	keys := []string{"x", "y"}
	var q dQuery
	for range 2 + next(2) {
		q.stages = append(q.stages, cats[next(3)])
	}
	q.by = next(3)
	if next(2) == 0 {
		q.maxspan = 1 + next(4)
	}
	if next(3) == 0 {
		q.until = cats[next(3)]
	}
	q.noTB = next(4) == 0
	n := next(14)
	tbs := rand.New(rand.NewSource(int64(n))).Perm(n)
	var evs []dEvent
	for i := range n {
		e := dEvent{ts: next(8), cat: cats[next(3)], tb: tbs[i]}
		if r := next(3); r < 2 {
			e.k = &keys[r]
		}
		evs = append(evs, e)
	}
	return q, evs
}

func checkCase(t *testing.T, q dQuery, evs []dEvent) {
	t.Helper()
	got, want := viaSearch(t, q, evs), bruteForce(q, evs)
	if !slices.Equal(got, want) {
		var b strings.Builder
		for _, e := range evs {
			k := "-"
			if e.k != nil {
				k = *e.k
			}
			fmt.Fprintf(&b, "  ts=%d cat=%s k=%s tb=%d\n", e.ts, e.cat, k, e.tb)
		}
		t.Fatalf("%s (no tiebreaker: %v)\nevents:\n%s got  %q\n want %q", q, q.noTB, b.String(), got, want)
	}
}

// TestSequenceDifferential compares the two implementations on 3,000
// random small streams: the same sequences, in the same order.
func TestSequenceDifferential(t *testing.T) {
	r := rand.New(rand.NewSource(19))
	found := 0
	for range 3000 {
		q, evs := genCase(r.Intn)
		checkCase(t, q, evs)
		found += len(bruteForce(q, evs))
	}
	if found < 1000 {
		t.Errorf("the random cases found only %d sequences: the test does not exercise the matcher", found)
	}
	t.Logf("%d sequences compared", found)
}

// FuzzSequenceDifferential is TestSequenceDifferential over fuzzed
// cases: each byte of the input is one small random number.
func FuzzSequenceDifferential(f *testing.F) {
	f.Add([]byte{0, 1, 1, 0, 0, 1, 10, 1, 0, 0, 2, 1, 1, 3, 0, 2, 4, 1, 1, 5, 2, 0, 6, 0, 1, 7, 1, 1})
	f.Add([]byte{1, 0, 0, 1, 0, 2, 1, 2, 0, 13, 0, 0, 0, 0, 1, 1, 0, 2, 0, 1, 2, 0, 0, 1, 1, 1, 1, 2, 0})
	f.Add([]byte{1, 2, 2, 2, 0, 3, 0, 1, 0, 12, 3, 0, 0, 3, 1, 1, 4, 2, 2, 4, 0, 0, 5, 1, 1, 5, 2, 0})
	f.Add([]byte("sequence by k with maxspan until"))
	f.Fuzz(func(t *testing.T, data []byte) {
		i := 0
		next := func(n int) int {
			if i >= len(data) {
				return 0
			}
			i++
			return int(data[i-1]) % n
		}
		q, evs := genCase(next)
		checkCase(t, q, evs)
	})
}

// FuzzSequenceSearch: every sequence or sample that parses either is
// refused with an error or runs over a small stream (with keys, nulls,
// multi-valued keys and equal timestamps) without panicking, and gives
// no more sequences than size.
func FuzzSequenceSearch(f *testing.F) {
	for _, q := range []string{
		`sequence by k with maxspan=2ms [a where true] [b where true] until [c where true]`,
		`sequence by ?k [a where true] with runs=2 ![c where true] [any where true]`,
		`sequence ![a where true] [b where true] by k ![c where true] by k`,
		`sample by k [a where true] [b where true] by tb`,
		`sequence by k, ?tb [a where k == "x"] [b where true] | head 1 | tail 1`,
	} {
		f.Add(q, uint8(2))
	}
	m, err := eql.ReadMapping([]byte(diffMapping))
	if err != nil {
		f.Fatal(err)
	}
	var docs []eql.Doc
	for i, l := range []string{`{"@timestamp": 1, "event_type": "a", "k": "x", "tb": 1}`,
		`{"@timestamp": 1, "event_type": "b", "k": ["x", "y", null], "tb": 2}`,
		`{"@timestamp": 2, "event_type": "c", "tb": 3}`,
		`{"@timestamp": 2, "event_type": "a", "k": null}`,
		`{"@timestamp": 3, "event_type": "b", "k": "y", "tb": 5}`,
		`{"event_type": "a", "k": "x"}`,
		`{"@timestamp": "bad", "event_type": "b", "k": "x", "tb": 7}`,
		`{"@timestamp": 4, "event_type": "b", "k": {"a": 1}, "tb": 8}`,
	} {
		var src map[string]any
		d := json.NewDecoder(strings.NewReader(l))
		d.UseNumber()
		if err := d.Decode(&src); err != nil {
			f.Fatal(err)
		}
		docs = append(docs, eql.Doc{Index: "i", ID: fmt.Sprint(i), Source: src})
	}
	f.Fuzz(func(t *testing.T, query string, size uint8) {
		q, err := eql.Parse(query)
		if err != nil {
			return
		}
		switch q.Body.(type) {
		case *eql.Sequence, *eql.Sample:
		default:
			return
		}
		resp, err := eql.Search(eql.Request{Query: query, TiebreakerField: "tb", Size: int(size%5) + 1, MaxSamplesPerKey: int(size % 3)}, m, docs)
		if err != nil {
			return
		}
		if n := len(resp.Hits.Sequences); n > int(size%5)+1 {
			t.Errorf("%s: %d sequences for size %d", query, n, size%5+1)
		}
	})
}
