package eql

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"sort"
)

// matcherState is the saved form of a Matcher: its events once each,
// referred to by index.
type matcherState struct {
	Version  int              `json:"version"`
	Stages   int              `json:"stages"`
	Events   []savedEvent     `json:"events"`
	Pending  []savedPending   `json:"pending"`
	Marks    []savedMark      `json:"missing_marks,omitempty"`
	Waiting  []savedCandidate `json:"waiting,omitempty"`
	Done     []savedSequence  `json:"done,omitempty"`
	Last     *savedOrdinal    `json:"last,omitempty"`
	Stats    MatcherStats     `json:"stats"`
	Sequence string           `json:"query"`
}

type savedOrdinal struct {
	Timestamp  int64 `json:"ts"`
	Tiebreaker any   `json:"tb,omitempty"`
	Implicit   int64 `json:"implicit"`
}

type savedEvent struct {
	Index   string          `json:"_index"`
	ID      string          `json:"_id"`
	Source  json.RawMessage `json:"_source"`
	Ordinal savedOrdinal    `json:"ordinal"`
}

type savedSequence struct {
	JoinKeys []any `json:"join_keys"`
	Events   []int `json:"events"` // -1: none
}

type savedPending struct {
	savedSequence
	Stage int `json:"stage"`
}

type savedMark struct {
	Stage int   `json:"stage"`
	Key   []any `json:"key"`
	TS    int64 `json:"ts"`
}

type savedCandidate struct {
	savedSequence
	Start int64  `json:"start"`
	LL    *int64 `json:"leading,omitempty"`
}

// Save returns the matcher's state as JSON: the pending sequences with
// their events, the marks of missing-event stages, the sequences waiting
// for a trailing missing event, the sequences completed and not drained,
// and the last ordinal seen. [SequencePlan.RestoreMatcher] with a plan of
// the same query continues from it: a replay saves it at the end of an
// execution window and restores it for the next.
func (m *Matcher) Save() ([]byte, error) {
	st := matcherState{Version: 1, Stages: len(m.plan.stages), Stats: m.stats, Sequence: m.plan.query.String()}
	index := map[*Event]int{}
	ref := func(ev *Event) (int, error) {
		if ev == nil {
			return -1, nil
		}
		if i, ok := index[ev]; ok {
			return i, nil
		}
		src := ev.Doc.Raw
		if src == nil {
			b, err := json.Marshal(ev.Doc.Source)
			if err != nil {
				return 0, err
			}
			src = b
		}
		index[ev] = len(st.Events)
		st.Events = append(st.Events, savedEvent{Index: ev.Doc.Index, ID: ev.Doc.ID, Source: src, Ordinal: saveOrdinal(ev.Ordinal)})
		return index[ev], nil
	}
	seqOf := func(vals []any, evs []*Event) (savedSequence, error) {
		s := savedSequence{JoinKeys: vals}
		for _, ev := range evs {
			i, err := ref(ev)
			if err != nil {
				return s, err
			}
			s.Events = append(s.Events, i)
		}
		return s, nil
	}
	encs := make([]string, 0, len(m.keys))
	for enc := range m.keys {
		encs = append(encs, enc)
	}
	sort.Strings(encs)
	for _, enc := range encs {
		for stage, pd := range m.keys[enc].slots {
			if pd == nil {
				continue
			}
			s, err := seqOf(pd.key.vals, pd.events)
			if err != nil {
				return nil, err
			}
			st.Pending = append(st.Pending, savedPending{savedSequence: s, Stage: stage})
		}
	}
	for hk, l := range m.hist {
		for _, ts := range l.ts {
			st.Marks = append(st.Marks, savedMark{Stage: hk.stage, Key: l.vals, TS: ts})
		}
	}
	sort.SliceStable(st.Marks, func(i, j int) bool { return st.Marks[i].TS < st.Marks[j].TS })
	for _, c := range m.waiting {
		if c.done {
			continue
		}
		s, err := seqOf(c.seq.JoinKeys, c.seq.Events)
		if err != nil {
			return nil, err
		}
		st.Waiting = append(st.Waiting, savedCandidate{savedSequence: s, Start: c.start, LL: c.ll})
	}
	for _, d := range m.done {
		s, err := seqOf(d.JoinKeys, d.Events)
		if err != nil {
			return nil, err
		}
		st.Done = append(st.Done, s)
	}
	if m.started {
		o := saveOrdinal(m.last)
		st.Last = &o
	}
	return json.Marshal(st)
}

func saveOrdinal(o Ordinal) savedOrdinal {
	return savedOrdinal(o)
}

func (s savedOrdinal) ordinal() Ordinal {
	o := Ordinal(s)
	if n, ok := o.Tiebreaker.(json.Number); ok {
		o.Tiebreaker = sortValue(n)
	}
	return o
}

// RestoreMatcher returns a Matcher in the state [Matcher.Save] saved, for
// this plan (a plan of the same query: a state saved for another query
// or stage count is an error).
func (p *SequencePlan) RestoreMatcher(data []byte) (*Matcher, error) {
	var st matcherState
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&st); err != nil {
		return nil, fmt.Errorf("eql: reading matcher state: %w", err)
	}
	if st.Version != 1 || st.Stages != len(p.stages) || st.Sequence != p.query.String() {
		return nil, fmt.Errorf("eql: the matcher state was saved for another query (%q, %d stages)", st.Sequence, st.Stages)
	}
	m := p.NewMatcher()
	m.stats = st.Stats
	evs := make([]*Event, len(st.Events))
	for i, se := range st.Events {
		src := map[string]any{}
		d := json.NewDecoder(bytes.NewReader(se.Source))
		d.UseNumber()
		if err := d.Decode(&src); err != nil {
			return nil, fmt.Errorf("eql: reading matcher state: event %d: %w", i, err)
		}
		evs[i] = &Event{Doc: Doc{Index: se.Index, ID: se.ID, Source: src, Raw: se.Source}, Ordinal: se.Ordinal.ordinal()}
	}
	events := func(s savedSequence) ([]*Event, error) {
		if len(s.Events) != len(p.stages) {
			return nil, fmt.Errorf("eql: reading matcher state: a sequence of %d events for %d stages", len(s.Events), len(p.stages))
		}
		out := make([]*Event, len(s.Events))
		for i, j := range s.Events {
			switch {
			case j == -1:
			case j < 0 || j >= len(evs):
				return nil, fmt.Errorf("eql: reading matcher state: no event %d", j)
			default:
				out[i] = evs[j]
			}
		}
		return out, nil
	}
	key := func(vals []any) joinKey {
		k := joinKey{vals: vals}
		for _, v := range vals {
			k.enc += encodeKey(v)
		}
		return k
	}
	for _, sp := range st.Pending {
		es, err := events(sp.savedSequence)
		if err != nil {
			return nil, err
		}
		if sp.Stage < p.firstPos || sp.Stage >= p.lastPos || es[p.firstPos] == nil {
			return nil, fmt.Errorf("eql: reading matcher state: a pending sequence at stage %d", sp.Stage)
		}
		pd := &pending{key: key(sp.JoinKeys), events: es, start: es[p.firstPos].Ordinal, stage: sp.Stage}
		m.put(sp.Stage, pd)
		if p.maxSpan > 0 {
			m.expiry = append(m.expiry, pd)
		}
	}
	slices.SortStableFunc(m.expiry, func(a, b *pending) int { return a.start.Compare(b.start) })
	for _, mk := range st.Marks {
		m.mark(mk.Stage, key(mk.Key), mk.TS)
	}
	for _, sc := range st.Waiting {
		es, err := events(sc.savedSequence)
		if err != nil {
			return nil, err
		}
		k := key(sc.JoinKeys)
		m.waiting = append(m.waiting, &candidate{seq: &FoundSequence{JoinKeys: sc.JoinKeys, Events: es, key: k.enc, last: es[p.lastPos].Ordinal}, start: sc.Start, ll: sc.LL})
	}
	for _, sd := range st.Done {
		es, err := events(sd)
		if err != nil {
			return nil, err
		}
		k := key(sd.JoinKeys)
		m.done = append(m.done, &FoundSequence{JoinKeys: sd.JoinKeys, Events: es, key: k.enc, last: es[p.lastPos].Ordinal})
	}
	if st.Last != nil {
		m.last, m.started = st.Last.ordinal(), true
	}
	return m, nil
}
