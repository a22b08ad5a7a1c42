package replay

import (
	"fmt"
	"testing"

	"github.com/kqlrules/kqlrules/eval"
)

// valuesOf returns the values of path in the text lt reads after reading r.
func valuesOf(t *testing.T, lt *lazyText, r *textRef, path string) []any {
	t.Helper()
	if !lt.read(r) {
		t.Fatalf("reading %+v failed", r)
	}
	var rec valueRecorder
	lt.l.Values(eval.NewPath(path), &rec)
	return rec.vals
}

// TestLazyTextReuse: one reader looking a kept text up again reads the
// text it reads now, never a stale one: memory written over with another
// text (as a sorter's chunks are, once a run is written), another text of
// the same length at the same place, another offset of a file.
func TestLazyTextReuse(t *testing.T) {
	var lt lazyText
	mem := []byte(`{"a":"x","b":1}`)
	r := textRef{mem: mem}
	check := func(what string, r *textRef, path string, want any) {
		t.Helper()
		got := valuesOf(t, &lt, r, path)
		if fmt.Sprint(got) != fmt.Sprint([]any{want}) {
			t.Errorf("%s: %s = %v, want [%v]", what, path, got, want)
		}
	}
	check("first", &r, "a", "x")
	check("same text again", &r, "b", "1")
	copy(mem, `{"a":"y","c":2}`) // the same buffer holds another text
	check("memory reused", &r, "a", "y")
	check("memory reused, other key", &r, "c", "2")
	r2 := textRef{mem: mem[:len(mem):len(mem)]} // another ref to the same bytes
	check("another ref, same bytes", &r2, "a", "y")
	other := []byte(`{"a":"z","c":3}`) // the same length elsewhere
	check("other memory", &textRef{mem: other}, "a", "z")
	check("back", &r, "c", "2")

	tf, err := newSpill(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer tf.close()
	f1, err := tf.keep([]byte(`{"a":"f1"}`))
	if err != nil {
		t.Fatal(err)
	}
	f2, err := tf.keep([]byte(`{"a":"f2"}`))
	if err != nil {
		t.Fatal(err)
	}
	check("file 1", &f1, "a", "f1")
	check("file 1 again", &f1, "a", "f1")
	check("file 2", &f2, "a", "f2")
	check("memory after file", &r, "a", "y")
	check("file 1 after memory", &f1, "a", "f1")
	copy(mem, `{"a":"w","c":4}`)
	check("memory reused after file", &r, "a", "w")
}
