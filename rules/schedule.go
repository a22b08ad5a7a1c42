package rules

import (
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
)

// hit is a matching event waiting for the executions that can see it.
type hit struct {
	ev                        events.Record
	t                         int64 // event time, Unix milliseconds
	index, id, key            string
	seen, alerted, dup, trunc bool
}

type runner struct {
	cfg      runConfig
	rule     *Rule
	rep      *Report
	prog     *eval.Program
	patterns indexPatterns
	interval int64      // ms
	lookBack int64      // ms
	tsPath   *eval.Path // timestamp override, or nil
	atPath   *eval.Path

	started    bool
	anchor     int64 // an execution time; executions fall on anchor + k×interval
	next       int64 // the next execution not yet run
	clock      int64 // the latest event time seen
	minT, maxT int64

	buf     []*hit // waiting hits, by time
	alerted map[string]bool
}

func newRunner(rule *Rule, opts []RunOption) (*runner, error) {
	var cfg runConfig
	for _, o := range opts {
		o(&cfg)
	}
	if rule == nil {
		return nil, errors.New("rules: Run: nil rule")
	}
	query, index, version := rule.Query, rule.Index, rule.Version
	if cfg.version != 0 && !(cfg.version == rule.Version && len(rule.History) == 0) {
		v, err := rule.History.At(cfg.version)
		if err != nil {
			return nil, fmt.Errorf("rules: Run %s: %w", rule.Name, err)
		}
		query, version = v.Query, v.Number
		if len(v.Index) > 0 {
			index = v.Index
		}
	}
	if rule.Language != "" && rule.Language != LanguageKuery {
		return nil, fmt.Errorf("rules: Run %s: language %s is not supported, only kuery", rule.Name, rule.Language)
	}
	if rule.Interval <= 0 {
		return nil, fmt.Errorf("rules: Run %s: interval must be positive, got %v", rule.Name, rule.Interval)
	}
	lb, err := rule.LookBack()
	if err != nil {
		return nil, fmt.Errorf("rules: Run %s: from: %w", rule.Name, err)
	}
	maxSignals := rule.MaxSignals
	if maxSignals <= 0 {
		maxSignals = DefaultMaxSignals
	}
	var prog *eval.Program
	if !cfg.matchedOutside {
		prog, err = kqlrules.Compile(query, cfg.evalOpts...)
		if err != nil {
			return nil, fmt.Errorf("rules: Run %s (version %d): query: %w", rule.Name, version, err)
		}
	}
	if cfg.ruleUUID == "" {
		cfg.ruleUUID = nameUUID(rule.RuleID)
	}
	tsField := "@timestamp"
	rn := &runner{
		cfg: cfg, rule: rule, prog: prog,
		patterns: compilePatterns(index),
		interval: rule.Interval.Milliseconds(),
		lookBack: lb.Milliseconds(),
		atPath:   timestamp,
		alerted:  map[string]bool{},
	}
	if rn.interval <= 0 {
		return nil, fmt.Errorf("rules: Run %s: interval %v is under a millisecond", rule.Name, rule.Interval)
	}
	if rule.TimestampOverride != "" {
		rn.tsPath = eval.NewPath(rule.TimestampOverride)
		tsField = rule.TimestampOverride + ", else @timestamp"
	}
	rn.rep = &Report{
		Rule: rule.Name, RuleID: rule.RuleID, RuleUUID: cfg.ruleUUID, Version: version,
		Query: query, Index: index,
		Interval: FormatInterval(rule.Interval), LookBack: FormatInterval(lb),
		MaxSignals: maxSignals, TimestampField: tsField,
	}
	// the rule run is the version's: alerts carry its query and index
	rn.rule = rule
	return rn, nil
}

// add takes one event in arrival order.
func (rn *runner) add(ev events.Record) error {
	index, hasIndex := eventIndex(ev.Fields)
	f := eventFacts{index: index, scope: rn.scopeOf(index, hasIndex)}
	if f.scope == inScope {
		f.t, f.why = rn.eventTime(ev.Fields)
		if f.why == "" {
			f.refusedField, f.refused = rn.prog.Rejects(ev.Fields)
		}
	}
	return rn.addAt(ev, f, matchUnknown)
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

// eventFacts is what a rule's replay needs to know of an event besides
// whether its query matches: its index and scope; in scope, its time or
// why it has none; with a time, whether the mapping refuses it.
type eventFacts struct {
	index        string
	scope        scope
	t            int64
	why          string
	refusedField string
	refused      bool
}

// Whether the rule's query matches an event, when the caller knows it.
const (
	matchUnknown = iota // match the rule's program
	matchNo
	matchYes
)

// addAt takes one event in arrival order, with its facts; matched tells
// whether the query matches it or to run the program.
func (rn *runner) addAt(ev events.Record, f eventFacts, matched int) error {
	rep := rn.rep
	rep.EventsRead++
	rep.EventsEvaluated++
	switch f.scope {
	case noIndex:
		rep.EventsNoIndex++
		return nil
	case otherIndex:
		rep.EventsOtherIndex++
		return nil
	}
	t, index := f.t, f.index
	if f.why != "" {
		rep.EventsNoTime++
		if len(rep.NoTime) < maxSamples {
			rep.NoTime = append(rep.NoTime, fmt.Sprintf("%s:%d: %s", ev.File, ev.Line, f.why))
		}
		return nil
	}
	if f.refused {
		// Elasticsearch would have refused the document at index time
		// (a mapper_parsing_exception): no execution can find it. (An
		// unusable event time, counted above, is such a refusal too.)
		rep.EventsRefused++
		if len(rep.Refused) < maxSamples {
			rep.Refused = append(rep.Refused, fmt.Sprintf("%s:%d: the mapping of %s refuses its value", ev.File, ev.Line, f.refusedField))
		}
		return nil
	}
	rep.EventsInScope++
	if !rn.started {
		rn.started = true
		rn.anchor = t
		if rn.cfg.hasNow {
			rn.anchor = rn.cfg.now
		}
		rn.next = rn.alignUp(t)
		rn.clock, rn.minT, rn.maxT = t, t, t
	}
	if t < rn.clock {
		rep.EventsLate++
	}
	rn.minT, rn.maxT = min(rn.minT, t), max(rn.maxT, t)
	if t > rn.clock {
		rn.clock = t
		if err := rn.advance(t); err != nil {
			return err
		}
	}
	if matched == matchNo || matched == matchUnknown && !rn.prog.Match(ev.Fields) {
		return nil
	}
	rep.Matches++
	if t < rn.next-rn.lookBack || (rn.cfg.hasNow && t > rn.cfg.now) {
		rep.MatchesUnseen++ // no execution to come can see it
		return nil
	}
	h := &hit{ev: ev, t: t, index: index}
	h.id = eventID(ev.Fields)
	h.key = index + "\x00" + h.id
	// insert after the hits with the same or an earlier time
	i, _ := slices.BinarySearchFunc(rn.buf, t+1, func(h *hit, t int64) int {
		if h.t < t {
			return -1
		}
		return 1
	})
	rn.buf = slices.Insert(rn.buf, i, h)
	return nil
}

// alignUp returns the first execution time at or after t.
func (rn *runner) alignUp(t int64) int64 {
	d := t - rn.anchor
	k := d / rn.interval
	if d%rn.interval != 0 && d > 0 {
		k++
	}
	return rn.anchor + k*rn.interval
}

// advance runs the executions before limit (exclusive) that can see a
// waiting hit, and skips the others.
func (rn *runner) advance(limit int64) error {
	for rn.next < limit {
		if rn.cfg.hasNow && rn.next > rn.cfg.now {
			return nil
		}
		e := rn.next
		rn.drop(e - rn.lookBack)
		if len(rn.buf) == 0 {
			rn.next = rn.alignUp(limit)
			return nil
		}
		if rn.buf[0].t > e {
			rn.next = rn.alignUp(rn.buf[0].t)
			continue
		}
		if err := rn.execute(e); err != nil {
			return err
		}
		rn.next = e + rn.interval
	}
	return nil
}

// drop removes the hits before cut, which no execution to come can see,
// and counts those that got no alert.
func (rn *runner) drop(cut int64) {
	n := 0
	for n < len(rn.buf) && rn.buf[n].t < cut {
		h := rn.buf[n]
		switch {
		case h.alerted:
		case h.dup:
			rn.rep.DuplicateEvents++
		case h.trunc:
			rn.rep.AlertsLost++
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

// execute runs the execution at time e over the waiting hits.
func (rn *runner) execute(e int64) error {
	ex := Execution{Time: time.UnixMilli(e).UTC(), From: time.UnixMilli(e - rn.lookBack).UTC()}
	for _, h := range rn.buf {
		if h.t > e {
			break
		}
		ex.Hits++
		h.seen = true
		switch {
		case h.alerted:
			ex.Duplicates++
		case rn.alerted[h.key]:
			ex.Duplicates++
			h.dup = true
		case ex.Alerts >= rn.rep.MaxSignals:
			ex.Truncated++
			h.trunc = true
		default:
			ex.Alerts++
			h.alerted = true
			rn.alerted[h.key] = true
			rn.rep.AlertCount++
			a := rn.newAlert(h, ex.Time)
			if rn.cfg.onAlert != nil {
				if err := rn.cfg.onAlert(a); err != nil {
					return err
				}
			} else {
				rn.rep.Alerts = append(rn.rep.Alerts, a)
			}
		}
	}
	if ex.Truncated > 0 {
		ex.Warning = MaxSignalsWarning
		if !slices.Contains(rn.rep.Warnings, MaxSignalsWarning) {
			rn.rep.Warnings = append(rn.rep.Warnings, MaxSignalsWarning)
		}
	}
	rn.rep.Runs = append(rn.rep.Runs, ex)
	return nil
}

// finish runs the remaining executions and settles the counts.
func (rn *runner) finish() error {
	if !rn.started {
		return nil
	}
	last := rn.alignUp(rn.clock)
	if rn.cfg.hasNow {
		last = rn.cfg.now
	}
	err := rn.advance(last + 1)
	rn.drop(rn.clock + rn.lookBack + rn.interval + 1) // everything
	first := rn.alignUp(rn.minT)
	if last >= first {
		rn.rep.FirstExecution = time.UnixMilli(first).UTC()
		rn.rep.LastExecution = time.UnixMilli(last).UTC()
		rn.rep.Executions = int((last-first)/rn.interval) + 1
	}
	return err
}

// eventTime returns the event's time in Unix milliseconds, or why there is
// none.
func (rn *runner) eventTime(fields map[string]any) (int64, string) {
	if rn.tsPath != nil {
		if v, ok := firstValue(fields, rn.tsPath); ok {
			t, ok := eval.DateOf(v)
			if !ok {
				return 0, fmt.Sprintf("%s is not a date: %v", rn.tsPath.Name, v)
			}
			return t.UnixMilli(), ""
		}
	}
	v, ok := firstValue(fields, rn.atPath)
	if !ok {
		if rn.tsPath != nil {
			return 0, fmt.Sprintf("neither %s nor @timestamp", rn.tsPath.Name)
		}
		return 0, "no @timestamp"
	}
	t, ok := eval.DateOf(v)
	if !ok {
		return 0, fmt.Sprintf("@timestamp is not a date: %v", v)
	}
	return t.UnixMilli(), ""
}
