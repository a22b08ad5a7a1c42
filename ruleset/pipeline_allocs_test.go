package ruleset_test

import (
	"bytes"
	"context"
	"fmt"
	"runtime"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
	"github.com/kqlrules/kqlrules/ruleset"
)

// TestPipelineAllocs: the allocations a pass makes for events that no
// rule matches, per event, from the difference between a pass over n and
// over 2n such events (what does not grow with the events, such as the
// workers and the first batches, cancels out). Batches are reused, the
// set reads a rule's further index fields only for an event that met its
// first one, and the event time is read from its text in place
// (eval.FirstDate): nothing is left (2 an event before, the time's text
// decoded and boxed; 8 before that).
func TestPipelineAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts do not hold under the race detector")
	}
	set, err := ruleset.New([]*rules.Rule{builtin.FTP()})
	if err != nil {
		t.Fatal(err)
	}
	text := func(n int) []byte {
		var b bytes.Buffer
		for i := range n {
			fmt.Fprintf(&b, `{"@timestamp":"2024-01-01T00:%02d:%02dZ","event":{"category":"process"},"process":{"name":"p%d"},"destination":{"port":443}}`+"\n", i/60%60, i%60, i)
		}
		return b.Bytes()
	}
	pass := func(data []byte) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		res, err := set.Replay(context.Background(), events.ReadRaw("e", bytes.NewReader(data)), ruleset.ReplayConfig{
			Workers: 1, Options: []replay.RunOption{replay.WithAnyIndex()},
		})
		runtime.ReadMemStats(&after)
		if err != nil || res.Reports[0].Matches != 0 {
			t.Fatalf("%v, %+v", err, res.Reports[0])
		}
		return after.Mallocs - before.Mallocs
	}
	const n = 4096
	small, large := text(n), text(2*n)
	pass(small) // warm up
	a, b := pass(small), pass(large)
	per := (float64(b) - float64(a)) / n
	t.Logf("%.2f allocations an event (%d over %d events, %d over %d)", per, a, n, b, 2*n)
	if per > 0.5 {
		t.Errorf("%.2f allocations an event that matches nothing, want 0", per)
	}
}
