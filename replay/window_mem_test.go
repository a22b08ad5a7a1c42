package replay

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
)

// TestWindowHoldsNoText: a look-back window holding many hits that no
// alert is built on (a threshold rule's, which alerts on the group; a
// query rule's left out by max_signals) holds where their events' text
// is, not the text: the heap the replay holds while the window is full,
// measured from an alert of that execution, stays far below the texts'
// size, in time order with the events spilled to runs and in arrival
// order. (A window used to hold every hit's text: the memory of a replay
// grew with the events at the same times, 50 copies of a corpus held 50
// times its matches.)
func TestWindowHoldsNoText(t *testing.T) {
	if raceEnabled {
		t.Skip("heap figures under the race detector are not the program's")
	}
	const n, size = 4000, 8 << 10
	filler := bytes.Repeat([]byte("x"), size)
	base := func() *rules.Rule {
		return &rules.Rule{
			RuleID: "00000000-0000-4000-8000-000000000001", Name: "window", Description: "d",
			Type: rules.TypeQuery, Language: rules.LanguageKuery, Query: "host.name:*",
			Index: []string{"logs-*"}, Severity: "low", RiskScore: 21,
			Interval: 5 * time.Minute, From: "now-9m", MaxSignals: 1, Version: 1,
		}
	}
	threshold := base()
	threshold.Type, threshold.Threshold = rules.TypeThreshold, &rules.Threshold{Field: []string{"host.name"}, Value: n}
	truncated := base()
	for _, c := range []struct {
		name string
		rule *rules.Rule
		opts []RunOption
	}{
		{"threshold, time order", threshold, []RunOption{WithSortMemory(1 << 20), WithTempDir(t.TempDir())}},
		{"threshold, arrival order", threshold, []RunOption{WithArrivalOrder()}},
		{"query left out by max_signals, time order", truncated, []RunOption{WithSortMemory(1 << 20), WithTempDir(t.TempDir())}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var held int64 = -1
			var before runtime.MemStats
			opts := append(c.opts, WithAlertFunc(func(*Alert) error {
				if held < 0 {
					var now runtime.MemStats
					runtime.GC()
					runtime.ReadMemStats(&now)
					held = int64(now.HeapAlloc) - int64(before.HeapAlloc)
				}
				return nil
			}))
			runtime.GC()
			runtime.ReadMemStats(&before)
			r, err := NewReplay([]*rules.Rule{c.rule}, opts...)
			if err != nil {
				t.Fatal(err)
			}
			var text []byte
			for i := range n {
				text = fmt.Appendf(text[:0], `{"@timestamp":"2023-01-01T00:00:%02d.%03dZ","_index":"logs-x","host.name":"h","n":%d,"filler":"%s"}`, i%60, i%1000, i, filler)
				var lazy events.Lazy
				lazy.Reset(text)
				if err := r.Add(Event{Fields: &lazy, JSON: text, File: "x", Line: i + 1}, []int{0}); err != nil {
					t.Fatal(err)
				}
			}
			reps, err := r.Finish()
			if err != nil {
				t.Fatal(err)
			}
			if reps[0].AlertCount == 0 || held < 0 {
				t.Fatalf("no alert: the test proves nothing (%+v)", reps[0])
			}
			texts := int64(n * size)
			t.Logf("%d hits of %d-byte events: %d bytes held (%.3f of their text)", n, size, held, float64(held)/float64(texts))
			if held > texts/10 {
				t.Errorf("the window holds %d bytes, more than a tenth of its hits' text (%d)", held, texts)
			}
		})
	}
}
