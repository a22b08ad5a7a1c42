package eql

import "github.com/kqlrules/kqlrules/eval"

// OrderKey is an event's place in the implicit order of an _eql/search's
// events, as [Search] orders them: the timestamp field (events without
// one first), then the tiebreaker (without one first), then the order
// the events were indexed in.
type OrderKey struct{ h hit }

// OrderKeyOf returns the order key of an event's source, the timestamp
// field being a date (not date_nanos) field; ord is its place in
// indexing order.
func OrderKeyOf(source map[string]any, timestamp, tiebreaker *eval.Path, ord int) OrderKey {
	h := hit{ord: ord}
	if v, ok := eval.First(eval.Map(source), timestamp); ok {
		h.ts, h.tsOK = timestampOf(v, false)
	}
	if tiebreaker != nil {
		if v, ok := eval.First(eval.Map(source), tiebreaker); ok {
			h.tb = sortValue(v)
		}
	}
	return OrderKey{h}
}

// Before reports whether k comes before o.
func (k OrderKey) Before(o OrderKey) bool { return k.h.before(&o.h) }
