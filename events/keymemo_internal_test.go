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
// answer from it.
func TestKeyMemoFull(t *testing.T) {
	table := eval.NewFieldTable()
	paths := []*eval.Path{table.Path("a.b"), table.Path("k7.x"), table.Path("a"), table.Path("z")}
	var reused Lazy
	event := func(i int) []byte {
		return fmt.Appendf(nil, `{"a.b":%d,"k%d.x":"v%d","a":{"b":"n"},"long%d%0300d":1,"z":[1,"2"],"z":3}`, i, i%(2*maxMemoKeys), i, i, 0)
	}
	check := func(b []byte) {
		t.Helper()
		var fresh Lazy
		fresh.b = b // not a stream's: no memo
		reused.Reset(b)
		for _, p := range paths {
			var got, want valueList
			reused.Values(p, &got)
			fresh.Values(p, &want)
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("%s, %s: %v, fresh %v", b, p.Name, got, want)
			}
		}
		var got, want fieldList
		reused.Fields(&got)
		fresh.Fields(&want)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: fields %v, fresh %v", b, got, want)
		}
	}
	for i := range 3 * maxMemoKeys {
		check(event(i))
	}
	if n := len(reused.memo.entries); n > maxMemoKeys || len(reused.memo.text) > maxMemoText || n < 4 {
		t.Fatalf("%d keys, %d bytes remembered", n, len(reused.memo.text))
	}
	if id := reused.memo.id([]byte("a.b")); id == 0 {
		t.Fatal("a key met first is not remembered")
	}
	if id := reused.memo.id([]byte("never.met")); id != 0 {
		t.Fatal("a full memo took a key")
	}
	check(event(7))
}

type valueList []any

func (v *valueList) Visit(x any) bool { *v = append(*v, x); return false }

type fieldList []eval.FieldValue

func (f *fieldList) VisitField(name string, x any) bool {
	*f = append(*f, eval.FieldValue{Name: name, Value: x})
	return false
}
