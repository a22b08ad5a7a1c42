package eql

import (
	"iter"
	"slices"
	"sort"
)

// searchSequences runs a sequence or a sample for [SearchStream]: the
// documents that match a stage (or until) are ordered by [Ordinal] and
// fed to a [Matcher], or grouped as Elasticsearch's sample execution
// groups them ([SequencePlan.Samples]); then size, result_position and
// the pipes cut the list as for events.
func searchSequences(req Request, m *Mapping, q *Query, docs iter.Seq2[Doc, error]) (*Response, error) {
	plan, err := compileSequence(q, req, m)
	if err != nil {
		return nil, err
	}
	limit := plan.MaxFlight
	if limit <= 0 {
		limit = DefaultMaxInFlight
	}
	var seqs []*FoundSequence
	if plan.sample {
		if seqs, err = plan.Samples(docs, req.MaxSamplesPerKey); err != nil {
			return nil, err
		}
	} else {
		evs, err := plan.ordered(docs, limit, nil)
		if err != nil {
			return nil, err
		}
		mt := plan.NewMatcher()
		for _, ev := range evs {
			if err := mt.Add(ev); err != nil {
				return nil, err
			}
		}
		mt.Flush()
		seqs = mt.Drain()
		sortSequences(seqs)
	}
	size := req.Size
	switch {
	case size == 0:
		size = 10
	case size == NoSize:
		size = 0
	}
	firstTail := req.ResultPosition != "head" && !plan.sample
	if len(q.Pipes) > 0 {
		firstTail = q.Pipes[0].Name == "tail"
	}
	seqs = cut(seqs, size, firstTail)
	for _, p := range q.Pipes {
		seqs = cut(seqs, int(p.Args[0].(*Literal).Int), p.Name == "tail")
	}
	resp := &Response{Hits: Hits{Total: Total{Value: len(seqs), Relation: "eq"}, Sequences: []HitSequence{}}}
	for _, s := range seqs {
		hs := HitSequence{JoinKeys: s.JoinKeys, Events: []HitEvent{}}
		for _, ev := range s.Events {
			if ev == nil {
				hs.Events = append(hs.Events, HitEvent{Missing: true})
				continue
			}
			he, err := ev.Doc.hitEvent()
			if err != nil {
				return nil, err
			}
			hs.Events = append(hs.Events, he)
		}
		resp.Hits.Sequences = append(resp.Hits.Sequences, hs)
	}
	return resp, nil
}

// ordered returns the documents that match a stage (or until) as
// events in event time ([Ordinal] order; the implicit order is the
// documents' place in docs), at most limit of them. skipped, when not
// nil, is called with each document left out and why.
func (p *SequencePlan) ordered(docs iter.Seq2[Doc, error], limit int, skipped func(d Doc, why string)) ([]*Event, error) {
	var evs []*Event
	var implicit int64
	for d, err := range docs {
		if err != nil {
			return nil, err
		}
		implicit++
		mask, masked := p.stageMask(d)
		if mask == 0 {
			if skipped != nil {
				skipped(d, "matches no stage")
			}
			continue
		}
		ev, ok := p.Event(d, implicit)
		if !ok {
			if skipped != nil {
				skipped(d, "has no timestamp")
			}
			continue
		}
		ev.mask, ev.masked = mask, masked
		evs = append(evs, &ev)
		if len(evs) > limit {
			return nil, &InFlightError{Limit: limit}
		}
	}
	sort.SliceStable(evs, func(i, j int) bool { return evs[i].Ordinal.Compare(evs[j].Ordinal) < 0 })
	return evs, nil
}

// cut keeps the n first (or, for tail, last) elements.
func cut[T any](xs []T, n int, tail bool) []T {
	if n >= len(xs) {
		return xs
	}
	if tail {
		return slices.Clone(xs[len(xs)-n:])
	}
	return xs[:n]
}
