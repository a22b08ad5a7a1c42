package events

import (
	"bytes"
	"os"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
)

// BenchmarkReadRaw reads the 11,042 Beats events of the corpus, one op a
// pass: ReadRaw (split the lines and validate each) and validObject alone
// (the validating scanner, the most of ReadRaw's cost).
func BenchmarkReadRaw(b *testing.B) {
	data, err := os.ReadFile(corpus.Path(b, "corpus/beats_events.ndjson"))
	if err != nil {
		b.Fatal(err)
	}
	b.Run("read", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		b.ReportAllocs()
		for b.Loop() {
			for _, err := range ReadRaw("corpus", bytes.NewReader(data)) {
				if err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	lines := bytes.SplitAfter(bytes.TrimSpace(data), []byte("\n"))
	b.Run("validObject", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			for _, l := range lines {
				if !validObject(l) {
					b.Fatalf("not valid: %s", l)
				}
			}
		}
	})
}
