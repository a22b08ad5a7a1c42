package eval

import (
	"slices"
	"testing"
)

// TestPresencePaths: the paths one of which an event must have a value
// at for a query to match it, and the queries that have none (a not, a
// field pattern resolved on the event, free text, match all). FuzzSet in
// package ruleset checks that a set skipping a rule on the events that
// have none of them matches what the rule's program matches.
func TestPresencePaths(t *testing.T) {
	for _, c := range []struct {
		q     string
		paths []string // nil: none
	}{
		{"a:1", []string{"a"}},
		{"a:1 or b:*", []string{"a", "b"}},
		{"a:1 and (b:x or c:y)", []string{"a"}},
		{"(b:x or c:y) and a:1", []string{"a"}},
		{"(b:x or c:y or d:z) and (e:1 or f:2)", []string{"e", "f"}},
		{"file.hash.*:*", []string{"file.hash.cdhash", "file.hash.md5", "file.hash.sha1", "file.hash.sha256", "file.hash.sha384", "file.hash.sha512", "file.hash.ssdeep", "file.hash.tlsh"}}, // the schema's fields
		{"a:1 or not b:2", nil},
		{"not a:1", nil},
		{"hello", nil},
		{"*", nil},
		{"nope.*:1", nil},
		{"a:{ b:1 }", []string{"a"}},
		{"a < 3 or b:1", []string{"a", "b"}},
	} {
		p := compileT(t, c.q, WithSchema(testSchema()))
		ps, ok := p.PresencePaths()
		var names []string
		for _, x := range ps {
			names = append(names, x.Name)
		}
		slices.Sort(names)
		if ok != (c.paths != nil) || !slices.Equal(names, c.paths) {
			t.Errorf("%s: %q %v, want %q", c.q, names, ok, c.paths)
		}
	}
}
