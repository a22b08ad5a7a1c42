package replay

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/rules"
)

// seqSuppress is alert suppression on an EQL sequence (or sample) rule, as
// Kibana suppresses the sequences an execution's _eql/search returns
// (elastic/kibana, x-pack/solutions/security/plugins/security_solution/
// server/lib/detection_engine/rule_types/: eql/eql.ts calls
// utils/bulk_create_suppressed_alerts_in_memory.ts
// bulkCreateSuppressedSequencesInMemory; utils/utils.ts
// buildShellAlertSuppressionTermsAndFields; factories/
// alert_with_suppression.ts, the persistence wrapper's alertWithSuppression
// and suppressAlertsInMemory). Kibana 8.18 introduced it (kibana#189725;
// detection-rules' test_eql_non_sequence_support_only refuses it below
// 8.18).
//
// Each sequence becomes its shell alert and building blocks, as without
// suppression. The group_by values are read from the shell alert (the
// fields its events share: objectArrayIntersection), with robustGet, as
// they are: a string, a number, an array sorted; a field the events do
// not all share is missing (null). With missing_fields_strategy
// doNotSuppress a sequence whose shell lacks a group_by field alerts as
// without suppression (shell and building blocks, no suppression fields),
// all such documents of the execution cut to max_signals documents (the
// building blocks count). The others are suppressed: a sequence whose
// shell id the alerts index holds is left out (filterDuplicateAlerts); a
// group's alert of an earlier execution found (within the look-back per
// execution, within the duration otherwise) whose suppression end is not
// before the sequence's leaves it out (already suppressed); the rest are
// sorted by suppression start (stable) and the first of each group is its
// alert, docs_count counting the others, end their latest; per execution
// each is a new alert, over a duration one folds into the group's alert
// found (docs_count grows by its own + 1). The new alerts are written
// shell then building blocks, cut to max_signals less the shells written
// above (documents, building blocks included; no cut when that is 0). The
// building blocks of a suppressed sequence are never written.
//
// The suppression start and end of a sequence are the shell's
// timestamp_override value (the events share it), else its @timestamp:
// the execution's time. So a sequence one execution suppressed that the
// next, overlapping one finds again (its shell id is not in the alerts
// index) is suppressed, or alerted, again, as in Kibana.
type seqSuppress struct {
	x        *seqExec
	s        *rules.AlertSuppression
	duration int64       // ms; 0 per execution
	held     *heldAlerts // duration: the shells that can still grow, with their building blocks
	// last is, per execution, each group's latest alert of the executions
	// within a look-back: its creation and suppression end (Kibana's
	// query for existing alerts from tuple.from)
	last map[string]seqLast
	// partial: the shells written whose building blocks were cut, and
	// how many were written (the alerts index holds those)
	partial map[string]int
	rep     *SuppressionReport
}

// seqLast is a group's alert: when it was created, and its suppression
// end, in Unix milliseconds.
type seqLast struct {
	Start int64 `json:"start"`
	End   int64 `json:"end"`
}

func newSeqSuppress(x *seqExec) *seqSuppress {
	rn := x.rn
	q := &seqSuppress{x: x, s: rn.rule.AlertSuppression, last: map[string]seqLast{}, partial: map[string]int{}, rep: &SuppressionReport{}}
	if d := q.s.Duration; d != nil {
		q.duration = d.Duration().Milliseconds()
		q.held = newHeldAlerts(rn, q.duration)
	}
	rn.rep.Suppression = q.rep
	return q
}

// seqCand is a sequence of an execution: its group of alerts (the shell
// first), its group key, terms and suppression time.
type seqCand struct {
	g      seqGroup
	alerts []*Alert
	key    string
	terms  []SuppressionTerm
	t      int64
}

// execute alerts on the sequences the execution at e found (seqs, after
// max_signals).
func (q *seqSuppress) execute(e int64, ex *Execution, seqs []*eql.FoundSequence, byID map[string]*hit) error {
	x, rn := q.x, q.x.rn
	if q.held != nil {
		if err := q.held.flush(e); err != nil {
			return err
		}
	}
	for k, l := range q.last {
		if l.Start < addSat(e, -rn.lookBack) {
			delete(q.last, k)
		}
	}
	at := timeOf(e).Time
	var plain, cands []seqCand
	for _, s := range seqs {
		g := x.group(s, byID)
		_, part := q.partial[g.shell]
		if x.alerted[g.shell] && !part { // filterDuplicateAlerts: the group's ids are in the alerts index
			x.rep.FoundAgain++
			ex.Duplicates++
			continue
		}
		c := seqCand{g: g, alerts: g.alerts(x, at)}
		doc := c.alerts[0].Document()
		missing := false
		for _, f := range q.s.GroupBy {
			v := robustGet(doc, f)
			missing = missing || v == nil
			c.terms = append(c.terms, suppressionTermOf(f, v))
		}
		if missing && q.s.MissingFieldsStrategy == rules.DoNotSuppressMissing {
			q.rep.MissingFields++
			plain = append(plain, c)
			continue
		}
		if x.alerted[g.shell] { // the suppressed path checks the shell's id only
			x.rep.FoundAgain++
			ex.Duplicates++
			continue
		}
		if missing {
			q.rep.MissingFields++
		}
		b, _ := json.Marshal(c.terms)
		c.key, c.t = string(b), q.suppressionTime(doc, e)
		cands = append(cands, c)
	}
	created, err := q.writePlain(ex, plain)
	if err != nil {
		return err
	}
	return q.suppress(e, ex, cands, rn.rep.MaxSignals-created)
}

// writePlain writes the sequences not suppressed (doNotSuppress, a
// group_by field missing) as bulkCreate does: the documents the alerts
// index does not hold, cut to max_signals. It returns the shells written.
func (q *seqSuppress) writePlain(ex *Execution, plain []seqCand) (int, error) {
	x := q.x
	room, created := x.rn.rep.MaxSignals, 0
	for _, c := range plain {
		from := 0 // the first document not in the alerts index
		if x.alerted[c.g.shell] {
			from = 1 + q.partial[c.g.shell]
			x.rep.FoundAgain++
			ex.Duplicates++
		}
		n, err := q.write(ex, c, from, &room)
		if err != nil {
			return created, err
		}
		if from == 0 && n > 0 {
			created++
		}
	}
	return created, nil
}

// write writes (or holds, over a duration) the documents of c from the
// from-th (0: the shell) while room lasts, records what the alerts index
// then holds, and returns the documents written.
func (q *seqSuppress) write(ex *Execution, c seqCand, from int, room *int) (int, error) {
	x := q.x
	docs := c.alerts[from:]
	if *room >= 0 && len(docs) > *room {
		docs = docs[:*room]
	}
	if *room >= 0 {
		*room -= len(docs)
	}
	shell := c.g.shell
	if len(docs) == 0 {
		if from == 0 { // cut: never written
			x.cut[shell] = true
		}
		return 0, nil
	}
	x.alerted[shell] = true
	delete(x.cut, shell)
	if from == 0 {
		x.rep.Found++
	}
	if blocks := from + len(docs) - 1; blocks < len(c.alerts)-1 {
		q.partial[shell] = blocks
	} else {
		delete(q.partial, shell)
	}
	c.g.markAlerted()
	ex.Alerts += len(docs)
	if q.held != nil && c.alerts[0].Suppression != nil && from == 0 {
		q.held.hold(c.key, docs[0], docs[1:]...)
		return len(docs), nil
	}
	for _, a := range docs {
		if err := x.rn.emit(a); err != nil {
			return 0, err
		}
	}
	return len(docs), nil
}

// suppress suppresses the execution's sequences by group and writes the
// new alerts, at most maxAlerts documents (no cut when 0 or less).
func (q *seqSuppress) suppress(e int64, ex *Execution, cands []seqCand, maxAlerts int) error {
	x := q.x
	// an earlier execution's alert of the group whose suppression end is
	// not before the sequence's: already suppressed
	cands = slices.DeleteFunc(cands, func(c seqCand) bool {
		if end, ok := q.existing(c.key, e); ok && end >= c.t {
			x.rep.FoundAgain++
			ex.Duplicates++
			return true
		}
		return false
	})
	slices.SortStableFunc(cands, func(a, b seqCand) int { return cmp.Compare(a.t, b.t) })
	type group struct {
		first   seqCand
		members []seqCand
		end     int64
	}
	byKey := map[string]*group{}
	var order []*group
	for _, c := range cands {
		if g := byKey[c.key]; g != nil {
			g.members = append(g.members, c)
			g.end = max(g.end, c.t)
			continue
		}
		g := &group{first: c, end: c.t}
		byKey[c.key] = g
		order = append(order, g)
	}
	room := -1
	if maxAlerts > 0 {
		room = maxAlerts
	}
	for _, g := range order {
		q.rep.Groups++
		folded := func() {
			for _, m := range g.members {
				m.g.markAlerted()
				delete(x.cut, m.g.shell)
			}
		}
		if a := q.findHeld(g.first.key, e); a != nil { // over a duration: into the group's alert
			a.Suppression.DocsCount += len(g.members) + 1
			q.rep.Suppressed += len(g.members) + 1
			a.Suppression.End = maxTime(a.Suppression.End, time.UnixMilli(g.end).UTC())
			g.members = append(g.members, g.first)
			folded()
			continue
		}
		shell := g.first.alerts[0]
		shell.Suppression = &Suppression{Terms: g.first.terms, DocsCount: len(g.members),
			Start: time.UnixMilli(g.first.t).UTC(), End: time.UnixMilli(g.end).UTC()}
		n, err := q.write(ex, g.first, 0, &room)
		if err != nil {
			return err
		}
		if n == 0 { // cut: the suppressed sequences are lost with it
			for _, m := range g.members {
				x.cut[m.g.shell] = true
			}
			continue
		}
		q.rep.Alerts++
		q.rep.Suppressed += len(g.members)
		folded()
		if q.held == nil {
			q.last[g.first.key] = seqLast{Start: e, End: g.end}
		}
	}
	return nil
}

// existing returns the suppression end of the group's alert an earlier
// execution created that Kibana's query for existing alerts finds: within
// the duration (the alert held open), or per execution from the window's
// start.
func (q *seqSuppress) existing(key string, e int64) (int64, bool) {
	if q.held != nil {
		if a := q.held.find(key, e); a != nil {
			return a.Suppression.End.UnixMilli(), true
		}
		return 0, false
	}
	l, ok := q.last[key]
	return l.End, ok && l.Start >= addSat(e, -q.x.rn.lookBack)
}

func (q *seqSuppress) findHeld(key string, e int64) *Alert {
	if q.held == nil {
		return nil
	}
	return q.held.find(key, e)
}

// suppressionTime is the shell alert's suppression start and end: its
// primary timestamp (timestamp_override, else @timestamp), else the
// secondary (@timestamp, with an override and its fallback), else its
// @timestamp: the execution's time.
func (q *seqSuppress) suppressionTime(doc map[string]any, e int64) int64 {
	r := q.x.rn.rule
	fields := []string{"@timestamp"}
	if r.TimestampOverride != "" {
		fields = []string{r.TimestampOverride}
		if !r.TimestampOverrideFallbackDisabled {
			fields = append(fields, "@timestamp")
		}
	}
	for _, f := range fields {
		if v := robustGet(doc, f); v != nil {
			if t, ok := eval.DateOf(v); ok {
				return t.UnixMilli()
			}
		}
	}
	return e
}

// finish writes the alerts still held.
func (q *seqSuppress) finish() error {
	if q.held == nil {
		return nil
	}
	return q.held.finish()
}

// robustGet is Kibana's robustGet (utils/source_fields_merging/utils/
// robust_field_access.ts): the value of key in doc, its dots any mix of
// dotted keys and nested objects; nil when missing or null.
func robustGet(doc map[string]any, key string) any {
	if v := doc[key]; v != nil {
		return v
	}
	parts := strings.Split(key, ".")
	for i := range len(parts) - 1 {
		v := doc[strings.Join(parts[:i+1], ".")]
		if v == nil {
			continue
		}
		if m, ok := v.(map[string]any); ok {
			return robustGet(m, strings.Join(parts[i+1:], "."))
		}
		return nil
	}
	return nil
}

// suppressionTermOf is getSuppressionTerms' term of a shell alert's
// value: null when missing, an array sorted (lodash sortBy: numbers by
// value, strings by text), anything else as it is.
func suppressionTermOf(field string, v any) SuppressionTerm {
	t := SuppressionTerm{Field: field}
	switch x := v.(type) {
	case nil:
		return t
	case string:
		t.Value = &x
		return t
	case []any:
		strs := make([]string, 0, len(x))
		for _, e := range x {
			if s, ok := e.(string); ok {
				strs = append(strs, s)
			}
		}
		if len(strs) == len(x) {
			slices.Sort(strs)
			t.Values = strs
			return t
		}
		sorted := slices.Clone(x)
		slices.SortStableFunc(sorted, func(a, b any) int {
			na, oka := numberOf(a)
			nb, okb := numberOf(b)
			if oka && okb {
				return cmp.Compare(na, nb)
			}
			return 0
		})
		v = sorted
	}
	t.Raw, _ = json.Marshal(v)
	return t
}
