package replay_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// TestInertThreatRule: an indicator match rule without indicators takes no
// event (no mapping group for an event to match), so the replay keeps no
// text for the events only it matched and does not take them; its schedule
// still moves with them. Its report and saved state are those of the same
// rule whose one indicator matches no event (which takes every event its
// query matches and finds no candidate), in time order (in memory and
// spilled, events out of order), in arrival order, with and without
// WithNow (events after now).
func TestInertThreatRule(t *testing.T) {
	rule, err := rules.Load(filepath.Join("testdata", "scenarios", "threat_window", "rule.toml"))
	if err != nil {
		t.Fatal(err)
	}
	prep, err := replay.Prepare(rule)
	if err != nil {
		t.Fatal(err)
	}
	// every 37 s over four hours, out of order; a few without source.ip
	base := time.Date(2024, 2, 28, 8, 0, 0, 0, time.UTC)
	var text bytes.Buffer
	for i := range 400 {
		at := base.Add(time.Duration((i*7919)%400*37) * time.Second).Format(time.RFC3339)
		ip := fmt.Sprintf(`,"source":{"ip":"10.0.%d.%d"}`, i%7, i%200)
		if i%11 == 0 {
			ip = ""
		}
		fmt.Fprintf(&text, `{"_index":"logs-network","_id":"e%d","@timestamp":%q%s}`+"\n", i, at, ip)
	}
	nothing := `{"_index":"logs-ti_abusech.url-default","_id":"ti","@timestamp":"2024-02-27T00:00:00Z","event":{"module":"threatintel"},"threat":{"indicator":{"ip":"203.0.113.250"}}}`
	replayed := func(t *testing.T, indicators string, opts []replay.RunOption, save bool) (*replay.Report, []byte) {
		t.Helper()
		opts = append(opts[:len(opts):len(opts)], replay.WithAnyIndex())
		if indicators != "" {
			opts = append(opts, replay.WithThreat(events.Read("threat.ndjson", strings.NewReader(indicators))))
		}
		rp, err := replay.NewReplay([]*rules.Rule{rule}, opts...)
		if err != nil {
			t.Fatal(err)
		}
		addLazy(t, rp, prep.Program(), "events.ndjson", text.Bytes())
		if !save {
			reps, err := rp.Finish()
			if err != nil {
				t.Fatal(err)
			}
			return reps[0], nil
		}
		reps, st, err := rp.FinishState()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		writeLine(t, &b, st)
		return reps[0], b.Bytes()
	}
	now := replay.WithNow(base.Add(2 * time.Hour))
	for _, mode := range []struct {
		name string
		opts []replay.RunOption
	}{
		{"time", nil},
		{"time, spilled", []replay.RunOption{replay.WithSortMemory(1), replay.WithTempDir(t.TempDir())}},
		{"arrival", []replay.RunOption{replay.WithArrivalOrder(), replay.WithTempDir(t.TempDir())}},
		{"time, now", []replay.RunOption{now}},
		{"time, spilled, now", []replay.RunOption{now, replay.WithSortMemory(1), replay.WithTempDir(t.TempDir())}},
		{"arrival, now", []replay.RunOption{now, replay.WithArrivalOrder(), replay.WithTempDir(t.TempDir())}},
	} {
		for _, save := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s, state %v", mode.name, save), func(t *testing.T) {
				inert, inertState := replayed(t, "", mode.opts, save)
				want, wantState := replayed(t, nothing, mode.opts, save)
				if want.Executions == 0 || want.EventsInScope < 300 || want.Matches != 0 {
					t.Fatalf("the reference ran %d executions over %d events with %d matches: the case tests little", want.Executions, want.EventsInScope, want.Matches)
				}
				// what differs: the indicators read, and the warning
				// that there are none
				inert.ThreatMatch, want.ThreatMatch = nil, nil
				if len(inert.Warnings) != 1 || inert.Warnings[0] != replay.NoIndicatorsWarning || len(want.Warnings) != 0 {
					t.Errorf("warnings %q and %q", inert.Warnings, want.Warnings)
				}
				inert.Warnings, want.Warnings = nil, nil
				got, _ := json.Marshal(inert)
				wantJSON, _ := json.Marshal(want)
				if !bytes.Equal(got, wantJSON) {
					t.Errorf("report without indicators\n%s\nwant (one indicator matching nothing)\n%s", got, wantJSON)
				}
				if save && !bytes.Equal(schedulesOf(t, inertState), schedulesOf(t, wantState)) {
					t.Errorf("state without indicators\n%s\nwant\n%s", inertState, wantState)
				}
			})
		}
	}
}

// schedulesOf returns the schedules of a saved state's rules.
func schedulesOf(t *testing.T, state []byte) []byte {
	t.Helper()
	var st struct {
		Rules []struct {
			Schedule json.RawMessage `json:"schedule"`
		} `json:"rules"`
	}
	if err := json.Unmarshal(state, &st); err != nil {
		t.Fatal(err)
	}
	out, err := json.Marshal(st.Rules)
	if err != nil {
		t.Fatal(err)
	}
	if len(st.Rules) == 0 || len(st.Rules[0].Schedule) == 0 {
		t.Fatalf("no schedule in the state %s", state)
	}
	return out
}
