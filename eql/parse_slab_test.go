package eql

import (
	"slices"
	"testing"
)

// TestArenaLen checks that an arena counts the values it handed out,
// across chunks and after a reset.
func TestArenaLen(t *testing.T) {
	var a arena[int]
	for _, n := range []int{0, 1, 15, 16, 17, 48, 49, 200} {
		a.reset()
		for range n {
			a.new()
		}
		if got := a.len(); got != n {
			t.Errorf("after %d new: len %d", n, got)
		}
	}
}

// TestParseSlabs checks the trees whose literals, fields and paths come
// from one allocation each: each field's path is its own (appending to
// one changes no other), and a later parse changes no earlier tree.
func TestParseSlabs(t *testing.T) {
	const src = `process where a.b.c == "x" and d : ("y", "z") and e.f in (1, 2) and g == true`
	q := MustParse(src)
	want := q.String()
	var fields []*Field
	var lits []*Literal
	Inspect(q, func(n Node) bool {
		switch n := n.(type) {
		case *Field:
			fields = append(fields, n)
		case *Literal:
			lits = append(lits, n)
		}
		return true
	})
	var paths [][]string
	for _, f := range fields {
		paths = append(paths, slices.Clone(f.Path))
	}
	if len(fields) != 4 || len(lits) != 6 {
		t.Fatalf("%d fields, %d literals in %s", len(fields), len(lits), want)
	}
	for i, f := range fields {
		_ = append(f.Path, "appended")
		for j, g := range fields {
			if !slices.Equal(g.Path, paths[j]) {
				t.Errorf("appending to field %d's path made field %d's %q", i, j, g.Path)
			}
		}
	}
	MustParse(`network where h.i.j == "other" and k : ("p", "q", "r") and l in (7, 8, 9)`)
	if got := q.String(); got != want {
		t.Errorf("a later parse changed the tree: %s, was %s", got, want)
	}
	for j, f := range fields {
		if !slices.Equal(f.Path, paths[j]) {
			t.Errorf("a later parse changed field %d's path to %q", j, f.Path)
		}
	}
}
