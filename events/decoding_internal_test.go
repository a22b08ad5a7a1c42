package events

import (
	"math/rand/v2"
	"testing"
	"unicode/utf8"
)

// TestNeedsDecoding checks the eight-bytes-at-a-time needsDecoding
// against its definition (a backslash, or bytes that are not UTF-8) on
// random strings of ASCII, backslashes, UTF-8 and stray bytes at every
// offset and length.
func TestNeedsDecoding(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "Z", ".", " ", "\\", "é", "\xff", "\x80", "\x7f", "𝄞", "\\u0041", "\\\\"}
	for range 20000 {
		var b []byte
		for n := r.IntN(30); n > 0; n-- {
			s := alphabet[r.IntN(3)] // mostly ASCII
			if r.IntN(8) == 0 {
				s = alphabet[r.IntN(len(alphabet))]
			}
			b = append(b, s...)
		}
		want := false
		for _, c := range b {
			if c == '\\' {
				want = true
			}
		}
		want = want || !utf8.Valid(b)
		if got := needsDecoding(b); got != want {
			t.Fatalf("needsDecoding(%q) = %v, want %v", b, got, want)
		}
	}
}
