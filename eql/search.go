package eql

import (
	"encoding/json"
	"fmt"
	"iter"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
)

// Request holds the parameters of an _eql/search request body. The zero
// value of each is Elasticsearch's default.
type Request struct {
	Query              string
	EventCategoryField string      // "event.category"
	TimestampField     string      // "@timestamp"
	TiebreakerField    string      // none
	Size               int         // 10; set NoSize for 0
	FetchSize          int         // 1000; it changes nothing here
	ResultPosition     string      // "tail" or "head"; "" is tail
	Filter             esdsl.Query // nil: none
	MaxSamplesPerKey   int         // 1; for samples
}

// NoSize is the Size of a request for zero events.
const NoSize = -1

// Doc is one indexed document: its index, id and source.
type Doc struct {
	Index  string
	ID     string
	Source map[string]any  // decoded with json.Number
	Raw    json.RawMessage // the source as given, written back as it is; nil: Source is written
	// Event, when not nil, is what queries, join keys and ordinals read
	// instead of Source: a lazy event over Raw (events.Lazy), so that a
	// document need not be decoded to be matched. Source may then be
	// nil; Raw must be set for the document to be written back.
	Event eval.Event
}

// Fields returns the document as queries read it: Event, or Source.
func (d Doc) Fields() eval.Event {
	if d.Event != nil {
		return d.Event
	}
	return eval.Map(d.Source)
}

// Response is the body of an _eql/search response for an event query.
type Response struct {
	IsPartial bool `json:"is_partial"`
	IsRunning bool `json:"is_running"`
	Took      int  `json:"took"`
	TimedOut  bool `json:"timed_out"`
	Hits      Hits `json:"hits"`
}

// Hits are the response's hits: events for an event query, sequences
// for a sequence or a sample (Elasticsearch returns samples under
// sequences too). Exactly one of the two is written.
type Hits struct {
	Total     Total         `json:"total"`
	Events    []HitEvent    `json:"events,omitempty"`
	Sequences []HitSequence `json:"sequences,omitempty"`
}

// MarshalJSON writes hits.events, or hits.sequences when Sequences is
// not nil, even when empty.
func (h Hits) MarshalJSON() ([]byte, error) {
	if h.Sequences != nil {
		return json.Marshal(struct {
			Total     Total         `json:"total"`
			Sequences []HitSequence `json:"sequences"`
		}{h.Total, h.Sequences})
	}
	ev := h.Events
	if ev == nil {
		ev = []HitEvent{}
	}
	return json.Marshal(struct {
		Total  Total      `json:"total"`
		Events []HitEvent `json:"events"`
	}{h.Total, ev})
}

// HitSequence is one sequence (or sample) of hits.sequences.
type HitSequence struct {
	JoinKeys []any      `json:"join_keys,omitempty"`
	Events   []HitEvent `json:"events"`
}

// Total is hits.total.
type Total struct {
	Value    int    `json:"value"`
	Relation string `json:"relation"`
}

// HitEvent is one event of hits.events or of a sequence. The event of
// a missing-event stage has Missing set and no source.
type HitEvent struct {
	Index   string          `json:"_index"`
	ID      string          `json:"_id"`
	Source  json.RawMessage `json:"_source,omitempty"`
	Missing bool            `json:"missing,omitempty"`
}

// Prepare parses and lowers an event query for a search of the indices
// mapped by m: the filter Elasticsearch sends (see [Lower]) with the
// request's filter. Errors are [*Error]s for queries Elasticsearch
// refuses.
func Prepare(req Request, m *Mapping) (*Query, esdsl.Query, error) {
	q, err := Parse(req.Query)
	if err != nil {
		return nil, nil, err
	}
	var fields Fields
	if m != nil {
		fields = m
	}
	dsl, err := Lower(q, Options{EventCategoryField: req.EventCategoryField, Fields: fields})
	if err != nil {
		return q, nil, err
	}
	if req.Filter != nil {
		dsl = &esdsl.Bool{Filter: []esdsl.Query{dsl, req.Filter}}
	}
	return q, dsl, nil
}

// Search runs a query over docs as Elasticsearch's _eql/search does over
// an index holding them. The fields docs hold and m does not map are
// first mapped dynamically ([Mapping.Dynamic]); m may be nil (all
// fields dynamic). For an event query the matching events are ordered
// by timestamp, then tiebreaker, then the order of docs (a shard's
// document order; events without a timestamp or tiebreaker first), then
// size and the pipes apply as LogicalPlanBuilder.visitStatement plans
// them: without pipes, size events from the end result_position names;
// with pipes, size events from the end the first pipe names, then each
// pipe in turn. A sequence or a sample runs as [CompileSequence],
// [Matcher] and [SequencePlan.Samples] describe, its results are cut the
// same way (samples from the head), and the response carries
// hits.sequences.
func Search(req Request, m *Mapping, docs []Doc) (*Response, error) {
	return SearchStream(req, m, func(yield func(Doc, error) bool) {
		for _, d := range docs {
			if !yield(d, nil) {
				return
			}
		}
	})
}

// SearchStream is [Search] over documents read twice from docs: once to
// map the fields dynamically, once to match. For an event query memory
// is bounded by the request's size: only the size best events (from the
// end the first cut keeps) are held, whatever the number of documents.
// For a sequence, the documents that match a stage (or until) are held
// to be put in event time before they reach the [Matcher], and for a
// sample the documents of each join key's stages; both count against
// [DefaultMaxInFlight]. The first error docs yields ends the search.
func SearchStream(req Request, m *Mapping, docs iter.Seq2[Doc, error]) (*Response, error) {
	if m == nil {
		m = NewMapping(nil)
	}
	for d, err := range docs {
		if err != nil {
			return nil, err
		}
		m.Dynamic(d.Source)
	}
	if parsed, err := Parse(req.Query); err == nil && !parsed.IsEventQuery() {
		return searchSequences(req, m, parsed, docs)
	}
	q, dsl, err := Prepare(req, m)
	if err != nil {
		return nil, err
	}
	prog, err := eval.CompileQuery(dsl, eval.WithMapping(m.Eval()))
	if err != nil {
		return nil, fmt.Errorf("eql: %w", err)
	}
	tsField := req.TimestampField
	if tsField == "" {
		tsField = "@timestamp"
	}
	// LogicalPlanBuilder orders by the timestamp and tiebreaker fields:
	// the analyzer refuses them unmapped.
	tsMap, ok := m.Lookup(tsField)
	if !ok {
		return nil, &Error{Position: ast.Position{Line: -1, Column: -1}, Query: req.Query, Msg: fmt.Sprintf("Unknown column [%s]", tsField)}
	}
	tbMap, hasTB := m.Lookup(req.TiebreakerField)
	if req.TiebreakerField != "" && !hasTB {
		return nil, &Error{Position: ast.Position{Line: -1, Column: -1}, Query: req.Query, Msg: fmt.Sprintf("Unknown column [%s]", req.TiebreakerField)}
	}
	size := req.Size
	switch {
	case size == 0:
		size = 10
	case size == NoSize:
		size = 0
	}
	// LogicalPlanBuilder.visitStatement: without pipes, size from the end
	// result_position names; with pipes, a limit of size of the first
	// pipe's kind, then the pipes in order.
	firstTail := req.ResultPosition != "head"
	if len(q.Pipes) > 0 {
		firstTail = q.Pipes[0].Name == "tail"
	}
	tsPath, tbPath := eval.NewPath(tsMap.Name), eval.NewPath(tbMap.Name)
	best := &bestHits{n: size, tail: firstTail}
	ord := 0
	for d, err := range docs {
		if err != nil {
			return nil, err
		}
		ord++
		fields := d.Fields()
		if !prog.MatchEvent(fields) {
			continue
		}
		h := hit{doc: d, ord: ord}
		if v, ok := eval.First(fields, tsPath); ok {
			h.ts, h.tsOK = timestampOf(v, tsMap.Type == "date_nanos")
		}
		if hasTB {
			if v, ok := eval.First(fields, tbPath); ok {
				h.tb = sortValue(v)
			}
		}
		best.add(h)
	}
	hits := best.sorted()
	for _, p := range q.Pipes {
		hits = cut(hits, int(p.Args[0].(*Literal).Int), p.Name == "tail")
	}
	resp := &Response{Hits: Hits{Total: Total{Value: len(hits), Relation: "eq"}, Events: []HitEvent{}}}
	for _, h := range hits {
		he, err := h.doc.hitEvent()
		if err != nil {
			return nil, err
		}
		resp.Hits.Events = append(resp.Hits.Events, he)
	}
	return resp, nil
}

// hitEvent is the document as a response lists it: its source as given,
// or Source written.
func (d Doc) hitEvent() (HitEvent, error) {
	src := d.Raw
	if src == nil {
		b, err := json.Marshal(d.Source)
		if err != nil {
			return HitEvent{}, err
		}
		src = b
	}
	return HitEvent{Index: d.Index, ID: d.ID, Source: src}, nil
}

// hit is a matching event with its sort keys.
type hit struct {
	doc  Doc
	ts   int64
	tsOK bool
	tb   any
	ord  int
}

// before is the implicit order: timestamp (nulls first), tiebreaker
// (nulls first), document order.
func (a *hit) before(b *hit) bool {
	if a.tsOK != b.tsOK {
		return !a.tsOK
	}
	if a.ts != b.ts {
		return a.ts < b.ts
	}
	if c := compareSort(a.tb, b.tb); c != 0 {
		return c < 0
	}
	return a.ord < b.ord
}

// bestHits keeps the n first (or, for tail, last) hits in the implicit
// order, holding at most 2n at a time.
type bestHits struct {
	n    int
	tail bool
	hits []hit
}

func (b *bestHits) add(h hit) {
	if b.n == 0 {
		return
	}
	b.hits = append(b.hits, h)
	if len(b.hits) >= 2*b.n {
		b.trim()
	}
}

func (b *bestHits) trim() {
	sort.SliceStable(b.hits, func(i, j int) bool { return b.hits[i].before(&b.hits[j]) })
	if len(b.hits) > b.n {
		if b.tail {
			b.hits = append(b.hits[:0:0], b.hits[len(b.hits)-b.n:]...)
		} else {
			b.hits = b.hits[:b.n:b.n]
		}
	}
}

func (b *bestHits) sorted() []hit {
	b.trim()
	return b.hits
}

// timestampOf reads a timestamp as Elasticsearch sorts it, in epoch
// nanoseconds (date_nanos) or milliseconds.
func timestampOf(v any, nanos bool) (int64, bool) {
	s, ok := eval.KeywordText(v)
	if !ok {
		return 0, false
	}
	var t time.Time
	var err error
	if nanos {
		t, err = eval.ParseDateNanos(s)
		if err != nil {
			return 0, false
		}
		return t.UnixNano(), true
	}
	t, err = eval.ParseDate(s)
	if err != nil {
		return 0, false
	}
	return t.UnixMilli(), true
}

// sortValue is a tiebreaker value: a number as float64, else its text.
func sortValue(v any) any {
	switch v := v.(type) {
	case json.Number:
		if f, err := strconv.ParseFloat(string(v), 64); err == nil {
			return f
		}
	case float64:
		return v
	}
	s, _ := eval.KeywordText(v)
	return s
}

// compareSort orders tiebreaker values; a missing value sorts first.
func compareSort(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	af, aNum := a.(float64)
	bf, bNum := b.(float64)
	if aNum && bNum {
		switch {
		case af < bf:
			return -1
		case af > bf:
			return 1
		}
		return 0
	}
	return strings.Compare(fmt.Sprint(a), fmt.Sprint(b))
}
