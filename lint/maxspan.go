package lint

import (
	"fmt"
	"time"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/rules"
)

// Finding codes of an EQL sequence's maxspan against the rule's schedule.
const (
	// CodeMaxspanLookBack: maxspan exceeds the look-back by more than
	// ten minutes, so a sequence can span more than any execution's
	// window and no execution finds it (detection-rules'
	// test_eql_lookback).
	CodeMaxspanLookBack = "maxspan-look-back"
	// CodeMaxspanInterval: the interval is shorter than half the
	// maxspan, for a maxspan over 2.5 minutes (detection-rules'
	// test_eql_interval_to_maxspan).
	CodeMaxspanInterval = "maxspan-interval"
)

// maxspanSlack is what detection-rules' test_eql_lookback allows a
// maxspan beyond the look-back.
const maxspanSlack = 10 * time.Minute

// sequenceSchedule warns, as detection-rules' own tests fail
// (tests/test_all_rules.py in elastic/detection-rules:
// test_eql_lookback and test_eql_interval_to_maxspan), when an EQL
// sequence's maxspan does not fit the rule's schedule: longer than the
// look-back (from; to is now) plus ten minutes, or, above 2.5 minutes,
// more than twice the interval (5m when not set). q is the rule's query
// parsed; the findings are placed on its maxspan.
func sequenceSchedule(file string, r *rules.Rule, q *eql.Query, qs *rules.Value) []Finding {
	seq, ok := q.Body.(*eql.Sequence)
	if !ok || seq.MaxSpan == nil {
		return nil
	}
	span := seq.MaxSpan.Duration
	place := func(f Finding) Finding {
		f.Field = "rule.query"
		return at(r.Query, qs, file, int(seq.MaxSpan.Pos()), f)
	}
	var out []Finding
	if lb, err := r.LookBack(); err == nil && lb+maxspanSlack < span {
		out = append(out, place(Finding{Severity: Warning, Code: CodeMaxspanLookBack,
			Msg: fmt.Sprintf("maxspan=%s%s is longer than the look-back (%s) and ten minutes: a sequence may lie in no execution's window (detection-rules' test_eql_lookback wants a maxspan of at most %s)",
				seq.MaxSpan.Value, seq.MaxSpan.Unit, r.From, rules.FormatInterval(lb+maxspanSlack))}))
	}
	interval := r.Interval
	if interval <= 0 {
		interval = 5 * time.Minute
	}
	if span > 150*time.Second && float64(interval)/float64(span) < 0.5 {
		out = append(out, place(Finding{Severity: Warning, Code: CodeMaxspanInterval,
			Msg: fmt.Sprintf("maxspan=%s%s is more than twice the interval (%s): detection-rules' test_eql_interval_to_maxspan wants an interval >= %s",
				seq.MaxSpan.Value, seq.MaxSpan.Unit, rules.FormatInterval(interval), rules.FormatInterval(span/2))}))
	}
	return out
}
