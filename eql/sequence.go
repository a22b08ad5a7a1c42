package eql

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
)

// DefaultMaxInFlight is the most sequences, missing-event marks and
// sample candidates a [Matcher] (or a sample search) holds at once when
// its plan sets no other limit. It plays the part of Elasticsearch's
// request circuit breaker (SequenceMatcher.trackMemory): a query that
// would hold more ends with an [*InFlightError] instead of exhausting
// memory.
const DefaultMaxInFlight = 1 << 20

// InFlightError ends a sequence or sample search that would hold more
// than its limit of in-flight state (see [DefaultMaxInFlight]).
type InFlightError struct {
	Limit int
}

func (e *InFlightError) Error() string {
	return fmt.Sprintf("eql: more than %d sequences in flight (the limit that stands for Elasticsearch's circuit breaker [request]); add a maxspan, narrower stages or more selective join keys", e.Limit)
}

// ErrOutOfOrder is returned by [Matcher.Add] for an event whose ordinal
// is before the previous event's: a matcher runs in event time.
var ErrOutOfOrder = errors.New("eql: event out of order: a sequence matcher takes events by timestamp, tiebreaker and implicit order")

// Ordinal is an event's place in Elasticsearch's order of a sequence
// (execution/search/Ordinal): timestamp, then tiebreaker (a missing one
// first), then the implicit tiebreaker (the order the documents were
// read in, Elasticsearch's _shard_doc).
type Ordinal struct {
	Timestamp  int64 // epoch milliseconds, or nanoseconds for date_nanos
	Tiebreaker any   // float64, string or nil
	Implicit   int64
}

// Compare orders two ordinals: -1, 0 or +1.
func (o Ordinal) Compare(p Ordinal) int {
	switch {
	case o.Timestamp < p.Timestamp:
		return -1
	case o.Timestamp > p.Timestamp:
		return 1
	}
	if c := compareSort(o.Tiebreaker, p.Tiebreaker); c != 0 {
		return c
	}
	switch {
	case o.Implicit < p.Implicit:
		return -1
	case o.Implicit > p.Implicit:
		return 1
	}
	return 0
}

// Event is a document with its ordinal, as a [Matcher] takes it.
type Event struct {
	Doc     Doc
	Ordinal Ordinal
	mask    uint64 // the stages it matches (bit 63: until), when masked
	masked  bool
}

// FoundSequence is a sequence (or a sample) found: its join key values
// (in the order of the by clauses; nil for a null key) and one event per
// stage, with runs expanded; a nil event is a missing-event stage.
type FoundSequence struct {
	JoinKeys []any
	Events   []*Event
	key      string
	last     Ordinal // the ordinal of the last positive event
}

// keyField is one join key of one stage.
type keyField struct {
	path     *eval.Path // nil: an optional field that is not mapped (always null)
	optional bool
	typ      string
	layouts  []string // Go layouts of the field's custom date formats
}

// planStage is one stage (after runs are expanded) or the until stage.
type planStage struct {
	prog    *eval.Program
	keys    []keyField
	missing bool
}

// SequencePlan is a sequence or sample query compiled against a mapping:
// one program per stage, the join keys of each stage, maxspan, until and
// the ordering fields. Make one with [CompileSequence]; it is safe for
// concurrent use, and [SequencePlan.NewMatcher] gives each run its own
// state.
type SequencePlan struct {
	query    *Query
	sample   bool
	stages   []*planStage
	until    *planStage
	maxSpan  int64 // in timestamp units; 0: none
	nanos    bool
	tsPath   *eval.Path
	tbPath   *eval.Path // nil: no tiebreaker
	firstPos int
	lastPos  int
	anyMiss  bool

	// MaxFlight is the most state a run of the plan holds (pending
	// sequences, missing-event marks, completed sequences not drained,
	// events held to be ordered, sample candidates) before it ends with
	// an [*InFlightError]; DefaultMaxInFlight when 0.
	MaxFlight int
}

// CompileSequence compiles a sequence or a sample for a search of the
// indices mapped by m. With a nil m every field is taken for a keyword
// (as [Lower] takes fields without [Options.Fields]) and the timestamp
// for a date; [Search] instead maps the fields its documents hold first. Each stage's filter is lowered as an event
// query ([Lower]) with the request's filter, "with runs=N" repeats a
// stage N times as Elasticsearch's LogicalPlanBuilder does, and the join
// keys (the sequence's by, then the stage's by) resolve as the analyzer
// resolves fields: an unknown field is an [*Error], an optional field
// that is not mapped is a null key.
func CompileSequence(req Request, m *Mapping) (*SequencePlan, error) {
	q, err := Parse(req.Query)
	if err != nil {
		return nil, err
	}
	return compileSequence(q, req, m, nil, nil)
}

// CompileSequenceQuery is [CompileSequence] for a query parsed already.
// When m is nil its stages are compiled with the eval options opts (a
// schema, a clock; none: eval's defaults, the ECS schema) rather than
// with every field a keyword: the options a caller compiles the event
// queries it runs beside the plan with (the replay), so that a stage and
// the same filter run alone agree.
func CompileSequenceQuery(q *Query, req Request, m *Mapping, opts ...eval.Option) (*SequencePlan, error) {
	if opts == nil {
		opts = []eval.Option{}
	}
	return compileSequence(q, req, m, opts, nil)
}

// CompileSequenceLowered is [CompileSequenceQuery] without a mapping for
// a caller that lowered q's stages already: lowered is what [LowerStages]
// returned for q with Options{EventCategoryField: req.EventCategoryField}
// (the filter a replay searches with), whose clauses are the stages'
// filters as [CompileSequenceQuery] lowers them, so that each stage is
// lowered once. The clauses are compiled as they are and not changed;
// another lowered is ignored and the stages lowered again.
func CompileSequenceLowered(q *Query, req Request, lowered esdsl.Query, opts ...eval.Option) (*SequencePlan, error) {
	if opts == nil {
		opts = []eval.Option{}
	}
	var clauses []esdsl.Query
	if b, ok := lowered.(*esdsl.Bool); ok && b.MinimumShouldMatch == 1 && len(b.Must) == 0 && len(b.Filter) == 0 && len(b.MustNot) == 0 {
		clauses = b.Should
	}
	return compileSequence(q, req, nil, opts, clauses)
}

// compileSequence compiles q's plan; lowered, when it holds a clause for
// each stage (then until), are their filters lowered already without a
// mapping, used when m is nil.
func compileSequence(q *Query, req Request, m *Mapping, evalOpts []eval.Option, lowered []esdsl.Query) (*SequencePlan, error) {
	copts := evalOpts // nil: the mapping's types (set below)
	if m != nil {
		copts = nil
	}
	var fields Fields = m
	if m == nil {
		fields = nil
		m = NewMapping(nil)
	}
	lookup := func(name string) (MappedField, bool) {
		if fields == nil {
			return MappedField{Type: "keyword", Name: name, Exact: name}, true
		}
		return m.Lookup(name)
	}
	p := &SequencePlan{query: q}
	var by []Expr
	var stages []*Stage
	var until *Stage
	switch b := q.Body.(type) {
	case *Sequence:
		by, stages, until = b.By, b.Stages, b.Until
		if b.MaxSpan != nil {
			p.maxSpan = b.MaxSpan.Duration.Milliseconds()
		}
	case *Sample:
		p.sample = true
		by, stages = b.By, b.Stages
	default:
		return nil, withSource(errorf(q.Body.Pos(), "not a sequence or a sample"), q.src)
	}
	tsField := req.TimestampField
	if tsField == "" {
		tsField = "@timestamp"
	}
	bad := func(f string) error {
		return &Error{Position: ast.Position{Line: -1, Column: -1}, Query: req.Query, Msg: fmt.Sprintf("Unknown column [%s]", f)}
	}
	tsMap, ok := lookup(tsField)
	if !ok && !p.sample {
		return nil, bad(tsField)
	}
	if fields == nil {
		tsMap.Type = "date"
	}
	p.nanos = tsMap.Type == "date_nanos"
	if p.nanos && p.maxSpan > 0 {
		if b, ok := q.Body.(*Sequence); ok {
			p.maxSpan = b.MaxSpan.Duration.Nanoseconds()
		}
	}
	p.tsPath = eval.NewPath(tsMap.Name)
	if req.TiebreakerField != "" {
		tb, ok := lookup(req.TiebreakerField)
		if !ok {
			return nil, bad(req.TiebreakerField)
		}
		p.tbPath = eval.NewPath(tb.Name)
	}
	clauses := len(stages)
	if until != nil {
		clauses++
	}
	if fields != nil || len(lowered) != clauses {
		lowered = nil
	}
	compile := func(s *Stage, i int) (*planStage, error) {
		var dsl esdsl.Query
		if lowered != nil {
			dsl = lowered[i]
		} else {
			sub := &Query{Span: s.Filter.Span, Body: s.Filter, src: q.src}
			var err error
			if dsl, err = Lower(sub, Options{EventCategoryField: req.EventCategoryField, Fields: fields}); err != nil {
				return nil, err
			}
		}
		if req.Filter != nil {
			dsl = &esdsl.Bool{Filter: []esdsl.Query{dsl, req.Filter}}
		}
		opts := copts
		if opts == nil {
			opts = []eval.Option{eval.WithMapping(m.Eval())}
		}
		prog, err := eval.CompileQuery(dsl, opts...)
		if err != nil {
			return nil, fmt.Errorf("eql: %w", err)
		}
		ps := &planStage{prog: prog, missing: s.Missing}
		for _, k := range append(append([]Expr{}, by...), s.By...) {
			kf, err := keyOf(k, lookup, m, q.src)
			if err != nil {
				return nil, err
			}
			ps.keys = append(ps.keys, kf)
		}
		return ps, nil
	}
	for i, s := range stages {
		ps, err := compile(s, i)
		if err != nil {
			return nil, err
		}
		for range max(s.Runs, 1) {
			p.stages = append(p.stages, ps)
		}
	}
	if until != nil {
		u, err := compile(until, len(stages))
		if err != nil {
			return nil, err
		}
		p.until = u
	}
	p.firstPos, p.lastPos = -1, -1
	for i, s := range p.stages {
		if s.missing {
			p.anyMiss = true
			continue
		}
		if p.firstPos < 0 {
			p.firstPos = i
		}
		p.lastPos = i
	}
	if p.firstPos < 0 {
		return nil, withSource(errorf(q.Body.Pos(), "a sequence needs at least one stage that is not a missing event"), q.src)
	}
	return p, nil
}

// keyOf resolves a join key: a field, as the analyzer resolves it.
func keyOf(k Expr, lookup func(string) (MappedField, bool), m *Mapping, src string) (keyField, error) {
	f, ok := k.(*Field)
	if !ok {
		return keyField{}, withSource(errorf(k.Pos(), "join keys must be fields, found [%s]", k), src)
	}
	mf, ok := lookup(f.Name)
	if !ok {
		if f.Optional {
			return keyField{optional: true}, nil
		}
		return keyField{}, withSource(errorf(f.From, "Unknown column [%s]", f.Name), src)
	}
	kf := keyField{path: eval.NewPath(mf.Name), optional: f.Optional, typ: mf.Type}
	for _, format := range m.formats[mf.Name] {
		for _, one := range strings.Split(format, "||") {
			if l, ok := goLayout(one); ok {
				kf.layouts = append(kf.layouts, l)
			}
		}
	}
	return kf, nil
}

// Stages is the number of stages, with runs expanded.
func (p *SequencePlan) Stages() int { return len(p.stages) }

// Event reads a document's ordinal; false when it has no timestamp
// (Elasticsearch's sequence queries only see events with one).
// implicit is the document's place in the input.
func (p *SequencePlan) Event(d Doc, implicit int64) (Event, bool) {
	fields := d.Fields()
	v, ok := eval.First(fields, p.tsPath)
	if !ok {
		return Event{}, false
	}
	ts, ok := timestampOf(v, p.nanos)
	if !ok {
		return Event{}, false
	}
	ev := Event{Doc: d, Ordinal: Ordinal{Timestamp: ts, Implicit: implicit}}
	if p.tbPath != nil {
		if v, ok := eval.First(fields, p.tbPath); ok {
			ev.Ordinal.Tiebreaker = sortValue(v)
		}
	}
	return ev, true
}

// Mask reads which stages ev's document matches, once: a [Matcher] (and
// [SequencePlan.Find]) given ev then reuses it, so that the document's
// Event need only be valid during this call for the stage queries.
func (p *SequencePlan) Mask(ev *Event) {
	if !ev.masked {
		ev.mask, ev.masked = p.stageMask(ev.Doc)
	}
}

// Relevant reports whether a document matches a stage or the until
// condition: the only documents a matcher needs to see.
func (p *SequencePlan) Relevant(d Doc) bool {
	mask, _ := p.stageMask(d)
	return mask != 0
}

const untilBit = 1 << 63

// stageMask evaluates each distinct stage program once: the bits of the
// stages d matches (untilBit for until); false when there are too many
// stages for a mask (then mask is 1 when d matches any).
func (p *SequencePlan) stageMask(d Doc) (uint64, bool) {
	fields := d.Fields()
	if len(p.stages) >= 63 {
		for _, s := range p.stages {
			if s.prog.MatchEvent(fields) {
				return 1, false
			}
		}
		if p.until != nil && p.until.prog.MatchEvent(fields) {
			return 1, false
		}
		return 0, false
	}
	var mask uint64
	for i, s := range p.stages {
		if i > 0 && p.stages[i-1] == s { // runs: the same stage again
			if mask&(1<<(i-1)) != 0 {
				mask |= 1 << i
			}
			continue
		}
		if s.prog.MatchEvent(fields) {
			mask |= 1 << i
		}
	}
	if p.until != nil && p.until.prog.MatchEvent(fields) {
		mask |= untilBit
	}
	return mask, true
}

// matches reports whether ev matches stage i (i < 0: until).
func (p *SequencePlan) matches(ev *Event, i int) bool {
	if ev.masked {
		if i < 0 {
			return ev.mask&untilBit != 0
		}
		return ev.mask&(1<<i) != 0
	}
	if i < 0 {
		return p.until.prog.MatchEvent(ev.Doc.Fields())
	}
	return p.stages[i].prog.MatchEvent(ev.Doc.Fields())
}

// joinKey is one combination of join key values.
type joinKey struct {
	vals []any
	enc  string
}

// keys returns the join keys of a document for a stage: the cartesian
// product of each key field's distinct values, as Elasticsearch pairs
// multi-valued keys (test_extra.toml, sequenceWithMultivalue_*). A
// document without a value for a key that is not optional has none (the
// stage query requires the key fields to exist); an optional key without
// a value is null. sample selects the values a composite aggregation
// gives (dates as epoch milliseconds) rather than those of the fields
// API (dates formatted).
func (s *planStage) joinKeys(d Doc, sample bool) []joinKey {
	if len(s.keys) == 0 {
		return []joinKey{{}}
	}
	fields := d.Fields()
	kv := &keyVisitor{sample: sample}
	var out []joinKey
	for i := range s.keys {
		k := &s.keys[i]
		// vals is new for each key: the keys out holds share it
		kv.k, kv.vals, kv.encs = k, nil, kv.encs[:0]
		if k.path != nil {
			fields.Values(k.path, kv)
		}
		vals, encs := kv.vals, kv.encs
		if len(vals) == 0 {
			if !k.optional {
				return nil
			}
			vals, encs = []any{nil}, append(encs, encodeKey(nil))
		}
		if i == 0 { // one key a value
			out = make([]joinKey, len(vals))
			for j := range vals {
				out[j] = joinKey{vals: vals[j : j+1 : j+1], enc: encs[j]}
			}
			continue
		}
		next := make([]joinKey, 0, len(out)*len(vals))
		for _, o := range out {
			for j, v := range vals {
				next = append(next, joinKey{vals: append(o.vals[:len(o.vals):len(o.vals)], v), enc: o.enc + encs[j]})
			}
		}
		out = next
	}
	return out
}

// keyVisitor collects the distinct values of a join key field, as
// Elasticsearch returns them for its type.
type keyVisitor struct {
	k      *keyField
	sample bool
	vals   []any
	encs   []string // encodeKey of each of vals
}

func (kv *keyVisitor) Visit(v any) bool {
	if v = keyValue(v, kv.k.typ, kv.k.layouts, kv.sample); v != nil {
		if e := encodeKey(v); !slices.Contains(kv.encs, e) {
			kv.encs = append(kv.encs, e)
			kv.vals = append(kv.vals, v)
		}
	}
	return false
}

// keyValue is a join key value as Elasticsearch returns it for the
// field's type; nil for a value it would not index.
func keyValue(v any, typ string, layouts []string, sample bool) any {
	if v == nil {
		return nil
	}
	if _, ok := v.(map[string]any); ok {
		return nil
	}
	switch typ {
	case "date", "date_nanos":
		s, ok := eval.KeywordText(v)
		if !ok {
			return nil
		}
		t, err := eval.ParseDate(s)
		if typ == "date_nanos" {
			t, err = eval.ParseDateNanos(s)
		}
		for _, l := range layouts {
			if err == nil {
				break
			}
			t, err = time.Parse(l, s)
		}
		if err != nil {
			return nil
		}
		if sample {
			return json.Number(strconv.FormatInt(t.UnixMilli(), 10))
		}
		if typ == "date_nanos" {
			return t.UTC().Format("2006-01-02T15:04:05.000000000Z")
		}
		return t.UTC().Format("2006-01-02T15:04:05.000Z")
	case "long", "integer", "short", "byte", "unsigned_long", "double", "float", "half_float", "scaled_float":
		s, ok := eval.KeywordText(v)
		if !ok {
			return nil
		}
		f, ok := eval.ParseNumber(s)
		if !ok {
			return nil
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
			return json.Number(strconv.FormatInt(int64(f), 10))
		}
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
	case "keyword", "constant_keyword", "wildcard", "text", "match_only_text", "version", "ip":
		// the fields API and the terms of a composite aggregation give
		// these as text, whatever the JSON type in the source
		s, ok := eval.KeywordText(v)
		if !ok {
			return nil
		}
		return s
	case "boolean":
		switch v := v.(type) {
		case bool:
			return v
		case string:
			return v == "true"
		}
	}
	if b, ok := v.(bool); ok {
		return b
	}
	if n, ok := v.(json.Number); ok {
		return n
	}
	if f, ok := v.(float64); ok {
		return json.Number(strconv.FormatFloat(f, 'g', -1, 64))
	}
	s, ok := eval.KeywordText(v)
	if !ok {
		return nil
	}
	return s
}

// encodeKey is a join key value as a string that tells values apart.
func encodeKey(v any) string {
	switch v := v.(type) {
	case nil:
		return "\x00n"
	case bool:
		return "\x00b" + strconv.FormatBool(v)
	case json.Number:
		return "\x00#" + string(v)
	case string:
		return "\x00s" + strconv.Itoa(len(v)) + ":" + v
	}
	return "\x00?" + fmt.Sprint(v)
}

// compareKeys orders join keys as a composite aggregation orders its
// buckets: value by value, null first, numbers by value, strings by
// their bytes.
func compareKeys(a, b []any) int {
	for i := range min(len(a), len(b)) {
		if c := compareKeyValue(a[i], b[i]); c != 0 {
			return c
		}
	}
	return len(a) - len(b)
}

func compareKeyValue(a, b any) int {
	switch {
	case a == nil && b == nil:
		return 0
	case a == nil:
		return -1
	case b == nil:
		return 1
	}
	an, aok := a.(json.Number)
	bn, bok := b.(json.Number)
	if aok && bok {
		af, _ := strconv.ParseFloat(string(an), 64)
		bf, _ := strconv.ParseFloat(string(bn), 64)
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

// sortSequences orders sequences as Elasticsearch's completed set does:
// by the ordinal of their last event, then by join key.
func sortSequences(seqs []*FoundSequence) {
	sort.SliceStable(seqs, func(i, j int) bool {
		if c := seqs[i].last.Compare(seqs[j].last); c != 0 {
			return c < 0
		}
		return compareKeys(seqs[i].JoinKeys, seqs[j].JoinKeys) < 0
	})
}

// javaLayout maps the letters of a java.time pattern to Go's layout.
var javaLayout = strings.NewReplacer("yyyy", "2006", "uuuu", "2006", "MM", "01", "dd", "02", "HH", "15", "mm", "04", "ss", "05", "SSS", "000", "'T'", "T", "XXX", "Z07:00", "Z", "Z0700")

// goLayout converts a custom date format of a mapping (a java.time
// pattern such as "dd-MM-yyyy") to a Go layout; false for the named
// formats, which the default parse covers.
func goLayout(format string) (string, bool) {
	if format == "" || strings.ContainsAny(format, "_") || !strings.ContainsAny(format, "yMdHms") {
		return "", false
	}
	return javaLayout.Replace(format), true
}
