package replay

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/rules"
)

// ThresholdReport counts what a threshold rule's replay did.
type ThresholdReport struct {
	// GroupsEvaluated counts the groups formed, summed over executions;
	// GroupsAlerted those that reached the threshold (and cardinality),
	// GroupsBelow those that did not, GroupsTruncated those left out by
	// max_signals.
	GroupsEvaluated int `json:"groups_evaluated"`
	GroupsAlerted   int `json:"groups_alerted"`
	GroupsBelow     int `json:"groups_below"`
	GroupsTruncated int `json:"groups_truncated"`
	// GroupsSuppressed counts the groups that reached the threshold and
	// were folded into an earlier alert of theirs (alert suppression).
	GroupsSuppressed int `json:"groups_suppressed"`
	// EventsInHistory counts the events (one per group they fall in) that
	// an execution left out because an earlier alert of the same group
	// already counted them (Kibana's threshold signal history).
	EventsInHistory int `json:"events_in_history"`
	// EventsMissingField counts the events (summed over executions) left
	// out of every group because they lack a threshold field.
	EventsMissingField int `json:"events_missing_field"`
}

// ThresholdResult is an alert's kibana.alert.threshold_result.
type ThresholdResult struct {
	// Terms are the group's values of threshold.field, in its order;
	// empty when the threshold groups all events.
	Terms []ThresholdTerm `json:"terms,omitempty"`
	// Count is the number of events in the group.
	Count int `json:"count"`
	// From is the earliest event time of the group.
	From time.Time `json:"from"`
	// Cardinality gives the distinct count of the cardinality field.
	Cardinality []ThresholdCardinality `json:"cardinality,omitempty"`
}

// ThresholdTerm is one field's value in a threshold group, as the text a
// terms aggregation keys it on (a number is written as text here, where
// Kibana keeps the bucket key's JSON type).
type ThresholdTerm struct {
	Field string `json:"field"`
	Value string `json:"value"`
}

// ThresholdCardinality is the distinct count of a field in a group.
type ThresholdCardinality struct {
	Field string `json:"field"`
	Value int    `json:"value"`
}

// thresholdExec replays Kibana's threshold executor
// (x-pack/solutions/security/plugins/security_solution/server/lib/
// detection_engine/rule_types/threshold/threshold.ts): each execution
// groups the window's matches by threshold.field as a composite terms
// aggregation does (an event with several values falls in each
// combination; an event without a field falls in none), keeps the groups
// with at least threshold.value events and, with cardinality, at least
// cardinality.value distinct values of its field, and creates one alert per
// group in key order. The signal history (get_threshold_signal_history.ts,
// get_threshold_bucket_filters.ts) leaves out, for a group that alerted in
// an execution within the look-back, the events up to that alert's last
// event time, so an overlapping execution does not count them again.
//
// With alert_suppression (a duration only), a group that reaches the
// threshold again while its alert was created within the duration is folded
// into that alert: kibana.alert.suppression.docs_count counts the folded
// threshold alerts and end moves to the group's latest event, as Kibana's
// bulk_create_suppressed_threshold_alerts.ts and the persistence wrapper do.
// The signal history then starts after the folded group's events too.
type thresholdExec struct {
	rn      *runner
	t       *rules.Threshold
	fields  []*eval.Path
	card    *eval.Path
	history map[string]thresholdMark
	pruned  int64       // when history was last pruned
	held    *heldAlerts // alert suppression over a duration, or nil
	rep     *ThresholdReport
}

// thresholdMark is the signal history of a group: when it last alerted and
// the latest event time that alert counted.
type thresholdMark struct{ created, last int64 }

type thresholdGroup struct {
	terms       []string
	hits        []*hit
	minT, maxT  int64
	cardinality map[string]bool
}

func newThresholdExec(rn *runner) (executor, error) {
	t := rn.rule.Threshold
	if t == nil {
		return nil, errors.New("a threshold rule needs threshold settings")
	}
	x := &thresholdExec{rn: rn, t: t, history: map[string]thresholdMark{}, pruned: math.MinInt64, rep: &ThresholdReport{}}
	for _, f := range t.Field {
		x.fields = append(x.fields, eval.NewPath(f))
	}
	if len(t.Cardinality) > 0 {
		x.card = eval.NewPath(t.Cardinality[0].Field)
	}
	if s := rn.rule.AlertSuppression; s != nil {
		if s.Duration == nil {
			return nil, errors.New("alert suppression on a threshold rule needs a duration")
		}
		x.held = newHeldAlerts(rn, s.Duration.Duration().Milliseconds())
		rn.rep.Suppression = &SuppressionReport{}
	}
	rn.rep.Threshold = x.rep
	return x, nil
}

// observe reads the hit's terms once; a threshold alert is a document of
// the group's terms, not of an event, so the event's fields go.
func (x *thresholdExec) observe(h *hit) {
	h.terms = termCombinations(h.read, x.fields)
	if x.card != nil {
		h.card = fieldTerms(h.read, x.card)
	}
	x.rn.release(h)
}

func (x *thresholdExec) execute(e int64, ex *Execution, win []*hit) error {
	rn := x.rn
	if x.held != nil {
		if err := x.held.flush(e); err != nil {
			return err
		}
	}
	from := addSat(e, -rn.lookBack)
	if from > x.pruned {
		// a mark created before the window's start applies to no
		// execution to come: the history holds a look-back or two
		for k, m := range x.history {
			if m.created < from {
				delete(x.history, k)
			}
		}
		x.pruned = e
	}
	groups := map[string]*thresholdGroup{}
	for _, h := range win {
		if h.terms == nil {
			x.rep.EventsMissingField++
		}
		for _, terms := range h.terms {
			key := strings.Join(terms, "\x00")
			if m, ok := x.history[key]; ok && m.created >= from && h.t <= m.last {
				x.rep.EventsInHistory++
				continue
			}
			g := groups[key]
			if g == nil {
				g = &thresholdGroup{terms: terms, minT: h.t, maxT: h.t}
				if x.card != nil {
					g.cardinality = map[string]bool{}
				}
				groups[key] = g
			}
			g.hits = append(g.hits, h)
			g.minT, g.maxT = min(g.minT, h.t), max(g.maxT, h.t)
			if x.card != nil {
				for _, v := range h.card {
					g.cardinality[v] = true
				}
			}
		}
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	// a composite aggregation returns its buckets in key order
	slices.SortFunc(keys, func(a, b string) int { return slices.Compare(groups[a].terms, groups[b].terms) })
	for _, k := range keys {
		g := groups[k]
		x.rep.GroupsEvaluated++
		if len(g.hits) < x.t.Value || (x.card != nil && len(g.cardinality) < x.t.Cardinality[0].Value) {
			x.rep.GroupsBelow++
			continue
		}
		if x.held != nil {
			if a := x.held.find(k, e); a != nil {
				// Kibana counts the suppressed threshold alerts
				// (docs_count + 0 + 1) and moves the end.
				x.rep.GroupsSuppressed++
				rn.rep.Suppression.Groups++
				rn.rep.Suppression.Suppressed++
				a.Suppression.DocsCount++
				a.Suppression.End = maxTime(a.Suppression.End, time.UnixMilli(g.maxT).UTC())
				x.history[k] = thresholdMark{created: e, last: g.maxT}
				for _, h := range g.hits {
					h.alerted, h.trunc = true, false
				}
				continue
			}
		}
		if ex.Alerts >= rn.rep.MaxSignals {
			x.rep.GroupsTruncated++
			ex.Truncated++
			for _, h := range g.hits {
				h.trunc = !h.alerted
			}
			continue
		}
		x.rep.GroupsAlerted++
		ex.Alerts++
		x.history[k] = thresholdMark{created: e, last: g.maxT}
		for _, h := range g.hits {
			h.alerted, h.trunc = true, false
		}
		a := x.alert(g, ex.Time.Time)
		if x.held == nil {
			if err := rn.emit(a); err != nil {
				return err
			}
			continue
		}
		rn.rep.Suppression.Groups++
		rn.rep.Suppression.Alerts++
		a.Suppression = &Suppression{Start: time.UnixMilli(g.minT).UTC(), End: time.UnixMilli(g.maxT).UTC()}
		for _, t := range a.Threshold.Terms {
			a.Suppression.Terms = append(a.Suppression.Terms, SuppressionTerm{Field: t.Field, Value: &t.Value})
		}
		x.held.hold(k, a)
	}
	return nil
}

// finish writes the alerts suppression still holds.
func (x *thresholdExec) finish() error {
	if x.held == nil {
		return nil
	}
	return x.held.finish()
}

// alert builds the threshold alert: a document with the group's terms, the
// latest event time as its original time, and the threshold result.
func (x *thresholdExec) alert(g *thresholdGroup, at time.Time) *Alert {
	rn := x.rn
	res := &ThresholdResult{Count: len(g.hits), From: time.UnixMilli(g.minT).UTC()}
	fields := map[string]any{"@timestamp": isoMillis(time.UnixMilli(g.maxT))}
	for i, f := range x.t.Field {
		res.Terms = append(res.Terms, ThresholdTerm{Field: f, Value: g.terms[i]})
		fields[f] = g.terms[i]
	}
	if x.card != nil {
		res.Cardinality = []ThresholdCardinality{{Field: x.t.Cardinality[0].Field, Value: len(g.cardinality)}}
	}
	// As bulk_create_threshold_signals.ts (transformBucketIntoHit) writes
	// it: the terms as flat keys, @timestamp the latest event, _index the
	// rule's patterns, and an id from the rule, the execution, the fields
	// and the terms (calculateThresholdSignalUuid; the hash is this
	// package's).
	sum := sha256.Sum256([]byte(rn.cfg.ruleUUID + "\x00threshold\x00" + isoMillis(at) + "\x00" + strings.Join(x.t.Field, ",") + "\x00" + strings.Join(g.terms, "\x00")))
	id := hex.EncodeToString(sum[:])
	last := g.hits[len(g.hits)-1]
	a := rn.alertOn(last, at)
	a.UUID, a.ID, a.Index = id, id, strings.Join(rn.rep.Index, ",")
	a.fields = fields // a document of the terms, not of an event
	a.EventTime = time.UnixMilli(g.maxT).UTC()
	a.Threshold = res
	return a
}

// termCombinations returns the combinations of the fields' values in the
// event, each as one value per field, in the order of a composite
// aggregation's buckets; nil when a field has no value. With no fields it
// returns one empty combination: every event falls in one group. The
// combinations share their backing arrays: read only.
func termCombinations(fields eval.Event, paths []*eval.Path) [][]string {
	if len(paths) == 0 {
		return oneEmptyCombination
	}
	var combos [][]string
	for i, p := range paths {
		vals := fieldTerms(fields, p)
		if len(vals) == 0 {
			return nil
		}
		if i == 0 { // one combination a value, each the value's own slice of vals
			combos = make([][]string, len(vals))
			for k := range vals {
				combos[k] = vals[k : k+1 : k+1]
			}
			continue
		}
		next := make([][]string, 0, len(combos)*len(vals))
		for _, c := range combos {
			for _, v := range vals {
				next = append(next, append(slices.Clip(c), v))
			}
		}
		combos = next
	}
	return combos
}

// fieldTerms returns the distinct values of a field as the text a terms
// aggregation keys them on (eval.KeywordText), sorted as doc values are.
func fieldTerms(fields eval.Event, p *eval.Path) []string {
	var c termCollector
	fields.Values(p, &c)
	slices.Sort(c.vals)
	return slices.Compact(c.vals)
}

// oneEmptyCombination is termCombinations with no fields (read only).
var oneEmptyCombination = [][]string{{}}

type termCollector struct{ vals []string }

func (c *termCollector) Visit(v any) bool {
	if s, ok := eval.KeywordText(v); ok {
		c.vals = append(c.vals, s)
	}
	return false
}

// thresholdFacts is what a threshold rule reads of an event it takes,
// read when the event is added rather than when the rule takes it: an
// event that only threshold rules take keeps these rather than its text
// in a replay that saves no state (WithoutState), since a threshold
// alert is a document of its group's terms, not of an event: Kibana
// builds it from the composite bucket alone (its key, doc_count, min and
// max timestamps, cardinality count: transformBucketIntoHit in
// rule_types/threshold/bulk_create_threshold_signals.ts), the events'
// sources never read. The alert names its last event's file and line,
// which the kept event still holds.
type thresholdFacts struct {
	filtered bool       // the rule's filters refuse the event
	terms    [][]string // termCombinations
	card     []string   // the cardinality field's terms
}

// appendFacts appends the encoding of the rule's thresholdFacts of the
// event: filtered tells that the rule's filters refuse it (then nothing
// else is read). readThresholdFacts reads it back.
func (x *thresholdExec) appendFacts(b []byte, fields eval.Event, filtered bool) []byte {
	if filtered {
		return append(b, 0)
	}
	b = append(b, 1)
	terms := termCombinations(fields, x.fields)
	if terms == nil {
		b = append(b, 0)
	} else {
		b = binary.AppendUvarint(b, uint64(len(terms))+1)
		for _, c := range terms {
			b = appendStrings(b, c)
		}
	}
	var card []string
	if x.card != nil {
		card = fieldTerms(fields, x.card)
	}
	return appendStrings(b, card)
}

// appendStrings appends the count of ss, then each one's length and
// bytes.
func appendStrings(b []byte, ss []string) []byte {
	b = binary.AppendUvarint(b, uint64(len(ss)))
	for _, s := range ss {
		b = binary.AppendUvarint(b, uint64(len(s)))
		b = append(b, s...)
	}
	return b
}

// readThresholdFacts reads a record appendFacts wrote at the start of b
// into f, and returns the rest of b; errCorrupt when b does not hold
// one.
func readThresholdFacts(b []byte, f *thresholdFacts) ([]byte, error) {
	d := recordReader{b: b}
	*f = thresholdFacts{}
	switch d.uvarint() {
	case 0:
		f.filtered = true
	case 1:
		if n := d.count(); n > 0 {
			f.terms = make([][]string, n-1)
			for i := range f.terms {
				if f.terms[i] = d.strings(); f.terms[i] == nil {
					f.terms[i] = []string{} // as termCombinations gives it
				}
			}
		}
		f.card = d.strings()
	default:
		d.bad = true
	}
	if d.bad {
		return nil, errCorrupt
	}
	return d.b, nil
}
