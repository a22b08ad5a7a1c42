package eql

import (
	"iter"

	"slices"
	"sort"

	"github.com/kqlrules/kqlrules/esdsl"
)

// searchSequences runs a sequence or a sample for [SearchStream]: the
// documents that match a stage (or until) are ordered by [Ordinal] and
// fed to a [Matcher], or grouped as Elasticsearch's sample execution
// groups them ([SequencePlan.Samples]); then size, result_position and
// the pipes cut the list as for events.
func searchSequences(req Request, m *Mapping, q *Query, docs iter.Seq2[Doc, error]) (*Response, error) {
	plan, err := compileSequence(q, req, m, nil, nil)
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
		if seqs, _, err = plan.Find(evs); err != nil {
			return nil, err
		}
	}
	seqs = plan.Cut(seqs, req.Size, req.ResultPosition)
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

// IsSample reports whether the plan is a sample (else a sequence).
func (p *SequencePlan) IsSample() bool { return p.sample }

// HasMissing reports whether the sequence has a missing-event stage
// ("![...]").
func (p *SequencePlan) HasMissing() bool { return p.anyMiss }

// Find runs the plan over evs as one _eql/search over exactly those
// events does (the search of one rule execution's window): a sequence
// through a new [Matcher] (evs in [Ordinal] order), flushed, the
// sequences in Elasticsearch's order; a sample by [SequencePlan.Samples]
// (one sample a key). It returns them all: [SequencePlan.Cut] keeps
// what the request's size and the query's pipes keep. The stats are the
// matcher's (zero for a sample).
func (p *SequencePlan) Find(evs []*Event) ([]*FoundSequence, MatcherStats, error) {
	if p.sample {
		seqs, err := p.Samples(func(yield func(Doc, error) bool) {
			for _, ev := range evs {
				if !yield(ev.Doc, nil) {
					return
				}
			}
		}, 1)
		return seqs, MatcherStats{}, err
	}
	mt := p.NewMatcher()
	for _, ev := range evs {
		if err := mt.Add(ev); err != nil {
			return nil, mt.Stats(), err
		}
	}
	mt.Flush()
	seqs := mt.Drain()
	sortSequences(seqs)
	return seqs, mt.Stats(), nil
}

// Cut keeps of the sequences found what Elasticsearch returns for a
// request of that size (0: 10; [NoSize]: none) and result_position
// ("" is tail): the last size sequences, the first with "head" or when
// the query's first pipe is a head (a sample: the first, whatever the
// position), then what each pipe keeps (LogicalPlanBuilder.visitStatement).
func (p *SequencePlan) Cut(seqs []*FoundSequence, size int, resultPosition string) []*FoundSequence {
	switch {
	case size == 0:
		size = 10
	case size == NoSize:
		size = 0
	}
	tail := resultPosition != "head" && !p.sample
	if len(p.query.Pipes) > 0 {
		tail = p.query.Pipes[0].Name == "tail"
	}
	seqs = cut(seqs, size, tail)
	for _, pipe := range p.query.Pipes {
		seqs = cut(seqs, int(pipe.Args[0].(*Literal).Int), pipe.Name == "tail")
	}
	return seqs
}

// LowerStages lowers what a sequence or a sample searches for as one
// filter: any of its stages or its until condition, each lowered as an
// event query ([Lower]). An event no stage matches can take no part in
// one of its sequences, so the filter selects the events a [Matcher]
// needs (a rule set indexes a sequence rule by it). An event query is
// lowered as Lower does.
func LowerStages(q *Query, opts Options) (esdsl.Query, error) {
	var stages []*Stage
	switch b := q.Body.(type) {
	case *Sequence:
		stages = append(stages, b.Stages...)
		if b.Until != nil {
			stages = append(stages, b.Until)
		}
	case *Sample:
		stages = b.Stages
	default:
		return Lower(q, opts)
	}
	any := &esdsl.Bool{MinimumShouldMatch: 1}
	for _, s := range stages {
		dsl, err := Lower(&Query{Span: s.Filter.Span, Body: s.Filter, src: q.src}, opts)
		if err != nil {
			return nil, err
		}
		any.Should = append(any.Should, dsl)
	}
	return any, nil
}
