package eql

import (
	"strings"
	"testing"
	"unicode/utf8"
)

// TestPunctLen holds punctLen to the longest-first list of EQL's
// punctuation tokens (EqlBase.g4's operators and delimiters) it replaced,
// for every pair of runes around them.
func TestPunctLen(t *testing.T) {
	list := []string{"![", "==", "!=", "<=", ">=", ":", "=", "<", ">", "+", "-", "*", "/", "%", ".", ",", "[", "]", "(", ")", "|", "?"}
	want := func(r, next rune) int {
		s := string(r)
		if next >= 0 {
			s += string(next)
		}
		for _, p := range list {
			if strings.HasPrefix(s, p) {
				return utf8.RuneCountInString(p)
			}
		}
		return 0
	}
	alphabet := []rune("![=<>:+-*/%.,()|?]~&^a0 \"'`\n é")
	n := 0
	for _, r := range alphabet {
		for _, next := range append(alphabet, -1) {
			if got, w := punctLen(r, next), want(r, next); got != w {
				t.Errorf("punctLen(%q, %q) = %d, want %d", r, next, got, w)
			}
			if punctLen(r, next) == 2 {
				n++
			}
		}
	}
	if n != 5 {
		t.Errorf("%d two-rune tokens, want 5", n)
	}
}
