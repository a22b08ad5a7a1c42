package replay

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
)

// TestThresholdFactsRoundTrip: what a threshold rule reads of an event
// (thresholdFacts), written when the event is added and read back when
// the rule takes it, is what it reads of the text: the term combinations
// (none for an event missing a field, one empty one without fields), the
// cardinality field's terms; a record cut anywhere reads back an error,
// never a panic.
func TestThresholdFactsRoundTrip(t *testing.T) {
	evs := []string{
		`{"host":{"name":"h1"},"user":{"name":"u"}}`,
		`{"host.name":["h2","h1","h2"],"user":{"name":["a","b"]}}`,
		`{"host":{"name":7},"user.name":true}`,
		`{"user":{"name":"u"}}`,
		`{"host":{"name":""},"user":{"name":null}}`,
		`{}`,
	}
	thresholds := []*rules.Threshold{
		{},
		{Field: []string{"host.name"}},
		{Field: []string{"host.name", "user.name"}},
		{Field: []string{"host.name"}, Cardinality: []rules.Cardinality{{Field: "user.name", Value: 2}}},
		{Cardinality: []rules.Cardinality{{Field: "user.name", Value: 1}}},
	}
	for _, th := range thresholds {
		x := &thresholdExec{t: th}
		for _, f := range th.Field {
			x.fields = append(x.fields, eval.NewPath(f))
		}
		if len(th.Cardinality) > 0 {
			x.card = eval.NewPath(th.Cardinality[0].Field)
		}
		for _, ev := range evs {
			var l events.Lazy
			l.Reset([]byte(ev))
			want := thresholdFacts{terms: termCombinations(&l, x.fields)}
			if x.card != nil {
				want.card = fieldTerms(&l, x.card)
			}
			b := x.appendFacts(nil, &l, false)
			b = x.appendFacts(b, &l, true) // the next rule's: filtered
			var got thresholdFacts
			rest, err := readThresholdFacts(b, &got)
			if err != nil {
				t.Fatalf("%v %s: %v", th, ev, err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("%v %s: read back %#v, want %#v", th, ev, got, want)
			}
			if rest, err = readThresholdFacts(rest, &got); err != nil || !got.filtered || len(rest) != 0 {
				t.Errorf("%v %s: the filtered record reads back %+v, %q, %v", th, ev, got, rest, err)
			}
			for cut := range len(b) - 2 { // the first record cut short
				if _, err := readThresholdFacts(b[:cut], &got); err != errCorrupt {
					t.Errorf("%v %s: cut at %d: %v, want errCorrupt", th, ev, cut, err)
				}
			}
		}
	}
	var f thresholdFacts
	if _, err := readThresholdFacts([]byte{2}, &f); err != errCorrupt {
		t.Errorf("an unknown record: %v", err)
	}
	if _, err := readThresholdFacts([]byte{1, 0xff, 0xff, 0xff, 0x0f}, &f); err != errCorrupt {
		t.Errorf("a huge count: %v", err)
	}
}

// TestThresholdOnlyFacts: a replay WithoutState, which keeps an event
// only threshold rules take as their facts rather than its text, gives
// the reports and alerts of one that keeps the text, in time order in
// memory and spilled (and in arrival order, where a threshold hit then
// keeps no text), with threshold rules with a filter, cardinality, no
// fields, another timestamp field, an inert indicator match rule and a
// query rule taking some of the events (their text is kept); and it
// keeps less. A state saved by a replay with text, restored by one
// WithoutState, gives what one replay gives.
func TestThresholdOnlyFacts(t *testing.T) {
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	rs := []*rules.Rule{
		{Name: "by host, filtered", RuleID: "t1", Type: rules.TypeThreshold, Query: "event.category:authentication",
			Filters:   []json.RawMessage{json.RawMessage(`{"meta":{"negate":true},"query":{"match_phrase":{"user.name":"root"}}}`)},
			Threshold: &rules.Threshold{Field: []string{"host.name"}, Value: 3}},
		{Name: "by host and user, cardinality", RuleID: "t2", Type: rules.TypeThreshold, Query: "event.category:*",
			Threshold: &rules.Threshold{Field: []string{"host.name"}, Value: 2, Cardinality: []rules.Cardinality{{Field: "user.name", Value: 2}}}},
		{Name: "all, ingested", RuleID: "t3", Type: rules.TypeThreshold, Query: "event.category:network", TimestampOverride: "event.ingested",
			Threshold: &rules.Threshold{Value: 5}},
		{Name: "indicators", RuleID: "im", Type: rules.TypeThreatMatch, Query: "event.category:*",
			ThreatIndex: []string{"ti-*"}, ThreatQuery: "*:*", ThreatMapping: []rules.ThreatMapping{{Entries: []rules.ThreatMappingEntry{{Field: "host.name", Type: "mapping", Value: "threat.indicator.ip"}}}}},
		{Name: "bob", RuleID: "q", Type: rules.TypeQuery, Query: "user.name:bob"},
	}
	for _, r := range rs {
		r.Language, r.Index, r.Interval, r.From = rules.LanguageKuery, []string{"logs-*"}, 5*time.Minute, "now-7m"
	}
	progs := make([]*eval.Program, len(rs))
	for i, r := range rs {
		p, err := Prepare(r)
		if err != nil {
			t.Fatal(err)
		}
		progs[i] = p.Program()
	}
	// gen returns n events; with lag, event.ingested (when there is one)
	// is up to 10 minutes after @timestamp, else the same; sorted: in
	// time order
	gen := func(n int, lag, sorted bool) []string {
		rnd := rand.New(rand.NewPCG(1, 2))
		hosts := []string{`"h1"`, `"h2"`, `["h1","h3"]`, `7`, ``}
		users := []string{`"root"`, `"alice"`, `"bob"`, `["alice","carol"]`, ``}
		cats := []string{"authentication", "network", "process"}
		var text []string
		for i := range n {
			ts := base.Add(time.Duration(rnd.IntN(3*3600)) * time.Second)
			if sorted {
				ts = base.Add(time.Duration(i*3*3600/n) * time.Second)
			}
			var b strings.Builder
			fmt.Fprintf(&b, `{"@timestamp":%q,"event":{"category":%q`, ts.Format(time.RFC3339), cats[rnd.IntN(len(cats))])
			if rnd.IntN(3) > 0 {
				in := ts
				if lag {
					in = ts.Add(time.Duration(rnd.IntN(600)) * time.Second)
				}
				fmt.Fprintf(&b, `,"ingested":%q`, in.Format(time.RFC3339))
			}
			b.WriteString(`}`)
			if h := hosts[rnd.IntN(len(hosts))]; h != "" {
				fmt.Fprintf(&b, `,"host":{"name":%s}`, h)
			}
			if u := users[rnd.IntN(len(users))]; u != "" {
				fmt.Fprintf(&b, `,"user.name":%s`, u)
			}
			fmt.Fprintf(&b, `,"message":"event %d %s"}`, i, strings.Repeat("x", rnd.IntN(300)))
			text = append(text, b.String())
		}
		return text
	}
	text := gen(3000, true, false)
	noIndicators := func(func(events.Record, error) bool) {}
	type result struct {
		reps   []*Report
		alerts []map[string]any
		facts  int   // entries kept as facts (in memory)
		kept   int64 // bytes the sorter keeps: written, else in memory
	}
	// replay adds the events from, to; with a state when st is not nil;
	// saving one when save. viaFactsMatched: with FactsMatched and
	// AddFacts, as a rule set adds them (records counts the events it
	// read threshold records of)
	viaFactsMatched, records := false, 0
	replay := func(opts []RunOption, text []string, from, to int, st *State, save bool) (result, *State) {
		t.Helper()
		var res result
		opts = append(opts, WithAnyIndex(), WithThreat(noIndicators), WithAlertFunc(func(a *Alert) error {
			res.alerts = append(res.alerts, a.Document())
			return nil
		}))
		r, err := NewReplay(rs, opts...)
		if err != nil {
			t.Fatal(err)
		}
		if st != nil {
			if _, err := r.Restore(st, ""); err != nil {
				t.Fatal(err)
			}
		}
		for i, ev := range text[from:to] {
			var l events.Lazy
			l.Reset([]byte(ev))
			var matched []int
			for k, p := range progs {
				if p.MatchEvent(&l) {
					matched = append(matched, k)
				}
			}
			e := Event{Fields: &l, JSON: []byte(ev), File: "e.ndjson", Line: from + i + 1}
			if viaFactsMatched {
				var f Facts
				r.FactsMatched(&l, matched, &f)
				if len(f.thrRules) > 0 {
					records++
				}
				e.Fields = nil // AddFacts reads the text if it needs to
				err = r.AddFacts(e, &f, matched)
			} else {
				err = r.Add(e, matched)
			}
			if err != nil {
				t.Fatal(err)
			}
		}
		if s := r.sorted; s != nil {
			for i := range s.mem.n {
				if s.mem.at(i).ev.facts {
					res.facts++
				}
			}
			res.kept = s.written + int64(s.text.size)
		}
		var saved *State
		if save {
			res.reps, saved, err = r.FinishState()
		} else {
			res.reps, err = r.Finish()
		}
		if err != nil {
			t.Fatal(err)
		}
		for _, rep := range res.reps {
			rep.Alerts = nil
		}
		return res, saved
	}
	same := func(name string, got, want result) {
		t.Helper()
		if !reflect.DeepEqual(got.reps, want.reps) {
			for i := range got.reps {
				if !reflect.DeepEqual(got.reps[i], want.reps[i]) {
					t.Errorf("%s: %s: report\n%+v\nwith the text\n%+v", name, rs[i].Name, got.reps[i], want.reps[i])
				}
			}
		}
		if !reflect.DeepEqual(got.alerts, want.alerts) {
			t.Errorf("%s: %d alerts, with the text %d (or they differ)", name, len(got.alerts), len(want.alerts))
			for i := range min(len(got.alerts), len(want.alerts)) {
				if !reflect.DeepEqual(got.alerts[i], want.alerts[i]) {
					for k, v := range got.alerts[i] {
						if !reflect.DeepEqual(v, want.alerts[i][k]) {
							t.Errorf("alert %d: %s: %v, with the text %v", i, k, v, want.alerts[i][k])
						}
					}
					break
				}
			}
		}
	}
	alerted := 0
	for _, mode := range []struct {
		name string
		opts []RunOption
	}{
		{"time", nil},
		{"time, spilled", []RunOption{WithSortMemory(1), WithTempDir(t.TempDir())}},
		{"time, spilled in runs of 64 KiB", []RunOption{WithSortMemory(64 << 10), WithTempDir(t.TempDir())}},
		{"arrival", []RunOption{WithArrivalOrder(), WithTempDir(t.TempDir())}},
	} {
		want, _ := replay(mode.opts, text, 0, len(text), nil, false)
		got, _ := replay(append(mode.opts, WithoutState()), text, 0, len(text), nil, false)
		same(mode.name, got, want)
		viaFactsMatched, records = true, 0
		got, _ = replay(append(mode.opts, WithoutState()), text, 0, len(text), nil, false)
		viaFactsMatched = false
		same(mode.name+", FactsMatched", got, want)
		if mode.name != "arrival" && records == 0 {
			t.Errorf("%s: FactsMatched read no threshold record", mode.name)
		}
		for _, rep := range want.reps[:3] {
			alerted += rep.AlertCount
		}
		if mode.name == "time" && (got.facts == 0 || want.facts != 0) {
			t.Errorf("%s: %d entries kept as facts, %d with the text", mode.name, got.facts, want.facts)
		}
		if mode.name != "arrival" && got.kept >= want.kept*3/4 {
			t.Errorf("%s: %d bytes kept, %d with the text", mode.name, got.kept, want.kept)
		}
		// split: the first part saves a state (with the text), the
		// second restores it WithoutState
		if mode.name == "arrival" {
			continue
		}
		inOrder := gen(3000, false, true)
		one, _ := replay(append(mode.opts, WithoutState()), inOrder, 0, len(inOrder), nil, false)
		first, st := replay(mode.opts, inOrder, 0, len(inOrder)/2, nil, true)
		second, _ := replay(append(mode.opts, WithoutState()), inOrder, len(inOrder)/2, len(inOrder), st, false)
		if split := append(first.alerts, second.alerts...); !reflect.DeepEqual(split, one.alerts) {
			t.Errorf("%s, split: %d+%d alerts, one replay %d (or they differ)", mode.name, len(first.alerts), len(second.alerts), len(one.alerts))
		}
	}
	if alerted == 0 {
		t.Error("no threshold alert: the test compares nothing")
	}
	r, err := NewReplay(rs[:1], WithoutState())
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := r.FinishState(); err == nil {
		t.Error("FinishState on a replay WithoutState did not fail")
	}
}

// TestSortEntryFacts: an entry kept as facts reads back as facts, and an
// entry after it of the same event is not taken for a shared text.
func TestSortEntryFacts(t *testing.T) {
	in := []sortEntry{
		{t: 5, seq: 1, rules: []int32{0}, ev: storedEvent{json: []byte{1, 0, 0}, facts: true, file: "f", line: 1}},
		{t: 5, seq: 1, rules: []int32{1}, ev: storedEvent{json: []byte{1, 0, 0}, facts: true, file: "f", line: 1}},
		{t: 6, seq: 2, rules: []int32{0}, ev: storedEvent{json: []byte(`{}`), file: "f", line: 2}},
	}
	buf := appendEntries(t, in)
	r := newReader(buf)
	var got sortEntry
	var bodies [2][]byte
	for i, want := range in {
		var same bool
		var err error
		if bodies[i%2], _, _, same, err = readEntry(r, &got, bodies[i%2]); err != nil {
			t.Fatal(err)
		}
		if same || !reflect.DeepEqual(got, want) {
			t.Errorf("entry %d: %+v (same %v), want %+v", i, got, same, want)
		}
	}
	// a shared text after facts is corrupt
	shared, err := appendEntry(nil, &in[2], true)
	if err != nil {
		t.Fatal(err)
	}
	prevFacts := in[0]
	prevFacts.seq = in[2].seq
	if _, _, _, _, err := readEntry(newReader(shared), &prevFacts, nil); err != errCorrupt {
		t.Errorf("a shared text after facts: %v, want errCorrupt", err)
	}
}

func newReader(b []byte) *bufio.Reader { return bufio.NewReader(bytes.NewReader(b)) }
