package eval

import (
	"bytes"
	"encoding/json"
	"testing"
	"unsafe"
)

// unboxed is a Map that passes its strings and numbers as an Event that
// reads JSON text does (the lazy event of package events): a string to
// a StringVisitor's VisitString, a json.Number to a NumberVisitor's
// VisitNumber, as text valid only during the call (here a buffer that is
// overwritten after it: a visitor that kept the text would see it change).
type unboxed struct{ m Map }

func (u unboxed) Values(path *Path, v Visitor) bool {
	return u.m.Values(path, &unboxing{v: v})
}

func (u unboxed) Fields(v FieldVisitor) bool { return u.m.Fields(v) }

type unboxing struct {
	v   Visitor
	buf []byte
}

func (u *unboxing) Visit(x any) bool {
	switch x := x.(type) {
	case string:
		if sv, ok := u.v.(StringVisitor); ok {
			defer u.scribble()
			return sv.VisitString(u.transient(x))
		}
	case json.Number:
		if nv, ok := u.v.(NumberVisitor); ok {
			defer u.scribble()
			return nv.VisitNumber(u.transient(string(x)))
		}
	}
	return u.v.Visit(x)
}

// transient returns s in u.buf.
func (u *unboxing) transient(s string) string {
	u.buf = append(u.buf[:0], s...)
	return unsafe.String(unsafe.SliceData(u.buf), len(u.buf))
}

// scribble overwrites the text transient gave.
func (u *unboxing) scribble() {
	for i := range u.buf {
		u.buf[i] = '#'
	}
}

// decodeNumbers decodes a JSON object as package events does, numbers
// as json.Number.
func decodeNumbers(js string) (map[string]any, bool) {
	d := json.NewDecoder(bytes.NewReader([]byte(js)))
	d.UseNumber()
	var ev map[string]any
	return ev, d.Decode(&ev) == nil
}

// checkUnboxed fails t unless p matches ev alike as a Map (every value
// boxed) and unboxed (strings and numbers passed as text), alone and
// through a Cache.
func checkUnboxed(t *testing.T, p *Program, q, js string) {
	t.Helper()
	ev, ok := decodeNumbers(js)
	if !ok {
		return
	}
	want := p.MatchEvent(Map(ev))
	if got := p.MatchEvent(unboxed{Map(ev)}); got != want {
		t.Fatalf("%s on %s: strings and numbers unboxed %v, boxed %v", q, js, got, want)
	}
	table := NewFieldTable()
	table.Adopt(p)
	c := NewCache(table)
	c.Reset(unboxed{Map(ev)})
	if got := p.MatchEvent(c); got != want {
		t.Fatalf("%s on %s: unboxed through a Cache %v, boxed %v", q, js, got, want)
	}
}
