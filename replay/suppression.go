package replay

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/rules"
)

// SuppressionReport counts what alert suppression did.
type SuppressionReport struct {
	// Groups counts the groups formed, summed over executions; Alerts the
	// suppressed alerts created; Suppressed the matching events folded
	// into an alert other than their own (docs_count summed).
	Groups     int `json:"groups"`
	Alerts     int `json:"alerts"`
	Suppressed int `json:"suppressed"`
	// MissingFields counts the events lacking a group_by field: one null
	// group under "suppress", one alert each under "doNotSuppress".
	// For an EQL sequence rule (seqsuppress.go) Suppressed and
	// MissingFields count sequences, as each execution finds them (a shell
	// alert lacking a field: its events do not all share it).
	MissingFields int `json:"missing_fields"`
}

// Suppression is an alert's kibana.alert.suppression.* fields.
type Suppression struct {
	Terms []SuppressionTerm `json:"terms"`
	// DocsCount is the number of events folded into the alert besides its
	// own.
	DocsCount int `json:"docs_count"`
	// Start and End are the earliest and latest event times of the
	// alert's events.
	Start time.Time `json:"start"`
	End   time.Time `json:"end"`
}

// SuppressionTerm is one group_by field's value; Value is nil for a missing
// field (strategy "suppress"). An EQL rule's term (suppressed in memory)
// holds all the field's values instead, sorted: Values, written as the
// JSON array "value" (suppression_utils.ts getSuppressionTerms takes the
// event's fields entry, an array, as one value). An EQL sequence's term
// is the shell alert's value as it is (seqsuppress.go): a string is
// Value, an array of strings Values, any other value (a number, a
// boolean, an array of numbers) its JSON text, Raw.
type SuppressionTerm struct {
	Field  string          `json:"field"`
	Value  *string         `json:"value"`
	Values []string        `json:"-"`
	Raw    json.RawMessage `json:"-"`
}

// MarshalJSON writes {"field", "value"}: Values as an array when set, Raw
// as it is.
func (t SuppressionTerm) MarshalJSON() ([]byte, error) {
	if t.Raw != nil {
		return json.Marshal(struct {
			Field string          `json:"field"`
			Value json.RawMessage `json:"value"`
		}{t.Field, t.Raw})
	}
	if t.Values != nil {
		return json.Marshal(struct {
			Field string   `json:"field"`
			Value []string `json:"value"`
		}{t.Field, t.Values})
	}
	type plain SuppressionTerm
	return json.Marshal(plain(t))
}

// UnmarshalJSON reads what MarshalJSON writes: a "value" that is an array
// of strings is Values, a string Value, any other value Raw.
func (t *SuppressionTerm) UnmarshalJSON(data []byte) error {
	var raw struct {
		Field string          `json:"field"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	*t = SuppressionTerm{Field: raw.Field}
	v := strings.TrimSpace(string(raw.Value))
	switch {
	case v == "" || v == "null":
		return nil
	case v[0] == '[':
		if json.Unmarshal(raw.Value, &t.Values) != nil {
			t.Values, t.Raw = nil, json.RawMessage(v)
		}
		return nil
	case v[0] == '"':
		return json.Unmarshal(raw.Value, &t.Value)
	}
	t.Raw = json.RawMessage(v)
	return nil
}

// suppressExec replays a query rule with alert_suppression as Kibana's
// group_and_bulk_create.ts and the rule registry's
// create_persistence_rule_type_wrapper.ts do: each execution groups its
// window's new matches by the group_by values (a composite aggregation: an
// event with several values falls in each combination; with
// missing_fields_strategy "suppress" a missing field is a null key, with
// "doNotSuppress" the event alerts on its own; groups in key order, the
// null key first, as build_group_by_field_aggregation.ts asks), leaving out
// of a group the events up to the group's last counted event (the bucket
// history filter), and makes one alert per group, on the group's first
// event, with
// kibana.alert.suppression.terms, docs_count (the group's other events),
// start and end. Without a duration every execution makes its own alerts;
// with one, a group whose alert was created within the duration before the
// execution folds its events into that alert (docs_count and end grow), and
// the alert is written when it can no longer grow.
//
// An EQL event-query rule's suppression is Kibana's in-memory one
// (inMemory: rule_types/utils/bulk_create_suppressed_alerts_in_memory.ts,
// wrap_suppressed_alerts.ts and the persistence wrapper's
// suppressAlertsInMemory): a group_by field's values are one term, the
// sorted array (an event with several values is in one group, not one
// per value), and the groups come in the time order of their first event
// (suppressAlertsInMemory sorts the alerts by suppression start), which
// max_signals cuts, not in key order.
type suppressExec struct {
	rn       *runner
	inMemory bool // EQL: terms are whole value arrays, groups in time order
	s        *rules.AlertSuppression
	paths    []*eval.Path
	duration int64 // ms; 0 for per execution
	counted  map[string]int64
	pruned   int64       // when counted was last pruned
	held     *heldAlerts // duration only
	rep      *SuppressionReport
}

func newSuppressExec(rn *runner) *suppressExec {
	s := rn.rule.AlertSuppression
	x := &suppressExec{rn: rn, s: s, counted: map[string]int64{}, pruned: math.MinInt64, rep: &SuppressionReport{}}
	for _, f := range s.GroupBy {
		x.paths = append(x.paths, eval.NewPath(f))
	}
	if s.Duration != nil {
		x.duration = s.Duration.Duration().Milliseconds()
		x.held = newHeldAlerts(rn, x.duration)
	}
	rn.rep.Suppression = x.rep
	return x
}

// observe reads the hit's groups once.
func (x *suppressExec) observe(h *hit) {
	h.suppress, h.noGroupField = x.groupKeys(h.read)
}

// settled drops the fields of an alerted hit that no later alert can be
// built on: it has one group, and that group's alert counted it.
func (rn *runner) settled(h *hit) {
	if len(h.suppress) <= 1 {
		rn.release(h)
	}
}

// heldAlerts holds the alerts of a suppression duration until no execution
// can grow them, as Kibana's persistence wrapper
// (create_persistence_rule_type_wrapper.ts) finds an alert of the same
// group created within the duration (kibana.alert.start >= now - duration)
// and updates it instead of creating one.
type heldAlerts struct {
	rn       *runner
	duration int64
	open     map[string]*Alert // by group
	pending  []heldAlert       // by creation
}

// heldAlert is an alert suppression may still grow, and its group; an
// EQL sequence's shell alert holds its building blocks, written after it.
type heldAlert struct {
	key    string
	a      *Alert
	blocks []*Alert
}

func newHeldAlerts(rn *runner, duration int64) *heldAlerts {
	return &heldAlerts{rn: rn, duration: duration, open: map[string]*Alert{}}
}

// find returns the group's alert that the execution at e folds into, or nil.
func (h *heldAlerts) find(key string, e int64) *Alert {
	if a := h.open[key]; a != nil && a.Time.UnixMilli() >= e-h.duration {
		return a
	}
	return nil
}

// hold keeps a new alert of the group, and the building blocks written
// after it (a sequence's shell alert).
func (h *heldAlerts) hold(key string, a *Alert, blocks ...*Alert) {
	h.open[key] = a
	h.pending = append(h.pending, heldAlert{key, a, blocks})
}

// write writes a held alert and its building blocks.
func (h *heldAlerts) write(p heldAlert) error {
	if err := h.rn.emit(p.a); err != nil {
		return err
	}
	for _, b := range p.blocks {
		if err := h.rn.emit(b); err != nil {
			return err
		}
	}
	return nil
}

// flush writes the held alerts that no execution at e or later can grow.
func (h *heldAlerts) flush(e int64) error {
	n := 0
	for n < len(h.pending) && h.pending[n].a.Time.UnixMilli() < e-h.duration {
		p := h.pending[n]
		if h.open[p.key] == p.a {
			delete(h.open, p.key)
		}
		if err := h.write(p); err != nil {
			return err
		}
		n++
	}
	h.pending = h.pending[n:]
	return nil
}

// finish writes the alerts still held.
func (h *heldAlerts) finish() error {
	for _, p := range h.pending {
		if err := h.write(p); err != nil {
			return err
		}
	}
	h.pending = nil
	return nil
}

type suppressGroup struct {
	key   string
	terms []*string
	hits  []*hit
	maxT  int64
}

// groupKeys returns the event's group_by value combinations; nil when a
// field is missing and the strategy is doNotSuppress.
func (x *suppressExec) groupKeys(fields eval.Event) ([][]*string, bool) {
	combos := [][]*string{{}}
	missing := false
	for _, p := range x.paths {
		var vals []string
		var opts []*string
		if x.inMemory {
			var c termCollector
			fields.Values(p, &c)
			if vals = c.vals; len(vals) > 0 {
				slices.Sort(vals)
				b, _ := json.Marshal(vals) // the group key: the whole array
				s := string(b)
				opts = []*string{&s}
			}
		} else {
			vals = fieldTerms(fields, p)
			for i := range vals {
				opts = append(opts, &vals[i])
			}
		}
		if len(vals) == 0 {
			missing = true
			if x.s.MissingFieldsStrategy == rules.DoNotSuppressMissing {
				return nil, true
			}
			opts = []*string{nil}
		}
		var next [][]*string
		for _, c := range combos {
			for _, v := range opts {
				next = append(next, append(slices.Clip(c), v))
			}
		}
		combos = next
	}
	return combos, missing
}

// compareTerms orders group keys as a composite aggregation does: by each
// value in turn, a missing value first.
func compareTerms(a, b []*string) int {
	for i := range a {
		switch {
		case a[i] == nil && b[i] == nil:
			continue
		case a[i] == nil:
			return -1
		case b[i] == nil:
			return 1
		}
		if c := strings.Compare(*a[i], *b[i]); c != 0 {
			return c
		}
	}
	return 0
}

func termsKey(terms []*string) string {
	var b strings.Builder
	for _, t := range terms {
		if t == nil {
			b.WriteString("\x01")
		} else {
			b.WriteString("\x02" + *t)
		}
		b.WriteByte(0)
	}
	return b.String()
}

func (x *suppressExec) execute(e int64, ex *Execution, win []*hit) error {
	rn := x.rn
	if x.held != nil {
		if err := x.held.flush(e); err != nil {
			return err
		}
	}
	if from := addSat(e, -rn.lookBack); from > x.pruned {
		// a group's last counted event before the window's start
		// leaves out no event to come: counted holds a look-back or two
		for k, last := range x.counted {
			if last < from {
				delete(x.counted, k)
			}
		}
		x.pruned = e
	}
	groups := map[string]*suppressGroup{}
	var order []*suppressGroup
	for _, h := range win {
		combos, missing := h.suppress, h.noGroupField
		if missing && !h.missing {
			h.missing = true
			x.rep.MissingFields++
		}
		if combos == nil { // doNotSuppress: an alert of its own
			if err := x.single(h, ex); err != nil {
				return err
			}
			continue
		}
		for _, terms := range combos {
			k := termsKey(terms)
			if last, ok := x.counted[k]; ok && h.t <= last {
				continue // the bucket history: already in an alert
			}
			g := groups[k]
			if g == nil {
				g = &suppressGroup{key: k, terms: terms}
				groups[k] = g
				order = append(order, g)
			}
			g.hits = append(g.hits, h)
			g.maxT = max(g.maxT, h.t)
		}
	}
	if x.inMemory {
		// suppressAlertsInMemory: the alerts sorted by suppression start,
		// each group's first its alert; max_signals keeps the first ones
		for _, g := range order {
			slices.SortStableFunc(g.hits, func(a, b *hit) int { return cmp.Compare(a.t, b.t) })
		}
		slices.SortStableFunc(order, func(a, b *suppressGroup) int { return cmp.Compare(a.hits[0].t, b.hits[0].t) })
	} else {
		// a composite aggregation returns its buckets in key order, the
		// missing (null) key first; max_signals keeps the first ones
		slices.SortStableFunc(order, func(a, b *suppressGroup) int { return compareTerms(a.terms, b.terms) })
	}
	for _, g := range order {
		x.rep.Groups++
		if a := x.findHeld(g.key, e); a != nil {
			a.Suppression.DocsCount += len(g.hits)
			x.rep.Suppressed += len(g.hits)
			a.Suppression.End = maxTime(a.Suppression.End, time.UnixMilli(g.maxT).UTC())
			x.counted[g.key] = g.maxT
			for _, h := range g.hits {
				h.alerted = true
				rn.settled(h)
			}
			continue
		}
		if ex.Alerts >= rn.rep.MaxSignals {
			ex.Truncated++
			for _, h := range g.hits {
				if !h.alerted {
					h.trunc = true
				}
			}
			continue
		}
		ex.Alerts++
		x.rep.Alerts++
		x.rep.Suppressed += len(g.hits) - 1
		x.counted[g.key] = g.maxT
		for _, h := range g.hits {
			h.alerted, h.trunc = true, false
		}
		first := g.hits[0]
		a := rn.newAlert(first, ex.Time.Time)
		a.Suppression = &Suppression{DocsCount: len(g.hits) - 1, Start: time.UnixMilli(first.t).UTC(), End: time.UnixMilli(g.maxT).UTC()}
		for i, f := range x.s.GroupBy {
			t := SuppressionTerm{Field: f, Value: g.terms[i]}
			if x.inMemory && t.Value != nil {
				json.Unmarshal([]byte(*t.Value), &t.Values) // groupKeys wrote it
				t.Value = nil
			}
			a.Suppression.Terms = append(a.Suppression.Terms, t)
		}
		for _, h := range g.hits {
			rn.settled(h)
		}
		if x.duration == 0 {
			if err := rn.emit(a); err != nil {
				return err
			}
			continue
		}
		a.own() // newAlert's: held, emitted later
		x.held.hold(g.key, a)
	}
	return nil
}

// single alerts on an event missing a group_by field under doNotSuppress,
// as a query rule does.
func (x *suppressExec) single(h *hit, ex *Execution) error {
	rn := x.rn
	if !rn.admit(h, ex) {
		return nil
	}
	a := rn.newAlert(h, ex.Time.Time)
	x.rn.release(h) // alerted on its own: no group to build on it
	return rn.emit(a)
}

func (x *suppressExec) findHeld(key string, e int64) *Alert {
	if x.held == nil {
		return nil
	}
	return x.held.find(key, e)
}

// finish writes the alerts still held.
func (x *suppressExec) finish() error {
	if x.held == nil {
		return nil
	}
	return x.held.finish()
}

func maxTime(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
