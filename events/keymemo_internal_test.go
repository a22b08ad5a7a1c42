package events

import (
	"fmt"
	"reflect"
	"testing"

	"github.com/kqlrules/kqlrules/eval"
)

// TestKeyMemoFull: a Lazy whose memo of keys is full (more distinct
// top-level keys than maxMemoKeys, or longer ones than maxMemoText
// holds) answers as a fresh Lazy does: values through a table, the
// field listing with duplicate keys, and the keys it holds still
// answer from it. Each bound is met first by one case.
func TestKeyMemoFull(t *testing.T) {
	for _, tc := range []struct {
		name     string
		perEvent int // keys k<n>.x of an event's own (they come round again after 2*maxMemoKeys)
		long     int // the length of an event's one long key
		full     func(k *keyMemo) bool
	}{
		{"keys", 8, 300, func(k *keyMemo) bool { return len(k.entries) == maxMemoKeys && len(k.text) < maxMemoText }},
		{"text", 1, 3000, func(k *keyMemo) bool { return len(k.entries) < maxMemoKeys && len(k.text) > maxMemoText-3100 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			table := eval.NewFieldTable()
			paths := []*eval.Path{table.Path("a.b"), table.Path("k7.x"), table.Path("a"), table.Path("z")}
			var reused Lazy
			event := func(i int) []byte {
				b := fmt.Appendf(nil, `{"a.b":%d,`, i)
				for j := range tc.perEvent {
					b = fmt.Appendf(b, `"k%d.x":"v%d",`, (i*tc.perEvent+j)%(2*maxMemoKeys), i)
				}
				return fmt.Appendf(b, `"a":{"b":"n"},"long%d%0*d":1,"z":[1,"2"],"z":3}`, i, tc.long, 0)
			}
			for i := range 3 * maxMemoKeys / tc.perEvent {
				b := event(i)
				if reused.Reset(b); !sameAsFresh(t, &reused, paths, b) {
					t.Fatalf("event %d: %s", i, b)
				}
				if tc.full(&reused.memo) {
					break
				}
			}
			if !tc.full(&reused.memo) {
				t.Fatalf("%d keys, %d bytes remembered", len(reused.memo.entries), len(reused.memo.text))
			}
			for i := range 100 { // keys met after
				b := event(i + 3*maxMemoKeys)
				reused.Reset(b)
				sameAsFresh(t, &reused, paths, b)
			}
			if id := reused.memo.id([]byte("a.b")); id == 0 {
				t.Fatal("a key met first is not remembered")
			}
			if id := reused.memo.id([]byte("never.met")); id != 0 {
				t.Fatal("a full memo took a key")
			}
			reused.Reset(event(7))
			sameAsFresh(t, &reused, paths, event(7))
		})
	}
}

// TestKeyMemoGuess: the walk of a Lazy that reads a stream guesses each
// top-level key from the order of the keys of the events before; a
// stream whose keys differ from the guess by a byte, an escape, an
// extension or a truncation, come again (duplicates), in another order
// or not at all, gets the answers of a fresh Lazy.
func TestKeyMemoGuess(t *testing.T) {
	table := eval.NewFieldTable()
	paths := []*eval.Path{table.Path("a"), table.Path("ab"), table.Path("a.b"), table.Path("b"), table.Path("c"), table.Path(`a"`), table.Path("é")}
	stream := []string{
		`{"a":1,"ab":2,"b":3,"c":4}`,
		`{"a":1,"ab":2,"b":3,"c":4}`, // every guess right
		`{"ab":1,"a":2,"c":3,"b":4}`, // every guess wrong
		`{"a":1,"ab":2,"b":3,"c":4}`,
		`{"a" : 1 , "abc":2, "b" :3,"c":4}`,       // a longer key where "ab" is guessed
		`{"a":1,"a":{"b":2},"b":3,"b":[4],"c":5}`, // duplicates
		`{"a":1,"a\"":2,"b":3,"c":4}`,             // an escaped quote after the guessed key's text
		`{"a":1,"a\u0062":2,"b":3,"c":4}`,         // an escape that spells the guessed key
		`{"a":1,"ab":2,"b":3,"c":4}`,              // back to the first shape
		`{"a":1,"é":2,"\u00e9":3,"b":4}`,          // a key and its escaped spelling
		`{"a":1,"é":2,"\u00e9":3,"b":4}`,          //
		`{"a":1,"é":2,"b":3}`,                     //
		`{"a":1,"ab":2,"b":3,"c":4}`,              //
		`{"a":1,"ab":2,"b":3,"c"`,                 // the text ends in a guessed key
		`{"a":1,"ab":2,"b":3,"c`,                  // inside one
		`{"a":1,"ab":2,"b":3,"c":4}`,              //
		`{"a":1,"ab":2,"b":3,"c" 4}`,              // no colon after a guessed key
		`{}`,                                      //
		`{"a":1,"ab":2,"b":3,"c":4}`,              //
		`{"":1,"a":1,"ab":2,"b":3,"c":4}`,         // an empty key first
		`{"":1,"a":1,"ab":2,"b":3,"c":4}`,         //
	}
	// reused walks the table's paths first (and guesses); indexed looks
	// a path up on its own first (Lazy.index lists the members, without
	// ids or guesses: the walk after it reads them)
	var reused, indexed Lazy
	for round := range 2 {
		for i, ev := range stream {
			if reused.Reset([]byte(ev)); !sameAsFresh(t, &reused, paths, []byte(ev)) {
				t.Fatalf("round %d, event %d: %s", round, i, ev)
			}
			indexed.Reset([]byte(ev))
			var got, want valueList
			indexed.Values(eval.NewPath("b"), &got)
			(&Lazy{b: []byte(ev)}).Values(eval.NewPath("b"), &want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("round %d, event %d: %s: b alone %v, fresh %v", round, i, ev, got, want)
			}
			if !sameAsFresh(t, &indexed, paths, []byte(ev)) {
				t.Fatalf("round %d, event %d, looked up alone first: %s", round, i, ev)
			}
		}
	}
	a, ab := reused.memo.id([]byte("a")), reused.memo.id([]byte("ab"))
	if a == 0 || reused.memo.entries[a-1].next != ab {
		t.Fatal(`the key guessed after "a" is not "ab"`)
	}
}

// sameAsFresh reports whether reused, reading b (the next event of its
// stream), gives the values of paths (through their table) and the
// field listing that a fresh Lazy gives, failing the test if not.
func sameAsFresh(t *testing.T, reused *Lazy, paths []*eval.Path, b []byte) bool {
	t.Helper()
	var fresh Lazy
	fresh.b = b // not a stream's: no memo
	ok := true
	for _, p := range paths {
		var got, want valueList
		reused.Values(p, &got)
		fresh.Values(p, &want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s, %s: %v, fresh %v", b, p.Name, got, want)
			ok = false
		}
	}
	var got, want fieldList
	reused.Fields(&got)
	fresh.Fields(&want)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s: fields %v, fresh %v", b, got, want)
		ok = false
	}
	return ok
}

type valueList []any

func (v *valueList) Visit(x any) bool { *v = append(*v, x); return false }

type fieldList []eval.FieldValue

func (f *fieldList) VisitField(name string, x any) bool {
	*f = append(*f, eval.FieldValue{Name: name, Value: x})
	return false
}
