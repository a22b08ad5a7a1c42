package replay

import (
	"fmt"
	"os"
	"slices"
	"sort"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"
)

// mergedEntry is what a sorter gives back of an entry: its keys, its
// rules, its text as given and as read again through its ref.
type mergedEntry struct {
	t, seq      int64
	rules       []int32
	text, again string
}

// sortThrough adds the events (one entry per time in ts, all with the
// event's place as seq, like the timestamp fields of one event) to a
// sorter of the limit merging fanIn runs at once and returns the entries
// it gives back and the number of runs it wrote.
func sortThrough(t *testing.T, limit, fanIn int, ts [][]int64) ([]mergedEntry, int, error) {
	s := newSorter(limit, t.TempDir())
	s.fanIn = fanIn
	defer s.close()
	for seq, times := range ts {
		text := s.keepText(fmt.Appendf(nil, `{"n":%d}`, seq))
		for g, tm := range times {
			s.add(sortEntry{t: tm, seq: int64(seq), rules: []int32{int32(g), int32(seq)}, ev: storedEvent{json: text, file: "f", line: seq + 1}})
		}
		if err := s.spillIfFull(); err != nil {
			return nil, 0, err
		}
	}
	runs := len(s.runs)
	var got []mergedEntry
	err := s.each(func(e *sortEntry, ref textRef) error {
		again, err := ref.read()
		if err != nil {
			return err
		}
		got = append(got, mergedEntry{e.t, e.seq, slices.Clone(e.rules), string(e.ev.json), string(again)})
		return nil
	})
	return got, runs, err
}

// TestSorterMergeOrder: whatever the memory limit (every event its own
// run, a few events a run, all in memory), the sorter gives back every
// entry once, in the order a stable sort by time then stream position
// gives, each with its rules and its text (read again through its ref).
// The merge of the runs goes through a heap; this pins its order against
// sort.SliceStable over many runs, ties in time included, merged at once
// or (a fan-in of 2 or 3 for mergeFanIn) in passes of longer runs.
func TestSorterMergeOrder(t *testing.T) {
	p := gopter.DefaultTestParameters()
	p.MinSuccessfulTests = 200
	if raceEnabled {
		p.MinSuccessfulTests = 30
	}
	props := gopter.NewProperties(p)
	props.Property("merged runs in stable order", prop.ForAll(
		func(ts [][]int64, limit, fanIn int) string {
			var want []mergedEntry
			for seq, times := range ts {
				for g, tm := range times {
					text := fmt.Sprintf(`{"n":%d}`, seq)
					want = append(want, mergedEntry{tm, int64(seq), []int32{int32(g), int32(seq)}, text, text})
				}
			}
			sort.SliceStable(want, func(i, j int) bool {
				if want[i].t != want[j].t {
					return want[i].t < want[j].t
				}
				return want[i].seq < want[j].seq
			})
			got, runs, err := sortThrough(t, limit, fanIn, ts)
			if err != nil {
				return err.Error()
			}
			if limit == 1 && runs != len(ts) {
				return fmt.Sprintf("limit 1: %d runs for %d events", runs, len(ts))
			}
			if len(got) != len(want) {
				return fmt.Sprintf("%d entries back, %d added", len(got), len(want))
			}
			for i := range want {
				g, w := got[i], want[i]
				if g.t != w.t || g.seq != w.seq || g.text != w.text || g.again != w.text {
					return fmt.Sprintf("entry %d (of %d, %d runs): got %+v, want %+v", i, len(want), runs, g, w)
				}
			}
			// one event's entries at the same time may come in either
			// order; each comes once with its rules
			key := func(e mergedEntry) string { return fmt.Sprint(e.t, e.seq, e.rules) }
			gk, wk := make([]string, len(got)), make([]string, len(want))
			for i := range got {
				gk[i], wk[i] = key(got[i]), key(want[i])
			}
			slices.Sort(gk)
			slices.Sort(wk)
			if !slices.Equal(gk, wk) {
				return fmt.Sprintf("the entries back differ from those added (%d runs)", runs)
			}
			return ""
		},
		gen.SliceOf(gen.SliceOfN(2, gen.Int64Range(-3, 20)).
			Map(func(v []int64) []int64 { return v[:1+int(v[0]&1)] })), // one or two times an event
		gen.OneConstOf(1, 22<<10, 28<<10, 48<<10, 1<<20), // a run an event; a few events a run; all in memory
		gen.OneConstOf(mergeFanIn, 2, 3),
	))
	if !props.Run(gopter.NewFormatedReporter(false, 100, os.Stdout)) {
		t.Error("property failed")
	}
}
