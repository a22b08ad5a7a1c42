package replay

import (
	"errors"
	"fmt"
	"strings"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
)

// Replayable reports whether [Run] replays the rule as Kibana's detection
// engine would from its file and the events alone, and when it does not,
// why: "language eql is not supported", "machine_learning rules have no
// query", "type threat_match needs indicator events (WithThreat)", or the
// [ErrUnsupported] error of a rule type or feature not replayed yet. A
// rule set skips such rules with that reason rather than run them as
// something they are not. It compiles the rule as Run would.
func Replayable(r *rules.Rule) (ok bool, why string) {
	switch {
	case r.Type == rules.TypeMachineLearning:
		return false, "machine_learning rules have no query"
	case r.Language != "" && r.Language != rules.LanguageKuery:
		return false, fmt.Sprintf("language %s is not supported", r.Language)
	case r.Type == rules.TypeEQL || r.Type == rules.TypeESQL:
		return false, fmt.Sprintf("language %s is not supported", r.Type)
	case strings.TrimSpace(r.Query) == "":
		return false, "the rule has no query"
	}
	if _, err := newRunner(r, nil); err != nil {
		msg := err.Error()
		if prefix := "rules: Run " + r.Name + ": "; strings.HasPrefix(msg, prefix) {
			msg = msg[len(prefix):]
		}
		return false, msg
	}
	return true, ""
}

// Replay replays many rules over one stream of events, as [Run] does for
// each of them, for a caller that matches the queries itself (a rule set
// that tests every rule on an event at once). The rules' index patterns
// and event times are read once per event for all the rules that share
// them. A Replay is not safe for concurrent use.
type Replay struct {
	runners []*runner
	groups  []*replayGroup
	matched []bool // scratch: matched[i] for the event being added
	times   []eventTime
	gen     int // the event being added, for times and refused
	// ref reads the mapping: whether Elasticsearch would refuse an event
	// (the same for every rule: the mapping comes from the options)
	ref     *eval.Program
	refused struct {
		gen   int
		field string
		ok    bool
	}
}

// eventTime is an event's time for one timestamp field, read once per
// event for all the rules that use the field.
type eventTime struct {
	rn  *runner // a rule with the field
	gen int     // t and why are those of event gen
	t   int64
	why string
}

// replayGroup is the rules with the same index patterns and timestamp
// field: an event has one scope and one time for all of them.
type replayGroup struct {
	rep     *runner // the first rule's runner: scope
	time    int     // index in Replay.times
	members []int
}

// NewReplay prepares the replay of rs with the options of Run (applied to
// every rule; WithAlertFunc receives the alerts of all the rules, each
// naming its rule). It fails on the first rule Run would refuse.
func NewReplay(rs []*rules.Rule, opts ...RunOption) (*Replay, error) {
	r := &Replay{matched: make([]bool, len(rs))}
	byKey := map[string]*replayGroup{}
	byTime := map[string]int{}
	for i, rule := range rs {
		rn, err := newRunner(rule, opts)
		if err != nil {
			return nil, err
		}
		r.runners = append(r.runners, rn)
		switch {
		case r.ref == nil:
			r.ref = rn.search.Query()
		case rn.plain():
			// Add's caller matches a plain rule's query: its
			// compiled program (one for each rule, as large as
			// the caller's) is never run here, so it goes.
			rn.search = &Search{}
		}
		key := strings.Join(rn.rep.Index, "\x00") + "\x01" + rule.TimestampOverride
		g := byKey[key]
		if g == nil {
			ti, ok := byTime[rule.TimestampOverride]
			if !ok {
				ti = len(r.times)
				byTime[rule.TimestampOverride] = ti
				r.times = append(r.times, eventTime{rn: rn})
			}
			g = &replayGroup{rep: rn, time: ti}
			byKey[key] = g
			r.groups = append(r.groups, g)
		}
		g.members = append(g.members, i)
	}
	return r, nil
}

// Add takes the next event in arrival order; matched lists, in increasing
// order, the indexes (in the rules given to NewReplay) of the rules whose
// query matches it. For a rule with more than a query (filters,
// exceptions, indicators, another type than query, alert suppression),
// the replay tests the rest itself on the events whose query matched. An error from an alert function ends the replay.
func (r *Replay) Add(ev events.Record, matched []int) error {
	for _, i := range matched {
		r.matched[i] = true
	}
	err := r.add(ev)
	for _, i := range matched {
		r.matched[i] = false
	}
	return err
}

func (r *Replay) add(ev events.Record) error {
	r.gen++
	index, hasIndex := eventIndex(ev.Fields)
	for _, g := range r.groups {
		f := eventFacts{index: index, scope: g.rep.scopeOf(index, hasIndex)}
		if f.scope == inScope {
			et := &r.times[g.time]
			if et.gen != r.gen {
				et.gen = r.gen
				et.t, et.why = et.rn.eventTime(ev.Fields)
			}
			f.t, f.why = et.t, et.why
			if f.why == "" {
				if r.refused.gen != r.gen {
					r.refused.gen = r.gen
					r.refused.field, r.refused.ok = r.ref.Rejects(ev.Fields)
				}
				f.refusedField, f.refused = r.refused.field, r.refused.ok
			}
		}
		for _, i := range g.members {
			m := matchNo
			if r.matched[i] {
				m = matchYes
				if !r.runners[i].plain() {
					m = matchUnknown // the query matched: the runner tests the rest
				}
			}
			if err := r.runners[i].addAt(ev, f, m); err != nil {
				return err
			}
		}
	}
	return nil
}

// Reject counts a line that was not an event (Report.EventsRejected).
func (r *Replay) Reject(err *events.Error) {
	for _, rn := range r.runners {
		rn.rep.EventsRead++
		rn.rep.EventsRejected++
		if len(rn.rep.Rejected) < maxSamples {
			rn.rep.Rejected = append(rn.rep.Rejected, err.Error())
		}
	}
}

// Finish runs the executions still due and returns one report per rule,
// in the order of the rules given to NewReplay.
func (r *Replay) Finish() ([]*Report, error) {
	reps := make([]*Report, len(r.runners))
	var errs []error
	for i, rn := range r.runners {
		if err := rn.finish(); err != nil {
			errs = append(errs, err)
		}
		reps[i] = rn.rep
	}
	return reps, errors.Join(errs...)
}

// plain reports whether the rule's search is its query alone, so that a
// set's answer for the query is the replay's.
func (rn *runner) plain() bool {
	return rn.search.filters == nil && rn.threat == nil
}
