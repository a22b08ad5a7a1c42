package replay_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// seqLines is a stream of two hosts' process then network events, about
// 20 s apart, over 20 minutes: each host's sequences span the cut points
// the state tests split at; host h0's network event comes 25 s after its
// process event, h1's 40 s after (beyond a maxspan of 30s).
func seqLines() []line {
	var lines []line
	for i := range 60 {
		cat := "process"
		if i%3 == 2 {
			cat = "network"
		}
		sec := i * 20
		if i%6 == 2 {
			sec -= 15
		}
		ev := fmt.Sprintf(`{"@timestamp":"2024-05-01T10:%02d:%02dZ","event":{"category":"%s"},"host":{"name":"h%d"},"n":%d}`, sec/60, sec%60, cat, i%2, i)
		lines = append(lines, line{[]byte(ev), i + 1})
	}
	return lines
}

// TestStateSequence: pending sequences are part of the replay state
// (issue 19, item 7). A two-stage sequence by host.name with maxspan,
// and a sample, replayed in two runs with the state saved, encoded,
// decoded and restored between them at every cut point (so that the
// stages of a sequence fall on both sides of a cut) alert exactly as one
// run does, and their sequence counts (found, found again, outside any
// window, dropped by maxspan) add up to the one run's.
func TestStateSequence(t *testing.T) {
	for _, q := range []string{
		`sequence by host.name with maxspan=1m [process where true] [network where true]`,
		`sequence by host.name with maxspan=30s [process where true] [network where true]`,
		`sample by host.name [process where true] [network where true]`,
	} {
		t.Run(q, func(t *testing.T) {
			rs := []*rules.Rule{eqlRule(t, q, "")}
			sorted, cuts := timeSplits(rs, seqLines())
			if len(cuts) == 0 {
				t.Fatal("no cut point")
			}
			if alerts := checkSplitEqualsOne(t, rs, sorted, cuts, replay.WithAnyIndex()); len(alerts) == 0 {
				t.Fatal("no alert")
			}
			m := newQueryMatcher(t, rs)
			_, one, _ := replayLines(t, rs, m, sorted, nil, false, replay.WithAnyIndex())
			if s := one[0].Sequences; s.Stream && strings.Contains(q, "30s") && (s.DroppedMaxspan == 0 || s.Found == 0) {
				t.Fatalf("one run: %+v; want sequences found and dropped by maxspan", *s)
			}
			for _, c := range cuts {
				_, _, st := replayLines(t, rs, m, sorted[:c], nil, true, replay.WithAnyIndex())
				_, two, _ := replayLines(t, rs, m, sorted[c:], st, false, replay.WithAnyIndex())
				if a, b := one[0].Sequences, two[0].Sequences; a == nil || b == nil || *a != *b {
					t.Errorf("cut at %d: sequence counts of the resumed run %+v, of one run %+v", c, b, a)
				}
			}
		})
	}
}
