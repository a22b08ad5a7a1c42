package events

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"math/bits"
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
	f, _ := v.(eval.FieldFilter)
	return l.list(lister{filter: f, fields: v})
}

// Leaves implements [eval.LeafLister]: it lists the fields of Fields to v
// without boxing their values, and allocates nothing: names and decoded
// strings are built in buffers of l, valid only during each call. It is
// what [eval.Rejects] reads. When v is an [eval.LeafSelector] with a
// tree, the members whose names lead nowhere the tree wants are passed
// over: no name, no value, no scan of an object below them. When v is an
// [eval.LeafChecker], l remembers its tree, and the walk that a lookup of
// a [eval.FieldTable]'s paths makes of an event ([Lazy.Values],
// [Lazy.Present]) notes where the leaves of that tree sit too: Leaves
// then passes them to v's checks by node, without a walk of its own or
// their names, and lists the event by name only when a check asks.
func (l *Lazy) Leaves(v eval.LeafVisitor) bool {
	to := lister{leaves: v}
	if s, ok := v.(eval.LeafSelector); ok {
		to.tree = s.LeafTree()
		if c, ok := s.(eval.LeafChecker); ok && to.tree != nil {
			if l.paths.noted(to.tree) && !l.checkNoted(c) {
				return false
			}
			l.leafHint = to.tree
		}
	}
	return l.list(to)
}

// checkNoted passes the leaves the walk of paths noted to c, as visitLeaf
// passes them by name; it reports whether one of the checks asked for
// the leaves by name.
func (l *Lazy) checkNoted(c eval.LeafChecker) bool {
	b := l.b
	for _, nt := range l.paths.lnotes {
		if nt.at < 0 {
			continue
		}
		p := int(nt.at)
		var byName bool
		switch b[p] {
		case '"':
			e := stringEnd(b, p)
			if e < 0 {
				continue
			}
			raw := b[p+1 : e]
			if needsDecoding(raw) {
				l.tmp = appendUnquoted(l.tmp[:0], raw)
				raw = l.tmp
			}
			byName = c.CheckString(nt.node, unsafe.String(unsafe.SliceData(raw), len(raw)))
		case 't':
			byName = c.CheckBool(nt.node, true)
		case 'f':
			byName = c.CheckBool(nt.node, false)
		default:
			e := skipValue(b, p)
			if e <= p {
				continue
			}
			byName = c.CheckNumber(nt.node, unsafe.String(&b[p], e-p))
		}
		if byName {
			return true
		}
	}
	return false
}

// lister is where a listing goes: a FieldVisitor (with its filter, if it
// is one) or a LeafVisitor (with its tree, if it has one).
type lister struct {
	filter eval.FieldFilter
	fields eval.FieldVisitor
	leaves eval.LeafVisitor
	tree   *eval.LeafTree
}

// list lists the fields of the event to to.
func (l *Lazy) list(to lister) bool {
	l.index()
	// a visitor may list the event again: the inner listing builds its
	// names past the outer one's
	savedTo, savedName := l.to, l.name
	l.to, l.name = to, l.name[len(l.name):]
	mark := len(l.stack)
	l.stack = append(l.stack, l.members...)
	stop := l.fieldsOf(mark, len(l.stack), 0, !l.repeats(), l.odd) // 0: the root of a tree
	l.stack = l.stack[:mark]
	grown := l.name
	l.to, l.name = savedTo, savedName
	if len(savedName) == 0 {
		l.name = grown[:0] // keep the buffer as it grew
	}
	return stop
}

// repeats reports whether two top-level members have the same key as
// written: one pass over the keys with an open-addressing hash table
// (l.seen, 1 + the index of a member whose key hashes there).
func (l *Lazy) repeats() bool {
	if l.memoized() {
		// the same key is the same entry: mark each entry met
		if l.stamp++; l.stamp == 0 {
			for i := range l.memo.entries {
				l.memo.entries[i].seen = 0
			}
			l.stamp = 1
		}
		for _, m := range l.members {
			e := &l.memo.entries[m.id-1]
			if e.seen == l.stamp {
				return true
			}
			e.seen = l.stamp
		}
		return false
	}
	size := 16
	for size < 2*len(l.members) {
		size *= 2
	}
	if cap(l.seen) < size {
		l.seen = make([]int32, size)
	}
	l.seen = l.seen[:size]
	clear(l.seen)
	mask := uint32(size - 1)
	for i := range l.members {
		key := l.b[l.members[i].ks:l.members[i].ke]
		h := keyHash(key)
		for h &= mask; l.seen[h] != 0; h = (h + 1) & mask {
			o := &l.members[l.seen[h]-1]
			if bytes.Equal(l.b[o.ks:o.ke], key) {
				return true
			}
		}
		l.seen[h] = int32(i + 1)
	}
	return false
}

// memoized reports whether every top-level member has its key in l.memo.
func (l *Lazy) memoized() bool {
	for _, m := range l.members {
		if m.id == 0 {
			return false
		}
	}
	return true
}

// keyHash hashes a key by its length and its first and last eight bytes
// (the whole key when shorter), without a loop over its bytes: keys that
// share a long prefix or suffix ("process.parent.name") still differ in
// the other end or the length, and those that do not are told apart by
// repeats' comparison.
func keyHash(key []byte) uint32 {
	n := len(key)
	var x uint64
	if n >= 8 {
		x = binary.LittleEndian.Uint64(key) ^ bits.RotateLeft64(binary.LittleEndian.Uint64(key[n-8:]), 29)
	} else {
		for _, c := range key {
			x = x<<8 | uint64(c)
		}
	}
	x = (x ^ uint64(n)) * 0x9e3779b97f4a7c15
	return uint32(x >> 32)
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
			// no key ids here: a lookup of a program's own paths
			// (the heads) has no use for them (pathScan.scan gives them),
			// and a key the guesses of keyMemo.follows miss would cost
			// a hash (in a stream whose shapes vary, more than a
			// guess saves)
			l.addMember(ks, ke, vs, 0, ks == ke || needsDecoding(l.b[ks:ke]))
			p = next
		}
	}
}

// keyID returns the id in l.memo of the top-level key b[ks:ke] (see
// keyMemo.id), 0 for none or when l does not read a stream.
func (l *Lazy) keyID(ks, ke int) int32 {
	if !l.reuse {
		return 0
	}
	return l.memo.id(l.b[ks:ke])
}

// addMember adds a top-level member to the index: its key is b[ks:ke],
// its value starts at b[vs], its id in l.memo is id; odd: the key is
// empty or needs decoding.
func (l *Lazy) addMember(ks, ke, vs int, id int32, odd bool) {
	var prev int32
	if odd {
		l.odd = true
	} else {
		h := &l.heads[l.b[ks]&63]
		prev, *h = *h, int32(len(l.members)+1)
	}
	// the member is written in place, field by field: built whole and
	// copied, its fields' stores would stall the copy's loads
	n := len(l.members)
	if n < cap(l.members) {
		l.members = l.members[:n+1]
	} else {
		l.members = append(l.members, member{})
	}
	m := &l.members[n]
	m.ks, m.ke, m.vs, m.prev, m.id = ks, ke, vs, prev, id
}

// fieldsOf lists the fields of the members l.stack[from:to] of one object,
// whose name is l.name and leads to node of l.to.tree (when there is
// one). Members are read from l.stack by index: nested objects push
// theirs above to. unique: no two members have the same key as written
// and esc is false; esc: some key is escaped or not UTF-8 (or empty).
func (l *Lazy) fieldsOf(from, to int, node eval.LeafNode, unique, esc bool) bool {
	unique = unique && !esc
	t := l.to.tree
	for i := from; i < to; i++ {
		m := l.stack[i]
		kind := l.b[m.vs]
		if kind == 'n' {
			continue // null: no field
		}
		sub := node
		if t != nil && m.id > 0 && node == t.Root() {
			// a top-level key met before
			if sub = l.memo.leafStep(m.id, t); !t.Any(sub) {
				continue
			}
		} else if t != nil {
			key := l.b[m.ks:m.ke]
			if esc && needsDecoding(key) {
				l.key = appendUnquoted(l.key[:0], key)
				key = l.key
			}
			if sub = t.Step(node, unsafe.String(unsafe.SliceData(key), len(key))); !t.Any(sub) {
				continue // no field the tree wants
			}
		}
		n0 := len(l.name)
		if n0 > 0 {
			l.name = append(l.name, '.')
		}
		raw := l.b[m.ks:m.ke]
		if esc && needsDecoding(raw) {
			l.name = appendUnquoted(l.name, raw)
		} else {
			l.name = append(l.name, raw...)
		}
		stop := false
		if l.wanted(kind) && (unique || !l.duplicate(i, to, esc)) {
			stop = l.fieldValues(m.vs, sub)
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
func (l *Lazy) wanted(kind byte) bool {
	f := l.to.filter
	if f == nil {
		return true
	}
	name := l.nameNow()
	switch kind {
	case '{':
		return f.WantsBelow(name)
	case '[':
		return f.WantsField(name) || f.WantsBelow(name)
	}
	return f.WantsField(name)
}

// duplicate reports whether a later member of l.stack[i+1:to] has the key
// of member i: encoding/json keeps the last. Keys compare as written
// unless one of them is escaped or not UTF-8 (esc: some key of the object
// is), when they compare decoded.
func (l *Lazy) duplicate(i, to int, esc bool) bool {
	m := l.stack[i]
	key := l.b[m.ks:m.ke]
	for _, o := range l.stack[i+1 : to] {
		if o.ke-o.ks == len(key) && bytes.Equal(l.b[o.ks:o.ke], key) {
			return true
		}
		if esc {
			l.tmp = appendUnquoted(l.tmp[:0], key)
			n := len(l.tmp)
			l.tmp = appendUnquoted(l.tmp, l.b[o.ks:o.ke])
			if bytes.Equal(l.tmp[:n], l.tmp[n:]) {
				return true
			}
		}
	}
	return false
}

// escapedKeys reports whether a key of the members l.stack[from:to] is
// escaped or not UTF-8.
func (l *Lazy) escapedKeys(from, to int) bool {
	for _, m := range l.stack[from:to] {
		if needsDecoding(l.b[m.ks:m.ke]) {
			return true
		}
	}
	return false
}

// fieldValues lists the fields of the value at b[p], named l.name (which
// leads to node of l.to.tree): the value itself, each element of an
// array, or the fields of an object.
func (l *Lazy) fieldValues(p int, node eval.LeafNode) bool {
	b := l.b
	f := l.to.filter
	switch b[p] {
	case 'n':
		return false
	case '{':
		if f != nil && !f.WantsBelow(l.nameNow()) {
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
		stop := l.fieldsOf(mark, len(l.stack), node, false, l.escapedKeys(mark, len(l.stack)))
		l.stack = l.stack[:mark]
		return stop
	case '[':
		for e := range elements(b, p) {
			if l.fieldValues(e, node) {
				return true
			}
		}
		return false
	}
	if f != nil && !f.WantsField(l.nameNow()) {
		return false
	}
	if t := l.to.tree; t != nil && !t.Leaf(node) {
		return false
	}
	if v := l.to.leaves; v != nil {
		return l.visitLeaf(p, v)
	}
	x, ok := l.leaf(p)
	return ok && l.to.fields.VisitField(string(l.name), x)
}

// nameNow returns l.name as a string valid until l.name changes.
func (l *Lazy) nameNow() string {
	return unsafe.String(unsafe.SliceData(l.name), len(l.name))
}

// visitLeaf passes the scalar at b[p], field l.name, to v unboxed.
func (l *Lazy) visitLeaf(p int, v eval.LeafVisitor) bool {
	b := l.b
	switch b[p] {
	case '"':
		e := stringEnd(b, p)
		if e < 0 {
			return false
		}
		raw := b[p+1 : e]
		if needsDecoding(raw) {
			l.tmp = appendUnquoted(l.tmp[:0], raw)
			raw = l.tmp
		}
		return v.VisitString(l.nameNow(), unsafe.String(unsafe.SliceData(raw), len(raw)))
	case 't':
		return v.VisitBool(l.nameNow(), true)
	case 'f':
		return v.VisitBool(l.nameNow(), false)
	}
	e := skipValue(b, p)
	if e <= p {
		return false
	}
	return v.VisitNumber(l.nameNow(), unsafe.String(&b[p], e-p))
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
