package replay_test

import (
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

// TestAddFactsAllocs: an event no rule matched costs the replay no
// allocation, in time and arrival order, whatever the number of rules:
// its facts are counted once per group of rules sharing index patterns
// and timestamp field, and no rule does any work.
func TestAddFactsAllocs(t *testing.T) {
	var rs []*rules.Rule
	for i := range 50 {
		r := testRule(t, "destination.port:21")
		r.RuleID = string(rune('a' + i%26))
		if i%2 == 1 {
			r.Index = []string{"logs-*"}
		}
		rs = append(rs, r)
	}
	rs = append(rs, builtin.FTP())
	text := []byte(`{"@timestamp":"2023-01-01T00:00:00Z","_index":"filebeat-1","destination.port":80}`)
	for _, mode := range []struct {
		name string
		opts []replay.RunOption
	}{{"time", nil}, {"arrival", []replay.RunOption{replay.WithArrivalOrder()}}} {
		r, err := replay.NewReplay(rs, mode.opts...)
		if err != nil {
			t.Fatal(err)
		}
		ev := replay.Event{Fields: events.JSON(text), JSON: text, File: "x", Line: 1}
		var f replay.Facts
		r.Facts(ev.Fields, &f)
		if err := r.AddFacts(ev, &f, nil); err != nil {
			t.Fatal(err)
		}
		allocs := testing.AllocsPerRun(1000, func() {
			if err := r.AddFacts(ev, &f, nil); err != nil {
				t.Fatal(err)
			}
		})
		if allocs != 0 {
			t.Errorf("%s order: %.1f allocations an event no rule matched, want 0", mode.name, allocs)
		}
		reps, err := r.Finish()
		if err != nil {
			t.Fatal(err)
		}
		if reps[0].EventsInScope != 1002 || reps[0].Matches != 0 {
			t.Errorf("%s order: in scope %d matches %d", mode.name, reps[0].EventsInScope, reps[0].Matches)
		}
	}
}
