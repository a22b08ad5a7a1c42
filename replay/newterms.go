package replay

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/rules"
)

// NewTermsReport counts what a new terms rule's replay did.
type NewTermsReport struct {
	// TermsInHistory counts the distinct terms (value combinations of
	// new_terms_fields) seen among matching events.
	TermsInHistory int `json:"terms_in_history"`
	// TermsEvaluated counts the terms executions looked up, summed over
	// executions; TermsNew those first seen inside the execution's window
	// (each gave an alert unless it was a duplicate or truncated),
	// TermsKnown those already seen in the history window.
	TermsEvaluated int `json:"terms_evaluated"`
	TermsNew       int `json:"terms_new"`
	TermsKnown     int `json:"terms_known"`
	// EventsMissingField counts matching events without a value for one
	// of new_terms_fields: they have no term.
	EventsMissingField int `json:"events_missing_field"`
}

// newTermsExec replays Kibana's new terms executor
// (x-pack/solutions/security/plugins/security_solution/server/lib/
// detection_engine/rule_types/new_terms/create_new_terms_alert_type.ts and
// build_new_terms_aggregation.ts): each execution collects the terms of its
// window's matches (for several fields, every combination of their values,
// as the runtime field of get_new_terms_runtime_mappings forms them), looks
// each up among the matching events from history_window_start (relative to
// the execution's time) to the execution's time, and keeps those whose
// first occurrence there (the min aggregation first_seen) is after the
// window's start (bucket_selector first_seen > start_time, strictly). Each
// new term alerts once, on the first event of the window that has it, with
// kibana.alert.new_terms; an overlapping execution that finds the same event
// and term again creates no second alert (the alert id is the same).
// Kibana's history runtime field emits at most 100 combinations an event;
// this replay takes them all. A history window that does not start before
// the rule's from fails the run, as validateHistoryWindowStart fails the
// execution.
type newTermsExec struct {
	rn      *runner
	fields  []*eval.Path
	history int64              // ms
	seen    map[string][]int64 // term → its matching events' distinct times, sorted
	pruned  int64              // when seen was last pruned
	rep     *NewTermsReport
}

func newNewTermsExec(rn *runner) (executor, error) {
	r := rn.rule
	if len(r.NewTermsFields) == 0 {
		return nil, errors.New("a new terms rule needs new_terms_fields")
	}
	h, err := rules.ParseFrom(r.HistoryWindowStart)
	if err != nil {
		return nil, fmt.Errorf("history_window_start: %w", err)
	}
	if h.Milliseconds() <= rn.lookBack {
		// Kibana's validateHistoryWindowStart fails the execution.
		return nil, fmt.Errorf("history_window_start %s must be earlier than from %s", r.HistoryWindowStart, r.From)
	}
	x := &newTermsExec{rn: rn, history: h.Milliseconds(), seen: map[string][]int64{}, pruned: math.MinInt64, rep: &NewTermsReport{}}
	for _, f := range r.NewTermsFields {
		x.fields = append(x.fields, eval.NewPath(f))
	}
	rn.rep.NewTerms = x.rep
	return x, nil
}

func (x *newTermsExec) observe(h *hit) {
	h.terms = termCombinations(h.read, x.fields)
	if h.terms == nil {
		x.rep.EventsMissingField++
	}
	for _, terms := range h.terms {
		k := strings.Join(terms, "\x00")
		ts, ok := x.seen[k]
		if !ok {
			x.rep.TermsInHistory++
		}
		// the distinct times are enough to find a first occurrence
		if i, found := slices.BinarySearch(ts, h.t); !found {
			x.seen[k] = slices.Insert(ts, i, h.t)
		}
	}
}

// firstSeen returns the earliest time of the term in [start, end]. The
// times before start are forgotten: history starts only move forward.
func (x *newTermsExec) firstSeen(k string, start, end int64) (int64, bool) {
	ts := x.seen[k]
	i, _ := slices.BinarySearch(ts, start)
	if i > 0 {
		ts = ts[i:]
		x.seen[k] = ts
		i = 0
	}
	if i == len(ts) || ts[i] > end {
		return 0, false
	}
	return ts[i], true
}

// wake returns the first time after the last execution run at which a
// term of a waiting hit it saw may be new again though no event came in:
// when the term's previous occurrence leaves the history window while the
// hit is still in the look-back (a gap between two occurrences longer than
// the history window less the look-back); never when there is none.
func (x *newTermsExec) wake(last int64, buf []*hit) int64 {
	w := int64(never)
	for _, h := range buf {
		if !h.seen {
			continue
		}
		for _, terms := range h.terms {
			ts := x.seen[strings.Join(terms, "\x00")]
			i, _ := slices.BinarySearch(ts, h.t)
			if i == 0 {
				continue
			}
			if c := addSat(ts[i-1], x.history+1); c > last && c <= addSat(h.t, x.rn.lookBack) {
				w = min(w, c)
			}
		}
	}
	return w
}

func (x *newTermsExec) execute(e int64, ex *Execution, win []*hit) error {
	rn := x.rn
	from := e - rn.lookBack
	if start := addSat(e, -x.history); start > x.pruned {
		// times before the history window's start are forgotten (the
		// term stays, for TermsInHistory): seen holds a history window
		// or two of times
		for k, ts := range x.seen {
			if i, _ := slices.BinarySearch(ts, start); i > 0 {
				x.seen[k] = append(ts[:0:0], ts[i:]...)
			}
		}
		x.pruned = e
	}
	done := map[string]bool{}
	for _, h := range win {
		if h.t < from {
			continue
		}
		for _, terms := range h.terms {
			k := strings.Join(terms, "\x00")
			if done[k] {
				continue
			}
			done[k] = true
			x.rep.TermsEvaluated++
			first, ok := x.firstSeen(k, e-x.history, e)
			if !ok || first <= from {
				x.rep.TermsKnown++
				continue
			}
			x.rep.TermsNew++
			akey := h.index + "\x00" + rn.identity(h) + "\x00" + k
			switch {
			case rn.alerted[akey]:
				ex.Duplicates++
			case ex.Alerts >= rn.rep.MaxSignals:
				ex.Truncated++
				if !h.alerted {
					h.trunc = true
				}
			default:
				ex.Alerts++
				rn.alerted[akey] = true
				h.alerted, h.trunc = true, false
				a := rn.newAlert(h, ex.Time.Time)
				sum := sha256.Sum256([]byte(h.index + "\x00" + rn.identity(h) + "\x00" + strconv.Itoa(rn.rep.Version) + "\x00" + rn.cfg.ruleUUID + "\x00" + k))
				a.UUID = hex.EncodeToString(sum[:])
				a.NewTerms = terms
				if err := rn.emit(a); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
