package replay

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	syncatomic "sync/atomic"
	"unsafe"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
)

// Replayable reports whether [Run] replays the rule as Kibana's detection
// engine would from its file and the events alone, and when it does not,
// why ([Reason] of [Check]'s error):
// "language lucene is not supported", "machine_learning
// rules have no query", "type threat_match needs indicator events
// (WithThreat)", or the [ErrUnsupported] error of a rule type or feature
// not replayed yet. A rule set skips such rules with that reason rather
// than run them as something they are not. It compiles the rule as Run
// would.
func Replayable(r *rules.Rule) (ok bool, why string) {
	if err := Check(r); err != nil {
		return false, Reason(err)
	}
	return true, ""
}

// Reason words an error of [Check] (or Run) as the reason a rule set
// skips the rule: a [*RunError]'s cause, which does not name the rule, or
// else the error itself.
func Reason(err error) string {
	var re *RunError
	if errors.As(err, &re) {
		return re.Err.Error()
	}
	return err.Error()
}

// RunError is the error of [Check], [Run] and [NewReplay] for a rule they
// refuse: Err is why (an error wrapping [ErrUnsupported] for a rule type
// or feature not replayed yet, the *kql.Error or *eql.Error of a query
// that does not parse, eval's compile errors, a setting out of range),
// and Error names the rule.
type RunError struct {
	Rule string // the rule's name
	// Query: Err is about the query of Version (of the rule's history,
	// or the rule's own).
	Query   bool
	Version int
	Err     error
}

func (e *RunError) Error() string {
	if e.Query {
		return fmt.Sprintf("rules: Run %s (version %d): %v", e.Rule, e.Version, e.Err)
	}
	return "rules: Run " + e.Rule + ": " + e.Err.Error()
}

func (e *RunError) Unwrap() error { return e.Err }

// languages are the query languages Run replays: the one list every
// language decision of the package (Check, Replayable, Run, RuleSearch)
// is made from, by rules.Rule.CheckLanguage.
var languages = []rules.Language{rules.LanguageKuery, rules.LanguageEQL}

// Check returns nil when [Run] replays the rule, else why not, without
// reading an event: a *rules.UnsupportedError for its language or a rule
// without a query, or a [*RunError] as Run returns it. [Replayable] tells
// the same as a reason.
func Check(r *rules.Rule) error {
	_, err := Prepare(r)
	return err
}

// Prepare is [Check] that also returns, for a rule Run replays, its query
// compiled (without filters or exceptions) as Run compiles it with no
// options, and an EQL query parsed: what [NewReplayPrepared] and a rule
// set take rather than compile the query again. The value is the
// caller's: nothing else holds it.
func Prepare(r *rules.Rule) (*Prepared, error) {
	if err := Supported(r); err != nil {
		return nil, err
	}
	rq, err := compileRun(r, runConfig{})
	if err != nil {
		return nil, err
	}
	if plainExecutor(r, rq.eqlq) {
		// no runner is made (its report, its schedule, its executor):
		// the executor would refuse nothing, and the Prepared keeps
		// nothing of it
		return newPrepared(r, rq.search.Query(), rq.eqlq, nil, rq.filters, nil), nil
	}
	rn, err := rq.runner(r)
	if err != nil {
		return nil, err
	}
	seq, _ := rn.exec.(*seqExec)
	return newPrepared(r, rn.search.Query(), rn.eqlq, seq, rq.filters, rn.threat), nil
}

// Supported is the first test of [Prepare], which reads neither the
// query nor the rest of the rule: nil, or the *rules.UnsupportedError
// Prepare returns for a language the replay does not run or a rule
// without a query. A caller that keeps what Prepare compiles can leave
// out work for a rule Supported refuses.
func Supported(r *rules.Rule) error {
	if err := r.CheckLanguage(languages...); err != nil {
		return err
	}
	if strings.TrimSpace(r.Query) == "" {
		return &rules.UnsupportedError{Field: "rule.query", Why: "the rule has no query"}
	}
	return nil
}

// Event is one event of the stream a [Replay] takes.
type Event struct {
	// Fields reads the event's fields: an [events.Lazy] over JSON, or
	// eval.Map over Map. The replay reads the index, the time and
	// whether the mapping refuses the event through it.
	Fields eval.Event
	// JSON is the event's text (a JSON object), when it was read from
	// one; Map its decoded fields, when the caller has them instead. The
	// replay decodes JSON only for an event some rule matched (an alert
	// may be built on it), and copies it only then (into the sorter's
	// memory or runs in time order, a spill file in arrival order); the
	// caller may reuse JSON once Add returns.
	JSON []byte
	Map  map[string]any
	// File and Line tell where the event was read.
	File string
	Line int
}

// Facts is what a Replay reads of an event besides the rules its queries
// match: its index, its time for each timestamp field of the rules, and
// whether the mapping refuses it. [Replay.Facts] reads them and is safe
// for concurrent use, so that a caller matching events on many goroutines
// reads the facts there too and hands them to [Replay.AddFacts].
type Facts struct {
	index        string
	hasIndex     bool
	times        []factTime // by timestamp field
	refusedField string
	refused      bool
	timed        bool // some timestamp field gave a time
	// thr holds, when FactsMatched read them, the thresholdFacts
	// records (thresholdExec.appendFacts) of the rules thrRules, one
	// after another, each ending at its thrEnds: what addFacts keeps
	thr      []byte
	thrRules []int32
	thrEnds  []int32
}

type factTime struct {
	t   int64
	why string
}

// Facts reads the facts of e into f, reusing f's memory. It only reads the
// replay's settings: many goroutines may call it at once, also while
// another adds events.
func (r *Replay) Facts(e eval.Event, f *Facts) {
	f.index, f.hasIndex = eventIndex(e)
	f.times = f.times[:0]
	f.refusedField, f.refused, f.timed = "", false, false
	f.thr, f.thrRules, f.thrEnds = f.thr[:0], f.thrRules[:0], f.thrEnds[:0]
	if !r.inSomeScope(f.index, f.hasIndex) {
		// no rule counts the time or the refusal of an event outside
		// its scope (observe and settle look at the scope first): they
		// are not read
		for range r.times {
			f.times = append(f.times, factTime{why: outOfEveryScope})
		}
		return
	}
	timed := false
	var d dates
	for _, et := range r.times {
		t, why := et.rn.eventTimeOf(e, &d)
		f.times = append(f.times, factTime{t, why})
		timed = timed || why == ""
	}
	f.timed = timed
	if timed && r.ref != nil {
		f.refusedField, f.refused = r.ref.RejectsEvent(e)
	}
}

// FactsMatched is Facts for a caller that matched the rules' queries
// already: matched lists the rules whose query matches e, as AddFacts
// takes them. In a replay in time order that saves no state
// (WithoutState), an event whose matched rules are threshold rules (or
// inert ones) is kept as what they read of it (addFacts): FactsMatched
// reads that too, with e, on the caller's goroutine (safe for concurrent
// use, as Facts), rather than AddFacts read the event again.
func (r *Replay) FactsMatched(e eval.Event, matched []int, f *Facts) {
	r.Facts(e, f)
	if !f.timed || !r.noState || r.arrival || r.selfMatch || len(matched) == 0 {
		return
	}
	for _, i := range matched {
		if rn := r.runners[i]; !rn.inert() {
			if _, th := rn.exec.(*thresholdExec); !th {
				return // the event's text is kept
			}
		}
	}
	for _, i := range matched {
		rn := r.runners[i]
		if rn.inert() {
			continue
		}
		f.thr = rn.exec.(*thresholdExec).appendFacts(f.thr, e, !rn.search.filtersMatch(e))
		f.thrRules = append(f.thrRules, int32(i))
		f.thrEnds = append(f.thrEnds, int32(len(f.thr)))
	}
}

// thresholdRecord returns the record FactsMatched read for rule i.
func (f *Facts) thresholdRecord(i int32) ([]byte, bool) {
	for k, j := range f.thrRules {
		if j == i {
			start := int32(0)
			if k > 0 {
				start = f.thrEnds[k-1]
			}
			return f.thr[start:f.thrEnds[k]], true
		}
	}
	return nil, false
}

// outOfEveryScope is the time of an event no rule's scope holds, which
// no count reads.
const outOfEveryScope = "out of every rule's scope"

// maxScopeMemo bounds the indexes whose scope inSomeScope remembers.
const maxScopeMemo = 1 << 12

// inSomeScope reports whether an event with the index (hasIndex: it has
// one) is in the scope of some group of rules. An event's time and
// whether the mapping refuses it count only for the groups whose scope
// holds it (observe and settle look at the scope first), so that an
// event outside every scope costs neither the reading of its times nor
// the refusal check. Safe for concurrent use (Facts).
func (r *Replay) inSomeScope(index string, hasIndex bool) bool {
	if !hasIndex {
		return r.anyIndex // the same for every rule: the options are
	}
	if v, ok := r.scopes.Load(index); ok {
		return v.(bool)
	}
	in := false
	for _, g := range r.groups {
		if g.rep.scopeOf(index, true) == inScope {
			in = true
			break
		}
	}
	if r.scopeMemo.Add(1) <= maxScopeMemo {
		r.scopes.Store(strings.Clone(index), in)
	}
	return in
}

// Replay replays many rules over one stream of events, as [Run] does for
// each of them, for a caller that matches the queries itself (a rule set
// that tests every rule on an event at once). What an event is for the
// rules (its index, its time, whether Elasticsearch would refuse it) is
// read once per event for all the rules that share it; a rule does work
// only for an event its query matched. A Replay is not safe for
// concurrent use.
//
// Order. By default (time order) the replay is Kibana's manual rule run
// over an index that holds every event: each execution sees every event
// whose time is in its window, whatever the order of the stream. The
// events some rule matched are kept for that, in memory up to
// WithSortMemory and in sorted runs in a temporary file beyond (a merge
// sort, through a heap of the runs), and replayed in time order by
// Finish, which is when alerts come out. WithArrivalOrder replays the
// stream as a live cluster indexes it, in arrival order (see Run), and
// alerts come out as the stream goes.
//
// Memory. A Replay holds the rules, and per rule what its type remembers
// as Kibana does: the identities of the events it alerted on (Kibana's
// alerts index keeps them: one a distinct alerted event), threshold
// signal history and suppressed groups within a look-back or two, new
// terms first-seen times within one or two history windows (and one key
// a distinct term), suppression alerts held within their duration; an
// EQL sequence's whole-stream matcher, whose pending sequences hold their
// events' text (at most eql.DefaultMaxInFlight events a rule); samples of
// at most 20 lines a list; and Report.Runs up to MaxRuns a rule. The hits
// waiting in a rule's look-back window hold no event text: each holds
// its time, its identity once computed, what its type read of it (terms,
// groups, an EQL order key, a sequence's join key values) and where its
// text is read again (a few hundred bytes a hit, whatever the event's
// size; TestWindowHoldsNoText), which is read only to build an alert,
// for an identity a rule type computes only then, or to save a state.
// The texts themselves: in time order the matched events up to
// WithSortMemory bytes counted as held (texts, rule lists, entries; the
// rest in sorted runs on disk, which the hits read again until Finish;
// read buffers of 4 MiB in all when they are merged, 1,024 runs at
// most at once); in arrival order a spill file on disk, written once an event
// for all the rules taking it. WithoutState keeps less: an event that
// only threshold rules take is kept as what they read of it (their
// filters' answer, its terms), and a threshold hit keeps no text.
type Replay struct {
	runners []*runner
	groups  []*replayGroup
	ofRule  []*replayGroup // ofRule[i]: rule i's group
	times   []eventTime
	gen     int64 // the event being added
	// ref reads the mapping: whether Elasticsearch would refuse an event
	// (the same for every rule: the mapping comes from the options)
	ref *eval.Program
	// whether an event's index is in some group's scope (inSomeScope):
	// WithAnyIndex for an event without one, else remembered by index
	// (at most maxScopeMemo of them)
	anyIndex  bool
	scopes    sync.Map // index → bool
	scopeMemo syncatomic.Int64
	facts     Facts // scratch: the facts of the event Add reads
	selfMatch bool  // Run: each runner matches its own query
	arrival   bool
	noState   bool        // WithoutState
	lazy      events.Lazy // scratch: reads an event addFacts keeps
	factsBuf  []byte      // scratch: the facts addFacts keeps
	resumed   bool        // Restore gave it a state
	sorted    *sorter     // time order: the matched events
	read      int
	rejected  int
	rejects   []Sample
	matched   matchedEvent // the event being replayed
	byTime    [][]int32    // scratch: the matched rules of an event, by time field
	// time order: the classes of the events added (classes.go)
	classes   map[classKey]*scopeClass
	lastKey   classKey
	lastClass *scopeClass
}

// eventTime is a timestamp field of the rules: rn is a rule with it.
type eventTime struct{ rn *runner }

// replayGroup is the rules with the same index patterns and timestamp
// field: an event has one scope and one time for all of them, and one
// schedule clock.
type replayGroup struct {
	rep     *runner // the first rule's runner: scope
	time    int     // index in Replay.times
	idx     int     // index in Replay.groups
	members []int

	// arrival order (observe): the last event in scope, with a time,
	// not refused, its time, and the scope of the last index seen
	gen       int64
	t         int64
	lastIndex string
	lastScope scope
	lastOK    bool

	c       groupCounts // in time order from the classes (settle)
	started bool
	anchor  int64
	minT    int64
	maxT    int64 // also the clock: the latest event time seen
	active  []*runner
}

// groupCounts are the event counts of a Report, the same for every rule
// of a group.
type groupCounts struct {
	evaluated, noIndex, otherIndex, refused, noTime, inScope, late int
	noTimeSamples, refusedSamples                                  []Sample
	noTimeGen, refusedGen                                          []genSample // time order: the samples so far (settle)
}

// NewReplay prepares the replay of rs with the options of Run (applied to
// every rule; WithAlertFunc receives the alerts of all the rules, each
// naming its rule). It fails on the first rule Run would refuse.
func NewReplay(rs []*rules.Rule, opts ...RunOption) (*Replay, error) {
	return newReplay(rs, nil, opts)
}

// NewReplayPrepared is NewReplay for a caller that has compiled the
// rules' queries already: preps[i] is rule i's query, from [Prepare] or
// [PreparedProgram], compiled with the options the replay is given. The
// replay runs those programs rather than compile its own, and an EQL
// query Prepare parsed is not parsed again.
func NewReplayPrepared(rs []*rules.Rule, preps []*Prepared, opts ...RunOption) (*Replay, error) {
	if len(preps) != len(rs) {
		return nil, fmt.Errorf("replay: %d prepared queries for %d rules", len(preps), len(rs))
	}
	return newReplay(rs, preps, opts)
}

func newReplay(rs []*rules.Rule, preps []*Prepared, opts []RunOption) (*Replay, error) {
	r := &Replay{ofRule: make([]*replayGroup, len(rs)), matched: matchedEvent{canon: &canon{}, spill: &spillDir{}}}
	byKey := map[string]*replayGroup{}
	byTime := map[string]int{}
	for i, rule := range rs {
		o := opts
		if preps != nil {
			o = append(opts[:len(opts):len(opts)], withPrepared(preps[i]))
		}
		rn, err := newRunner(rule, o)
		if err != nil {
			return nil, err
		}
		r.runners = append(r.runners, rn)
		r.arrival, r.anyIndex, r.noState = rn.cfg.arrival, rn.cfg.anyIndex, rn.cfg.noState
		if r.ref == nil {
			r.ref = rn.search.Query()
		}
		key := strings.Join(rn.rep.Index, "\x00") + "\x01" + rule.TimestampOverride + "\x01" + fmt.Sprint(rule.TimestampOverrideFallbackDisabled)
		g := byKey[key]
		if g == nil {
			tkey := rule.TimestampOverride + "\x01" + fmt.Sprint(rule.TimestampOverrideFallbackDisabled)
			ti, ok := byTime[tkey]
			if !ok {
				ti = len(r.times)
				byTime[tkey] = ti
				r.times = append(r.times, eventTime{rn: rn})
			}
			g = &replayGroup{rep: rn, time: ti, idx: len(r.groups), gen: -1}
			byKey[key] = g
			r.groups = append(r.groups, g)
		}
		g.members = append(g.members, i)
		r.ofRule[i] = g
	}
	r.byTime = make([][]int32, len(r.times))
	if len(rs) > 0 {
		r.matched.spill.dir = r.runners[0].cfg.tempDir
	}
	if !r.arrival && len(rs) > 0 {
		r.sorted = newSorter(r.runners[0].cfg.sortMemory, r.runners[0].cfg.tempDir)
	}
	return r, nil
}

// Add takes the next event of the stream; matched lists, in increasing
// order, the indexes (in the rules given to NewReplay) of the rules whose
// query matches it. For a rule with more than a query (filters,
// exceptions, indicators), the replay tests the rest itself on the events
// whose query matched. An error from an alert function (arrival order), a
// bad event some rule matched (JSON that is not one valid JSON object), or
// a temporary file ends the replay.
func (r *Replay) Add(ev Event, matched []int) error {
	if len(matched) > 0 && ev.Map == nil && !json.Valid(ev.JSON) {
		return fmt.Errorf("%s:%d: replay: the event is not valid JSON", ev.File, ev.Line)
	}
	ev.Fields = ev.fields()
	r.Facts(ev.Fields, &r.facts)
	return r.AddFacts(ev, &r.facts, matched)
}

// fields returns the event's Fields, else a reader over its JSON or Map.
func (ev *Event) fields() eval.Event {
	switch {
	case ev.Fields != nil:
		return ev.Fields
	case ev.Map != nil:
		return eval.Map(ev.Map)
	}
	return events.JSON(ev.JSON)
}

// AddFacts is Add for an event whose facts the caller read with Facts,
// and whose JSON, when it has no Map, is one valid JSON object, as
// events.ReadRaw yields it or events.Lazy.Check accepts it (AddFacts
// does not check it again).
func (r *Replay) AddFacts(ev Event, f *Facts, matched []int) error {
	r.gen++
	r.read++
	if r.selfMatch {
		ev.Fields = ev.fields()
	}
	index := f.index
	if r.arrival {
		var errs []error
		for _, g := range r.groups {
			if err := r.observe(g, &ev, f); err != nil {
				errs = append(errs, err)
			}
		}
		if len(errs) > 0 {
			return joinErrors(errs)
		}
	} else {
		r.classOf(f).count(f, r.gen, &ev)
	}
	if r.selfMatch {
		matched = matched[:0]
		for i, rn := range r.runners {
			if r.takes(i, f) && rn.search.MatchEvent(ev.Fields) {
				matched = append(matched, i)
			}
		}
	}
	if r.arrival {
		first := true
		for _, i := range matched {
			g := r.ofRule[i]
			if g.gen != r.gen {
				continue // out of scope, no time, or refused
			}
			if first {
				r.matched.reset(ev.JSON, textRef{}, ev.Map, ev.File, ev.Line)
				first = false
			}
			rn := r.runners[i]
			wasIdle := len(rn.buf) == 0
			if wasIdle {
				rn.catchUp(g.maxT)
			}
			if rn.inert() {
				continue
			}
			if err := rn.take(&r.matched, g.t, index, r.selfMatch); err != nil {
				return err
			}
			if wasIdle && len(rn.buf) > 0 {
				g.active = append(g.active, rn)
			}
		}
		return nil
	}
	for i := range r.byTime {
		r.byTime[i] = r.byTime[i][:0]
	}
	n, live, threshold := 0, false, r.noState
	for _, i := range matched {
		if !r.takes(i, f) {
			continue
		}
		g := r.ofRule[i]
		r.byTime[g.time] = append(r.byTime[g.time], int32(i))
		n++
		if rn := r.runners[i]; !rn.inert() {
			live = true
			_, th := rn.exec.(*thresholdExec)
			threshold = threshold && th
		}
	}
	if n == 0 {
		return nil
	}
	keep := storedEvent{file: ev.File, line: ev.Line, index: index}
	switch {
	case !live && (ev.JSON != nil || ev.Map != nil):
		// only inert rules: their schedules move with the event's
		// time, no rule reads its text
	case threshold && ev.JSON != nil:
		return r.addFacts(&ev, f, keep)
	case ev.JSON != nil:
		keep.json = r.sorted.keepText(ev.JSON)
	case ev.Map != nil:
		keep.m = ev.Map
	default:
		return fmt.Errorf("%s:%d: replay: an event without JSON or Map", ev.File, ev.Line)
	}
	for ti, rs := range r.byTime {
		if len(rs) > 0 {
			r.sorted.add(sortEntry{t: f.times[ti].t, seq: r.gen, rules: rs, ev: keep})
		}
	}
	return r.sorted.spillIfFull()
}

// addFacts keeps an event that only threshold rules take (and inert
// ones, which read nothing), in a replay that saves no state
// (WithoutState): each entry (the rules of r.byTime with a timestamp
// field) keeps what its threshold rules read of the event
// (thresholdFacts, in the order of the entry's rules) rather than its
// text. What take would read of the text it reads now, the same way.
func (r *Replay) addFacts(ev *Event, f *Facts, keep storedEvent) error {
	fields := ev.Fields // or r.lazy, once a record is to be read here
	if fields == nil {
		defer r.lazy.Reset(nil) // the caller reuses the text
	}
	keep.facts = true
	for ti, rs := range r.byTime {
		if len(rs) == 0 {
			continue
		}
		b := r.factsBuf[:0]
		for _, i := range rs {
			rn := r.runners[i]
			if rn.inert() {
				continue // takes nothing (replaySorted)
			}
			if rec, ok := f.thresholdRecord(i); ok { // FactsMatched read it
				b = append(b, rec...)
				continue
			}
			if fields == nil {
				r.lazy.Reset(ev.JSON)
				fields = &r.lazy
			}
			filtered := !r.selfMatch && !rn.search.filtersMatch(fields) // as take tests them
			b = rn.exec.(*thresholdExec).appendFacts(b, fields, filtered)
		}
		r.factsBuf = b
		keep.json = r.sorted.keepText(b)
		r.sorted.add(sortEntry{t: f.times[ti].t, seq: r.gen, rules: rs, ev: keep})
	}
	return r.sorted.spillIfFull()
}

// takes reports whether rule i takes the event being added: in its
// group's scope, with a usable time, not refused (observe set its
// group's gen in arrival order; the event's class tells in time order).
func (r *Replay) takes(i int, f *Facts) bool {
	g := r.ofRule[i]
	if r.arrival {
		return g.gen == r.gen
	}
	return r.lastClass.takes(g.idx, g, f)
}

// matchedEvent is an event some rule matched, as the rules that take it
// read it: identified at most once for all of them, and only when one
// needs it. Its identity comes from its text without decoding it.
type matchedEvent struct {
	json   []byte         // its text while the rules take it, or nil
	ref    textRef        // where it is read again once taken (keep)
	m      map[string]any // its fields, for an event built in Go
	file   string
	line   int
	id     string
	lazy   events.Lazy // reads json
	lazyOn bool
	canon  *canon    // the replay's scratch
	spill  *spillDir // arrival order: where keep writes the text
	// facts: a kept event's thresholdFacts (storedEvent.facts), with
	// neither text nor fields; pre: those of the rule taking it
	facts []byte
	pre   *thresholdFacts
}

// spillDir is an arrival-order replay's spill: created in dir when the
// first text is kept.
type spillDir struct {
	dir string
	f   *textFile
}

// reset makes e the event with text json (nil for a Map event), read
// again from ref (arrival order: none yet), or fields m.
func (e *matchedEvent) reset(json []byte, ref textRef, m map[string]any, file string, line int) {
	if m != nil {
		json, ref = nil, textRef{}
	}
	e.json, e.ref, e.m, e.file, e.line = json, ref, m, file, line
	e.id, e.lazyOn, e.facts, e.pre = "", false, nil, nil
}

// fields returns a reader of the event's fields: lazy over its text.
func (e *matchedEvent) fields() eval.Event {
	if e.m != nil {
		return eval.Map(e.m)
	}
	if !e.lazyOn {
		e.lazy.Reset(e.json)
		e.lazyOn = true
	}
	return &e.lazy
}

// keep returns where the event's text is read again once the rules have
// taken it: the sorter's (time order), else the spill's, written once
// for all the rules that keep the event (arrival order). None for a Map
// event.
func (e *matchedEvent) keep() (textRef, error) {
	if e.ref.ok() || e.json == nil {
		return e.ref, nil
	}
	if e.spill.f == nil {
		f, err := newSpill(e.spill.dir)
		if err != nil {
			return textRef{}, err
		}
		e.spill.f = f
	}
	var err error
	e.ref, err = e.spill.f.keep(e.json)
	return e.ref, err
}

// identity returns the event's identity (eventID), once.
func (e *matchedEvent) identity() string {
	if e.id == "" {
		if e.json != nil {
			e.id = e.canon.eventIDJSON(e.json)
		} else {
			e.id = eventID(e.m)
		}
	}
	return e.id
}

// observe counts the event for a group in arrival order (time order
// counts it by its class: classes.go): its scope, its time, whether the
// mapping refuses it; and it moves the group's clock and the schedules of
// the rules holding hits.
func (r *Replay) observe(g *replayGroup, ev *Event, f *Facts) error {
	c := &g.c
	c.evaluated++
	var sc scope
	if g.lastOK && g.lastIndex == f.index {
		sc = g.lastScope
	} else {
		sc = g.rep.scopeOf(f.index, f.hasIndex)
		g.lastIndex, g.lastScope, g.lastOK = f.index, sc, true
	}
	switch sc {
	case noIndex:
		c.noIndex++
		return nil
	case otherIndex:
		c.otherIndex++
		return nil
	}
	et := &f.times[g.time]
	if et.why != "" {
		c.noTime++
		if len(c.noTimeSamples) < maxSamples {
			c.noTimeSamples = append(c.noTimeSamples, Sample{File: ev.File, Line: ev.Line, Why: et.why})
		}
		return nil
	}
	if f.refused {
		// Elasticsearch would have refused the document at index time
		// (a mapper_parsing_exception): no execution can find it. (An
		// unusable event time, counted above, is such a refusal too.)
		c.refused++
		if len(c.refusedSamples) < maxSamples {
			c.refusedSamples = append(c.refusedSamples, Sample{File: ev.File, Line: ev.Line, Why: fmt.Sprintf("the mapping of %s refuses its value", f.refusedField)})
		}
		return nil
	}
	t := et.t
	c.inScope++
	g.gen, g.t = r.gen, t
	if !g.started {
		g.started = true
		g.anchor, g.minT, g.maxT = t, t, t
		if cfg := g.rep.cfg; cfg.hasNow {
			g.anchor = cfg.now
		}
		var errs []error
		for _, i := range g.members {
			rn := r.runners[i]
			if !rn.restored {
				rn.start(g.anchor, t)
				continue
			}
			// a restored schedule goes on from its clock
			g.maxT = max(g.maxT, rn.clock)
			if t > rn.clock {
				rn.clock = t
				if err := rn.advance(t); err != nil {
					errs = append(errs, err)
				}
			}
			if len(rn.buf) > 0 {
				g.active = append(g.active, rn)
			}
		}
		if t < g.maxT {
			c.late++
		}
		return joinErrors(errs)
	}
	g.minT = min(g.minT, t)
	if t < g.maxT {
		c.late++
		return nil
	}
	if t == g.maxT {
		return nil
	}
	g.maxT = t
	// the clock moves: the rules holding hits run the executions due
	var errs []error
	n := 0
	for _, rn := range g.active {
		rn.clock = t
		if err := rn.advance(t); err != nil {
			errs = append(errs, err)
		}
		if len(rn.buf) > 0 {
			g.active[n] = rn
			n++
		}
	}
	clear(g.active[n:])
	g.active = g.active[:n]
	return joinErrors(errs)
}

// Reject counts a line that was not an event (Report.EventsRejected).
func (r *Replay) Reject(err *events.Error) {
	r.read++
	r.rejected++
	if len(r.rejects) < maxSamples {
		r.rejects = append(r.rejects, Sample{File: err.File, Line: err.Line, Why: err.Err.Error()})
	}
}

// Finish replays the matched events in time order (unless arrival order),
// runs the executions still due and returns one report per rule, in the
// order of the rules given to NewReplay.
func (r *Replay) Finish() ([]*Report, error) {
	defer r.close()
	return r.finish()
}

// close removes the sorter's runs and the spill, once the hits reading
// their events from them are done.
func (r *Replay) close() {
	if r.sorted != nil {
		r.sorted.close()
	}
	if f := r.matched.spill.f; f != nil {
		f.close()
		r.matched.spill.f = nil
	}
}

// finish is Finish without close.
func (r *Replay) finish() ([]*Report, error) {
	var errs []error
	if r.sorted != nil {
		r.settle()
		for _, g := range r.groups {
			if !g.started {
				continue
			}
			anchor := g.minT
			if cfg := g.rep.cfg; cfg.hasNow {
				anchor = cfg.now
			}
			for _, i := range g.members {
				if rn := r.runners[i]; !rn.restored {
					rn.start(anchor, g.minT)
				}
			}
		}
		if err := r.replaySorted(); err != nil {
			errs = append(errs, err)
		}
	}
	reps := make([]*Report, len(r.runners))
	for i, rn := range r.runners {
		g := r.ofRule[i]
		rep := rn.rep
		rep.EventsRead, rep.EventsRejected = r.read, r.rejected
		rep.Rejected = r.rejects
		rep.EventsEvaluated = g.c.evaluated
		rep.EventsNoIndex, rep.EventsOtherIndex = g.c.noIndex, g.c.otherIndex
		rep.EventsRefused, rep.EventsNoTime, rep.EventsInScope = g.c.refused, g.c.noTime, g.c.inScope
		rep.EventsLate = g.c.late
		rep.NoTime, rep.Refused = g.c.noTimeSamples, g.c.refusedSamples
		if g.started {
			minT := g.minT
			if rn.restored {
				minT = min(minT, rn.minT)
			}
			rn.started, rn.minT, rn.clock = true, minT, max(rn.clock, g.maxT)
		}
		if err := rn.finish(); err != nil {
			errs = append(errs, err)
		}
		reps[i] = rep
	}
	return reps, joinErrors(errs)
}

// joinErrors returns nil, the one error, or errors.Join of several.
func joinErrors(errs []error) error {
	switch len(errs) {
	case 0:
		return nil
	case 1:
		return errs[0]
	}
	return errors.Join(errs...)
}

// replaySorted hands each rule its matched events in time order.
func (r *Replay) replaySorted() error {
	var lastSeq int64 = -1
	var pre thresholdFacts
	return r.sorted.each(func(e *sortEntry, ref textRef) error {
		// the entries of an event (one a timestamp field) share its
		// text, unless they come from two runs, whose texts are in
		// buffers each reuses
		switch {
		case e.ev.facts: // its own, one record a rule
			lastSeq = -1
			r.matched.reset(nil, textRef{}, nil, e.ev.file, e.ev.line)
			r.matched.facts = e.ev.json
		case e.seq != lastSeq || !sameText(e.ev.json, r.matched.json):
			lastSeq = e.seq
			r.matched.reset(e.ev.json, ref, e.ev.m, e.ev.file, e.ev.line)
		}
		for _, i := range e.rules {
			rn := r.runners[i]
			if e.t > rn.clock {
				rn.clock = e.t
				if err := rn.advance(e.t); err != nil {
					return err
				}
			}
			if rn.inert() {
				continue // an entry without a text has only such rules
			}
			if e.ev.facts { // the next rule's record is rn's
				var err error
				if r.matched.facts, err = readThresholdFacts(r.matched.facts, &pre); err != nil {
					return err
				}
				r.matched.pre = &pre
			}
			if err := rn.take(&r.matched, e.t, e.ev.index, r.selfMatch); err != nil {
				return err
			}
		}
		return nil
	})
}

// sameText reports whether a and b are the same memory.
func sameText(a, b []byte) bool {
	return len(a) == len(b) && unsafe.SliceData(a) == unsafe.SliceData(b)
}
