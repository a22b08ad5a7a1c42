package replay

import (
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
)

// MaxSignalsWarning is the warning Kibana's detection engine gives in the
// execution log of a rule execution that found more new alerts than the
// rule's max_signals.
const MaxSignalsWarning = "This rule reached the maximum alert limit for the rule execution. Some alerts were not created."

// ErrUnsupported is wrapped by Run's error for a rule whose type or setting
// this package does not replay yet (the error says which); such a rule is
// skipped rather than run as something it is not. It is eval.ErrUnsupported,
// the one sentinel of what is not supported (a rule's language refused is
// a *rules.UnsupportedError wrapping it too).
var ErrUnsupported = eval.ErrUnsupported

// MaxRuns bounds the executions a Report lists in Runs; Report.RunsFound
// counts them all. A long replay with a short interval runs many
// executions, and a list of them all would grow with the clock.
const MaxRuns = 1000

// Sample is an event (or a line that is not one) a Report lists, and why.
type Sample struct {
	File string // the event's file, "-" for standard input
	Line int    // the event's line in the file, from 1
	Why  string
}

// String returns "file:line: why".
func (s Sample) String() string {
	return fmt.Sprintf("%s:%d: %s", s.File, s.Line, s.Why)
}

// MarshalText returns String: in JSON a sample is "file:line: why", as
// before Sample was typed.
func (s Sample) MarshalText() ([]byte, error) {
	return []byte(s.String()), nil
}

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
	threat   iter.Seq2[events.Record, error]
	prepared *Prepared // the query compiled by the caller

	arrival    bool
	sortMemory int
	tempDir    string
	noState    bool

	exceptions       []ExceptionItem
	hasExceptions    bool
	exceptionFilters []esdsl.Filter // built from exceptions, for the indicator search too
}

// DefaultSortMemory is the memory a replay in time order keeps the matched
// events in (their JSON text, their rule lists, the entries) before it
// writes sorted runs of them to temporary files.
const DefaultSortMemory = 16 << 20

// WithArrivalOrder replays the events in the order they come, as a live
// cluster indexes them: an execution runs once an event later than its
// time has arrived, and an event that arrives after a later one is seen
// only by the executions still to run (Report.EventsLate). By default the
// replay is in time order (see Run).
func WithArrivalOrder() RunOption { return func(c *runConfig) { c.arrival = true } }

// WithSortMemory sets how many bytes of matched events a replay in time
// order keeps in memory before it sorts them into a temporary file
// (DefaultSortMemory when n <= 0).
func WithSortMemory(n int) RunOption { return func(c *runConfig) { c.sortMemory = n } }

// WithTempDir sets the directory of the temporary files of a replay: the
// sorted runs of the matched events in time order, the spill of their
// text in arrival order (os.TempDir by default).
func WithTempDir(dir string) RunOption { return func(c *runConfig) { c.tempDir = dir } }

// WithoutState tells a [Replay] that it ends with Finish, never
// FinishState (which then fails): no state is saved, so a hit keeps its
// event's text only where an alert may be built on it. A threshold
// rule's hits then keep none, and in time order an event that only
// threshold rules take is kept as what they read of it (their terms)
// rather than as its text: less to sort, write and read back.
func WithoutState() RunOption { return func(c *runConfig) { c.noState = true } }

// withPrepared gives the runner the rule's query compiled already.
func withPrepared(p *Prepared) RunOption { return func(c *runConfig) { c.prepared = p } }

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
//	EventsEvaluated = EventsNoIndex + EventsOtherIndex + EventsRefused + EventsNoTime + EventsInScope
//	Matches       = MatchesAlerted + MatchesNotAlerted + AlertsLost + MatchesUnseen + DuplicateEvents
//
// For a query rule without alert suppression MatchesAlerted = AlertCount
// and MatchesNotAlerted = 0; a threshold alert stands for the events of its
// group, a suppressed alert for the events folded into it, and a new terms
// alert for its first event only.
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
	// Type and Language are the rule's type and query language
	// ("query" and "kuery", "eql" and "eql"...).
	Type     string `json:"type"`
	Language string `json:"language"`

	// FirstExecution and LastExecution bound the schedule; zero when no
	// event was in scope.
	FirstExecution Time `json:"first_execution,omitzero"`
	LastExecution  Time `json:"last_execution,omitzero"`
	// Executions is the number of scheduled executions from the first to
	// the last. Only those that can act on a match are run (RunsFound;
	// the first MaxRuns are listed in Runs); RepeatRuns counts those whose
	// window held only matches earlier executions had settled (alerted,
	// duplicates, below a threshold, known terms): they create nothing and
	// are counted, not run. The others found no match.
	Executions int `json:"executions"`
	RunsFound  int `json:"runs_found"`
	RepeatRuns int `json:"repeat_runs"`

	EventsRead       int `json:"events_read"`
	EventsRejected   int `json:"events_rejected"`
	EventsEvaluated  int `json:"events_evaluated"`
	EventsNoIndex    int `json:"events_no_index"`
	EventsOtherIndex int `json:"events_other_index"`
	// EventsRefused counts events in the rule's indices that Elasticsearch
	// would have refused at index time, their mapping being the one the
	// rule's query is compiled with (eval's Rejects: "abc" in a long
	// field, an object where a keyword is mapped...): they never reach
	// the index, so no execution finds them.
	EventsRefused int `json:"events_refused"`
	EventsNoTime  int `json:"events_no_time"`
	EventsInScope int `json:"events_in_scope"`
	// EventsLate counts in-scope events that arrived after an event with a
	// later time (out of order); see Run.
	EventsLate int `json:"events_late"`

	// Matches counts the in-scope events the query matches.
	Matches int `json:"matches"`
	// AlertCount counts the alerts created (also when WithAlertFunc
	// streams them).
	AlertCount int `json:"alerts"`
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
	// MatchesAlerted counts matching events an alert stands for: its own
	// event, the events a threshold alert counts, the events suppressed
	// into an alert.
	MatchesAlerted int `json:"matches_alerted"`
	// MatchesNotAlerted counts matching events executions saw that no
	// alert stands for: in a threshold group under the threshold, or with
	// a term already in the new terms history.
	MatchesNotAlerted int `json:"matches_not_alerted"`

	// With a saved state (Replay.Restore, Replay.FinishState):
	// MatchesResumed counts the matches the last run left waiting for
	// this one's executions, MatchesPending those this run leaves to the
	// next, and MatchesBeforeState the matches (counted in MatchesUnseen
	// too) earlier than the restored schedule's next window: the
	// executions that could have seen them ran in an earlier run, and, as
	// in Kibana, a document indexed after the executions covering its
	// time is never searched. Then Matches + MatchesResumed = MatchesAlerted
	// + MatchesNotAlerted + AlertsLost + MatchesUnseen + DuplicateEvents +
	// MatchesPending.
	MatchesResumed     int `json:"matches_resumed,omitempty"`
	MatchesPending     int `json:"matches_pending,omitempty"`
	MatchesBeforeState int `json:"matches_before_state,omitempty"`

	// Threshold, NewTerms, Suppression, ThreatMatch and Sequences (an
	// EQL sequence or sample) are the counts of the rule type's replay;
	// nil when they do not apply.
	Threshold   *ThresholdReport   `json:"threshold,omitempty"`
	NewTerms    *NewTermsReport    `json:"new_terms,omitempty"`
	Suppression *SuppressionReport `json:"suppression,omitempty"`
	ThreatMatch *ThreatMatchReport `json:"threat_match,omitempty"`
	Sequences   *SequenceReport    `json:"sequences,omitempty"`

	// Warnings are the distinct execution warnings.
	Warnings []string `json:"warnings,omitempty"`
	// Rejected, Refused and NoTime list the first rejected lines, events
	// Elasticsearch would refuse and events without a usable time. In
	// JSON each is a string, "file:line: why".
	Rejected []Sample `json:"rejected,omitempty"`
	Refused  []Sample `json:"refused,omitempty"`
	NoTime   []Sample `json:"no_time,omitempty"`
	// Runs are the first MaxRuns executions run (RunsFound counts them
	// all), in order.
	Runs []Execution `json:"runs,omitempty"`
	// Alerts holds the alerts created, unless WithAlertFunc streams them.
	Alerts []*Alert `json:"-"`
}

// Time is a time of a report. Its JSON form is Elasticsearch's date
// format (ISO 8601 in UTC with milliseconds) for every year Elasticsearch
// stores, where time.Time's JSON form stops at the year 9999.
type Time struct{ time.Time }

// MarshalJSON implements json.Marshaler.
func (t Time) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, isoMillis(t.Time)), nil
}

// timeOf returns the Time of Unix milliseconds.
func timeOf(ms int64) Time { return Time{time.UnixMilli(ms).UTC()} }

// Execution is one rule execution that found matches.
type Execution struct {
	// Time is the execution's "now"; the search covered [From, Time],
	// both ends included, on the event time.
	Time Time `json:"time"`
	From Time `json:"from"`
	// Hits counts the matching events in the window; Alerts the alerts
	// created; Duplicates the hits that already had an alert (from an
	// overlapping execution); Truncated the new hits left out by
	// max_signals. For an EQL sequence or sample rule Duplicates and
	// Truncated count sequences, Alerts the shell and building-block
	// alerts.
	Hits       int    `json:"hits"`
	Alerts     int    `json:"alerts"`
	Duplicates int    `json:"duplicates"`
	Truncated  int    `json:"truncated"`
	Warning    string `json:"warning,omitempty"`
}

// Run replays the rule over events as Kibana's detection engine would have
// run it live, and returns the report; alerts are in Report.Alerts or
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
// fallback is not disabled, read as Elasticsearch reads a date field
// (eval.DateOf: ISO 8601 text, where a missing zone is UTC and a date
// alone is its midnight, else epoch milliseconds; a number is read as its
// text, so 2021 is the year 2021). Times count in milliseconds,
// Elasticsearch's precision.
// Events without a usable time are counted (EventsNoTime), never searched.
//
// Scope. The event's index is its _index, else its data stream
// data_stream.type-data_stream.dataset-data_stream.namespace; a backing
// index ".ds-<stream>-<date>-<generation>" stands for its stream. It must
// match one of the patterns ('*' is the only wildcard; a pattern starting
// with '-' excludes). Index-less events are out of scope unless
// WithAnyIndex.
//
// Order. By default the events are replayed in time order, as Kibana's
// manual rule run (a backfill) over an index holding them all: every
// execution sees every event whose time is in its window, whatever the
// order of evs, and the first execution is at the earliest in-scope
// event's time. The matched events are kept for that (see Replay) and the
// alerts come out at the end. With WithArrivalOrder the order of evs is
// the arrival order: an execution runs once an event later than its time
// has arrived; an event that arrives after an event with a later time
// (EventsLate) is seen only by the executions not yet run whose window
// still covers it, as Kibana would miss a document indexed late; if none
// does it is counted in MatchesUnseen when it matches. Sorted input gives
// the same results in both orders.
//
// Alerts. Each execution creates at most max_signals alerts, its oldest
// new hits first (Kibana sorts on the event time ascending); hits that
// already have an alert do not count against the cap. When new hits are
// left out the execution carries MaxSignalsWarning; a left-out event may
// still be alerted by a later overlapping execution, else it is counted in
// AlertsLost.
//
// Rule types. A query rule alerts per event as above; a threshold rule per
// group of events reaching the threshold (see Threshold), a new terms rule
// per new term (NewTermsFields), an indicator match rule per event matching
// an indicator, and alert_suppression folds a query, threshold or EQL
// rule's alerts by group (see AlertSuppression; an EQL sequence's by its
// shell alert, seqsuppress.go); the report then carries the
// type's counts. A type or setting not replayed yet (suppression on new
// terms and indicator match rules, other types) gives an error wrapping
// ErrUnsupported before any event is read. Building-block type,
// rule_name_override, severity_mapping and risk_score_mapping are applied
// to each alert as Kibana applies them.
//
// Bad input. An *events.Error from evs (a bad line) is counted in
// EventsRejected and the run goes on; any other error ends the run and is
// returned with the report so far. The rule's language must be kuery,
// or the rule an EQL query (type eql): see eql.go for how Kibana's
// EQL executor runs an event query (the window's last max_signals events,
// in EQL's order) and sequence.go for sequences and samples (a shell
// alert and building blocks a sequence, Report.Sequences); joins and
// pipes are refused wrapping ErrUnsupported.
func Run(rule *rules.Rule, evs iter.Seq2[events.Record, error], opts ...RunOption) (*Report, error) {
	r, err := newReplay([]*rules.Rule{rule}, nil, opts)
	if err != nil {
		return nil, err
	}
	r.selfMatch = true
	var matched []int
	finish := func(err error) (*Report, error) {
		reps, ferr := r.Finish()
		if err == nil {
			err = ferr
		}
		return reps[0], err
	}
	for ev, err := range evs {
		if err != nil {
			var ee *events.Error
			if !errors.As(err, &ee) {
				return finish(err)
			}
			r.Reject(ee)
			continue
		}
		if err := r.Add(Event{Map: ev.Fields, File: ev.File, Line: ev.Line}, matched); err != nil {
			return finish(err)
		}
	}
	return finish(nil)
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
