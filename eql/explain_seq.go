package eql

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
)

// SequenceExplanation is how a sequence query fared on events: for each
// event that matches a stage or until, in event time, the stages it
// matched and what the [Matcher] did (which event filled which stage of
// which pending sequence, and why a pending sequence was dropped:
// maxspan, until, a newer sequence of its key, a missing event), then the
// sequences found. It is built by the plan's own matcher, observed
// ([Matcher.Observe]), so it tells what a search finds.
type SequenceExplanation struct {
	// Stages are the stages in canonical EQL, with runs expanded (stage
	// i of a Step is Stages[i]); then the until stage, when there is one.
	Stages []string
	// MaxSpan is the sequence's maxspan as written ("30s"), "" for none.
	MaxSpan string
	// Events are the events that match a stage or until, in event time.
	Events []*EventSteps
	// Skipped are the documents left out: matching no stage, or without
	// a timestamp.
	Skipped []SkippedDoc
	// Found are the sequences found, in the order they were completed.
	Found []*FoundSequence
	// Stats are the matcher's counts.
	Stats MatcherStats
	// Pending is the number of sequences still waiting for a stage at the
	// end of the events.
	Pending int

	nanos bool
	span  int64
}

// EventSteps is one event of a [SequenceExplanation]: the stages it
// matched (from 0; Stages() for until) and the matcher's steps while it
// was added.
type EventSteps struct {
	Event   *Event
	Matched []int
	Steps   []Step
}

// SkippedDoc is a document a sequence did not look at, and why.
type SkippedDoc struct {
	Doc Doc
	Why string
}

// ExplainSequence runs the sequence query of req over docs (as
// [Search] runs it: the fields the documents hold mapped dynamically into
// m, the stages' filters, the join keys, the events in event time) with
// an observed [Matcher]. Found holds every sequence, before size and the
// pipes cut them. Samples are not explained.
// Errors are [CompileSequence]'s and [*InFlightError].
func ExplainSequence(req Request, m *Mapping, docs []Doc) (*SequenceExplanation, error) {
	q, err := Parse(req.Query)
	if err != nil {
		return nil, err
	}
	seq, ok := q.Body.(*Sequence)
	if !ok {
		return nil, withSource(errorf(q.Body.Pos(), "only a sequence is explained stage by stage"), q.src)
	}
	if m == nil {
		m = NewMapping(nil)
	}
	for _, d := range docs { // as SearchStream maps them
		m.Dynamic(d.Source)
	}
	plan, err := compileSequence(q, req, m, nil, nil)
	if err != nil {
		return nil, err
	}
	x := &SequenceExplanation{nanos: plan.nanos, span: plan.maxSpan}
	if seq.MaxSpan != nil {
		x.MaxSpan = seq.MaxSpan.Value + seq.MaxSpan.Unit
	}
	for _, s := range seq.Stages {
		for range max(s.Runs, 1) {
			x.Stages = append(x.Stages, s.String())
		}
	}
	if seq.Until != nil {
		x.Stages = append(x.Stages, "until "+seq.Until.String())
	}
	limit := plan.MaxFlight
	if limit <= 0 {
		limit = DefaultMaxInFlight
	}
	all := func(yield func(Doc, error) bool) {
		for _, d := range docs {
			if !yield(d, nil) {
				return
			}
		}
	}
	evs, err := plan.ordered(all, limit, func(d Doc, why string) { x.Skipped = append(x.Skipped, SkippedDoc{d, why}) })
	if err != nil {
		return nil, err
	}
	mt := plan.NewMatcher()
	var cur *EventSteps
	mt.Observe(func(s Step) {
		s.Sequence = slices.Clone(s.Sequence)
		cur.Steps = append(cur.Steps, s)
	})
	for _, ev := range evs {
		cur = &EventSteps{Event: ev}
		for i := range plan.stages {
			if plan.matches(ev, i) {
				cur.Matched = append(cur.Matched, i)
			}
		}
		if plan.until != nil && plan.matches(ev, -1) {
			cur.Matched = append(cur.Matched, len(plan.stages))
		}
		x.Events = append(x.Events, cur)
		if err := mt.Add(ev); err != nil {
			return nil, err
		}
	}
	cur = &EventSteps{}
	mt.Flush()
	if len(cur.Steps) > 0 { // decided at the end of the input
		x.Events = append(x.Events, cur)
	}
	x.Found = mt.Drain()
	x.Stats = mt.Stats()
	x.Pending = mt.Pending()
	return x, nil
}

// name is how an explanation names an event: its _id, else its _index
// and place.
func eventName(ev *Event) string {
	if ev == nil {
		return "(missing)"
	}
	if ev.Doc.ID != "" {
		return ev.Doc.ID
	}
	return fmt.Sprintf("event %d", ev.Ordinal.Implicit)
}

func (x *SequenceExplanation) when(ts int64) string {
	if x.nanos {
		return time.Unix(0, ts).UTC().Format(time.RFC3339Nano)
	}
	return time.UnixMilli(ts).UTC().Format("2006-01-02T15:04:05.000Z")
}

func (x *SequenceExplanation) duration(d int64) time.Duration {
	if x.nanos {
		return time.Duration(d)
	}
	return time.Duration(d) * time.Millisecond
}

// seqText is "stage 1: ID, stage 2: ID" for the filled stages.
func seqText(seq []*Event) string {
	var parts []string
	for i, ev := range seq {
		if ev != nil {
			parts = append(parts, fmt.Sprintf("%d: %s", i+1, eventName(ev)))
		}
	}
	return strings.Join(parts, ", ")
}

func keyText(key []any) string {
	if len(key) == 0 {
		return "(no key)"
	}
	var parts []string
	for _, v := range key {
		if v == nil {
			parts = append(parts, "null")
			continue
		}
		parts = append(parts, fmt.Sprintf("%v", v))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// first returns the first filled event of a sequence.
func first(seq []*Event) *Event {
	for _, ev := range seq {
		if ev != nil {
			return ev
		}
	}
	return nil
}

// String prints the explanation: the stages, then each event in event
// time with the stages it matched and the steps it caused, the documents
// left out, and the sequences found.
func (x *SequenceExplanation) String() string {
	var b strings.Builder
	for i, s := range x.Stages {
		if strings.HasPrefix(s, "until ") {
			fmt.Fprintf(&b, "%s\n", s)
			continue
		}
		fmt.Fprintf(&b, "stage %d: %s\n", i+1, s)
	}
	if x.MaxSpan != "" {
		fmt.Fprintf(&b, "maxspan: %s\n", x.MaxSpan)
	}
	stage := func(i int) string {
		if i >= len(x.Stages) || strings.HasPrefix(x.Stages[i], "until ") {
			return "until"
		}
		return fmt.Sprintf("stage %d", i+1)
	}
	for _, e := range x.Events {
		if e.Event == nil {
			b.WriteString("at the end of the events:\n")
		} else {
			var ms []string
			for _, i := range e.Matched {
				ms = append(ms, stage(i))
			}
			fmt.Fprintf(&b, "%s @%s: matches %s\n", eventName(e.Event), x.when(e.Event.Ordinal.Timestamp), strings.Join(ms, ", "))
		}
		for _, s := range e.Steps {
			b.WriteString("  ")
			key := keyText(s.Key)
			switch s.Kind {
			case StepStarted:
				fmt.Fprintf(&b, "%s: started a sequence of key %s", stage(s.Stage), key)
			case StepExtended:
				fmt.Fprintf(&b, "%s: extended the sequence of key %s (%s)", stage(s.Stage), key, seqText(s.Sequence))
			case StepNoPending:
				fmt.Fprintf(&b, "%s: no sequence of key %s waits for it", stage(s.Stage), key)
			case StepReplaced:
				fmt.Fprintf(&b, "dropped the sequence of key %s (%s): a newer one of the same key reached %s", key, seqText(s.Sequence), stage(s.Stage))
			case StepMaxspan:
				f := first(s.Sequence)
				fmt.Fprintf(&b, "%s: dropped the sequence of key %s (%s): maxspan %s exceeded, %s after %s", stage(s.Stage), key, seqText(s.Sequence),
					x.MaxSpan, x.duration(e.Event.Ordinal.Timestamp-f.Ordinal.Timestamp), eventName(f))
			case StepUntil:
				fmt.Fprintf(&b, "until: dropped the sequence of key %s (%s)", key, seqText(s.Sequence))
			case StepExpired:
				f := first(s.Sequence)
				fmt.Fprintf(&b, "dropped the sequence of key %s (%s) waiting for %s: maxspan %s exceeded, %s after %s", key, seqText(s.Sequence),
					stage(s.Stage+1), x.MaxSpan, x.duration(e.Event.Ordinal.Timestamp-f.Ordinal.Timestamp), eventName(f))
			case StepCompleted:
				fmt.Fprintf(&b, "sequence found, key %s: %s", key, seqText(s.Sequence))
			case StepMissing:
				fmt.Fprintf(&b, "discarded the sequence of key %s (%s): an event of the missing-event %s", key, seqText(s.Sequence), stage(s.Stage))
			}
			b.WriteByte('\n')
		}
	}
	// The documents left out, by reason: the first few named.
	var whys []string
	byWhy := map[string][]string{}
	for _, s := range x.Skipped {
		if _, ok := byWhy[s.Why]; !ok {
			whys = append(whys, s.Why)
		}
		byWhy[s.Why] = append(byWhy[s.Why], cmp.Or(s.Doc.ID, "?"))
	}
	for _, why := range whys {
		names := byWhy[why]
		more := ""
		if len(names) > 5 {
			names, more = names[:5], ", ..."
		}
		fmt.Fprintf(&b, "left out, %s: %d document(s) (%s%s)\n", why, len(byWhy[why]), strings.Join(names, ", "), more)
	}
	st := x.Stats
	fmt.Fprintf(&b, "%d sequence(s) found, %d still pending at the end; dropped: %d by maxspan (%d when extended, %d expired), %d by until, %d by a missing event\n",
		len(x.Found), x.Pending, st.RejectedMaxspan+st.ExpiredMaxspan, st.RejectedMaxspan, st.ExpiredMaxspan, st.RejectedUntil, st.DiscardedMissing)
	return b.String()
}
