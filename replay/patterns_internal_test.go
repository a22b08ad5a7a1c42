package replay

import (
	"slices"
	"strings"
	"testing"
)

// splitPatterns is compilePatterns as strings.Split writes it, a list
// and a slice per pattern: what the shared arrays must equal.
func splitPatterns(ps []string) indexPatterns {
	var ip indexPatterns
	for _, p := range ps {
		p = strings.TrimSpace(p)
		if x, ok := strings.CutPrefix(p, "-"); ok {
			ip.exclude = append(ip.exclude, strings.Split(x, "*"))
		} else if p != "" {
			ip.include = append(ip.include, strings.Split(p, "*"))
		}
	}
	return ip
}

func equalPieces(a, b [][]string) bool { return slices.EqualFunc(a, b, slices.Equal) }

// checkPatterns compares compilePatterns with splitPatterns, and their
// answers for the indexes.
func checkPatterns(t *testing.T, ps []string, indexes ...string) {
	t.Helper()
	got, want := compilePatterns(ps), splitPatterns(ps)
	if !equalPieces(got.include, want.include) || !equalPieces(got.exclude, want.exclude) {
		t.Fatalf("%q: compiled %q, %q; want %q, %q", ps, got.include, got.exclude, want.include, want.exclude)
	}
	for _, g := range append(slices.Clone(got.include), got.exclude...) {
		if cap(g) != len(g) {
			t.Fatalf("%q: a pattern's pieces %q have room for more (%d)", ps, g, cap(g))
		}
	}
	for _, index := range indexes {
		if got.match(index) != want.match(index) {
			t.Fatalf("%q: %s matched %v, want %v", ps, index, got.match(index), want.match(index))
		}
	}
}

// TestCompilePatterns: the pieces compilePatterns splits patterns into
// are strings.Split's, in the same lists, and match the same indexes.
func TestCompilePatterns(t *testing.T) {
	indexes := []string{"", "logs-endpoint.events.process-default", "winlogbeat-8", "auditbeat-x", "-logs", "*", "logs-windows.sysmon_operational-x"}
	for _, ps := range [][]string{
		nil,
		{},
		{""},
		{" ", "  -  "},
		{"*"},
		{"**"},
		{"-"},
		{"-*"},
		{"logs-endpoint.events.process-*", "winlogbeat-*", "logs-windows.*", "endgame-*", "logs-system.security*"},
		{"logs-*", "-logs-windows.*", " auditbeat-* ", "-*-x"},
		{"a*b*c", "*a*", "-b*", "c"},
	} {
		checkPatterns(t, ps, indexes...)
	}
}

// FuzzCompilePatterns: a list of patterns (one a line) compiles as
// strings.Split splits it and matches the index as it does.
func FuzzCompilePatterns(f *testing.F) {
	f.Add("logs-*\n-logs-windows.*\n auditbeat-* ", "logs-x")
	f.Add("*\n-*\n\n-", "")
	f.Add("a*b*c\n*a*\n-b*\nc", "abc")
	f.Fuzz(func(t *testing.T, patterns, index string) {
		checkPatterns(t, strings.Split(patterns, "\n"), index)
	})
}
