package eql

import (
	"bytes"
	"encoding/json"

	"github.com/kqlrules/kqlrules/eval"
)

// OrderKey is an event's place in the implicit order of an _eql/search's
// events, as [Search] orders them: the timestamp field (events without
// one first), then the tiebreaker (without one first), then the order
// the events were indexed in.
type OrderKey struct{ h hit }

// OrderKeyOf returns the order key of an event (a lazy event or
// [eval.Map]), the timestamp field being a date (not date_nanos) field;
// ord is its place in indexing order.
func OrderKeyOf(e eval.Event, timestamp, tiebreaker *eval.Path, ord int) OrderKey {
	h := hit{ord: ord}
	if v, ok := eval.First(e, timestamp); ok {
		h.ts, h.tsOK = timestampOf(v, false)
	}
	if tiebreaker != nil {
		if v, ok := eval.First(e, tiebreaker); ok {
			h.tb = sortValue(v)
		}
	}
	return OrderKey{h}
}

// Before reports whether k comes before o.
func (k OrderKey) Before(o OrderKey) bool { return k.h.before(&o.h) }

// savedKey is an OrderKey as JSON: ts is absent for an event without a
// timestamp, tb for one without a tiebreaker.
type savedKey struct {
	TS  *int64 `json:"ts,omitempty"`
	TB  any    `json:"tb,omitempty"`
	Ord int    `json:"ord"`
}

// MarshalJSON writes the key, so that a saved replay state orders the
// events it holds as the run that saved it did, whether or not it keeps
// their sources.
func (k OrderKey) MarshalJSON() ([]byte, error) {
	s := savedKey{TB: k.h.tb, Ord: k.h.ord}
	if k.h.tsOK {
		s.TS = &k.h.ts
	}
	return json.Marshal(s)
}

// UnmarshalJSON reads a key MarshalJSON wrote.
func (k *OrderKey) UnmarshalJSON(b []byte) error {
	var s savedKey
	d := json.NewDecoder(bytes.NewReader(b))
	d.UseNumber()
	if err := d.Decode(&s); err != nil {
		return err
	}
	h := hit{ord: s.Ord}
	if s.TS != nil {
		h.ts, h.tsOK = *s.TS, true
	}
	if s.TB != nil {
		h.tb = sortValue(s.TB)
	}
	*k = OrderKey{h}
	return nil
}
