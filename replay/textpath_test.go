package replay_test

import (
	"bytes"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// TestReplayTextEqualsRun: the rule type scenarios replayed from their
// events' text (a Replay fed JSON lines, as a rule set feeds it: the
// hits hold where the text is and read it again for an alert, an
// identity or a state) give Run's alerts and report, in time order with
// the events in memory, in time order with every event spilled to its own
// run, and in arrival order (the events are sorted, so both orders
// agree), each also WithoutState (an event only threshold rules take
// kept as their facts); and the state FinishState saves is the same in
// each.
func TestReplayTextEqualsRun(t *testing.T) {
	for _, tc := range ruleTypeCases() {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.parse(t)
			path := tc.eventsPath()
			want, err := replay.Run(r, events.ReadFiles([]string{path}, nil), replay.WithAnyIndex())
			if err != nil {
				t.Fatal(err)
			}
			text, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			prep, err := replay.Prepare(r)
			if err != nil {
				t.Fatal(err)
			}
			var state []byte
			for _, mode := range []struct {
				name string
				opts []replay.RunOption
			}{
				{"time", nil},
				{"time, spilled", []replay.RunOption{replay.WithSortMemory(1), replay.WithTempDir(t.TempDir())}},
				{"arrival", []replay.RunOption{replay.WithArrivalOrder(), replay.WithTempDir(t.TempDir())}},
				// a replay that saves no state keeps less (threshold)
				{"time, without state", []replay.RunOption{replay.WithoutState()}},
				{"time, spilled, without state", []replay.RunOption{replay.WithSortMemory(1), replay.WithTempDir(t.TempDir()), replay.WithoutState()}},
				{"arrival, without state", []replay.RunOption{replay.WithArrivalOrder(), replay.WithTempDir(t.TempDir()), replay.WithoutState()}},
			} {
				noState := strings.HasSuffix(mode.name, "without state")
				var alerts []*replay.Alert
				opts := append(mode.opts, replay.WithAnyIndex(), replay.WithAlertFunc(func(a *replay.Alert) error {
					alerts = append(alerts, a)
					return nil
				}))
				// the state: the same replay, left for a next run
				for _, save := range []bool{false, true} {
					if save && noState {
						continue // FinishState refuses it
					}
					rp, err := replay.NewReplay([]*rules.Rule{r}, opts...)
					if err != nil {
						t.Fatal(err)
					}
					alerts = nil
					addLazy(t, rp, prep.Program(), path, text)
					if save {
						_, st, err := rp.FinishState()
						if err != nil {
							t.Fatal(err)
						}
						var b bytes.Buffer
						writeLine(t, &b, st)
						if state == nil {
							state = b.Bytes()
						} else if mode.name != "arrival" && !bytes.Equal(b.Bytes(), state) {
							t.Errorf("%s: the state saved\n%s\ndiffers from time order's\n%s", mode.name, b.Bytes(), state)
						}
						continue
					}
					reps, err := rp.Finish()
					if err != nil {
						t.Fatal(err)
					}
					got := reps[0]
					if !reflect.DeepEqual(scenarioReport(got), scenarioReport(want)) || got.AlertCount != want.AlertCount {
						t.Errorf("%s: report %v, Run's %v", mode.name, scenarioReport(got), scenarioReport(want))
					}
					if len(alerts) != len(want.Alerts) {
						t.Fatalf("%s: %d alerts, Run's %d", mode.name, len(alerts), len(want.Alerts))
					}
					for i, a := range alerts {
						w := want.Alerts[i]
						if a.UUID != w.UUID || a.ID != w.ID || !reflect.DeepEqual(scenarioDoc(a), scenarioDoc(w)) {
							t.Errorf("%s: alert %d\n%v\nRun's\n%v", mode.name, i, scenarioDoc(a), scenarioDoc(w))
						}
					}
				}
			}
		})
	}
}

// addLazy adds the events of text (read as the file name) to rp as lazy
// events, each matched (rule 0) when prog matches it, as a rule set
// hands them on.
func addLazy(t *testing.T, rp *replay.Replay, prog *eval.Program, name string, text []byte) {
	t.Helper()
	for raw, err := range events.ReadRaw(name, bytes.NewReader(text)) {
		if err != nil {
			t.Fatal(err)
		}
		var lazy events.Lazy
		lazy.Reset(raw.JSON)
		var matched []int
		if prog.MatchEvent(&lazy) {
			matched = []int{0}
		}
		if err := rp.Add(replay.Event{Fields: &lazy, JSON: raw.JSON, File: raw.File, Line: raw.Line}, matched); err != nil {
			t.Fatal(err)
		}
	}
}
