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

// TestPipelineAllocs: the allocations a pass of Set.Replay makes for
// events that no rule matches, per event, from the difference between a
// pass over n and over 2n such events (what does not grow with the
// events, such as the workers and the first batches, cancels out): for
// the FTP rule alone, and for every rule of Elastic's tree that loads
// (KQL and EQL, every rule type; skipped when ../shared is absent).
// Batches are reused, the set reads a rule's further index fields only
// for an event that met its first one, and the event time is read from
// its text in place (eval.FirstDate): for the FTP rule nothing is left (2
// an event before, the time's text decoded and boxed; 8 before that); for
// the tree, treeAllocs.
func TestPipelineAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts do not hold under the race detector")
	}
	// events of the fields rules ask for, with values none of them
	// matches: the set's index probes them, the replay reads their index,
	// time and mapping
	text := func(n int) []byte {
		var b bytes.Buffer
		for i := range n {
			fmt.Fprintf(&b, `{"@timestamp":"2024-01-01T00:%02d:%02dZ","event":{"category":"web","type":"info","dataset":"none.d%d"},"host":{"name":"h%d","os":{"type":"plan9"}},"process":{"name":"p%d","pid":%d,"args":["p%d","-x"]},"user":{"name":"u%d"},"destination":{"port":%d},"message":"nothing %d"}`+"\n",
				i/60%60, i%60, i%7, i%13, i, i, i, i%5, 1000+i%250, i)
		}
		return b.Bytes()
	}
	t.Run("ftp", func(t *testing.T) {
		set, err := ruleset.New([]*rules.Rule{builtin.FTP()})
		if err != nil {
			t.Fatal(err)
		}
		checkPassAllocs(t, set, text, 0)
	})
	t.Run("tree", func(t *testing.T) {
		set := treeSet(t)
		if set.Len() < 1000 {
			t.Fatalf("only %d rules of the tree load", set.Len())
		}
		checkPassAllocs(t, set, text, treeAllocs)
	})
}

// treeAllocs is what a pass of the tree's rules allocates for each of
// these events, none of which a rule matches: nothing. eval.Cache keeps
// the strings and numbers the set reads unboxed, as their text, and
// passes them so to the set's index and to the programs' matchers
// (eval.StringVisitor, eval.NumberVisitor). It was 2 when the cache kept
// each value in an `any` and boxed strings it had not met recently
// (process.name and process.args here), 16 before it reused boxes.
const treeAllocs = 0

// checkPassAllocs fails t unless a pass of set over the events of text(n)
// allocates at most want an event, none of them matching a rule.
func checkPassAllocs(t *testing.T, set *ruleset.Set, text func(n int) []byte, want float64) {
	t.Helper()
	var lazy events.Lazy
	for raw, err := range events.ReadRaw("e", bytes.NewReader(text(64))) {
		if err != nil {
			t.Fatal(err)
		}
		lazy.Reset(raw.JSON)
		if m := set.Match(&lazy, nil); len(m) > 0 {
			t.Fatalf("line %d: rule %q matches it; want events no rule matches", raw.Line, set.Rule(m[0]).Name)
		}
	}

	pass := func(data []byte) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		// unchecked, as the command line reads: the check the pipeline
		// makes in its walk of each event allocates nothing either
		res, err := set.Replay(context.Background(), events.ReadRawUnchecked("e", bytes.NewReader(data)), ruleset.ReplayConfig{
			Workers: 1, Options: []replay.RunOption{replay.WithAnyIndex()},
		})
		runtime.ReadMemStats(&after)
		if err != nil {
			t.Fatal(err)
		}
		for i, rep := range res.Reports {
			if rep.Matches != 0 || rep.EventsInScope == 0 {
				t.Fatalf("rule %d (%s): %d matches, %d events in scope; want events in scope that match nothing", i, set.Rule(i).Name, rep.Matches, rep.EventsInScope)
			}
		}
		return after.Mallocs - before.Mallocs
	}
	const n = 4096
	small, large := text(n), text(2*n)
	pass(small) // warm up
	a, b := pass(small), pass(large)
	per := (float64(b) - float64(a)) / n
	t.Logf("%.2f allocations an event (%d over %d events, %d over %d)", per, a, n, b, 2*n)
	if per > want+0.5 {
		t.Errorf("%.2f allocations an event that matches nothing, want %v", per, want)
	}
}
