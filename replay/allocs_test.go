package replay_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

// TestAddFactsAllocs: an event no rule matched costs the replay no
// allocation, in time and arrival order, whatever the number of rules:
// its facts are counted once per group of rules sharing index patterns
// and timestamp field, and no rule does any work. (Reading its facts,
// Facts, still allocates: the index and time strings of the lazy event.)
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
		var lazy events.Lazy
		lazy.Reset(text)
		ev := replay.Event{Fields: &lazy, JSON: text, File: "x", Line: 1}
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

// TestAddInvalidJSON: Add refuses an event some rule matched whose JSON is
// not valid, naming its file and line, rather than replay it.
func TestAddInvalidJSON(t *testing.T) {
	r, err := replay.NewReplay([]*rules.Rule{testRule(t, "destination.port:21")})
	if err != nil {
		t.Fatal(err)
	}
	text := []byte(`{"@timestamp":"2023-01-01T00:00:00Z","destination.port":21,}`)
	err = r.Add(replay.Event{JSON: text, File: "x.ndjson", Line: 7}, []int{0})
	if err == nil || !strings.Contains(err.Error(), "x.ndjson:7:") {
		t.Fatalf("Add of invalid JSON: %v, want an error naming x.ndjson:7", err)
	}
}

// TestAddFactsInvalidJSON: an event whose JSON breaks AddFacts' promise
// (one valid JSON object) is the run's error when an alert is built on
// it, naming its file and line, not an alert without fields nor a panic
// when its fields are read.
func TestAddFactsInvalidJSON(t *testing.T) {
	for _, text := range []string{
		`{"@timestamp":"2023-01-01T00:00:00Z","destination.port":21,`,
		`{"@timestamp":"2023-01-01T00:00:00Z","destination.port":21} x`,
		`["@timestamp"]`,
	} {
		r, err := replay.NewReplay([]*rules.Rule{testRule(t, "destination.port:21")}, replay.WithAnyIndex())
		if err != nil {
			t.Fatal(err)
		}
		fields := eval.Map{"@timestamp": "2023-01-01T00:00:00Z", "destination.port": json.Number("21")}
		ev := replay.Event{Fields: fields, JSON: []byte(text), File: "x.ndjson", Line: 3}
		var f replay.Facts
		r.Facts(ev.Fields, &f)
		if err := r.AddFacts(ev, &f, []int{0}); err != nil {
			t.Fatal(err)
		}
		reps, err := r.Finish()
		if err == nil || !strings.Contains(err.Error(), "x.ndjson:3") {
			t.Errorf("%s: Finish gave %v, want an error naming x.ndjson:3", text, err)
		}
		for _, a := range reps[0].Alerts {
			if a.Event().Fields != nil {
				t.Errorf("%s: an alert with fields %v", text, a.Event().Fields)
			}
		}
	}
}
