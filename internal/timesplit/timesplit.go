// Package timesplit cuts a stream of events into batches that come one
// after another in time, for the tests of resumable replays (replay.State):
// a replay of the events up to a cut and then, resumed, of the rest is a
// job run on the logs of one hour and then of the next, which must give
// the alerts of one replay over all of them.
package timesplit

import (
	"math"
	"slices"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
)

// setting is a way rules read an event's time.
type setting struct {
	field      string // timestamp_override, or ""
	noFallback bool
}

var at = eval.NewPath("@timestamp")

// times returns the event's time for each setting, and whether it has one
// (the replay's reading: the override, else @timestamp unless the
// fallback is disabled, as a date).
func times(sets []setting, text []byte) ([]int64, []bool) {
	e := events.JSON(text)
	ts, ok := make([]int64, len(sets)), make([]bool, len(sets))
	for k, s := range sets {
		v, found := any(nil), false
		if s.field != "" {
			v, found = eval.First(e, eval.NewPath(s.field))
		}
		if !found && !s.noFallback {
			v, found = eval.First(e, at)
		}
		if found {
			if d, isDate := eval.DateOf(v); isDate {
				ts[k], ok[k] = d.UnixMilli(), true
			}
		}
	}
	return ts, ok
}

// Split orders the events (JSON texts) by their time for the first of the
// rules' timestamp settings (events without one first, the order of the
// lines kept among equal times) and returns that order (indexes into
// lines) with the cut points: the positions c in it at which every event
// before c is earlier, for every timestamp setting of the rules, than
// every event from c on. Events whose times disagree across the settings
// leave no cut around them; an event without a time for a setting is
// never searched by its rules and constrains no cut for it.
func Split(rs []*rules.Rule, lines [][]byte) (order, cuts []int) {
	var sets []setting
	for _, r := range rs {
		s := setting{r.TimestampOverride, r.TimestampOverrideFallbackDisabled}
		if !slices.Contains(sets, s) {
			sets = append(sets, s)
		}
	}
	n := len(lines)
	keys, ok := make([][]int64, n), make([][]bool, n)
	first := make([]int64, n)
	for i, l := range lines {
		keys[i], ok[i] = times(sets, l)
		first[i] = math.MinInt64
		for k := range sets {
			if ok[i][k] {
				first[i] = keys[i][k]
				break
			}
		}
	}
	order = make([]int, n)
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int {
		switch {
		case first[a] < first[b]:
			return -1
		case first[a] > first[b]:
			return 1
		}
		return 0
	})
	// the latest time before each position and the earliest from it, per
	// setting
	s := len(sets)
	maxPre := make([]int64, n*s) // maxPre[c*s+k]: the latest of order[:c+1]
	minSuf := make([]int64, (n+1)*s)
	for k := range s {
		minSuf[n*s+k] = math.MaxInt64
	}
	for c, i := range order {
		for k := range s {
			m := int64(math.MinInt64)
			if c > 0 {
				m = maxPre[(c-1)*s+k]
			}
			if ok[i][k] {
				m = max(m, keys[i][k])
			}
			maxPre[c*s+k] = m
		}
	}
	for c := n - 1; c >= 0; c-- {
		i := order[c]
		for k := range s {
			m := minSuf[(c+1)*s+k]
			if ok[i][k] {
				m = min(m, keys[i][k])
			}
			minSuf[c*s+k] = m
		}
	}
	for c := 1; c < n; c++ {
		good := true
		for k := range s {
			good = good && maxPre[(c-1)*s+k] < minSuf[c*s+k]
		}
		if good {
			cuts = append(cuts, c)
		}
	}
	return order, cuts
}

// Spread picks at most k of the cuts of a stream of n events, spread over
// the stream: the first cut at or after each of n/(k+1), 2n/(k+1)...
func Spread(cuts []int, n, k int) []int {
	var out []int
	for i := 1; i <= k; i++ {
		j, _ := slices.BinarySearch(cuts, i*n/(k+1))
		if j < len(cuts) && (len(out) == 0 || out[len(out)-1] != cuts[j]) {
			out = append(out, cuts[j])
		}
	}
	return out
}
