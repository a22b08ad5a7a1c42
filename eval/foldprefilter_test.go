package eval

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// foldGlobs returns a foldMatcher over the Lucene patterns pats (as a
// case-insensitive wildcard query splits and lowers them), skipping those
// splitWildcard refuses.
func foldGlobs(pats []string) *foldMatcher {
	m := &foldMatcher{}
	for _, p := range pats {
		parts, ops, err := splitWildcard(p, false)
		if err != nil {
			continue
		}
		m.globs = append(m.globs, (&glob{parts: parts, ops: ops}).lower())
	}
	return m
}

// checkPrefilter fails unless matchGlobs gives the same answer on text
// (lowered as VisitString lowers it) with the prefilter and without it.
func checkPrefilter(t *testing.T, m *foldMatcher, text string) bool {
	t.Helper()
	low, buf := lowerNoAlloc(text)
	defer releaseLower(buf)
	got, want := m.matchGlobs(low, true), m.matchGlobs(low, false)
	if got != want {
		t.Fatalf("patterns %v on %q: with the prefilter %v, without %v", m.globs, text, got, want)
	}
	return want
}

// TestFoldPrefilter: a case-insensitive pattern list with the byte
// prefilter matches exactly the texts the plain loop over its patterns
// does: patterns without literal text, '?' standing for a code point of
// several bytes, folded non-ASCII literals, and texts missing one byte of
// a pattern.
func TestFoldPrefilter(t *testing.T) {
	sqli := []string{"*UNION*SELECT*", "*information_schema*", "*sleep(*", "*%27%20or*", "*waitfor%20delay*", "*benchmark(*"}
	tests := []struct {
		pats []string
		text string
		want bool
	}{
		{sqli, "/index.php?id=1%20UNION%20ALL%20SELECT%201", true},
		{sqli, "/index.php?id=1", false},
		{sqli, "/a?q=SLEEP(5)", true},
		{sqli, "/a?q=sleep 5", false},
		{[]string{"*", "x", "y", "z"}, "anything", true}, // no literal byte
		{[]string{"a", "b", "c", "?"}, "é", true},        // '?' takes both bytes of é
		{[]string{"a", "b", "c", "??"}, "é", false},
		{[]string{"a", "b", "c", "*ÉTÉ*"}, "l'été", true}, // the pattern and the text folded
		{[]string{"a", "b", "c", "*straße*"}, "STRASSE", false},
		{[]string{"a", "b", "c", "*straße*"}, "STRAßE", true},
		{[]string{"a", "b", "c", "*K*"}, "\u212a", true}, // KELVIN SIGN lowers to k
		{[]string{"a", "b", "c", "*ab?d*"}, "xABcD", true},
		{[]string{"a", "b", "c", "*ab?d*"}, "xABcE", false},
		{[]string{"a", "b", "c", `*a\*b*`}, "a*b", true},
		{[]string{"a", "b", "c", `*a\*b*`}, "ab", false},
	}
	for _, tt := range tests {
		m := foldGlobs(tt.pats)
		if got := checkPrefilter(t, m, tt.text); got != tt.want {
			t.Errorf("%q on %q: %v, want %v", tt.pats, tt.text, got, tt.want)
		}
	}
	// random lists of patterns and texts over a small alphabet with
	// multi-byte code points and case pairs
	alphabet := []string{"a", "B", "*", "?", "é", "É", "ß", "\u212a", "k", "%", "1"}
	rng := rand.New(rand.NewPCG(3, 4))
	word := func(n int) string {
		var sb strings.Builder
		for range rng.IntN(n) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		return sb.String()
	}
	matched := 0
	for range 3000 {
		pats := make([]string, 1+rng.IntN(8))
		for i := range pats {
			pats[i] = word(6)
		}
		m := foldGlobs(pats)
		for range 10 {
			if checkPrefilter(t, m, strings.ReplaceAll(strings.ReplaceAll(word(8), "*", ""), "?", "")) {
				matched++
			}
		}
	}
	if matched < 1000 || matched > 29000 {
		t.Errorf("%d of 30000 texts matched: the random patterns do not test both answers", matched)
	}
}

// FuzzFoldPrefilter: the prefilter never changes the answer of a list of
// case-insensitive patterns (one a line) on a text.
func FuzzFoldPrefilter(f *testing.F) {
	f.Add("*union*select*\n*sleep(*\n?é*\n*", "x UNION y SELECT")
	f.Add("a\nb\nc\n*ab?d*", "xABcD")
	f.Add("*straße*\n*K*\n\\*\n??", "\u212a STRAßE")
	f.Fuzz(func(t *testing.T, pats, text string) {
		checkPrefilter(t, foldGlobs(strings.Split(pats, "\n")), text)
	})
}

// BenchmarkFoldPrefilter matches URLs that no pattern matches against
// some of the like~ patterns of Elastic's rule "Web Server Potential SQL
// Injection Request" (persistence_web_server_potential_sql_injection.toml),
// with the prefilter and without.
func BenchmarkFoldPrefilter(b *testing.B) {
	m := foldGlobs([]string{
		"*dbms_pipe.receive_message%28chr%*", "*waitfor%20delay%20%270%3a0%3a*",
		"*%28select%28sleep%285*", "*%28select%20*from%20pg_sleep%285*", "*%3bselect%20pg_sleep%285*",
		"*and%20sleep%28*%29*", "*or%20sleep%28*%29*", "*case%20when*then%20sleep%28*", "*if%28sleep%28*%29*",
		"*benchmark%28*%2c*md5%28*", "*char%28*char%28*char%28*char%28*",
		"*union%20select%20null%2cnull*", "*union%20all%20select%20null*",
		"*extractvalue%28*concat%280x*", "*updatexml%28*concat%280x*",
		"*%27%20or%20%271%27%3d%271*", "*and%201%3d1--*", "*xp_cmdshell*",
		"*select%20*into%20outfile*", "*load_file%28*", "*load%5ffile%28*",
		"*select%20*from%20information_schema.tables*", "*dbms_lock%2esleep*",
		"*select%20@@version*", "*sp_executesql%20*exec%20*", "*xp_dirtree*",
	})
	urls := []string{"/", "/server-status?auto=", "/wp-content/themes/twentytwenty/assets/js/index.js?ver=1.2.3&lang=en-us"}
	for _, pre := range []bool{false, true} {
		name := "plain"
		if pre {
			name = "prefilter"
		}
		b.Run(name, func(b *testing.B) {
			for range b.N {
				for _, u := range urls {
					if m.matchGlobs(u, pre) {
						b.Fatal("matched")
					}
				}
			}
		})
	}
}
