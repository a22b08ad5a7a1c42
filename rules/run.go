package rules

import (
	"bytes"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/kql"
)

// MaxSignalsWarning is the warning Kibana's detection engine gives in the
// execution log of a rule execution that found more new alerts than the
// rule's max_signals.
const MaxSignalsWarning = "This rule reached the maximum alert limit for the rule execution. Some alerts were not created."

// maxSamples bounds the rejected lines and time-less events a Report lists
// (all are counted).
const maxSamples = 20

// RunOption configures Run.
type RunOption func(*runConfig)

type runConfig struct {
	version  int
	now      int64
	hasNow   bool
	anyIndex bool
	onAlert  func(*Alert) error
	evalOpts []eval.Option
	ruleUUID string
}

// WithVersion runs the query and index patterns of version n of the rule's
// history instead of the rule's own (History.At(n); a version that gives
// no index patterns runs the rule's). n equal to the rule's version with no
// history runs the rule as it is.
func WithVersion(n int) RunOption { return func(c *runConfig) { c.version = n } }

// WithNow sets the time of the last execution. Executions then fall on
// now - k×interval; events after now are never searched (they are counted
// in Report.MatchesUnseen when they match). Without it the first execution
// is at the first event's time and the last is the first at or after the
// last event's.
func WithNow(now time.Time) RunOption {
	return func(c *runConfig) { c.now, c.hasNow = now.UnixMilli(), true }
}

// WithAnyIndex treats events that carry no index (neither _index nor
// data_stream.type, .dataset and .namespace) as matching the rule's index
// patterns. Without it they are out of scope (Report.EventsNoIndex).
func WithAnyIndex() RunOption { return func(c *runConfig) { c.anyIndex = true } }

// WithAlertFunc streams the alerts: f is called with each alert as its
// execution creates it, and Report.Alerts stays empty. An error from f
// stops the run; Run returns it.
func WithAlertFunc(f func(*Alert) error) RunOption {
	return func(c *runConfig) { c.onAlert = f }
}

// WithEvalOptions passes options (such as a schema) to eval.Compile.
func WithEvalOptions(opts ...eval.Option) RunOption {
	return func(c *runConfig) { c.evalOpts = append(c.evalOpts, opts...) }
}

// WithRuleUUID sets kibana.alert.rule.uuid, the id of the rule's saved
// object in Kibana. By default it is a name-based UUID (SHA-1, version 5
// layout) of the rule_id, the same for every run of the rule.
func WithRuleUUID(id string) RunOption { return func(c *runConfig) { c.ruleUUID = id } }

// Report is what a Run did. The counts add up:
//
//	EventsRead    = EventsEvaluated + EventsRejected
//	EventsEvaluated = EventsNoIndex + EventsOtherIndex + EventsNoTime + EventsInScope
//	Matches       = Alerts + AlertsLost + MatchesUnseen + DuplicateEvents
type Report struct {
	Rule           string   `json:"rule"`
	RuleID         string   `json:"rule_id"`
	RuleUUID       string   `json:"rule_uuid"`
	Version        int      `json:"version"`
	Query          string   `json:"query"`
	Index          []string `json:"index"`
	Interval       string   `json:"interval"`
	LookBack       string   `json:"look_back"`
	MaxSignals     int      `json:"max_signals"`
	TimestampField string   `json:"timestamp_field"`

	// FirstExecution and LastExecution bound the schedule; zero when no
	// event was in scope.
	FirstExecution time.Time `json:"first_execution,omitzero"`
	LastExecution  time.Time `json:"last_execution,omitzero"`
	// Executions is the number of scheduled executions from the first to
	// the last; only those that found a match are run and listed in Runs.
	Executions int `json:"executions"`

	EventsRead       int `json:"events_read"`
	EventsRejected   int `json:"events_rejected"`
	EventsEvaluated  int `json:"events_evaluated"`
	EventsNoIndex    int `json:"events_no_index"`
	EventsOtherIndex int `json:"events_other_index"`
	EventsNoTime     int `json:"events_no_time"`
	EventsInScope    int `json:"events_in_scope"`
	// EventsLate counts in-scope events that arrived after an event with a
	// later time (out of order); see Run.
	EventsLate int `json:"events_late"`

	// Matches counts the in-scope events the query matches.
	Matches int `json:"matches"`
	// Alerts counts the alerts created.
	Alerts int `json:"alerts"`
	// AlertsLost counts matching events that an execution found but could
	// not alert on because of max_signals, and no later execution did.
	AlertsLost int `json:"alerts_lost"`
	// MatchesUnseen counts matching events no execution searched: after
	// the last execution (WithNow), in a gap between windows (a look-back
	// shorter than the interval), or arrived too late.
	MatchesUnseen int `json:"matches_unseen"`
	// DuplicateEvents counts matching events whose identity (_index and
	// _id, or content) had already given an alert.
	DuplicateEvents int `json:"duplicate_events"`

	// Warnings are the distinct execution warnings.
	Warnings []string `json:"warnings,omitempty"`
	// Rejected and NoTime list the first rejected lines and events without
	// a usable time ("file:line: why").
	Rejected []string `json:"rejected,omitempty"`
	NoTime   []string `json:"no_time,omitempty"`
	// Runs are the executions that found at least one match, in order.
	Runs []Execution `json:"runs,omitempty"`
	// AlertList holds the alerts unless WithAlertFunc streams them.
	AlertList []*Alert `json:"-"`
}

// Execution is one rule execution that found matches.
type Execution struct {
	// Time is the execution's "now"; the search covered [From, Time],
	// both ends included, on the event time.
	Time time.Time `json:"time"`
	From time.Time `json:"from"`
	// Hits counts the matching events in the window; Alerts the alerts
	// created; Duplicates the hits that already had an alert (from an
	// overlapping execution); Truncated the new hits left out by
	// max_signals.
	Hits       int    `json:"hits"`
	Alerts     int    `json:"alerts"`
	Duplicates int    `json:"duplicates"`
	Truncated  int    `json:"truncated"`
	Warning    string `json:"warning,omitempty"`
}

// Alert is one alert, as Kibana's detection engine would have written it.
// Document gives it in Kibana's shape; MarshalJSON writes that.
type Alert struct {
	// UUID is kibana.alert.uuid: a SHA-256 (hex) of the event's index and
	// id, the rule version and the rule's UUID. Kibana too derives alert
	// ids deterministically from the source document and the rule; the
	// exact inputs here are this package's, so the same event gives the
	// same alert id in every run, not necessarily Kibana's id.
	UUID string
	// Event is the original event.
	Event events.Record
	// Index and ID identify the event (its _index or data stream name, and
	// its _id or a hash of its content).
	Index, ID string
	// Time is the execution that created the alert (the alert's
	// @timestamp); EventTime the event time the window was searched on.
	Time, EventTime time.Time

	rule    *Rule
	uuid    string
	version int
	query   string
	index   []string
}

// Run replays the rule over events as Kibana's detection engine would have
// run it live, and returns the report; alerts are in Report.AlertList or
// streamed to WithAlertFunc.
//
// Schedule. Executions fall every rule.Interval; each searches the window
// [now - look-back, now], both ends included, where look-back is the
// rule's from (now-9m: 9m). With a 5m interval and now-9m consecutive
// windows overlap by 4m (Kibana's additional look-back); an event seen by
// two executions gives one alert. The first execution is at the first
// in-scope event's time, the last the first at or after the last event's
// (WithNow changes this). Executions that can see no matching event are
// skipped without cost, so the work grows with the events, not the clock.
//
// Event time. The rule's timestamp_override field (such as event.ingested)
// when the event has it, else @timestamp, as Kibana searches when the
// fallback is not disabled. RFC 3339 / ISO 8601 text (a missing zone is
// UTC, a date alone is its midnight) or epoch milliseconds (a number or
// numeric text). Times count in milliseconds, Elasticsearch's precision.
// Events without a usable time are counted (EventsNoTime), never searched.
//
// Scope. The event's index is its _index, else its data stream
// data_stream.type-data_stream.dataset-data_stream.namespace; a backing
// index ".ds-<stream>-<date>-<generation>" stands for its stream. It must
// match one of the patterns ('*' is the only wildcard; a pattern starting
// with '-' excludes). Index-less events are out of scope unless
// WithAnyIndex.
//
// Order. The input order is the arrival order. An execution runs once an
// event later than its time has arrived; an event that arrives after an
// event with a later time (EventsLate) is seen only by the executions not
// yet run whose window still covers it, as Kibana would miss a document
// indexed late; if none does it is counted in MatchesUnseen when it
// matches. Sorted input gives exact results.
//
// Alerts. Each execution creates at most max_signals alerts, its oldest
// new hits first (Kibana sorts on the event time ascending); hits that
// already have an alert do not count against the cap. When new hits are
// left out the execution carries MaxSignalsWarning; a left-out event may
// still be alerted by a later overlapping execution, else it is counted in
// AlertsLost.
//
// Bad input. An *events.Error from evs (a bad line) is counted in
// EventsRejected and the run goes on; any other error ends the run and is
// returned with the report so far. The rule's language must be kuery.
func Run(rule *Rule, evs iter.Seq2[events.Record, error], opts ...RunOption) (*Report, error) {
	rn, err := newRunner(rule, opts)
	if err != nil {
		return nil, err
	}
	for ev, err := range evs {
		if err != nil {
			var ee *events.Error
			if !errors.As(err, &ee) {
				rn.finish()
				return rn.rep, err
			}
			rn.rep.EventsRead++
			rn.rep.EventsRejected++
			if len(rn.rep.Rejected) < maxSamples {
				rn.rep.Rejected = append(rn.rep.Rejected, ee.Error())
			}
			continue
		}
		if err := rn.add(ev); err != nil {
			return rn.rep, err
		}
	}
	if err := rn.finish(); err != nil {
		return rn.rep, err
	}
	return rn.rep, nil
}

// EventsOf returns events built in Go as a sequence for Run, numbered from
// line 1 in a file named "-".
func EventsOf(fields ...map[string]any) iter.Seq2[events.Record, error] {
	return func(yield func(events.Record, error) bool) {
		for i, m := range fields {
			if !yield(events.Record{Fields: m, File: "-", Line: i + 1}, nil) {
				return
			}
		}
	}
}

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
	x, err := kql.Parse(query)
	if err != nil {
		return nil, fmt.Errorf("rules: Run %s (version %d): query: %w", rule.Name, version, err)
	}
	prog, err := eval.Compile(x, cfg.evalOpts...)
	if err != nil {
		return nil, fmt.Errorf("rules: Run %s (version %d): query: %w", rule.Name, version, err)
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
	rep := rn.rep
	rep.EventsRead++
	rep.EventsEvaluated++
	index, hasIndex := eventIndex(ev.Fields)
	switch {
	case !hasIndex && !rn.cfg.anyIndex:
		rep.EventsNoIndex++
		return nil
	case hasIndex && !rn.patterns.match(index):
		rep.EventsOtherIndex++
		return nil
	}
	t, why := rn.eventTime(ev.Fields)
	if why != "" {
		rep.EventsNoTime++
		if len(rep.NoTime) < maxSamples {
			rep.NoTime = append(rep.NoTime, fmt.Sprintf("%s:%d: %s", ev.File, ev.Line, why))
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
	if !rn.prog.Match(ev.Fields) {
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
			rn.rep.Alerts++
			a := rn.newAlert(h, ex.Time)
			if rn.cfg.onAlert != nil {
				if err := rn.cfg.onAlert(a); err != nil {
					return err
				}
			} else {
				rn.rep.AlertList = append(rn.rep.AlertList, a)
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
			t, ok := parseTime(v)
			if !ok {
				return 0, fmt.Sprintf("%s is not a date: %v", rn.tsPath.Name, v)
			}
			return t, ""
		}
	}
	v, ok := firstValue(fields, rn.atPath)
	if !ok {
		if rn.tsPath != nil {
			return 0, fmt.Sprintf("neither %s nor @timestamp", rn.tsPath.Name)
		}
		return 0, "no @timestamp"
	}
	t, ok := parseTime(v)
	if !ok {
		return 0, fmt.Sprintf("@timestamp is not a date: %v", v)
	}
	return t, ""
}

// firstValue returns the first value of the field, flat or nested.
func firstValue(fields map[string]any, p *eval.Path) (any, bool) {
	return eval.First(eval.Map(fields), p)
}

var (
	dsType      = eval.NewPath("data_stream.type")
	dsDataset   = eval.NewPath("data_stream.dataset")
	dsNamespace = eval.NewPath("data_stream.namespace")
	timestamp   = eval.NewPath("@timestamp")
)

// stringValue returns the first value of the field as text.
func stringValue(fields map[string]any, p *eval.Path) string {
	v, ok := firstValue(fields, p)
	if !ok {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	case int:
		return strconv.Itoa(v)
	case int64:
		return strconv.FormatInt(v, 10)
	}
	return ""
}

var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02",
}

// parseTime reads a date as Elasticsearch's default date format
// (strict_date_optional_time||epoch_millis) roughly does, to Unix
// milliseconds.
func parseTime(v any) (int64, bool) {
	switch v := v.(type) {
	case string:
		s := strings.TrimSpace(v)
		if s == "" {
			return 0, false
		}
		if n, err := strconv.ParseInt(s, 10, 64); err == nil {
			return n, true
		}
		for _, l := range timeLayouts {
			if t, err := time.Parse(l, s); err == nil {
				return t.UnixMilli(), true
			}
		}
		return 0, false
	case json.Number:
		if n, err := v.Int64(); err == nil {
			return n, true
		}
		f, err := v.Float64()
		return int64(f), err == nil && f == f && f > -1e18 && f < 1e18
	case float64:
		return int64(v), v == v && v > -1e18 && v < 1e18
	case int:
		return int64(v), true
	case int64:
		return v, true
	case time.Time:
		return v.UnixMilli(), true
	}
	return 0, false
}

// eventIndex returns the event's index: _index (a data stream's backing
// index stands for the stream), else the data stream name built from
// data_stream.type, .dataset and .namespace.
func eventIndex(fields map[string]any) (string, bool) {
	if s, ok := fields["_index"].(string); ok && s != "" {
		return backingStream(s), true
	}
	typ := stringValue(fields, dsType)
	ds := stringValue(fields, dsDataset)
	ns := stringValue(fields, dsNamespace)
	if typ != "" && ds != "" && ns != "" {
		return typ + "-" + ds + "-" + ns, true
	}
	return "", false
}

// backingStream turns ".ds-<stream>-<yyyy.mm.dd>-<generation>" into
// <stream>; other names are returned as they are.
func backingStream(s string) string {
	rest, ok := strings.CutPrefix(s, ".ds-")
	if !ok {
		return s
	}
	i := strings.LastIndexByte(rest, '-')
	if i < 0 || !allDigits(rest[i+1:]) {
		return s
	}
	rest = rest[:i]
	j := strings.LastIndexByte(rest, '-')
	if j < 0 || len(rest[j+1:]) != 10 {
		return s
	}
	return rest[:j]
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// indexPatterns is a rule's index patterns: an index matches when it
// matches an including pattern and no excluding ("-") one.
type indexPatterns struct{ include, exclude [][]string }

func compilePatterns(ps []string) indexPatterns {
	var ip indexPatterns
	for _, p := range ps {
		p = strings.TrimSpace(p)
		if x, ok := strings.CutPrefix(p, "-"); ok {
			ip.exclude = append(ip.exclude, strings.Split(x, "*"))
		} else if p != "" {
			ip.include = append(ip.include, strings.Split(p, "*"))
		}
	}
	return ip
}

func (ip indexPatterns) match(index string) bool {
	found := false
	for _, g := range ip.include {
		if eval.MatchWildcard(g, index) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	for _, g := range ip.exclude {
		if eval.MatchWildcard(g, index) {
			return false
		}
	}
	return true
}

// MatchIndex reports whether index matches one of the patterns as a rule's
// index list matches it: '*' is the only wildcard, a pattern starting with
// '-' excludes what it matches.
func MatchIndex(patterns []string, index string) bool {
	return compilePatterns(patterns).match(index)
}

// eventID returns the event's _id, or a hash of its content.
func eventID(fields map[string]any) string {
	if s, ok := fields["_id"].(string); ok && s != "" {
		return s
	}
	b, err := json.Marshal(fields) // keys sorted: a stable encoding
	if err != nil {
		b = fmt.Appendf(nil, "%v", fields)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// nameUUID returns a name-based UUID (SHA-1, version 5 layout) for name.
func nameUUID(name string) string {
	sum := sha1.Sum([]byte("kqlrules rule " + name))
	b := sum[:16]
	b[6] = b[6]&0x0f | 0x50
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b)
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

func (rn *runner) newAlert(h *hit, at time.Time) *Alert {
	ver := strconv.Itoa(rn.rep.Version)
	sum := sha256.Sum256([]byte(h.index + h.id + ver + rn.cfg.ruleUUID))
	return &Alert{
		UUID: hex.EncodeToString(sum[:]), Event: h.ev,
		Index: h.index, ID: h.id,
		Time: at, EventTime: time.UnixMilli(h.t).UTC(),
		rule: rn.rule, uuid: rn.cfg.ruleUUID, version: rn.rep.Version,
		query: rn.rep.Query, index: rn.rep.Index,
	}
}

// isoMillis formats a time as JavaScript's toISOString does.
func isoMillis(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// Document returns the alert as Kibana writes it to the alerts index: the
// event's fields (without _id, _index and @timestamp), "@timestamp" the
// execution time, "event.kind": "signal" (the event's own event.* values
// kept under kibana.alert.original_event), and the kibana.alert.* fields
// in flat dotted keys: uuid, status, workflow_status, depth, ancestors,
// original_time (the event's @timestamp), reason, severity, risk_score,
// intended_timestamp, and kibana.alert.rule.* (uuid, rule_id, name,
// description, type, version, severity, risk_score, from, to, interval,
// max_signals, indices, tags, threat, author, license, references,
// false_positives, timestamp_override, parameters with the query).
func (a *Alert) Document() map[string]any {
	doc := make(map[string]any, len(a.Event.Fields)+40)
	origEvent := map[string]any{}
	for k, v := range a.Event.Fields {
		switch {
		case k == "_id" || k == "_index" || k == "@timestamp":
			continue
		case k == "event":
			if m, ok := v.(map[string]any); ok {
				c := make(map[string]any, len(m))
				for ek, ev := range m {
					c[ek] = ev
					origEvent[ek] = ev
				}
				c["kind"] = "signal"
				doc[k] = c
				continue
			}
		case strings.HasPrefix(k, "event."):
			origEvent[k[len("event."):]] = v
		}
		doc[k] = v
	}
	if _, nested := doc["event"].(map[string]any); !nested {
		doc["event.kind"] = "signal"
	}
	if len(origEvent) > 0 {
		doc["kibana.alert.original_event"] = origEvent
	}
	doc["@timestamp"] = isoMillis(a.Time)
	if v, ok := firstValue(a.Event.Fields, timestamp); ok {
		if t, ok := parseTime(v); ok {
			doc["kibana.alert.original_time"] = isoMillis(time.UnixMilli(t))
		}
	}
	r := a.rule
	put := func(k string, v any) { doc[k] = v }
	put("kibana.space_ids", []string{"default"})
	put("kibana.alert.uuid", a.UUID)
	put("kibana.alert.status", "active")
	put("kibana.alert.workflow_status", "open")
	put("kibana.alert.depth", 1)
	put("kibana.alert.ancestors", []map[string]any{{"id": a.ID, "index": a.Index, "type": "event", "depth": 0}})
	put("kibana.alert.reason", a.reason())
	put("kibana.alert.severity", r.Severity)
	put("kibana.alert.risk_score", r.RiskScore)
	put("kibana.alert.intended_timestamp", isoMillis(a.Time))
	put("kibana.alert.rule.uuid", a.uuid)
	put("kibana.alert.rule.rule_id", r.RuleID)
	put("kibana.alert.rule.name", r.Name)
	put("kibana.alert.rule.description", r.Description)
	put("kibana.alert.rule.type", r.Type)
	put("kibana.alert.rule.rule_type_id", "siem.queryRule")
	put("kibana.alert.rule.consumer", "siem")
	put("kibana.alert.rule.execution.type", "scheduled")
	put("kibana.alert.rule.version", a.version)
	put("kibana.alert.rule.severity", r.Severity)
	put("kibana.alert.rule.risk_score", r.RiskScore)
	put("kibana.alert.rule.from", r.From)
	put("kibana.alert.rule.to", "now")
	put("kibana.alert.rule.interval", FormatInterval(r.Interval))
	put("kibana.alert.rule.max_signals", r.MaxSignals)
	put("kibana.alert.rule.indices", a.index)
	put("kibana.alert.rule.tags", nonNil(r.Tags))
	put("kibana.alert.rule.threat", nonNilThreat(r.Threat))
	put("kibana.alert.rule.author", nonNil(r.Author))
	put("kibana.alert.rule.references", nonNil(r.References))
	put("kibana.alert.rule.false_positives", nonNil(r.FalsePositives))
	if r.License != "" {
		put("kibana.alert.rule.license", r.License)
	}
	if r.TimestampOverride != "" {
		put("kibana.alert.rule.timestamp_override", r.TimestampOverride)
	}
	if r.BuildingBlockType != "" {
		put("kibana.alert.building_block_type", r.BuildingBlockType)
		put("kibana.alert.rule.building_block_type", r.BuildingBlockType)
	}
	params := map[string]any{"query": a.query, "language": cmpOr(r.Language, LanguageKuery), "index": a.index}
	if r.TimestampOverride != "" {
		params["timestamp_override"] = r.TimestampOverride
	}
	put("kibana.alert.rule.parameters", params)
	return doc
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func nonNilThreat(s []Threat) []Threat {
	if s == nil {
		return []Threat{}
	}
	return s
}

// reason writes kibana.alert.reason in Kibana's manner: "network event with
// source 10.1.2.3:51000, destination 8.8.8.8:21, on host web-1 created low
// alert FTP ...".
func (a *Alert) reason() string {
	f := a.Event.Fields
	var b strings.Builder
	if c := stringValue(f, eval.NewPath("event.category")); c != "" {
		b.WriteString(c + " event")
	} else {
		b.WriteString("event")
	}
	addr := func(ip, port string) string {
		if port != "" {
			if strings.Contains(ip, ":") {
				return "[" + ip + "]:" + port
			}
			return ip + ":" + port
		}
		return ip
	}
	sep := " with "
	if ip := stringValue(f, eval.NewPath("source.ip")); ip != "" {
		b.WriteString(sep + "source " + addr(ip, stringValue(f, eval.NewPath("source.port"))))
		sep = ", "
	}
	if ip := stringValue(f, eval.NewPath("destination.ip")); ip != "" {
		b.WriteString(sep + "destination " + addr(ip, stringValue(f, eval.NewPath("destination.port"))))
		sep = ", "
	}
	if h := stringValue(f, eval.NewPath("host.name")); h != "" {
		b.WriteString(", on " + h)
	}
	fmt.Fprintf(&b, " created %s alert %s.", a.rule.Severity, a.rule.Name)
	return b.String()
}

// MarshalJSON writes Document, keys sorted, without escaping HTML
// characters ("MITRE ATT&CK" stays as it is).
func (a *Alert) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(a.Document()); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}
