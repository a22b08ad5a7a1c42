package replay

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
)

// hit is a matching event waiting for the executions that can see it.
// An executor reads what it needs of the event once, when it observes the
// hit (its terms, groups, order), and the hit keeps where its text can be
// read again (ref) rather than the text, or its fields for an event built
// in Go (ev.Fields): the text is read again only when an alert is built
// on the hit, when its identity is first needed (a rule type that does
// not de-duplicate events computes it only for an alert) or when a state
// is saved. A long window holds many hits, and several rules may each
// hold the same events.
type hit struct {
	ev                        events.Record
	read                      eval.Event // the event's fields, while the executor observes the hit
	ref                       textRef    // where the event's text is read again
	t                         int64      // event time, Unix milliseconds
	index, id                 string     // id: the identity, once computed (identity)
	seen, alerted, dup, trunc bool
	missing                   bool        // counted as missing a group_by field
	noIndicator               bool        // threat_match: counted in EventsNoIndicator
	noGroupField              bool        // alert suppression: a group_by field is missing
	released                  bool        // no alert will be built on it (release)
	groups                    []int       // threat_match: the indicator mappings it matches, whatever the time
	terms                     [][]string  // threshold, new terms: the term combinations (termCombinations)
	card                      []string    // threshold: the cardinality field's terms
	suppress                  [][]*string // alert suppression: the group_by combinations (groupKeys)
}

type runner struct {
	cfg      runConfig
	rule     *rules.Rule
	rep      *Report
	search   *Search        // the query AND the rule's filters and exceptions
	threat   *threatMatcher // threat_match: the indicators
	patterns indexPatterns
	interval int64      // ms
	lookBack int64      // ms
	tsPath   *eval.Path // timestamp override, or nil
	atPath   *eval.Path
	noTime   string      // why an event has no time (eventTimeOf), when neither path has a value
	eqlq     *eql.Query  // an EQL rule's query (the version's), parsed; nil for a prepared event query without pipes
	lowered  esdsl.Query // eqlq lowered by eqlSearch (eql.LowerStages); nil when prepared

	started bool
	anchor  int64 // an execution time; executions fall on anchor + k×interval
	next    int64 // the next execution not yet run
	lastRun int64 // the last execution run
	clock   int64 // the latest event time seen
	minT    int64 // the earliest

	buf     []*hit          // waiting hits, by time
	alerted map[string]bool // index NUL identity (new terms: NUL term) of the events alerted
	keyBuf  []byte          // scratch: a key of alerted
	exec    executor
	// dedups: the executor de-duplicates every hit an execution sees
	// (query, EQL event query, indicator match), so take computes the
	// identity of a hit in a window at once, from the text at hand and
	// once for all the rules taking the event; the other types compute
	// it only for an alert (identity)
	dedups bool
	err    error // reading a kept event's text again failed (fail)

	// restored: the schedule comes from a saved state (state.go), whose
	// next execution's window starts at resumeCut; suspend: Finish leaves
	// the executions at or after the clock to the run that restores the
	// state
	restored, suspend bool
	resumeCut         int64
}

// executor makes a rule type's alerts: execute is called for each
// execution with its window (the waiting hits up to the execution's time,
// by time); observe with every in-scope matching event as it arrives, also
// one no window will see (it is in the index for later history searches).
type executor interface {
	execute(e int64, ex *Execution, win []*hit) error
	observe(h *hit)
}

// runQuery is what newRunner reads and compiles of a rule before it
// makes the runner: the version run, its checks passed, and its search
// compiled. [Prepare] stops there for a rule whose executor cannot
// refuse it and whose Prepared needs nothing of the executor.
type runQuery struct {
	cfg         runConfig
	query       string
	index       []string
	version     int
	lookBack    time.Duration
	maxSignals  int
	excWarnings []string
	search      *Search
	eqlq        *eql.Query
	lowered     esdsl.Query
	filters     []esdsl.Filter // the rule's filters read (without the exceptions), which Prepare keeps
}

func newRunner(rule *rules.Rule, opts []RunOption) (*runner, error) {
	var cfg runConfig
	for _, o := range opts {
		o(&cfg)
	}
	rq, err := compileRun(rule, cfg)
	if err != nil {
		return nil, err
	}
	return rq.runner(rule)
}

// compileRun is the first half of newRunner: the checks of the rule (and
// the version cfg asks for) and its search compiled, with their errors in
// newRunner's order up to the executor's.
func compileRun(rule *rules.Rule, cfg runConfig) (runQuery, error) {
	if rule == nil {
		return runQuery{}, errors.New("rules: Run: nil rule")
	}
	query, index, version := rule.Query, rule.Index, rule.Version
	if cfg.version != 0 && !(cfg.version == rule.Version && len(rule.History) == 0) {
		v, err := rule.History.At(cfg.version)
		if err != nil {
			return runQuery{}, &RunError{Rule: rule.Name, Err: err}
		}
		query, version = v.Query, v.Number
		if len(v.Index) > 0 {
			index = v.Index
		}
	}
	if err := rule.CheckLanguage(languages...); err != nil && rule.QueryLanguage() != "" { // machine learning: refused as a type below
		return runQuery{}, &RunError{Rule: rule.Name, Err: fmt.Errorf("%w, only kuery and eql", err)}
	}
	if rule.Interval <= 0 {
		return runQuery{}, &RunError{Rule: rule.Name, Err: fmt.Errorf("interval must be positive, got %v", rule.Interval)}
	}
	lb, err := rule.LookBack()
	if err != nil {
		return runQuery{}, &RunError{Rule: rule.Name, Err: fmt.Errorf("from: %w", err)}
	}
	maxSignals := rule.MaxSignals
	if maxSignals <= 0 {
		maxSignals = rules.DefaultMaxSignals
	}
	ruleFilters, err := cfg.prepared.ruleFilters(rule.Filters)
	if err != nil {
		return runQuery{}, &RunError{Rule: rule.Name, Err: err}
	}
	filters := slices.Clip(ruleFilters) // the exception filters are added to a copy
	exc, excWarnings, err := exceptionFilter(rule, &cfg)
	if err != nil {
		return runQuery{}, &RunError{Rule: rule.Name, Err: err}
	}
	if exc != nil {
		ef, err := KibanaFilters([]json.RawMessage{exc})
		if err != nil {
			return runQuery{}, &RunError{Rule: rule.Name, Err: fmt.Errorf("exceptions: %w", err)}
		}
		cfg.exceptionFilters = ef
		filters = append(filters, ef...)
	}
	var search *Search
	var eqlq *eql.Query
	var lowered esdsl.Query
	switch {
	case isEQL(rule): // an EQL query (eql.go; sequences: sequence.go)
		var prep *Prepared
		if cfg.version == 0 {
			prep = cfg.prepared
		}
		search, eqlq, lowered, err = eqlSearch(rule, query, prep, filters, cfg.evalOpts)
	case cfg.prepared.Program() != nil && cfg.version == 0:
		search, err = searchOf(cfg.prepared.Program(), filters, cfg.evalOpts...)
	default:
		search, err = NewSearch(query, filters, cfg.evalOpts...)
	}
	if err != nil {
		return runQuery{}, &RunError{Rule: rule.Name, Version: version, Query: true, Err: err}
	}
	if rule.Interval.Milliseconds() <= 0 {
		return runQuery{}, &RunError{Rule: rule.Name, Err: fmt.Errorf("interval %v is under a millisecond", rule.Interval)}
	}
	return runQuery{cfg: cfg, query: query, index: index, version: version, lookBack: lb, maxSignals: maxSignals,
		excWarnings: excWarnings, search: search, eqlq: eqlq, lowered: lowered, filters: ruleFilters}, nil
}

// runner makes the runner of the rule whose query rq compiled: its
// schedule, its report and its executor (which may refuse the rule).
func (rq *runQuery) runner(rule *rules.Rule) (*runner, error) {
	cfg, query, index, version := rq.cfg, rq.query, rq.index, rq.version
	search, eqlq, lowered, lb, maxSignals := rq.search, rq.eqlq, rq.lowered, rq.lookBack, rq.maxSignals
	if cfg.ruleUUID == "" {
		cfg.ruleUUID = nameUUID(rule.RuleID)
	}
	tsField := "@timestamp"
	rn := &runner{
		cfg: cfg, rule: rule, search: search, eqlq: eqlq, lowered: lowered,
		patterns: compilePatterns(index),
		interval: rule.Interval.Milliseconds(),
		lookBack: lb.Milliseconds(),
		atPath:   timestamp,
		alerted:  map[string]bool{},
		lastRun:  math.MinInt64,
	}
	if rule.TimestampOverride != "" {
		rn.tsPath = eval.NewPath(rule.TimestampOverride)
		tsField = rule.TimestampOverride + ", else @timestamp"
		rn.noTime = "neither " + rule.TimestampOverride + " nor @timestamp"
		if rule.TimestampOverrideFallbackDisabled {
			tsField = rule.TimestampOverride
			rn.noTime = "no " + rule.TimestampOverride + " (timestamp_override_fallback_disabled)"
		}
	} else {
		rn.noTime = "no @timestamp"
	}
	rn.rep = &Report{
		Rule: rule.Name, RuleID: rule.RuleID, RuleUUID: cfg.ruleUUID, Version: version,
		Query: query, Index: index,
		Interval: rules.FormatInterval(rule.Interval), LookBack: rules.FormatInterval(lb),
		MaxSignals: maxSignals, TimestampField: tsField,
		Type: cmpOr(string(rule.Type), string(rules.TypeQuery)), Language: cmpOr(string(rule.Language), string(rules.LanguageKuery)),
	}
	for _, w := range rq.excWarnings {
		rn.warn(w)
	}
	// the rule run is the version's: alerts carry its query and index
	rn.rule = rule
	var err error
	if rn.exec, err = rn.executor(); err != nil {
		return nil, &RunError{Rule: rule.Name, Err: err}
	}
	switch rn.exec.(type) {
	case queryExec, *eqlExec, *threatExec:
		rn.dedups = true
	}
	return rn, nil
}

// scope is where an event stands for a rule's index patterns.
type scope uint8

const (
	inScope scope = iota
	noIndex
	otherIndex
)

func (rn *runner) scopeOf(index string, hasIndex bool) scope {
	switch {
	case !hasIndex && !rn.cfg.anyIndex:
		return noIndex
	case hasIndex && !rn.patterns.match(index):
		return otherIndex
	}
	return inScope
}

// start sets the rule's schedule: executions fall on anchor +
// k×interval, the first at or after t, the first event's time.
func (rn *runner) start(anchor, t int64) {
	rn.started = true
	rn.anchor = anchor
	rn.next = rn.alignUp(t)
	rn.clock = t
}

// catchUp moves the clock of a rule that holds no hit to the group's
// clock: the executions it skipped could see nothing.
func (rn *runner) catchUp(clock int64) {
	if clock <= rn.clock {
		return
	}
	rn.clock = clock
	if rn.cfg.hasNow && rn.next > rn.cfg.now {
		return
	}
	rn.next = max(rn.next, rn.alignUp(clock))
}

// take takes an event at time t (its schedule moved to t already) whose
// query matched; searched tells whether the rule's filters were tested
// too (else the runner tests them, and the indicators of a threat match
// rule).
func (rn *runner) take(ev *matchedEvent, t int64, index string, searched bool) error {
	rep := rn.rep
	if pre := ev.pre; pre != nil {
		// a threshold rule's facts, read as the event was added
		if pre.filtered {
			return nil
		}
		rep.Matches++
		h := &hit{t: t, index: index, terms: pre.terms, card: pre.card}
		h.ev.File, h.ev.Line = ev.file, ev.line
		rn.release(h) // as thresholdExec.observe
		if rn.inWindow(h) {
			rn.wait(h)
		}
		return nil
	}
	if !searched && !rn.search.filtersMatch(ev.fields()) { // the query matched
		return nil
	}
	var groups []int
	if rn.threat != nil {
		if groups = rn.threat.candidates(ev.fields()); len(groups) == 0 {
			return nil
		}
	}
	rep.Matches++
	h := &hit{t: t, index: index, groups: groups, read: ev.fields()}
	h.ev.File, h.ev.Line = ev.file, ev.line
	if ev.json == nil { // a Map event: its fields as they are
		h.ev.Fields = ev.m
	}
	_, seq := rn.exec.(*seqExec)
	if seq {
		var err error
		if h.ref, err = ev.keep(); err != nil { // a sequence's events are read again at each execution
			return err
		}
	}
	rn.exec.observe(h) // in the index even if no execution's window sees it
	h.read = nil
	if !rn.inWindow(h) {
		return nil
	}
	if rn.dedups {
		h.id = ev.identity() // once for all the rules that take the event
	}
	if !seq && ev.json != nil && !(h.released && rn.cfg.noState) {
		// also for a hit observe released (threshold): a saved
		// state holds its text
		var err error
		if h.ref, err = ev.keep(); err != nil {
			return err
		}
		h.released = false
	}
	rn.wait(h)
	return nil
}

// inWindow reports whether an execution to come can see the hit, else
// counts it unseen.
func (rn *runner) inWindow(h *hit) bool {
	t, rep := h.t, rn.rep
	if t < addSat(rn.next, -rn.lookBack) || (rn.cfg.hasNow && t > rn.cfg.now) {
		rep.MatchesUnseen++ // no execution to come can see it
		if rn.restored && t < rn.resumeCut {
			rep.MatchesBeforeState++
		}
		return false
	}
	return true
}

// wait puts a hit among the waiting hits, after those with the same or
// an earlier time.
func (rn *runner) wait(h *hit) {
	t := h.t
	i, _ := slices.BinarySearchFunc(rn.buf, t+1, func(h *hit, t int64) int {
		if h.t < t {
			return -1
		}
		return 1
	})
	rn.buf = slices.Insert(rn.buf, i, h)
}

// identity returns the hit's identity (eventID), computed once: from its
// fields, else its text read again. A text that cannot be read again is
// the runner's error (failed).
func (rn *runner) identity(h *hit) string {
	if h.id != "" {
		return h.id
	}
	switch {
	case h.ev.Fields != nil:
		h.id = eventID(h.ev.Fields)
	case h.ref.ok():
		text, err := h.ref.read()
		if err != nil {
			rn.fail(err)
			return ""
		}
		var c canon
		h.id = c.eventIDJSON(text)
	default:
		h.id = eventID(nil)
	}
	return h.id
}

// fail keeps the first error of the runner's executor, which the
// execution returns.
func (rn *runner) fail(err error) {
	if rn.err == nil {
		rn.err = err
	}
}

// isAlerted reports whether the rule alerted on an event with the hit's
// index and identity (Kibana's alerts index holds an alert of that
// event), without building the key.
func (rn *runner) isAlerted(h *hit) bool {
	id := rn.identity(h)
	rn.keyBuf = append(append(append(rn.keyBuf[:0], h.index...), 0), id...)
	return rn.alerted[string(rn.keyBuf)]
}

// setAlerted records that the rule alerted on the hit's event.
func (rn *runner) setAlerted(h *hit) { rn.alerted[h.index+"\x00"+rn.identity(h)] = true }

// release marks a hit no alert will be built on: a Map event's fields
// go (its identity kept), and a saved state holds no event for it. Its
// text, not in memory, can still be read for its identity.
func (rn *runner) release(h *hit) {
	if h.ev.Fields != nil {
		rn.identity(h)
		h.ev.Fields = nil
	}
	h.released = true
}

// eventTexts holds the buffers that runner.fields reads the texts of
// events from files into, to decode them for alerts.
var eventTexts = sync.Pool{New: func() any { return new([]byte) }}

// fields returns the hit's event decoded (again, when it keeps its
// text). A text that cannot be read again is the runner's error.
func (rn *runner) fields(h *hit) events.Record {
	if h.ev.Fields != nil || !h.ref.ok() || h.released {
		return h.ev
	}
	// read into a reused buffer rather than a new one: the decoded event
	// keeps copies, never the text's bytes
	buf := eventTexts.Get().(*[]byte)
	defer eventTexts.Put(buf)
	text, err := h.ref.readInto(*buf)
	if h.ref.f != nil {
		*buf = text
	}
	if err == nil {
		var rec events.Record
		if rec, err = (events.Raw{JSON: text, File: h.ev.File, Line: h.ev.Line}).Decode(); err == nil {
			return rec
		}
	}
	rn.fail(err)
	return h.ev
}

// never is the time of an execution that never comes: the schedule's
// arithmetic saturates there rather than overflow, for times as far as
// Elasticsearch's largest date (Long.MAX_VALUE milliseconds).
const never = math.MaxInt64

// addSat returns a+b, saturated to the int64 range.
func addSat(a, b int64) int64 {
	s := a + b
	switch {
	case b > 0 && s < a:
		return math.MaxInt64
	case b < 0 && s > a:
		return math.MinInt64
	}
	return s
}

// alignUp returns the first execution time at or after t, or never when
// there is none below the largest time.
func (rn *runner) alignUp(t int64) int64 {
	if t <= rn.anchor {
		// t - anchor may overflow; the quotient truncates towards
		// zero, which is up for a negative difference
		d := uint64(rn.anchor) - uint64(t)
		return rn.anchor - int64(d/uint64(rn.interval))*rn.interval
	}
	d := uint64(t) - uint64(rn.anchor)
	k := d / uint64(rn.interval)
	if d%uint64(rn.interval) != 0 {
		k++
	}
	if k > uint64(math.MaxInt64-rn.anchor)/uint64(rn.interval) {
		return never
	}
	return rn.anchor + int64(k)*rn.interval
}

// advance runs the executions before limit (exclusive) that can act on a
// waiting hit. The others are skipped without cost: those whose window
// holds no hit, and those whose window holds only hits earlier executions
// have settled (Report.RepeatRuns counts them), so that the work grows
// with the events, not with the clock or the look-back.
func (rn *runner) advance(limit int64) error {
	for rn.next < limit {
		if rn.cfg.hasNow && rn.next > rn.cfg.now {
			return nil
		}
		e := rn.next
		rn.drop(addSat(e, -rn.lookBack))
		if len(rn.buf) == 0 {
			rn.next = rn.alignUp(limit)
			return nil
		}
		if w := rn.wake(e); w > e {
			next := min(rn.alignUp(w), rn.alignUp(limit))
			if rn.cfg.hasNow {
				next = min(next, rn.alignUp(rn.cfg.now+1))
			}
			rn.countRepeats(e, next)
			rn.next = next
			continue
		}
		if err := rn.execute(e); err != nil {
			return err
		}
		rn.next = addSat(e, rn.interval)
	}
	return nil
}

// wake returns the earliest time at or after e at which an execution can
// act on the waiting hits (e when the execution at e can): the first hit
// no execution has seen, a hit an execution left out (max_signals), or
// what the rule type's executor waits for; never when none.
func (rn *runner) wake(e int64) int64 {
	w := int64(never)
	for _, h := range rn.buf {
		switch {
		case h.t > e:
			w = min(w, h.t)
		case !h.seen || h.trunc || rn.waits(h):
			return e
		}
	}
	if x, ok := rn.exec.(interface {
		wake(last int64, buf []*hit) int64
	}); ok {
		w = min(w, x.wake(rn.lastRun, rn.buf))
	}
	return max(w, e)
}

// waits reports whether the executor may still alert on a hit it has
// seen: an indicator match rule's hit without an alert (its indicators may
// come into the threat window later).
func (rn *runner) waits(h *hit) bool {
	_, threat := rn.exec.(*threatExec)
	return threat && !h.alerted && !h.dup
}

// countRepeats counts the skipped executions in [e, next) whose window
// holds a waiting hit: each would have found only settled hits.
func (rn *runner) countRepeats(e, next int64) {
	lo := e // the first execution time not yet counted
	for _, h := range rn.buf {
		if lo >= next {
			return
		}
		// h is in the windows of the executions in [h.t, h.t+lookBack]
		from, to := max(lo, h.t), min(next-1, addSat(h.t, rn.lookBack))
		if from > to {
			continue
		}
		first := rn.alignUp(from)
		if first > to || first == never {
			continue
		}
		rn.rep.RepeatRuns = int(min(uint64(rn.rep.RepeatRuns)+(uint64(to)-uint64(first))/uint64(rn.interval)+1, math.MaxInt64))
		lo = addSat(to, 1)
	}
}

// drop removes the hits before cut, which no execution to come can see,
// and counts those that got no alert.
func (rn *runner) drop(cut int64) {
	n := 0
	for n < len(rn.buf) && (rn.buf[n].t < cut || cut == never) {
		h := rn.buf[n]
		switch {
		case h.alerted:
			rn.rep.MatchesAlerted++
		case h.dup:
			rn.rep.DuplicateEvents++
		case h.trunc:
			rn.rep.AlertsLost++
		case h.seen:
			rn.rep.MatchesNotAlerted++
		default:
			rn.rep.MatchesUnseen++
		}
		rn.buf[n] = nil
		n++
	}
	if n > 0 {
		rn.buf = append(rn.buf[:0], rn.buf[n:]...)
	}
}

// execute runs the execution at time e over the waiting hits: the hits up
// to e are its window; the rule type's executor makes the alerts.
func (rn *runner) execute(e int64) error {
	ex := Execution{Time: timeOf(e), From: timeOf(addSat(e, -rn.lookBack))}
	n := 0
	for n < len(rn.buf) && rn.buf[n].t <= e {
		rn.buf[n].seen = true
		n++
	}
	ex.Hits = n
	if err := rn.exec.execute(e, &ex, rn.buf[:n]); err != nil {
		return err
	}
	if rn.err != nil {
		return rn.err
	}
	if ex.Truncated > 0 && ex.Warning == "" { // an EQL rule's executor gives its own (eql.ts)
		ex.Warning = MaxSignalsWarning
		rn.warn(MaxSignalsWarning)
	}
	rn.rep.RunsFound++
	rn.lastRun = e
	if len(rn.rep.Runs) < MaxRuns {
		rn.rep.Runs = append(rn.rep.Runs, ex)
	}
	return nil
}

// warn adds a distinct warning to the report.
func (rn *runner) warn(w string) {
	if !slices.Contains(rn.rep.Warnings, w) {
		rn.rep.Warnings = append(rn.rep.Warnings, w)
	}
}

// emit hands an alert to WithAlertFunc or keeps it in the report.
func (rn *runner) emit(a *Alert) error {
	rn.rep.AlertCount++
	defer a.own() // newAlert's
	if rn.cfg.onAlert != nil {
		return rn.cfg.onAlert(a)
	}
	rn.rep.Alerts = append(rn.rep.Alerts, a)
	return nil
}

// queryExec is the query rule's executor: one alert per new matching event,
// admit is what an execution does with a hit it found: counts it as a
// duplicate (alerted already, by this rule's earlier executions or under
// the same identity), leaves it out over max_signals, or admits it for an
// alert (true), which the caller then builds. A duplicate's decoded event
// is dropped: no alert will be built on it.
func (rn *runner) admit(h *hit, ex *Execution) bool {
	switch {
	case h.alerted:
		ex.Duplicates++
	case rn.isAlerted(h):
		ex.Duplicates++
		h.dup = true
		rn.release(h)
	case ex.Alerts >= rn.rep.MaxSignals:
		ex.Truncated++
		h.trunc = true
	default:
		ex.Alerts++
		h.alerted, h.trunc = true, false
		rn.setAlerted(h)
		return true
	}
	return false
}

// its oldest new hits first, at most max_signals an execution.
type queryExec struct{ rn *runner }

func (x queryExec) observe(*hit) {}

func (x queryExec) execute(e int64, ex *Execution, win []*hit) error {
	rn := x.rn
	for _, h := range win {
		if !rn.admit(h, ex) {
			continue
		}
		a := rn.newAlert(h, ex.Time.Time)
		rn.release(h) // alerted: no later execution builds on it
		if rn.err != nil {
			return rn.err
		}
		if err := rn.emit(a); err != nil {
			return err
		}
	}
	return nil
}

// finish ends the executor's own bookkeeping, for executors that hold
// alerts back (suppression over a duration).
func (rn *runner) finishExec() error {
	if f, ok := rn.exec.(interface{ finish() error }); ok {
		return f.finish()
	}
	return nil
}

// finish runs the remaining executions and settles the counts.
func (rn *runner) finish() error {
	if !rn.started {
		return nil
	}
	first := rn.alignUp(rn.minT)
	if rn.restored {
		// this run's executions
		first = max(first, addSat(rn.resumeCut, rn.lookBack))
	}
	if rn.suspend {
		// the executions at or after the clock may see events of the
		// next run: they are left to it, with the hits they would see
		err := rn.advance(rn.clock)
		rn.drop(addSat(rn.next, -rn.lookBack)) // before the next window
		rn.rep.MatchesPending = len(rn.buf)
		if last := addSat(rn.next, -rn.interval); last >= first && rn.next != never {
			rn.rep.FirstExecution = timeOf(first)
			rn.rep.LastExecution = timeOf(last)
			rn.rep.Executions = int(min((uint64(last)-uint64(first))/uint64(rn.interval), math.MaxInt64-1)) + 1
		}
		return err
	}
	last := rn.alignUp(rn.clock)
	if last == never {
		// no execution at or after the latest time: the last one is
		// the latest before it
		last = rn.alignUp(addSat(rn.clock, -rn.interval))
	}
	if rn.cfg.hasNow {
		last = rn.cfg.now
	}
	err := rn.advance(addSat(last, 1))
	if err == nil {
		err = rn.finishExec()
	}
	rn.drop(never) // everything
	if last >= first {
		rn.rep.FirstExecution = timeOf(first)
		rn.rep.LastExecution = timeOf(last)
		rn.rep.Executions = int(min((uint64(last)-uint64(first))/uint64(rn.interval), math.MaxInt64-1)) + 1
	}
	return err
}

// eventTime returns the event's time in Unix milliseconds, or why there is
// none.
func (rn *runner) eventTime(fields eval.Event) (int64, string) {
	return rn.eventTimeOf(fields, nil)
}

// dates remembers the dates of an event read by field name, so that the
// timestamp fields of several rules (event.ingested, else @timestamp; or
// @timestamp) read each field once.
type dates struct {
	n    int
	memo [4]struct {
		name      string
		ms        int64
		v         any
		found, ok bool
	}
}

// firstDate is eval.FirstDate, remembered in d (when not nil).
func (d *dates) firstDate(fields eval.Event, p *eval.Path) (int64, any, bool, bool) {
	if d == nil {
		return eval.FirstDate(fields, p)
	}
	for i := range d.n {
		if m := &d.memo[i]; m.name == p.Name {
			return m.ms, m.v, m.found, m.ok
		}
	}
	ms, v, found, ok := eval.FirstDate(fields, p)
	if d.n < len(d.memo) {
		m := &d.memo[d.n]
		m.name, m.ms, m.v, m.found, m.ok = p.Name, ms, v, found, ok
		d.n++
	}
	return ms, v, found, ok
}

// eventTimeOf is eventTime reading the dates through d.
func (rn *runner) eventTimeOf(fields eval.Event, d *dates) (int64, string) {
	if rn.tsPath != nil {
		if t, v, found, ok := d.firstDate(fields, rn.tsPath); found {
			if !ok {
				return 0, fmt.Sprintf("%s is not a date: %v", rn.tsPath.Name, v)
			}
			return t, ""
		}
		if rn.rule.TimestampOverrideFallbackDisabled {
			return 0, rn.noTime
		}
	}
	t, v, found, ok := d.firstDate(fields, rn.atPath)
	if !found {
		return 0, rn.noTime
	}
	if !ok {
		return 0, fmt.Sprintf("@timestamp is not a date: %v", v)
	}
	return t, ""
}

// executor chooses the rule type's executor. A type or setting this package
// does not replay is an error wrapping ErrUnsupported: nothing runs as
// something it is not.
// plainExecutor reports whether the executor of the rule (eqlq its EQL
// query parsed, if any) is one that refuses no rule and holds nothing a
// Prepared keeps: a query rule's, or an EQL event query's. It must follow
// executor.
func plainExecutor(r *rules.Rule, eqlq *eql.Query) bool {
	switch r.Type {
	case rules.TypeQuery, "":
		return true
	case rules.TypeEQL:
		return eqlq == nil || eqlq.IsEventQuery()
	}
	return false
}

// executor makes the rule's executor; plainExecutor tells the executors
// that refuse no rule.
func (rn *runner) executor() (executor, error) {
	r := rn.rule
	switch r.Type {
	case rules.TypeQuery, "":
		if r.AlertSuppression != nil {
			return newSuppressExec(rn), nil
		}
		return queryExec{rn}, nil
	case rules.TypeEQL:
		if rn.eqlq != nil && !rn.eqlq.IsEventQuery() {
			return newSeqExec(rn)
		}
		return newEQLExec(rn), nil
	case rules.TypeThreshold:
		return newThresholdExec(rn)
	case rules.TypeThreatMatch:
		if r.AlertSuppression != nil {
			return nil, fmt.Errorf("%w: alert suppression on an indicator match rule is not replayed yet", ErrUnsupported)
		}
		return newThreatExec(rn)
	case rules.TypeNewTerms:
		if r.AlertSuppression != nil {
			return nil, fmt.Errorf("%w: alert suppression on a new terms rule is not replayed yet", ErrUnsupported)
		}
		return newNewTermsExec(rn)
	}
	return nil, fmt.Errorf("%w: rule type %s is not replayed yet", ErrUnsupported, r.Type)
}
