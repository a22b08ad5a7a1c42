package replay

import (
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

// EQLSearch returns the Query DSL filter Elasticsearch runs for the
// rule's EQL event query: the query lowered with the rule's options
// ([eql.LowerStages], [rules.Rule.EQLOptions]). For a sequence or a
// sample it is the filter of the events one can use, any of its stages:
// the events a sequence matcher needs to see. [rules.Rule.EQLProgram]
// compiles it.
func EQLSearch(rule *rules.Rule) (esdsl.Query, error) {
	q, err := rule.EQLQuery()
	if err != nil {
		return nil, err
	}
	dsl, err := eql.LowerStages(q, rule.EQLOptions())
	if err != nil {
		return nil, fmt.Errorf("rule %s: query: %w", rule.Name, err)
	}
	return dsl, nil
}

// eqlSearch compiles an EQL rule's query (query: the version's) with its
// filters into a Search, and returns the query parsed. The Search of a
// sequence or a sample is its stages' filter (sequence.go), whose pipes
// eql.SequencePlan.Cut applies; an event query's pipes ride on the Search
// and cut its events after size (LogicalPlanBuilder.visitStatement).
// prep, when not nil, is the query compiled already, and the query is
// not parsed again when [Prepare] parsed it, nor at all (q nil) when
// Prepare found it an event query without pipes. lowered is the filter the
// query was lowered to here ([eql.LowerStages] of q), nil when prep gave
// the program: a sequence's plan compiles its stages from it
// (newSeqExec) rather than lower them again.
func eqlSearch(rule *rules.Rule, query string, prep *Prepared, filters []esdsl.Filter, opts []eval.Option) (s *Search, q *eql.Query, lowered esdsl.Query, err error) {
	if prep.programOnly(query) {
		if s, err = searchOf(prep.Program(), filters, opts...); err != nil {
			return nil, nil, nil, err
		}
		return s, nil, nil, nil
	}
	q = prep.parsedOf(query)
	if q == nil {
		if q, err = eql.Parse(query); err != nil {
			return nil, nil, nil, fmt.Errorf("query: %w", err)
		}
	}
	prog := prep.Program()
	if prog == nil {
		if prog, err = rule.EQLProgramOf(q, opts...); err != nil {
			return nil, nil, nil, err
		}
		lowered = prog.DSL()
	}
	if s, err = searchOf(prog, filters, opts...); err != nil {
		return nil, nil, nil, err
	}
	if q.IsEventQuery() {
		s.pipes = q.Pipes
	}
	return s, q, lowered, nil
}

// eqlExec is an EQL event-query rule's executor.
type eqlExec struct {
	rn       *runner
	ts, tb   *eval.Path      // timestamp_field, tiebreaker_field (nil: none)
	suppress *suppressExec   // alert suppression; nil without
	keys     map[*hit]eqlKey // the order of the hits waiting, read as they come
	ords     map[*hit]int    // their indexing order (state.go saves it)
	seen     int             // the hits observed: their indexing order
}

type eqlKey = eql.OrderKey

func newEQLExec(rn *runner) *eqlExec {
	set := rn.rule.EQL()
	x := &eqlExec{rn: rn, ts: eval.NewPath(cmpOr(set.TimestampField, "@timestamp")), keys: map[*hit]eqlKey{}, ords: map[*hit]int{}}
	if set.TiebreakerField != "" {
		x.tb = eval.NewPath(set.TiebreakerField)
	}
	if rn.rule.AlertSuppression != nil {
		x.suppress = newSuppressExec(rn)
		x.suppress.inMemory = true
	}
	return x
}

// observe reads the hit's place in EQL's order (and its suppression
// groups) from its event (h.read, lazy over its text or a map).
func (x *eqlExec) observe(h *hit) {
	x.seen++
	x.ords[h] = x.seen
	x.keys[h] = x.keyOf(h.read, x.seen)
	if x.suppress != nil {
		x.suppress.observe(h)
	}
}

// keyOf returns the order key of a hit's event e observed ord-th.
func (x *eqlExec) keyOf(e eval.Event, ord int) eqlKey {
	return eql.OrderKeyOf(e, x.ts, x.tb, ord)
}

// execute runs the _eql/search of the execution at e: the window's last
// max_signals events by EQL's order; the others are left out. With pipes,
// as LogicalPlanBuilder.visitStatement plans them (and eql.Search runs
// them): max_signals events from the end the first pipe names ("| head
// 5": the window's first), then each pipe's head or tail in turn.
func (x *eqlExec) execute(e int64, ex *Execution, win []*hit) error {
	rn := x.rn
	size := rn.rep.MaxSignals
	pipes := rn.search.pipes
	res := win
	if len(win) > size || len(pipes) > 0 {
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
		all := res
		tail := len(pipes) == 0 || pipes[0].Name == "tail"
		res = cutHits(res, size, tail)
		for _, p := range pipes {
			if n, ok := p.Args[0].(*eql.Literal); ok { // the parser allows nothing else
				res = cutHits(res, int(n.Int), p.Name == "tail")
			}
		}
		kept := make(map[*hit]bool, len(res))
		for _, h := range res {
			kept[h] = true
		}
		for _, h := range all {
			if !kept[h] && !h.alerted && !h.dup && !rn.isAlerted(h) {
				ex.Truncated++
				h.trunc = true
			}
		}
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

// cutHits keeps the first (tail: last) n hits.
func cutHits(hs []*hit, n int, tail bool) []*hit {
	switch {
	case n >= len(hs):
		return hs
	case tail:
		return hs[len(hs)-n:]
	}
	return hs[:n]
}

// forget drops the order of the hits no execution to come can see.
func (x *eqlExec) forget(e int64) {
	cut := addSat(addSat(e, x.rn.interval), -x.rn.lookBack)
	for h := range x.keys {
		if h.t < cut {
			delete(x.keys, h)
			delete(x.ords, h)
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
