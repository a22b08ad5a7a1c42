package replay

import (
	"bytes"
	"fmt"
	"runtime"
	"testing"
)

// TestSorterMemoryBound: what the entries a sorter keeps in memory take
// on the heap (their text, their rule lists, the entries themselves and
// the slack of the slice holding them) stays within its limit, for
// events of a few sizes held for one or two timestamp fields.
func TestSorterMemoryBound(t *testing.T) {
	if raceEnabled {
		t.Skip("heap figures under the race detector are not the program's")
	}
	for _, size := range []int{200, 1500, 6000} {
		for _, groups := range []int{1, 2} {
			t.Run(fmt.Sprintf("%dB-%dfields", size, groups), func(t *testing.T) {
				const limit = 8 << 20
				text := []byte(`{"a":"` + string(bytes.Repeat([]byte("x"), size)) + `"}`)
				runtime.GC()
				var before, after runtime.MemStats
				runtime.ReadMemStats(&before)
				s := newSorter(limit, t.TempDir())
				for seq := int64(0); s.size() <= limit; seq++ {
					keep := storedEvent{json: s.keepText(text), file: "events.ndjson", line: int(seq), index: "logs"}
					for g := range groups {
						s.add(sortEntry{t: seq, seq: seq, rules: []int32{1, 5, int32(g)}, ev: keep})
					}
				}
				if len(s.runs) > 0 {
					t.Fatal("spilled before the limit")
				}
				runtime.GC()
				runtime.ReadMemStats(&after)
				held := int64(after.HeapAlloc) - int64(before.HeapAlloc)
				t.Logf("%d entries: counted %d bytes, held %d (%.2f)", s.mem.n, s.size(), held, float64(held)/float64(s.size()))
				if held > limit*11/10 {
					t.Errorf("%d entries hold %d bytes, more than the limit %d", s.mem.n, held, limit)
				}
				runtime.KeepAlive(s)
			})
		}
	}
}
