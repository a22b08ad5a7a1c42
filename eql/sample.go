package eql

import (
	"iter"
	"sort"
)

// Samples runs a sample query over docs as Elasticsearch's sample
// execution does (x-pack/plugin/eql/.../execution/sample/SampleIterator):
// the join keys are the buckets of a composite aggregation over each
// stage's documents (the sample's by, then the stage's by; an optional
// key without a value is a null bucket, a document without a value for
// a key that is not optional is in none; a multi-valued key is one
// bucket per value; dates are epoch milliseconds), a key is kept when
// every stage has documents with it, keys are returned in the
// aggregation's order (value by value, null first), and for each key up
// to maxPerKey samples (max_samples_per_key, 1 when 0) are chosen from
// the documents of each stage (up to stages×maxPerKey of them, in input
// order) by SampleIterator.matchSample's backtracking: one document per
// stage, all different, the first combinations in order.
func (p *SequencePlan) Samples(docs iter.Seq2[Doc, error], maxPerKey int) ([]*FoundSequence, error) {
	if maxPerKey <= 0 {
		maxPerKey = 1
	}
	limit := p.MaxFlight
	if limit <= 0 {
		limit = DefaultMaxInFlight
	}
	type group struct {
		vals   []any
		stages [][]*Event
	}
	perStage := len(p.stages) * maxPerKey
	groups := map[string]*group{}
	held := 0
	var implicit int64
	for d, err := range docs {
		if err != nil {
			return nil, err
		}
		implicit++
		var ev *Event
		for i, s := range p.stages {
			if !s.prog.MatchEvent(d.Fields()) {
				continue
			}
			if ev == nil {
				ev = &Event{Doc: d, Ordinal: Ordinal{Implicit: implicit}}
			}
			for _, k := range s.joinKeys(d, true) {
				g := groups[k.enc]
				if g == nil {
					g = &group{vals: k.vals, stages: make([][]*Event, len(p.stages))}
					groups[k.enc] = g
				}
				if len(g.stages[i]) < perStage {
					g.stages[i] = append(g.stages[i], ev)
					held++
				}
			}
		}
		if held > limit {
			return nil, &InFlightError{Limit: limit}
		}
	}
	var keys []*group
	for _, g := range groups {
		complete := true
		for _, s := range g.stages {
			complete = complete && len(s) > 0
		}
		if complete {
			keys = append(keys, g)
		}
	}
	sort.Slice(keys, func(i, j int) bool { return compareKeys(keys[i].vals, keys[j].vals) < 0 })
	var out []*FoundSequence
	for _, g := range keys {
		n := 0
		pick := make([]*Event, len(g.stages))
		var walk func(i int) bool
		walk = func(i int) bool {
			if i == len(g.stages) {
				out = append(out, &FoundSequence{JoinKeys: g.vals, Events: append([]*Event(nil), pick...)})
				n++
				return n == maxPerKey
			}
			for _, ev := range g.stages[i] {
				used := false
				for _, e := range pick[:i] {
					used = used || e == ev
				}
				if used {
					continue
				}
				pick[i] = ev
				if walk(i + 1) {
					return true
				}
			}
			return false
		}
		walk(0)
	}
	return out, nil
}
