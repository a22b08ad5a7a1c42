package eval

import (
	"strings"
	"testing"
)

// words returns every string of length 0..n over the alphabet.
func words(alphabet string, n int) []string {
	out := []string{""}
	level := []string{""}
	for range n {
		var next []string
		for _, w := range level {
			for _, c := range alphabet {
				next = append(next, w+string(c))
			}
		}
		out = append(out, next...)
		level = next
	}
	return out
}

// TestMayMatchBelow checks the pruning of a wildcard field name's field
// list exhaustively over small alphabets: whenever a pattern matches a
// name, it may match below every object the name lies in (each prefix
// that ends before a dot, and ""), so that an event that skips the
// objects mayMatchBelow rules out still lists every field the pattern
// matches. And it does rule objects out.
func TestMayMatchBelow(t *testing.T) {
	names := words("ab.", 6)
	pruned := 0
	for _, pat := range words("a.*", 5) {
		if !strings.Contains(pat, "*") && len(pat) > 3 {
			continue
		}
		g := &glob{parts: strings.Split(pat, "*")}
		for _, name := range names {
			if !g.mayMatchBelow(name) {
				pruned++
			}
			if !g.match(name) {
				continue
			}
			if !g.mayMatchBelow("") {
				t.Fatalf("%q matches %q but mayMatchBelow(\"\") is false", pat, name)
			}
			for i := range len(name) {
				if name[i] == '.' && !g.mayMatchBelow(name[:i]) {
					t.Fatalf("%q matches %q but mayMatchBelow(%q) is false", pat, name, name[:i])
				}
			}
		}
	}
	if pruned == 0 {
		t.Fatal("mayMatchBelow never ruled an object out")
	}
	for _, c := range []struct {
		pat, name string
		want      bool
	}{
		{"file.hash.*", "file", true},
		{"file.hash.*", "file.hash", true},
		{"file.hash.*", "file.hash.x", true},
		{"file.hash.*", "process", false},
		{"file.hash.*", "fil", false},
		{"file.hash.*", "file.hashes", false},
		{"a.*.b", "a.x.y", true},
		{"*.name", "anything", true},
		{"message", "message", false},
		{"a.b", "a", true},
	} {
		g := &glob{parts: strings.Split(c.pat, "*")}
		if got := g.mayMatchBelow(c.name); got != c.want {
			t.Errorf("%q below %q: %v, want %v", c.pat, c.name, got, c.want)
		}
	}
}
