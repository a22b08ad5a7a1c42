package replay

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/atomicfile"
	"github.com/kqlrules/kqlrules/rules"
)

// StateKind is the "kind" of a state file: a JSON file without it is not
// a kqlrules replay state.
const StateKind = "kqlrules replay state"

// StateVersion is the version of the state format this package writes and
// reads; a state file of another version is refused.
const StateVersion = 1

// State is what a [Replay] remembers between two runs, for a job that
// replays new events every hour: per rule, its schedule (the executions'
// alignment, the next execution not run, the latest event time seen), the
// identities of the events it alerted on (de-duplication), the matches
// waiting for an execution still to run, and what its type's executor
// remembers (threshold signal history, new terms first-seen times,
// suppression windows and the alerts they hold, EQL's order, a sequence
// rule's pending sequences and the sequences it alerted on). Save it
// with [Replay.FinishState], give it to the next run's [Replay.Restore].
//
// Format. JSON, gzip-compressed when written by WriteFile to a name
// ending in ".gz":
//
//	{"kind": "kqlrules replay state", "version": 1, "order": "time",
//	 "rules": [{"rule_id": ..., "fingerprint": ..., "schedule": {...},
//	            "alerted": [...], "hits": [...], "executor": {...}}, ...]}
//
// "order" is "time" or "arrival" (WithArrivalOrder), and a run in the
// other order refuses the state. A rule is keyed by its rule_id (a
// second rule with the same rule_id by "rule_id#2"...) and carries a
// fingerprint: a SHA-256 of what makes its state valid (type, language,
// the query and index patterns run, interval, look-back, max_signals,
// timestamp override, filters, and the settings of its type). A state whose fingerprint differs from the rule's is an error,
// not state to drop in silence.
type State struct {
	Kind    string      `json:"kind"`
	Version int         `json:"version"`
	Order   string      `json:"order"`
	Rules   []RuleState `json:"rules"`
}

// RuleState is one rule's part of a [State]. Its fields other than RuleID
// and Fingerprint are the package's own: they change only with
// StateVersion.
type RuleState struct {
	RuleID      string          `json:"rule_id"`
	Fingerprint string          `json:"fingerprint"`
	Schedule    scheduleState   `json:"schedule"`
	Alerted     []string        `json:"alerted,omitempty"`
	Hits        []hitState      `json:"hits,omitempty"`
	Executor    json.RawMessage `json:"executor,omitempty"`
}

type scheduleState struct {
	Started bool  `json:"started"`
	Anchor  int64 `json:"anchor"`
	Next    int64 `json:"next"`
	LastRun int64 `json:"last_run"`
	Clock   int64 `json:"clock"`
	MinT    int64 `json:"min_time"`
}

// hitState is a waiting hit: its event's text (while an alert may still
// be built on it) and what the executor read of it.
type hitState struct {
	T            int64           `json:"t"`
	Index        string          `json:"index"`
	ID           string          `json:"id"`
	File         string          `json:"file,omitempty"`
	Line         int             `json:"line,omitempty"`
	Event        json.RawMessage `json:"event,omitempty"`
	Seen         bool            `json:"seen,omitempty"`
	Alerted      bool            `json:"alerted,omitempty"`
	Dup          bool            `json:"dup,omitempty"`
	Trunc        bool            `json:"trunc,omitempty"`
	Missing      bool            `json:"missing,omitempty"`
	Groups       []int           `json:"groups,omitempty"`
	Terms        [][]string      `json:"terms,omitempty"`
	Card         []string        `json:"card,omitempty"`
	Suppress     [][]*string     `json:"suppress,omitempty"`
	NoGroupField bool            `json:"no_group_field,omitempty"`
}

// StateError is a state that cannot be used: unreadable, not a kqlrules
// replay state, of another version or order, or not the state of the
// rules given. File names the state file ("" when decoded from a reader
// without a name).
type StateError struct {
	File string
	Err  error
}

// Error returns "FILE: replay state: why".
func (e *StateError) Error() string {
	if e.File == "" {
		return "replay state: " + e.Err.Error()
	}
	return e.File + ": replay state: " + e.Err.Error()
}

// Unwrap returns why.
func (e *StateError) Unwrap() error { return e.Err }

// stateful is an executor that remembers more than its waiting hits: the
// one method pair a rule type implements to be resumable. save returns
// its memory as JSON; hits gives each waiting hit's index in the rule's
// saved hits, which restore gets back in the same order.
type stateful interface {
	saveState(hits map[*hit]int) (json.RawMessage, error)
	restoreState(data json.RawMessage, hits []*hit) error
}

// Resumed tells what [Replay.Restore] did with a state.
type Resumed struct {
	// Restored lists the rules whose state was restored; Added those
	// without state (new since, they start fresh); Removed the rule ids
	// of the state that no rule has any more (their state is dropped).
	Restored, Added, Removed []string
}

// ReadStateFile reads a state file written by [State.WriteFile] (gzip'd
// or not). A missing file is an error wrapping fs.ErrNotExist; any other
// problem is a *StateError naming the file.
func ReadStateFile(name string) (*State, error) {
	data, err := os.ReadFile(name)
	if err != nil {
		return nil, err
	}
	return DecodeState(data, name)
}

// DecodeState decodes a state (gzip'd or not); name names it in errors.
// It refuses, with a *StateError, anything but a complete state of this
// version: bad gzip, bad JSON, data after the object, another kind or
// version, an unknown order, a rule without id or fingerprint, a rule id
// twice.
func DecodeState(data []byte, name string) (*State, error) {
	bad := func(format string, args ...any) error {
		return &StateError{File: name, Err: fmt.Errorf(format, args...)}
	}
	if bytes.HasPrefix(data, []byte{0x1f, 0x8b}) {
		zr, err := gzip.NewReader(bytes.NewReader(data))
		if err != nil {
			return nil, bad("corrupt gzip: %w", err)
		}
		// a state larger than 1 GiB once unzipped is not one this
		// package wrote from a bounded replay
		data, err = io.ReadAll(io.LimitReader(zr, 1<<30))
		if err != nil {
			return nil, bad("corrupt gzip: %w", err)
		}
	}
	var head struct {
		Kind    string `json:"kind"`
		Version int    `json:"version"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, bad("not a kqlrules replay state: %v", err)
	}
	if head.Kind != StateKind {
		return nil, bad("not a kqlrules replay state (kind %q, want %q)", head.Kind, StateKind)
	}
	if head.Version != StateVersion {
		return nil, bad("version %d, this kqlrules reads version %d: delete the file to start afresh", head.Version, StateVersion)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var s State
	if err := dec.Decode(&s); err != nil {
		return nil, bad("corrupt: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, bad("corrupt: data after the state")
	}
	if s.Order != "time" && s.Order != "arrival" {
		return nil, bad("corrupt: order %q, want time or arrival", s.Order)
	}
	ids := map[string]bool{}
	for i, rs := range s.Rules {
		switch {
		case rs.RuleID == "":
			return nil, bad("corrupt: rules[%d] has no rule_id", i)
		case rs.Fingerprint == "":
			return nil, bad("corrupt: rule %s has no fingerprint", rs.RuleID)
		case ids[rs.RuleID]:
			return nil, bad("corrupt: rule %s twice", rs.RuleID)
		}
		ids[rs.RuleID] = true
		for j, h := range rs.Hits {
			if h.Event != nil && !json.Valid(h.Event) {
				return nil, bad("corrupt: rule %s hits[%d]: the event is not JSON", rs.RuleID, j)
			}
		}
	}
	return &s, nil
}

// Encode returns the state as JSON.
func (s *State) Encode() ([]byte, error) { return json.Marshal(s) }

// WriteFile writes the state to the file name atomically (the old state or
// the new one, never a part), gzip-compressed when name ends in ".gz".
func (s *State) WriteFile(name string) error {
	data, err := s.Encode()
	if err != nil {
		return &StateError{File: name, Err: err}
	}
	if len(name) > 3 && name[len(name)-3:] == ".gz" {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write(data)
		if err := zw.Close(); err != nil {
			return &StateError{File: name, Err: err}
		}
		data = b.Bytes()
	}
	return atomicfile.WriteFile(name, data, 0o644)
}

// stateKeys returns the key of each rule in a state: its rule_id (else
// its name), then "#2", "#3"... for a rule_id seen before.
func stateKeys(rs []*runner) []string {
	n := map[string]int{}
	keys := make([]string, len(rs))
	for i, rn := range rs {
		id := cmpOr(rn.rule.RuleID, rn.rule.Name)
		n[id]++
		keys[i] = id
		if n[id] > 1 {
			keys[i] = id + "#" + strconv.Itoa(n[id])
		}
	}
	return keys
}

// fingerprint is a SHA-256 (hex) of what makes a rule's state valid: its
// type, query, index patterns, schedule and the settings its type's memory
// depends on. Exceptions, WithNow and WithRuleUUID are left out: they
// decide which new matches count and how alerts read, not what the saved
// memory means, and an exception list export changes between hourly runs.
func (rn *runner) fingerprint() string {
	r := rn.rule
	b, _ := json.Marshal(struct {
		Type, Language, Query   string
		Index                   []string
		Interval, LookBack      int64
		MaxSignals              int
		TimestampOverride       string
		NoFallback              bool
		Filters                 []json.RawMessage
		Threshold               *rules.Threshold
		NewTerms                []string
		History                 string
		Suppression             *rules.AlertSuppression
		ThreatIndex             []string
		ThreatQuery, ThreatPath string
		ThreatFilters           []json.RawMessage
		ThreatMapping           []rules.ThreatMapping
		EQL                     rules.EQLSettings
	}{
		rn.rep.Type, rn.rep.Language, rn.rep.Query, rn.rep.Index, rn.interval, rn.lookBack,
		rn.rep.MaxSignals, r.TimestampOverride, r.TimestampOverrideFallbackDisabled,
		r.Filters, r.Threshold, r.NewTermsFields, r.HistoryWindowStart,
		r.AlertSuppression, r.ThreatIndex, r.ThreatQuery, r.ThreatIndicatorPath,
		r.ThreatFilters, r.ThreatMapping, r.EQL(),
	})
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}

// Restore gives the replay the state of an earlier run, before the first
// event is added: each rule with state in s continues where it stopped;
// a rule without starts fresh; the state of a rule that is not in the
// replay any more is dropped (Resumed says which). A state of the other
// order, or one of whose rules has a fingerprint other than the rule's,
// is a *StateError naming file, and the replay unchanged; a rule's state
// that does not restore (a corrupt hit or executor state) is one too,
// after which the replay is not to be used.
func (r *Replay) Restore(s *State, file string) (*Resumed, error) {
	if r.gen != 0 || r.read != 0 || r.resumed {
		return nil, &StateError{File: file, Err: errors.New("restore once, before the first event")}
	}
	order := r.order()
	if s.Order != order {
		return nil, &StateError{File: file, Err: fmt.Errorf("the state is of a replay in %s order, this one is in %s order", s.Order, order)}
	}
	byID := map[string]*RuleState{}
	for i := range s.Rules {
		byID[s.Rules[i].RuleID] = &s.Rules[i]
	}
	keys := stateKeys(r.runners)
	// check everything first: a mismatch leaves the replay as it was
	for i, rn := range r.runners {
		if rs := byID[keys[i]]; rs != nil && rs.Fingerprint != rn.fingerprint() {
			return nil, &StateError{File: file, Err: fmt.Errorf("rule %s (%s) changed since the state was saved (its query, type, index or schedule differ): delete the file, or restore the rule", keys[i], rn.rule.Name)}
		}
	}
	res := &Resumed{}
	used := map[string]bool{}
	for i, rn := range r.runners {
		rs := byID[keys[i]]
		if rs == nil {
			res.Added = append(res.Added, keys[i])
			continue
		}
		used[keys[i]] = true
		if err := rn.restore(rs); err != nil {
			return nil, &StateError{File: file, Err: fmt.Errorf("rule %s: %w", keys[i], err)}
		}
		res.Restored = append(res.Restored, keys[i])
	}
	r.resumed = true
	for _, rs := range s.Rules {
		if !used[rs.RuleID] {
			res.Removed = append(res.Removed, rs.RuleID)
		}
	}
	return res, nil
}

func (r *Replay) order() string {
	if r.arrival {
		return "arrival"
	}
	return "time"
}

// FinishState is Finish for a run whose state the next run restores: the
// executions at or after each rule's latest event time are left to the
// next run (events with that time or later may still come), with the
// matches they would see (Report.MatchesPending) and the alerts that
// suppression holds; it returns the reports and the state to save. A
// replay WithoutState cannot: it fails.
func (r *Replay) FinishState() ([]*Report, *State, error) {
	if r.noState {
		r.close()
		return nil, nil, errors.New("replay: FinishState on a replay WithoutState")
	}
	for _, rn := range r.runners {
		rn.suspend = true
	}
	defer r.close()
	reps, err := r.finish()
	if err != nil {
		return reps, nil, err
	}
	s := &State{Kind: StateKind, Version: StateVersion, Order: r.order()}
	keys := stateKeys(r.runners)
	for i, rn := range r.runners {
		rs, err := rn.save()
		if err != nil {
			return reps, nil, fmt.Errorf("replay state: rule %s: %w", keys[i], err)
		}
		rs.RuleID = keys[i]
		s.Rules = append(s.Rules, *rs)
	}
	return reps, s, nil
}

// save returns the runner's state.
func (rn *runner) save() (*RuleState, error) {
	rs := &RuleState{
		Fingerprint: rn.fingerprint(),
		Schedule: scheduleState{
			Started: rn.started, Anchor: rn.anchor, Next: rn.next,
			LastRun: rn.lastRun, Clock: rn.clock, MinT: rn.minT,
		},
	}
	for k := range rn.alerted {
		rs.Alerted = append(rs.Alerted, k)
	}
	slices.Sort(rs.Alerted)
	idx := make(map[*hit]int, len(rn.buf))
	for i, h := range rn.buf {
		idx[h] = i
		hs := hitState{
			T: h.t, Index: h.index, ID: rn.identity(h), File: h.ev.File, Line: h.ev.Line,
			Seen: h.seen, Alerted: h.alerted, Dup: h.dup, Trunc: h.trunc, Missing: h.missing,
			Groups: h.groups, Terms: h.terms, Card: h.card, Suppress: h.suppress, NoGroupField: h.noGroupField,
		}
		switch {
		case h.released:
		case h.ref.ok():
			text, err := h.ref.read()
			if err != nil {
				return nil, err
			}
			// a copy: the state outlives the replay, whose memory the
			// text may be in (the sorter's chunks go to the next replay)
			hs.Event = bytes.Clone(text)
		case h.ev.Fields != nil:
			b, err := json.Marshal(h.ev.Fields)
			if err != nil {
				return nil, err
			}
			hs.Event = b
		}
		rs.Hits = append(rs.Hits, hs)
	}
	if x, ok := rn.exec.(stateful); ok {
		data, err := x.saveState(idx)
		if err != nil {
			return nil, err
		}
		rs.Executor = data
	}
	return rs, nil
}

// restore sets the runner to a saved state.
func (rn *runner) restore(rs *RuleState) error {
	sc := rs.Schedule
	if sc.Started {
		rn.started, rn.anchor, rn.next, rn.lastRun, rn.clock, rn.minT = true, sc.Anchor, sc.Next, sc.LastRun, sc.Clock, sc.MinT
		rn.restored = true
		rn.resumeCut = addSat(sc.Next, -rn.lookBack)
		if sc.Next != never && rn.alignUp(sc.Next) != sc.Next {
			return fmt.Errorf("schedule: the next execution %d is not on the rule's interval from %d", sc.Next, sc.Anchor)
		}
	}
	for _, k := range rs.Alerted {
		rn.alerted[k] = true
	}
	hits := make([]*hit, len(rs.Hits))
	for i, hs := range rs.Hits {
		if i > 0 && hs.T < rs.Hits[i-1].T {
			return fmt.Errorf("hits[%d]: out of time order", i)
		}
		h := &hit{
			t: hs.T, index: hs.Index, id: hs.ID,
			seen: hs.Seen, alerted: hs.Alerted, dup: hs.Dup, trunc: hs.Trunc, missing: hs.Missing,
			groups: hs.Groups, terms: hs.Terms, card: hs.Card, suppress: hs.Suppress, noGroupField: hs.NoGroupField,
		}
		h.ev.File, h.ev.Line = hs.File, hs.Line
		if hs.Event != nil {
			if _, err := (events.Raw{JSON: hs.Event}).Decode(); err != nil {
				return fmt.Errorf("hits[%d]: %w", i, err)
			}
			h.ref = textRef{mem: []byte(hs.Event)}
		}
		if rn.threat != nil {
			h.groups = rn.threat.restoreGroups(h)
		}
		hits[i] = h
	}
	rn.buf = hits
	rn.rep.MatchesResumed = len(hits)
	if x, ok := rn.exec.(stateful); ok {
		if err := x.restoreState(rs.Executor, hits); err != nil {
			return err
		}
	} else if rs.Executor != nil && string(rs.Executor) != "null" {
		return errors.New("executor state for a rule type that has none")
	}
	if !sc.Started && len(hits) > 0 {
		return errors.New("waiting hits without a schedule")
	}
	return nil
}

// restoreGroups returns the indicator mappings a restored hit matches:
// read again from its event (the indicators given to this run may differ
// from the last run's), else the saved ones that exist.
func (tm *threatMatcher) restoreGroups(h *hit) []int {
	if h.ref.mem != nil {
		var lazy events.Lazy
		lazy.Reset(h.ref.mem)
		return tm.candidates(&lazy)
	}
	return slices.DeleteFunc(h.groups, func(g int) bool { return g < 0 || g >= len(tm.groups) })
}

// alertState is an alert held by suppression.
type alertState struct {
	UUID        string           `json:"uuid"`
	Event       json.RawMessage  `json:"event"`
	File        string           `json:"file,omitempty"`
	Line        int              `json:"line,omitempty"`
	Index       string           `json:"index"`
	ID          string           `json:"id"`
	Time        int64            `json:"time"`
	EventTime   int64            `json:"event_time"`
	Enrichments []Enrichment     `json:"enrichments,omitempty"`
	Threshold   *ThresholdResult `json:"threshold,omitempty"`
	NewTerms    []string         `json:"new_terms,omitempty"`
	Suppression *Suppression     `json:"suppression,omitempty"`
	Sequence    *seqAlertState   `json:"sequence,omitempty"`
}

// seqAlertState is an EQL sequence alert's SequenceAlert.
type seqAlertState struct {
	GroupID   string     `json:"group_id"`
	Index     int        `json:"index"`
	Ancestors []Ancestor `json:"ancestors,omitempty"`
}

func saveAlert(a *Alert) (alertState, error) {
	ev := []byte("{}") // a sequence's shell whose events share nothing, a missing event's building block
	if f := a.eventFields(); f != nil {
		var err error
		if ev, err = json.Marshal(f); err != nil {
			return alertState{}, err
		}
	}
	s := alertState{
		UUID: a.UUID, Event: ev, File: a.File, Line: a.Line, Index: a.Index, ID: a.ID,
		Time: a.Time.UnixMilli(), EventTime: a.EventTime.UnixMilli(), Enrichments: a.Enrichments,
		Threshold: a.Threshold, NewTerms: a.NewTerms, Suppression: a.Suppression,
	}
	if q := a.Sequence; q != nil {
		s.Sequence = &seqAlertState{GroupID: q.GroupID, Index: q.Index, Ancestors: q.Ancestors}
	}
	return s, nil
}

func (rn *runner) restoreAlert(s alertState) (*Alert, error) {
	rec, err := events.Raw{JSON: s.Event, File: s.File, Line: s.Line}.Decode()
	if err != nil {
		return nil, err
	}
	if s.Suppression != nil {
		s.Suppression.Start, s.Suppression.End = s.Suppression.Start.UTC(), s.Suppression.End.UTC()
	}
	if s.Threshold != nil {
		s.Threshold.From = s.Threshold.From.UTC()
	}
	a := &Alert{
		UUID: s.UUID, Index: s.Index, ID: s.ID, File: rec.File, Line: rec.Line, fields: rec.Fields,
		Time: time.UnixMilli(s.Time).UTC(), EventTime: time.UnixMilli(s.EventTime).UTC(),
		Enrichments: s.Enrichments, Threshold: s.Threshold, NewTerms: s.NewTerms, Suppression: s.Suppression,
		rule: rn.rule, uuid: rn.cfg.ruleUUID, version: rn.rep.Version,
		query: rn.rep.Query, index: rn.rep.Index,
	}
	if q := s.Sequence; q != nil {
		a.Sequence = &SequenceAlert{GroupID: q.GroupID, Index: q.Index, Ancestors: q.Ancestors}
	}
	return a, nil
}

// heldState is what heldAlerts holds: the alerts by creation, and the
// group whose open alert each is (Open: the index in Pending).
type heldState struct {
	Pending []heldAlertState `json:"pending,omitempty"`
}

type heldAlertState struct {
	Key    string       `json:"key"`
	Open   bool         `json:"open,omitempty"`
	Alert  alertState   `json:"alert"`
	Blocks []alertState `json:"blocks,omitempty"` // a sequence's building blocks
}

func (h *heldAlerts) save() (*heldState, error) {
	if h == nil {
		return nil, nil
	}
	s := &heldState{}
	for _, p := range h.pending {
		as, err := saveAlert(p.a)
		if err != nil {
			return nil, err
		}
		hs := heldAlertState{Key: p.key, Open: h.open[p.key] == p.a, Alert: as}
		for _, b := range p.blocks {
			bs, err := saveAlert(b)
			if err != nil {
				return nil, err
			}
			hs.Blocks = append(hs.Blocks, bs)
		}
		s.Pending = append(s.Pending, hs)
	}
	return s, nil
}

func (h *heldAlerts) restore(s *heldState) error {
	if s == nil {
		return nil
	}
	if h == nil {
		return errors.New("held alerts for a rule without a suppression duration")
	}
	for i, p := range s.Pending {
		a, err := h.rn.restoreAlert(p.Alert)
		if err != nil {
			return fmt.Errorf("held alert %d: %w", i, err)
		}
		var blocks []*Alert
		for j, bs := range p.Blocks {
			b, err := h.rn.restoreAlert(bs)
			if err != nil {
				return fmt.Errorf("held alert %d, building block %d: %w", i, j, err)
			}
			blocks = append(blocks, b)
		}
		h.pending = append(h.pending, heldAlert{p.Key, a, blocks})
		if p.Open {
			h.open[p.Key] = a
		}
	}
	return nil
}

// thresholdState is a threshold rule's memory.
type thresholdState struct {
	History map[string][2]int64 `json:"history,omitempty"` // group → created, last
	Pruned  int64               `json:"pruned"`
	Held    *heldState          `json:"held,omitempty"`
}

func (x *thresholdExec) saveState(map[*hit]int) (json.RawMessage, error) {
	s := thresholdState{History: map[string][2]int64{}, Pruned: x.pruned}
	for k, m := range x.history {
		s.History[k] = [2]int64{m.created, m.last}
	}
	var err error
	if s.Held, err = x.held.save(); err != nil {
		return nil, err
	}
	return json.Marshal(s)
}

func (x *thresholdExec) restoreState(data json.RawMessage, _ []*hit) error {
	var s thresholdState
	if err := unmarshalState(data, &s); err != nil {
		return err
	}
	for k, m := range s.History {
		x.history[k] = thresholdMark{created: m[0], last: m[1]}
	}
	if s.Pruned != 0 {
		x.pruned = s.Pruned
	}
	return x.held.restore(s.Held)
}

// newTermsState is a new terms rule's memory: each term's distinct times
// within the history window.
type newTermsState struct {
	Seen   map[string][]int64 `json:"seen,omitempty"`
	Pruned int64              `json:"pruned"`
}

func (x *newTermsExec) saveState(map[*hit]int) (json.RawMessage, error) {
	return json.Marshal(newTermsState{Seen: x.seen, Pruned: x.pruned})
}

func (x *newTermsExec) restoreState(data json.RawMessage, _ []*hit) error {
	var s newTermsState
	if err := unmarshalState(data, &s); err != nil {
		return err
	}
	for k, ts := range s.Seen {
		if !slices.IsSorted(ts) {
			return fmt.Errorf("new terms: the times of a term are not sorted")
		}
		x.seen[k] = ts
	}
	if s.Pruned != 0 {
		x.pruned = s.Pruned
	}
	return nil
}

// suppressState is alert suppression's memory.
type suppressState struct {
	Counted map[string]int64 `json:"counted,omitempty"`
	Pruned  int64            `json:"pruned"`
	Held    *heldState       `json:"held,omitempty"`
}

func (x *suppressExec) saveState(map[*hit]int) (json.RawMessage, error) {
	held, err := x.held.save()
	if err != nil {
		return nil, err
	}
	return json.Marshal(suppressState{Counted: x.counted, Pruned: x.pruned, Held: held})
}

func (x *suppressExec) restoreState(data json.RawMessage, _ []*hit) error {
	var s suppressState
	if err := unmarshalState(data, &s); err != nil {
		return err
	}
	for k, v := range s.Counted {
		x.counted[k] = v
	}
	if s.Pruned != 0 {
		x.pruned = s.Pruned
	}
	return x.held.restore(s.Held)
}

// threatState is an indicator match rule's memory: the waiting hits
// counted in EventsNoIndicator.
type threatState struct {
	NoIndicator []int `json:"no_indicator,omitempty"`
}

func (x *threatExec) saveState(hits map[*hit]int) (json.RawMessage, error) {
	var s threatState
	for h, i := range hits {
		if h.noIndicator {
			s.NoIndicator = append(s.NoIndicator, i)
		}
	}
	slices.Sort(s.NoIndicator)
	return json.Marshal(s)
}

func (x *threatExec) restoreState(data json.RawMessage, hits []*hit) error {
	var s threatState
	if err := unmarshalState(data, &s); err != nil {
		return err
	}
	for _, i := range s.NoIndicator {
		if i < 0 || i >= len(hits) {
			return fmt.Errorf("threat match: hit %d of %d", i, len(hits))
		}
		hits[i].noIndicator = true
	}
	return nil
}

// eqlState is an EQL event-query rule's memory: the indexing order of its
// waiting hits, and its suppression's.
type eqlState struct {
	Seen     int             `json:"seen"`
	Ords     []int           `json:"ords,omitempty"` // per waiting hit; 0: none
	Keys     []*eql.OrderKey `json:"keys,omitempty"` // per waiting hit, its place in EQL's order; nil: none
	Suppress json.RawMessage `json:"suppress,omitempty"`
}

func (x *eqlExec) saveState(hits map[*hit]int) (json.RawMessage, error) {
	s := eqlState{Seen: x.seen, Ords: make([]int, len(hits)), Keys: make([]*eql.OrderKey, len(hits))}
	for h, i := range hits {
		s.Ords[i] = x.ords[h]
		if k, ok := x.keys[h]; ok {
			s.Keys[i] = &k
		}
	}
	if x.suppress != nil {
		var err error
		if s.Suppress, err = x.suppress.saveState(hits); err != nil {
			return nil, err
		}
	}
	return json.Marshal(s)
}

func (x *eqlExec) restoreState(data json.RawMessage, hits []*hit) error {
	var s eqlState
	if err := unmarshalState(data, &s); err != nil {
		return err
	}
	if len(s.Ords) != 0 && len(s.Ords) != len(hits) {
		return fmt.Errorf("eql: %d orders for %d hits", len(s.Ords), len(hits))
	}
	if len(s.Keys) != 0 && len(s.Keys) != len(hits) {
		return fmt.Errorf("eql: %d order keys for %d hits", len(s.Keys), len(hits))
	}
	x.seen = s.Seen
	for i, ord := range s.Ords {
		if ord == 0 {
			continue
		}
		h := hits[i]
		x.ords[h] = ord
		// the key as the saving run read it: the event of a hit alerted
		// on is not kept to read it again
		if len(s.Keys) > 0 && s.Keys[i] != nil {
			x.keys[h] = *s.Keys[i]
		} else {
			x.keys[h] = x.keyOf(hitEvent(h), ord)
		}
	}
	if x.suppress != nil {
		return x.suppress.restoreState(s.Suppress, hits)
	}
	return nil
}

// seqExecState is a sequence or sample rule's executor state: the
// executor's own (seqExec.saveSeq: the whole-stream matcher's pending
// sequences, the sequences alerted, the counts) and the EQL ordinal of
// each waiting hit (0: none, no timestamp_field), by which restoreState
// reads their events again for the windows still to be searched.
type seqExecState struct {
	Exec     json.RawMessage   `json:"exec"`
	Ords     []int64           `json:"ords,omitempty"`
	Suppress *seqSuppressState `json:"suppress,omitempty"`
}

// seqSuppressState is a sequence rule's alert suppression memory: each
// group's latest alert within a look-back (per execution), the shells
// written without all their building blocks, and the alerts held over a
// duration.
type seqSuppressState struct {
	Last    map[string]seqLast `json:"last,omitempty"`
	Partial map[string]int     `json:"partial,omitempty"`
	Held    *heldState         `json:"held,omitempty"`
}

func (x *seqExec) saveState(hits map[*hit]int) (json.RawMessage, error) {
	exec, err := x.saveSeq()
	if err != nil {
		return nil, err
	}
	s := seqExecState{Exec: exec, Ords: make([]int64, len(hits))}
	if q := x.suppress; q != nil {
		held, err := q.held.save()
		if err != nil {
			return nil, err
		}
		s.Suppress = &seqSuppressState{Last: q.last, Partial: q.partial, Held: held}
	}
	for h, i := range hits {
		if ev := x.evs[h]; ev != nil {
			s.Ords[i] = ev.Ordinal.Implicit
		}
	}
	return json.Marshal(s)
}

func (x *seqExec) restoreState(data json.RawMessage, hits []*hit) error {
	var s seqExecState
	if err := unmarshalState(data, &s); err != nil {
		return err
	}
	if len(s.Ords) != 0 && len(s.Ords) != len(hits) {
		return fmt.Errorf("sequence: %d orders for %d hits", len(s.Ords), len(hits))
	}
	if s.Exec != nil {
		if err := x.restoreSeq(s.Exec); err != nil {
			return err
		}
	}
	if q, ss := x.suppress, s.Suppress; ss != nil {
		if q == nil {
			return errors.New("sequence: suppression state for a rule without alert suppression")
		}
		maps.Copy(q.last, ss.Last)
		maps.Copy(q.partial, ss.Partial)
		if err := q.held.restore(ss.Held); err != nil {
			return fmt.Errorf("sequence: %w", err)
		}
	}
	for i, ord := range s.Ords {
		h := hits[i]
		if ord == 0 || h.ref.mem == nil {
			continue
		}
		rec, err := (events.Raw{JSON: h.ref.mem}).Decode()
		if err != nil {
			return fmt.Errorf("hits[%d]: %w", i, err)
		}
		doc := eql.Doc{Index: h.index, ID: strconv.FormatInt(ord, 10), Source: rec.Fields}
		if ev, ok := x.plan.Event(doc, ord); ok {
			x.evs[h] = &ev
		}
	}
	return nil
}

// unmarshalState decodes an executor's state; none is the empty state.
func unmarshalState(data json.RawMessage, v any) error {
	if len(data) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	return dec.Decode(v)
}
