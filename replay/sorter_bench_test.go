package replay

import (
	"bytes"
	"testing"

	"github.com/kqlrules/kqlrules/eval"
)

// BenchmarkSorterSpill sorts 20,000 matched events of 1.5 KB each with
// memory for a tenth of them: written to runs, read back merged.
func BenchmarkSorterSpill(b *testing.B) {
	text := append(append([]byte(`{"message":"`), bytes.Repeat([]byte("x"), 1500)...), `"}`...)
	rules := []int32{1, 7, 42}
	b.SetBytes(20000 * int64(len(text)))
	for b.Loop() {
		s := newSorter(20000*len(text)/10, b.TempDir())
		for i := range 20000 {
			keep := storedEvent{json: s.keepText(text), file: "f.ndjson", line: i + 1, index: "logs-x-default"}
			s.add(sortEntry{t: int64(i*7919) % 20000, seq: int64(i), rules: rules, ev: keep})
			if err := s.spillIfFull(); err != nil {
				b.Fatal(err)
			}
		}
		n := 0
		if err := s.each(func(*sortEntry, textRef) error { n++; return nil }); err != nil || n != 20000 {
			b.Fatal(n, err)
		}
		s.close()
	}
}

// BenchmarkTermCombinations reads a threshold's one group_by field of
// an event with one value.
func BenchmarkTermCombinations(b *testing.B) {
	ev := eval.Map{"host": map[string]any{"name": "h1"}}
	paths := []*eval.Path{eval.NewPath("host.name")}
	b.ReportAllocs()
	for b.Loop() {
		if c := termCombinations(ev, paths); len(c) != 1 {
			b.Fatal(c)
		}
	}
}
