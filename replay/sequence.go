package replay

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
)

// EQL sequence and sample rules, as Kibana's EQL executor alerts on them
// (x-pack/solutions/security/plugins/security_solution/server/lib/
// detection_engine/rule_types/eql/ in elastic/kibana: eql.ts,
// wrap_sequences.ts, build_alert_group_from_sequence.ts, and
// ../factories/utils/generate_building_block_ids.ts and build_alert.ts).
//
// An execution runs one _eql/search over its window [now - look-back,
// now] (every event of a sequence must lie in it: the window is the
// request's filter) with size = max_signals and no result_position, so
// Elasticsearch returns the window's last max_signals sequences (a
// sample: the first max_signals; the query's pipes cut them further). max_signals counts sequences, not
// alerts: wrapSequences turns each into a shell alert followed by one
// building-block alert per event (kibana.alert.building_block_type
// "default", kibana.alert.group.id the shell's id, kibana.alert.group.index
// the event's place), and bulkCreate is called without a cap, so an
// execution can write max_signals × (stages + 1) alerts. The ids are
// Kibana's: a building block's is the SHA-256 of every event's _id and
// _index, each followed by the rule's UUID, then its own place
// (generateBuildingBlockIds); the shell's is the SHA-256 of its
// ancestors' ids and indices (each event, then its building block with
// an empty index) and the rule's UUID (generateAlertId). The alerts
// index refuses an id it holds already, so a sequence that two
// overlapping executions find alerts once.
//
// The replay runs each execution's search over the waiting events that
// match a stage (the runner's hits: the rule's query is the stages'
// filter, EQLSearch), with a new eql.Matcher a window. It also
// runs one matcher over the whole stream, as one search over every event
// would, to count the sequences no execution's window holds
// (SequenceReport.OutsideWindow) and the pending sequences maxspan and
// until drop.

// SequenceReport is what the replay of an EQL sequence or sample rule
// found.
type SequenceReport struct {
	// Found counts the distinct sequences alerted on (each a shell
	// alert and one building-block alert an event); FoundAgain the times
	// a later overlapping execution found one again (no alert: its ids
	// are in the alerts index); Lost the sequences executions found but
	// left out by max_signals, never alerted. With alert suppression
	// (seqsuppress.go) Found counts the shell alerts written, FoundAgain
	// also the sequences an alert of their group already covered, and
	// Lost those cut with their shell.
	Found      int `json:"found"`
	FoundAgain int `json:"found_again"`
	Lost       int `json:"lost"`
	// InStream counts the sequences of the whole stream, as one search
	// over all the events finds them; OutsideWindow those of them no
	// execution's window holds all the events of (a maxspan longer than
	// the look-back, or a sequence across two windows): the schedule
	// cannot see them. Not counted for samples (Stream false).
	Stream        bool `json:"stream"`
	InStream      int  `json:"in_stream"`
	OutsideWindow int  `json:"outside_window"`
	// DroppedMaxspan and DroppedUntil count the pending sequences of the
	// whole stream that maxspan and until dropped; DroppedMissing the
	// sequences a missing-event stage discarded; PendingAtEnd those still
	// waiting for a stage when the events ended.
	DroppedMaxspan int `json:"dropped_maxspan"`
	DroppedUntil   int `json:"dropped_until"`
	DroppedMissing int `json:"dropped_missing"`
	PendingAtEnd   int `json:"pending_at_end"`
	// StreamSkipped counts the events the whole-stream search could not
	// take: out of EQL's order by more than a look-back (the rule's
	// timestamp_override orders the replay, its timestamp_field the
	// sequences; arrival order).
	StreamSkipped int `json:"stream_skipped,omitempty"`
}

// SequenceAlert is set on the alerts of an EQL sequence or sample: the
// shell alert (Index -1) and the building blocks.
type SequenceAlert struct {
	// GroupID is kibana.alert.group.id, the shell alert's id.
	GroupID string
	// Index is kibana.alert.group.index, the event's place in the
	// sequence; -1 for the shell alert.
	Index int
	// Ancestors are the shell alert's kibana.alert.ancestors: each event,
	// then its building block.
	Ancestors []Ancestor
}

// Ancestor is an entry of kibana.alert.ancestors (its JSON keys in
// order, as an alert's).
type Ancestor struct {
	Depth int    `json:"depth"`
	ID    string `json:"id"`
	Index string `json:"index"`
	Rule  string `json:"rule,omitempty"`
	Type  string `json:"type"`
}

// seqExec is an EQL sequence or sample rule's executor. Its memory: the
// events of the waiting hits (those of the look-back window: a
// sequence's join key values, read once, and where each text is read
// again; a sample's text is read at each execution), the whole-stream
// matcher's pending sequences (bounded by maxspan and
// eql.DefaultMaxInFlight; their events' text in memory, which a saved
// state writes) and the events held a look-back to be put in EQL's order
// (without their text), and the ids of the sequences alerted and left out
// (Kibana's alerts index: one a sequence).
type seqExec struct {
	rn   *runner
	plan *eql.SequencePlan
	req  eql.Request // what plan was compiled for
	// every: run every execution whose window holds a hit, also when
	// it holds only hits seen before: a window that loses its first
	// events can find a sample or a sequence with a missing-event stage
	// a wider one did not
	every   bool
	cutLast bool // the last execution left sequences out (max_signals)

	keys    *keyFields          // a sequence's join key fields: the values heldEvent keeps
	evs     map[*hit]*eql.Event // the waiting hits' events
	seen    int64               // the hits observed: EQL's implicit order
	stream  *eql.Matcher        // the whole stream; nil for a sample
	hold    []*eql.Event        // the stream's events not fed yet, by ordinal (see feed)
	alerted map[string]bool     // shell ids alerted
	cut     map[string]bool     // shell ids left out and not alerted
	rep     SequenceReport
	// suppress is the rule's alert suppression (seqsuppress.go); nil
	// without
	suppress *seqSuppress
}

func newSeqExec(rn *runner) (*seqExec, error) {
	set := rn.rule.EQL()
	req := eql.Request{EventCategoryField: set.EventCategoryOverride, TimestampField: set.TimestampField, TiebreakerField: set.TiebreakerField}
	var plan *eql.SequencePlan
	if len(rn.cfg.evalOpts) == 0 { // the plan Prepare compiled, if any (prepared.go)
		plan = rn.cfg.prepared.planOf(rn.eqlq, req)
	}
	if plan == nil {
		var err error
		if plan, err = eql.CompileSequenceLowered(rn.eqlq, req, rn.lowered, rn.cfg.evalOpts...); err != nil {
			return nil, err
		}
	}
	x := &seqExec{rn: rn, plan: plan, req: req, every: plan.IsSample() || plan.HasMissing(),
		evs: map[*hit]*eql.Event{}, alerted: map[string]bool{}, cut: map[string]bool{}}
	if !plan.IsSample() {
		x.keys = joinKeyNames(rn.eqlq)
		x.stream = plan.NewMatcher()
		x.stream.Observe(x.held)
		x.rep.Stream = true
	}
	if rn.rule.AlertSuppression != nil {
		// seqsuppress.go; a suppressed sequence found again by a later
		// window alerts or is counted again
		x.suppress, x.every = newSeqSuppress(x), true
	}
	rn.rep.Sequences = &x.rep
	return x, nil
}

// observe reads the hit's event for the searches: its EQL ordinal, the
// stages it matches and (a sequence) its join keys; the whole stream's
// matcher takes it.
func (x *seqExec) observe(h *hit) {
	x.seen++
	doc := eql.Doc{Index: h.index, ID: strconv.FormatInt(x.seen, 10), Source: h.ev.Fields, Event: h.read}
	ev, ok := x.plan.Event(doc, x.seen)
	if !ok {
		return // no timestamp_field: Elasticsearch's sequence search skips it
	}
	if x.plan.IsSample() {
		ev.Doc.Event = hitEvent(h) // a sample's stages are read at each execution
	} else {
		x.plan.Mask(&ev)
		if h.ev.Fields == nil {
			ev.Doc.Event = newHeldEvent(h.read, x.keys, h.ref)
		}
	}
	if len(x.evs) > 2*len(x.rn.buf)+1024 {
		x.prune()
	}
	x.evs[h] = &ev
	if x.stream == nil {
		return
	}
	i, _ := slices.BinarySearchFunc(x.hold, &ev, func(a, b *eql.Event) int { return a.Ordinal.Compare(b.Ordinal) })
	x.hold = slices.Insert(x.hold, i, &ev)
	x.feed(addSat(h.t, -x.rn.lookBack))
}

// held is the whole-stream matcher's observer: an event it holds (the
// first or next of a pending sequence) gets its text in memory, which a
// saved state writes (eql.Matcher.Save). The matcher holds at most its
// in-flight limit of events; the others' text stays where it is.
func (x *seqExec) held(st eql.Step) {
	if st.Kind != eql.StepStarted && st.Kind != eql.StepExtended {
		return
	}
	ev := st.Event
	he, ok := ev.Doc.Event.(*heldEvent)
	if !ok || ev.Doc.Raw != nil {
		return
	}
	text, err := he.ref.read()
	if err != nil {
		x.rn.fail(err)
		return
	}
	ev.Doc.Raw, he.ref = text, textRef{mem: text}
}

// feed gives the whole-stream matcher the events held with a timestamp
// before cut, in EQL's order. The replay comes in the order of the rule's
// time (timestamp_override), EQL's is its timestamp_field's: the events
// are held a look-back behind the replay's clock to be put in EQL's
// order; one that comes later than that is counted in StreamSkipped.
func (x *seqExec) feed(cut int64) {
	n := 0
	for ; n < len(x.hold) && (x.hold[n].Ordinal.Timestamp < cut || cut == never) && x.stream != nil; n++ {
		err := x.stream.Add(x.hold[n])
		switch {
		case errors.Is(err, eql.ErrOutOfOrder):
			x.rep.StreamSkipped++
			continue
		case err != nil: // the circuit breaker: the whole-stream count stops
			x.rn.warn("the whole-stream sequence search stopped: " + err.Error())
			x.endStream()
			x.stream, x.rep.Stream = nil, false
			continue
		}
		x.countStream()
	}
	clear(x.hold[:n])
	x.hold = x.hold[n:]
	if x.stream == nil {
		x.hold = nil
	}
}

// countStream counts the sequences the whole-stream matcher completed:
// those no execution's window holds.
func (x *seqExec) countStream() {
	rn := x.rn
	for _, s := range x.stream.Drain() {
		x.rep.InStream++
		lo, hi, any := int64(0), int64(0), false
		for _, ev := range s.Events {
			if ev == nil {
				continue
			}
			t, why := rn.eventTime(ev.Doc.Fields())
			if why != "" {
				continue
			}
			if !any {
				lo, hi, any = t, t, true
			}
			lo, hi = min(lo, t), max(hi, t)
		}
		e := rn.alignUp(hi) // the first execution whose window ends after the sequence
		if !any || e == never || addSat(e, -rn.lookBack) > lo || (rn.cfg.hasNow && e > rn.cfg.now) {
			x.rep.OutsideWindow++
		}
	}
}

// endStream ends the whole-stream search and takes its counts.
func (x *seqExec) endStream() {
	if x.stream == nil {
		return
	}
	st := x.stream.Stats()
	x.rep.DroppedMaxspan = st.RejectedMaxspan + st.ExpiredMaxspan
	x.rep.DroppedUntil = st.RejectedUntil
	x.rep.DroppedMissing = st.DiscardedMissing
	x.rep.PendingAtEnd = x.stream.Pending()
}

// execute runs the execution's _eql/search over its window and alerts on
// the sequences it returns that the alerts index does not hold yet.
func (x *seqExec) execute(e int64, ex *Execution, win []*hit) error {
	rn := x.rn
	defer x.forget(e)
	evs := make([]*eql.Event, 0, len(win))
	byID := make(map[string]*hit, len(win))
	for _, h := range win {
		if ev := x.evs[h]; ev != nil {
			evs = append(evs, ev)
			byID[ev.Doc.ID] = h
		}
	}
	if x.plan.IsSample() {
		// a sample takes each key's documents in indexing order
		// (SampleIterator's searches have no sort): the order of the
		// files, here their names then lines
		slices.SortStableFunc(evs, func(a, b *eql.Event) int {
			ha, hb := byID[a.Doc.ID], byID[b.Doc.ID]
			return cmp.Or(strings.Compare(ha.ev.File, hb.ev.File), cmp.Compare(ha.ev.Line, hb.ev.Line))
		})
	} else {
		slices.SortStableFunc(evs, func(a, b *eql.Event) int { return a.Ordinal.Compare(b.Ordinal) })
	}
	all, _, err := x.plan.Find(evs)
	if err != nil { // Kibana logs the search's error and the execution ends
		rn.warn("EQL search failed: " + err.Error())
		return nil
	}
	size := rn.rep.MaxSignals
	seqs := x.plan.Cut(all, size, "")
	x.cutLast = len(seqs) < len(all)
	if x.cutLast {
		for _, s := range all {
			if slices.Contains(seqs, s) {
				continue
			}
			if id := x.group(s, byID).shell; !x.alerted[id] {
				x.cut[id] = true
				ex.Truncated++
			}
		}
	}
	if len(seqs) >= size { // hits.total.value >= maxSignals
		ex.Warning = MaxSignalsWarning
		rn.warn(MaxSignalsWarning)
	}
	if x.suppress != nil {
		return x.suppress.execute(e, ex, seqs, byID)
	}
	at := timeOf(e).Time
	for _, s := range seqs {
		g := x.group(s, byID)
		if x.alerted[g.shell] {
			x.rep.FoundAgain++
			ex.Duplicates++
			continue
		}
		x.alerted[g.shell] = true
		delete(x.cut, g.shell)
		x.rep.Found++
		for _, a := range g.alerts(x, at) {
			ex.Alerts++
			if err := rn.emit(a); err != nil {
				return err
			}
		}
		g.markAlerted()
	}
	return nil
}

// forget drops the events of the hits no execution to come can see.
func (x *seqExec) forget(e int64) {
	cut := addSat(addSat(e, x.rn.interval), -x.rn.lookBack)
	for h := range x.evs {
		if h.t < cut {
			delete(x.evs, h)
		}
	}
}

// prune keeps the events of the waiting hits only: those of hits no
// execution saw (after WithNow's last, arrived too late) or dropped
// without an execution are forgotten, so that the map stays within twice
// the waiting hits.
func (x *seqExec) prune() {
	evs := make(map[*hit]*eql.Event, len(x.rn.buf))
	for _, h := range x.rn.buf {
		if ev := x.evs[h]; ev != nil {
			evs[h] = ev
		}
	}
	x.evs = evs
}

// wake runs the next execution whose window holds a hit when the last one
// left sequences out, or when any window may find what a wider one did
// not (every).
func (x *seqExec) wake(_ int64, buf []*hit) int64 {
	if (x.cutLast || x.every) && len(buf) > 0 {
		return buf[0].t
	}
	return never
}

// finish ends the whole-stream search: the sequences waiting for a
// trailing missing-event stage are decided.
func (x *seqExec) finish() error {
	x.feed(never)
	if x.stream != nil {
		x.stream.Flush()
		x.countStream()
		x.endStream()
	}
	x.rep.Lost = len(x.cut)
	if x.suppress != nil {
		return x.suppress.finish()
	}
	return nil
}

// seqGroup is a sequence as the alerts of one group: its hits (nil for a
// missing event), the ids of its building blocks and its shell's id.
type seqGroup struct {
	seq    *eql.FoundSequence
	hits   []*hit
	blocks []string
	shell  string
}

// markAlerted marks the sequence's hits (a missing event's is nil)
// alerted.
func (g seqGroup) markAlerted() {
	for _, h := range g.hits {
		if h != nil {
			h.alerted = true
		}
	}
}

// group computes the ids of a sequence's alerts as Kibana does
// (generateBuildingBlockIds, generateAlertId).
func (x *seqExec) group(s *eql.FoundSequence, byID map[string]*hit) seqGroup {
	rule := x.rn.cfg.ruleUUID
	g := seqGroup{seq: s, hits: make([]*hit, len(s.Events))}
	base := ""
	for i, ev := range s.Events {
		var id, index string
		if ev != nil {
			h := byID[ev.Doc.ID]
			g.hits[i] = h
			id, index = x.rn.identity(h), h.index
		}
		base += id + index + rule
	}
	shell := sha256.New()
	for i, h := range g.hits {
		sum := sha256.Sum256([]byte(base + strconv.Itoa(i)))
		g.blocks = append(g.blocks, hex.EncodeToString(sum[:]))
		if h != nil {
			shell.Write([]byte(x.rn.identity(h) + h.index))
		}
		shell.Write([]byte(g.blocks[i])) // the building block, index ""
	}
	shell.Write([]byte(rule))
	g.shell = hex.EncodeToString(shell.Sum(nil))
	return g
}

// alerts builds the group's alerts in Kibana's order: the shell, then
// the building blocks.
func (g seqGroup) alerts(x *seqExec, at time.Time) []*Alert {
	rn := x.rn
	mk := func(uuid string, rec events.Record, index, id string, t int64) *Alert {
		return &Alert{
			UUID: uuid, Index: index, ID: id, File: rec.File, Line: rec.Line, fields: rec.Fields,
			Time: at, EventTime: time.UnixMilli(t).UTC(),
			rule: rn.rule, uuid: rn.cfg.ruleUUID, version: rn.rep.Version,
			query: rn.rep.Query, index: rn.rep.Index,
		}
	}
	blocks := make([]*Alert, len(g.hits))
	var srcs []map[string]any
	var anc []Ancestor
	first, timed := int64(0), false
	for i, h := range g.hits {
		var rec events.Record
		var index, id string
		var t int64
		if h != nil {
			rec = rn.fields(h)
			index, id, t = h.index, rn.identity(h), h.t
			if !timed {
				first, timed = t, true
			}
		}
		srcs = append(srcs, rec.Fields)
		blocks[i] = mk(g.blocks[i], rec, index, id, t)
		blocks[i].Sequence = &SequenceAlert{GroupID: g.shell, Index: i}
		anc = append(anc, Ancestor{ID: id, Index: index, Type: "event"},
			Ancestor{ID: g.blocks[i], Type: "signal", Depth: 1, Rule: rn.cfg.ruleUUID})
	}
	var common map[string]any
	if m, ok := intersectAll(srcs).(map[string]any); ok {
		common = m
	}
	shell := mk(g.shell, events.Record{Fields: common}, "", "", first)
	if len(blocks) > 0 {
		shell.File, shell.Line = blocks[0].File, blocks[0].Line
	}
	shell.Sequence = &SequenceAlert{GroupID: g.shell, Index: -1, Ancestors: anc}
	return append([]*Alert{shell}, blocks...)
}

// intersectAll is Kibana's objectArrayIntersection of the events'
// fields: what they all share (build_alert_group_from_sequence.ts).
func intersectAll(objs []map[string]any) any {
	if len(objs) == 0 {
		return nil
	}
	var acc any = objs[0]
	for _, o := range objs[1:] {
		a, _ := acc.(map[string]any)
		acc = intersectPair(a, o)
	}
	return acc
}

// intersectPair is objectPairIntersection: for each key of a that b
// has, the intersection of two objects, the value when equal, the
// common elements of arrays (lodash's intersection: a's order, no
// repeats, objects by identity, so never in common); nil when nothing is
// in common.
func intersectPair(a, b map[string]any) any {
	if a == nil || b == nil {
		return nil
	}
	out := map[string]any{}
	for k, av := range a {
		bv, ok := b[k]
		if !ok {
			continue
		}
		am, aObj := av.(map[string]any)
		bm, bObj := bv.(map[string]any)
		as, aArr := av.([]any)
		bs, bArr := bv.([]any)
		var v any
		switch {
		case aObj && bObj:
			v = intersectPair(am, bm)
		case !aArr && !bArr:
			if scalarEqual(av, bv) {
				v = av
			}
		case aArr && bArr:
			v = arrayIntersection(as, bs)
		case aArr:
			v = arrayIntersection(as, []any{bv})
		default:
			v = arrayIntersection([]any{av}, bs)
		}
		if v != nil {
			out[k] = v
		}
	}
	if len(out) == 0 {
		return nil
	}
	return out
}

// scalarEqual is JavaScript's === on decoded JSON values (numbers by
// value; objects and arrays never).
func scalarEqual(a, b any) bool {
	switch a.(type) {
	case map[string]any, []any:
		return false
	}
	if na, ok := numberOf(a); ok {
		nb, ok := numberOf(b)
		return ok && na == nb
	}
	return a == b
}

func numberOf(v any) (float64, bool) {
	switch n := v.(type) {
	case json.Number:
		f, err := n.Float64()
		return f, err == nil
	case float64:
		return n, true
	case int:
		return float64(n), true
	case int64:
		return float64(n), true
	}
	return 0, false
}

func arrayIntersection(a, b []any) []any {
	out := []any{}
	for _, v := range a {
		in := false
		for _, w := range b {
			if scalarEqual(v, w) {
				in = true
				break
			}
		}
		if in && !slices.ContainsFunc(out, func(o any) bool { return scalarEqual(o, v) }) {
			out = append(out, v)
		}
	}
	return out
}

// seqState is a sequence rule's executor state: the whole-stream
// matcher's pending sequences (eql.Matcher.Save), the ids of the
// sequences alerted and left out, the implicit order reached and the
// counts. The waiting hits' events are the runner's (observe reads them
// again).
type seqState struct {
	Stream  json.RawMessage `json:"stream,omitempty"`
	Alerted []string        `json:"alerted"`
	Cut     []string        `json:"cut"`
	Seen    int64           `json:"seen"`
	CutLast bool            `json:"cut_last,omitempty"`
	Report  SequenceReport  `json:"report"`
}

// saveSeq returns the executor's state as JSON (saveState adds the
// waiting hits' ordinals). The events held to be put in EQL's order are
// fed to the whole-stream matcher first.
func (x *seqExec) saveSeq() ([]byte, error) {
	x.feed(never)
	st := seqState{Seen: x.seen, CutLast: x.cutLast, Report: x.rep, Alerted: keysOf(x.alerted), Cut: keysOf(x.cut)}
	if x.stream != nil {
		b, err := x.stream.Save()
		if err != nil {
			return nil, err
		}
		st.Stream = b
	}
	return json.Marshal(st)
}

// restoreSeq puts the executor in the state saveSeq saved.
func (x *seqExec) restoreSeq(data []byte) error {
	var st seqState
	if err := json.Unmarshal(data, &st); err != nil {
		return fmt.Errorf("replay: sequence state: %w", err)
	}
	if st.Stream != nil {
		m, err := x.plan.RestoreMatcher(st.Stream)
		if err != nil {
			return fmt.Errorf("replay: sequence state: %w", err)
		}
		x.stream = m
		x.stream.Observe(x.held)
	} else if !x.plan.IsSample() {
		x.stream = nil
	}
	x.seen, x.cutLast, x.rep = st.Seen, st.CutLast, st.Report
	x.alerted, x.cut = setOf(st.Alerted), setOf(st.Cut)
	return nil
}

func keysOf(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func setOf(ks []string) map[string]bool {
	m := make(map[string]bool, len(ks))
	for _, k := range ks {
		m[k] = true
	}
	return m
}

// heldEvent is a sequence's waiting event as its searches read it at
// each execution: the values of the query's join key fields, read once
// when the hit is observed, and anything else from its text read again
// (its stages matched are read once too: eql.SequencePlan.Mask). So a
// window of a sequence rule holds no event text.
type heldEvent struct {
	keys *keyFields
	vals [][]any // each key field's values as eval.Event.Values visits them; nil: read the text
	ref  textRef
}

// keyFields are the fields of a sequence's join keys.
type keyFields struct {
	index map[string]int // by name: index in paths
	paths []*eval.Path
}

// noValues is a field without values, read.
var noValues = []any{}

// newHeldEvent reads the join key fields of e, the event being observed.
func newHeldEvent(e eval.Event, keys *keyFields, ref textRef) *heldEvent {
	he := &heldEvent{keys: keys, ref: ref, vals: make([][]any, len(keys.paths))}
	for i, p := range keys.paths {
		var rec valueRecorder
		e.Values(p, &rec)
		switch {
		case rec.lazy:
		case rec.vals == nil:
			he.vals[i] = noValues
		default:
			he.vals[i] = rec.vals
		}
	}
	return he
}

// valueRecorder keeps the values of a field. An object passed as an
// eval.Event reads the text being matched, valid only during the call:
// the field is then read again from the text at each lookup (lazy).
type valueRecorder struct {
	vals []any
	lazy bool
}

func (r *valueRecorder) Visit(v any) bool {
	if _, ok := v.(eval.Event); ok {
		r.lazy = true
	}
	r.vals = append(r.vals, v)
	return false
}

// Values implements [eval.Event]: a join key field from the values kept,
// others from the text.
func (e *heldEvent) Values(path *eval.Path, v eval.Visitor) bool {
	if i, ok := e.keys.index[path.Name]; ok && e.vals[i] != nil {
		for _, x := range e.vals[i] {
			if v.Visit(x) {
				return true
			}
		}
		return false
	}
	return refEvent{&e.ref}.Values(path, v)
}

// Fields implements [eval.Event].
func (e *heldEvent) Fields(v eval.FieldVisitor) bool { return refEvent{&e.ref}.Fields(v) }

// joinKeyNames returns the fields a sequence's join keys name (its by,
// each stage's, its until's).
func joinKeyNames(q *eql.Query) *keyFields {
	out := &keyFields{index: map[string]int{}}
	add := func(by []eql.Expr) {
		for _, k := range by {
			if f, ok := k.(*eql.Field); ok {
				if _, dup := out.index[f.Name]; !dup {
					out.index[f.Name] = len(out.paths)
					out.paths = append(out.paths, eval.NewPath(f.Name))
				}
			}
		}
	}
	if s, ok := q.Body.(*eql.Sequence); ok {
		add(s.By)
		for _, st := range s.Stages {
			add(st.By)
		}
		if s.Until != nil {
			add(s.Until.By)
		}
	}
	return out
}

// hitEvent returns a hit's event as queries read it: lazily over its text
// read again, or its fields.
func hitEvent(h *hit) eval.Event {
	if h.ev.Fields != nil || !h.ref.ok() {
		return eval.Map(h.ev.Fields)
	}
	return refEvent{&h.ref}
}
