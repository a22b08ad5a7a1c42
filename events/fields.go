package events

import (
	"bytes"
	"encoding/json"
	"unicode/utf8"
	"unsafe"

	"github.com/kqlrules/kqlrules/eval"
)

// Fields implements [eval.Event]: it lists the leaf fields of the object
// as eval.Map does over the object [Read] decodes (the names of nested
// objects joined with dots, arrays at any level passed element by
// element, null, [] and {} passing nothing, the last of duplicate keys),
// in the order of the text. It scans the raw text; when v is an
// [eval.FieldFilter] (a wildcard field name), the fields it does not want
// cost no allocation and the objects below which it wants none are
// skipped whole. Each field passed to v costs its name and its value.
func (l *Lazy) Fields(v eval.FieldVisitor) bool {
	l.index()
	f, _ := v.(eval.FieldFilter)
	l.name = l.name[:0]
	mark := len(l.stack)
	l.stack = append(l.stack, l.members...)
	stop := l.fieldsOf(mark, len(l.stack), f, v)
	l.stack = l.stack[:mark]
	return stop
}

// index lists the top-level members, once per event.
func (l *Lazy) index() {
	if l.indexed {
		return
	}
	l.indexed = true
	l.heads, l.odd = [64]int32{}, false
	if p := skipWS(l.b, 0); p < len(l.b) && l.b[p] == '{' {
		for p++; ; {
			ks, ke, vs, next, ok := nextMember(l.b, p)
			if !ok {
				break
			}
			m := member{ks: ks, ke: ke, vs: vs}
			if ks == ke || l.b[ks] == '\\' || l.b[ks] >= utf8.RuneSelf {
				l.odd = true
			} else {
				h := &l.heads[l.b[ks]&63]
				m.prev, *h = *h, int32(len(l.members)+1)
			}
			l.members = append(l.members, m)
			p = next
		}
	}
}

// fieldsOf lists the fields of the members l.stack[from:to] of one object,
// whose name is l.name. Members are read from l.stack by index: nested
// objects push theirs above to.
func (l *Lazy) fieldsOf(from, to int, f eval.FieldFilter, v eval.FieldVisitor) bool {
	for i := from; i < to; i++ {
		m := l.stack[i]
		kind := l.b[m.vs]
		if kind == 'n' {
			continue // null: no field
		}
		n0 := len(l.name)
		if n0 > 0 {
			l.name = append(l.name, '.')
		}
		raw := l.b[m.ks:m.ke]
		if needsDecoding(raw) {
			l.name = appendUnquoted(l.name, raw)
		} else {
			l.name = append(l.name, raw...)
		}
		stop := false
		if l.wanted(kind, f) && !l.duplicate(i, to) {
			stop = l.fieldValues(m.vs, f, v)
		}
		l.name = l.name[:n0]
		if stop {
			return true
		}
	}
	return false
}

// wanted reports whether the value of the field l.name, starting with
// kind, may hold a field f wants.
func (l *Lazy) wanted(kind byte, f eval.FieldFilter) bool {
	if f == nil {
		return true
	}
	name := unsafe.String(unsafe.SliceData(l.name), len(l.name))
	switch kind {
	case '{':
		return f.WantsBelow(name)
	case '[':
		return f.WantsField(name) || f.WantsBelow(name)
	}
	return f.WantsField(name)
}

// duplicate reports whether a later member of l.stack[i+1:to] has the key
// of member i: encoding/json keeps the last.
func (l *Lazy) duplicate(i, to int) bool {
	m := l.stack[i]
	key := l.b[m.ks:m.ke]
	esc := needsDecoding(key)
	for _, o := range l.stack[i+1 : to] {
		other := l.b[o.ks:o.ke]
		if !esc && !needsDecoding(other) {
			if bytes.Equal(key, other) {
				return true
			}
			continue
		}
		l.tmp = appendUnquoted(l.tmp[:0], key)
		n := len(l.tmp)
		l.tmp = appendUnquoted(l.tmp, other)
		if bytes.Equal(l.tmp[:n], l.tmp[n:]) {
			return true
		}
	}
	return false
}

// fieldValues lists the fields of the value at b[p], named l.name: the
// value itself, each element of an array, or the fields of an object.
func (l *Lazy) fieldValues(p int, f eval.FieldFilter, v eval.FieldVisitor) bool {
	b := l.b
	switch b[p] {
	case 'n':
		return false
	case '{':
		if f != nil && !f.WantsBelow(unsafe.String(unsafe.SliceData(l.name), len(l.name))) {
			return false
		}
		mark := len(l.stack)
		for q := p + 1; ; {
			ks, ke, vs, next, ok := nextMember(b, q)
			if !ok {
				break
			}
			l.stack = append(l.stack, member{ks: ks, ke: ke, vs: vs})
			q = next
		}
		stop := l.fieldsOf(mark, len(l.stack), f, v)
		l.stack = l.stack[:mark]
		return stop
	case '[':
		for e := range elements(b, p) {
			if l.fieldValues(e, f, v) {
				return true
			}
		}
		return false
	}
	if f != nil && !f.WantsField(unsafe.String(unsafe.SliceData(l.name), len(l.name))) {
		return false
	}
	x, ok := l.leaf(p)
	return ok && v.VisitField(string(l.name), x)
}

// leaf returns the scalar value at b[p] as encoding/json decodes it: a
// string, a json.Number or a bool.
func (l *Lazy) leaf(p int) (any, bool) {
	b := l.b
	switch b[p] {
	case '"':
		e := stringEnd(b, p)
		if e < 0 {
			return nil, false
		}
		return unquote(b[p+1 : e]), true
	case 't':
		return true, true
	case 'f':
		return false, true
	}
	e := skipValue(b, p)
	if e <= p {
		return nil, false
	}
	return json.Number(b[p:e]), true
}

// unquote returns the value of the raw JSON string text raw (between its
// quotes), as encoding/json decodes it.
func unquote(raw []byte) string {
	if !needsDecoding(raw) {
		return string(raw)
	}
	return string(appendUnquoted(make([]byte, 0, len(raw)), raw))
}
