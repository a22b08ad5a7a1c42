package replay

import (
	"errors"
	"fmt"
	"slices"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/rules"
)

// EQL event-query rules, as Kibana's EQL rule executor runs them
// (x-pack/solutions/security/plugins/security_solution/server/lib/
// detection_engine/rule_types/eql/eql.ts and build_eql_search_request.ts
// in elastic/kibana): one _eql/search an execution, whose filter is the
// execution window on timestamp_override (with its fallback to
// @timestamp), the rule's filters and its exceptions; query the rule's
// event query, event_category_field its event_category_override,
// timestamp_field and tiebreaker_field its own, size its max_signals,
// and no result_position: Elasticsearch's default, tail, returns the
// window's last max_signals events (in the order of timestamp_field,
// tiebreaker_field, then indexing) in ascending order. The events become
// alerts as a query rule's hits do (wrapHits), each at most once; when
// the search returned max_signals events the execution warns.

// SuppressionMaxSignalsWarning is the warning Kibana gives for an
// execution of an EQL rule with alert suppression whose search returned
// max_signals events (getSuppressionMaxSignalsWarning).
const SuppressionMaxSignalsWarning = "This rule reached the maximum alert limit for the rule execution. Some alerts were not created or suppressed."

// eqlNotReplayed is the error of an EQL query the replay does not run
// (pipes): its message says which kind; it wraps ErrUnsupported.
type eqlNotReplayed struct{ kind string }

func (e *eqlNotReplayed) Error() string { return "EQL " + e.kind + " are not replayed yet" }
func (e *eqlNotReplayed) Unwrap() error { return ErrUnsupported }

// eqlSearch compiles an EQL rule's query (query: the version's) with its
// filters into a Search, and returns the query parsed. The Search of a
// sequence or a sample is its stages' filter (sequence.go).
func eqlSearch(rule *rules.Rule, query string, prog *eval.Program, filters []esdsl.Filter, opts []eval.Option) (*Search, *eql.Query, error) {
	q, err := eql.Parse(query)
	if err != nil {
		return nil, nil, fmt.Errorf("query: %w", err)
	}
	if len(q.Pipes) > 0 && !seqQuery(q) { // a sequence's pipes: eql.SequencePlan.Cut
		// they cut the events after size (LogicalPlanBuilder.visitStatement)
		return nil, nil, &eqlNotReplayed{kind: "pipes (| head, | tail)"}
	}
	if prog == nil {
		r := *rule
		r.Query = query
		if prog, err = r.EQLProgram(opts...); err != nil {
			return nil, nil, err
		}
	}
	s, err := searchOf(prog, filters, opts...)
	return s, q, err
}

// eqlExec is an EQL event-query rule's executor.
type eqlExec struct {
	rn       *runner
	ts, tb   *eval.Path      // timestamp_field, tiebreaker_field (nil: none)
	suppress *suppressExec   // alert suppression; nil without
	keys     map[*hit]eqlKey // the order of the hits waiting, read as they come
	seen     int             // the hits observed: their indexing order
}

type eqlKey = eql.OrderKey

func newEQLExec(rn *runner) *eqlExec {
	set := rn.rule.EQL()
	x := &eqlExec{rn: rn, ts: eval.NewPath(cmpOr(set.TimestampField, "@timestamp")), keys: map[*hit]eqlKey{}}
	if set.TiebreakerField != "" {
		x.tb = eval.NewPath(set.TiebreakerField)
	}
	if rn.rule.AlertSuppression != nil {
		x.suppress = newSuppressExec(rn)
	}
	return x
}

// observe reads the hit's place in EQL's order (and its suppression
// groups) while its event is decoded.
func (x *eqlExec) observe(h *hit) {
	x.seen++
	x.keys[h] = eql.OrderKeyOf(h.ev.Fields, x.ts, x.tb, x.seen)
	if x.suppress != nil {
		x.suppress.observe(h)
	}
}

// execute runs the _eql/search of the execution at e: the window's last
// max_signals events by EQL's order; the others are left out.
func (x *eqlExec) execute(e int64, ex *Execution, win []*hit) error {
	rn := x.rn
	size := rn.rep.MaxSignals
	res := win
	if len(win) > size {
		res = slices.Clone(win)
		slices.SortStableFunc(res, func(a, b *hit) int {
			switch ka, kb := x.keys[a], x.keys[b]; {
			case ka.Before(kb):
				return -1
			case kb.Before(ka):
				return 1
			}
			return 0
		})
		for _, h := range res[:len(res)-size] {
			if !h.alerted && !h.dup && !rn.alerted[h.key] {
				ex.Truncated++
				h.trunc = true
			}
		}
		res = res[len(res)-size:]
	}
	warning := MaxSignalsWarning
	var err error
	if x.suppress != nil {
		warning = SuppressionMaxSignalsWarning
		err = x.suppress.execute(e, ex, res)
	} else {
		err = queryExec{rn}.execute(e, ex, res)
	}
	if len(res) >= size { // hits.total.value >= maxSignals
		ex.Warning = warning
		rn.warn(warning)
	}
	x.forget(e)
	return err
}

// forget drops the order of the hits no execution to come can see.
func (x *eqlExec) forget(e int64) {
	cut := addSat(addSat(e, x.rn.interval), -x.rn.lookBack)
	for h := range x.keys {
		if h.t < cut {
			delete(x.keys, h)
		}
	}
}

// finish writes the alerts suppression holds.
func (x *eqlExec) finish() error {
	if x.suppress != nil {
		return x.suppress.finish()
	}
	return nil
}

// isEQL reports whether the rule's query is EQL (type eql).
func isEQL(r *rules.Rule) bool { return r.IsEQL() }

// eqlReason is Replayable's reason for an EQL rule Run refuses: the kind
// of query not replayed, without the rule's name.
func eqlReason(err error) (string, bool) {
	var nr *eqlNotReplayed
	if errors.As(err, &nr) {
		return nr.Error(), true
	}
	return "", false
}
