package replay

import (
	"reflect"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
)

// TestSequenceStateRoundTrip: a sequence rule's executor saved between
// two events and restored in a new runner goes on as the one never
// stopped: the pending sequence of the whole-stream search (eql.Matcher's
// Save), the ids of the sequences alerted and left out, the implicit
// order and the counts.
func TestSequenceStateRoundTrip(t *testing.T) {
	rule := &rules.Rule{Name: "seq", RuleID: "r1", Type: rules.TypeEQL, Language: rules.LanguageEQL,
		Query:    `sequence by host.name with maxspan=1m [process where true] [network where true] until [file where true]`,
		Interval: 5 * time.Minute, From: "now-9m", Index: []string{"logs-*"}}
	newExec := func() (*runner, *seqExec) {
		rn, err := newRunner(rule, []RunOption{WithAnyIndex()})
		if err != nil {
			t.Fatal(err)
		}
		rn.start(0, 0)
		return rn, rn.exec.(*seqExec)
	}
	base := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	ev := func(sec int, category, host string) *hit {
		ts := base.Add(time.Duration(sec) * time.Second)
		m := map[string]any{"@timestamp": ts.Format(time.RFC3339), "event": map[string]any{"category": category}, "host": map[string]any{"name": host}}
		return &hit{ev: events.Record{Fields: m}, t: ts.UnixMilli(), index: "logs-a"}
	}
	_, a := newExec()
	a.observe(ev(0, "process", "h1"))
	a.observe(ev(1, "process", "h2"))
	a.observe(ev(2, "process", "h3"))
	a.observe(ev(3, "file", "h3")) // until: drops h3's
	a.alerted["shell-1"], a.cut["shell-2"] = true, true
	data, err := a.saveSeq()
	if err != nil {
		t.Fatal(err)
	}
	_, b := newExec()
	if err := b.restoreSeq(data); err != nil {
		t.Fatal(err)
	}
	for _, x := range []*seqExec{a, b} {
		x.observe(ev(10, "network", "h1"))  // completes h1's
		x.observe(ev(100, "network", "h2")) // after maxspan
		if err := x.finish(); err != nil {
			t.Fatal(err)
		}
	}
	want := SequenceReport{Stream: true, InStream: 1, DroppedMaxspan: 1, DroppedUntil: 1, Lost: 1}
	if a.rep != want {
		t.Errorf("uninterrupted: %+v, want %+v", a.rep, want)
	}
	if b.rep != a.rep || b.seen != a.seen || !reflect.DeepEqual(b.alerted, a.alerted) || !reflect.DeepEqual(b.cut, a.cut) {
		t.Errorf("restored: %+v seen %d %v %v; uninterrupted %+v seen %d %v %v", b.rep, b.seen, b.alerted, b.cut, a.rep, a.seen, a.alerted, a.cut)
	}
	if err := b.restoreSeq([]byte(`{"stream":`)); err == nil {
		t.Error("a cut state restored")
	}
}

// TestSequenceEventsBounded: the events of hits no execution will see
// (after WithNow's last execution) are not kept.
func TestSequenceEventsBounded(t *testing.T) {
	rule := &rules.Rule{Name: "seq", RuleID: "r1", Type: rules.TypeEQL, Language: rules.LanguageEQL,
		Query:    `sequence by host.name with maxspan=1m [process where true] [network where true]`,
		Interval: 5 * time.Minute, From: "now-9m", Index: []string{"logs-*"}}
	now := time.Date(2024, 5, 1, 10, 0, 0, 0, time.UTC)
	var evs []map[string]any
	for i := range 10000 {
		evs = append(evs, map[string]any{"@timestamp": now.Add(time.Duration(i+1) * time.Second).Format(time.RFC3339),
			"event": map[string]any{"category": "process"}, "host": map[string]any{"name": "h"}})
	}
	r, err := newReplay([]*rules.Rule{rule}, nil, []RunOption{WithAnyIndex(), WithNow(now), WithArrivalOrder()})
	if err != nil {
		t.Fatal(err)
	}
	r.selfMatch = true
	for i, m := range evs {
		if err := r.Add(Event{Map: m, File: "-", Line: i + 1}, nil); err != nil {
			t.Fatal(err)
		}
		if n := len(r.runners[0].exec.(*seqExec).evs); n > 2048 {
			t.Fatalf("after %d events, %d events kept", i+1, n)
		}
	}
	reps, err := r.Finish()
	if err != nil {
		t.Fatal(err)
	}
	if reps[0].MatchesUnseen != 10000 {
		t.Errorf("%d matches unseen, want 10000", reps[0].MatchesUnseen)
	}
}
