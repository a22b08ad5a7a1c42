package events

import (
	"unsafe"

	"github.com/kqlrules/kqlrules/eval"
)

// pathScan is where the values of the paths of one [eval.FieldTable] sit
// in the event: the first lookup of a path of the table walks the event
// once along the table's [eval.PathTree] (scan), noting, for each path,
// where its values start; a lookup of a path of the table is then a walk
// of its notes. The notes are those the lookup of each path (Lazy.values)
// would visit, in its order: for a path whose values come by one way of
// splitting its name into member keys (all nested, all flat, or one
// mix), the order of the text, the last of duplicate keys. A path whose
// values come by two ways (a flat "a.b" and a nested "a":{"b"}), and
// every path of an event with a key to decode, is looked up on its own.
type pathScan struct {
	table *eval.FieldTable
	tree  *eval.PathTree
	gen   uint32 // the event's: slots and nodes of another gen are stale
	done  bool   // the event was scanned for table
	whole bool   // the scan met a key to decode: look every path up
	objs  int32  // objects met, the event first
	// valid: the walk read the whole event as validObject does and
	// found one JSON object (Lazy.Check); bad: it met text that is not
	// JSON, or that it could not check, and went on as it always does;
	// nest: the depth of the object or array it is in, the event 1
	valid, bad bool
	nest       int
	notes      []note
	slots      []slotNotes
	// present: bit s%64 of present[s/64] is set when slot s has notes
	present []uint64
	nodes   []nodeNotes
	// leaves, when not nil, is the tree of a [eval.LeafChecker] whose
	// leaves the walk notes too (Lazy.leafHint): lnotes are where the
	// values of its leaves sit, in the order Lazy.Leaves lists them (at
	// -1: a later duplicate key replaced it), lnodes the notes made below
	// the last member that led to each of its nodes; lunsure: the notes
	// do not tell (a name that leaves the tree where it wants leaves, an
	// empty key, a key met again in an object the walk came back to)
	leaves  *eval.LeafTree
	lnotes  []leafNote
	lnodes  []nodeNotes
	lunsure bool
}

// leafNote is where the value of a leaf of pathScan.leaves starts, and
// the node of the tree its name leads to.
type leafNote struct {
	at   int32
	node eval.LeafNode
}

// note is where a value starts, -1 for a value a later duplicate key
// replaced; next is 1 + the index of the slot's next note, 0 at the end;
// end, when not 0, is where the value, a string, ends (the walk found
// it: a lookup need not find it again).
type note struct {
	at   int32
	next int32
	end  int32
}

// slotNotes are the notes of one path, first to last (1 + indexes).
type slotNotes struct {
	gen         uint32
	first, last int32
	split       uint64 // bit d: a key of the notes ends after part d
	mixed       bool   // the notes came by two splits: look the path up
}

// nodeNotes are the notes made below the last member that led to a
// node: notes[start:end], through a member of object obj.
type nodeNotes struct {
	gen        uint32
	obj        int32
	start, end int32
}

// reset forgets the event's notes.
func (x *pathScan) reset() {
	x.done = false
}

// scan notes where the values of the paths of t sit in the event of l.
func (x *pathScan) scan(l *Lazy, t *eval.FieldTable) {
	x.table, x.tree = t, t.Tree()
	x.done, x.whole = true, false
	x.valid, x.bad, x.nest = false, false, 1
	x.gen++
	if x.gen == 0 {
		clear(x.slots)
		clear(x.nodes)
		clear(x.lnodes)
		x.gen = 1
	}
	x.leaves, x.lnotes, x.lunsure = l.leafHint, x.lnotes[:0], false
	root := eval.LeafNone // where the top-level keys start in x.leaves
	if x.leaves != nil {
		root = x.leaves.Root()
		if n := x.leaves.Nodes(); len(x.lnodes) < n {
			x.lnodes = append(x.lnodes, make([]nodeNotes, n-len(x.lnodes))...)
		}
	}
	x.notes = x.notes[:0]
	if n := x.tree.Slots(); len(x.slots) < n {
		x.slots = append(x.slots, make([]slotNotes, n-len(x.slots))...)
	}
	if n := x.tree.Nodes(); len(x.nodes) < n {
		x.nodes = append(x.nodes, make([]nodeNotes, n-len(x.nodes))...)
	}
	if n := (x.tree.Slots() + 63) / 64; cap(x.present) < n {
		x.present = make([]uint64, n)
	} else {
		x.present = x.present[:n]
		clear(x.present)
	}
	x.objs = 1
	if l.indexed {
		for _, m := range l.members {
			if _, whole := x.member(l, m.ks, m.ke, m.vs, m.id, 0, 0, 0, 1, true, root); whole {
				return
			}
		}
		return
	}
	// index the top-level members on the way (Lazy.index), so that the
	// objects the walk goes into are read once
	l.indexed = true
	l.heads, l.odd = [64]int32{}, false
	b := l.b
	p := skipWS(b, 0)
	if p >= len(b) || b[p] != '{' {
		return
	}
	var guess, prev int32 // the key guessed for the next member, that of the last (keyMemo.follows)
	if l.reuse {
		guess = l.memo.first
	}
	comma := false // a comma follows the last member
	for p++; ; {
		ks, ke, vs, id, ok := l.topKey(p, guess)
		if !ok || vs >= len(b) {
			// the end of the event: valid when a brace closes it
			// after a member or none, and only white space follows
			q := skipWS(b, p)
			x.valid = !x.bad && !comma && q < len(b) && b[q] == '}' && skipWS(b, q+1) == len(b)
			return
		}
		if l.reuse {
			guess, prev = l.memo.follows(prev, id, len(l.members) == 0), id
		}
		var end int
		if id > 0 && l.memo.passes(id, x.tree, x.leaves) {
			end = validValue(b, vs, 2) // what member does for it, without the call
		} else {
			var whole bool
			if end, whole = x.member(l, ks, ke, vs, id, 0, 0, 0, 1, false, root); whole {
				// a key to decode: index the event the usual way
				l.members, l.indexed = l.members[:0], false
				l.index()
				return
			}
		}
		if end < 0 {
			return // a value that does not end: no member
		}
		l.addMember(ks, ke, vs, id, ks == ke) // member decoded no key
		if p = skipWS(b, end); p < len(b) && b[p] == ',' {
			p++
			comma = true
		} else {
			comma = false
			x.bad = x.bad || p >= len(b) || b[p] != '}'
		}
	}
}

// topKey reads the key of the top-level member at b[p] as memberKey
// does, and its id in l.memo as keyID gives it: guess, when not 0, is
// the id of the key it is likely to have (keyMemo.guess). Either way a
// key it reads is a valid JSON string: memberKey checks it, and a key
// the memo holds is one (keyMemo.id).
func (l *Lazy) topKey(p int, guess int32) (ks, ke, vs int, id int32, ok bool) {
	b := l.b
	p = skipWS(b, p)
	if guess > 0 && p < len(b) && b[p] == '"' {
		if ke, ok := l.memo.guess(b, p, guess); ok {
			q := skipWS(b, ke+1)
			if q >= len(b) || b[q] != ':' {
				return 0, 0, 0, 0, false
			}
			return p + 1, ke, skipWS(b, q+1), guess, true
		}
	}
	if ks, ke, vs, ok = memberKey(b, p); !ok {
		return 0, 0, 0, 0, false
	}
	return ks, ke, vs, l.keyID(ks, ke), true
}

// drop forgets the notes from notes[mark] on.
func (x *pathScan) drop(mark int) { x.dropRange(int32(mark), int32(len(x.notes))) }

// dropRange forgets the notes notes[from:to].
func (x *pathScan) dropRange(from, to int32) {
	for i := from; i < to; i++ {
		x.notes[i].at = -1
	}
}

// member notes the values below the member b[ks:ke] of l's text: b[vs]
// of object obj, whose name leads to node at depth parts (split: where
// its keys end), -1 when no path of the table goes on below the name,
// and to ln of x.leaves, LeafNone when no leaf it wants does; id is the
// key's in l.memo, for a top-level member (nodes 0), or 0. It returns
// where the value ends, -1 when it does not (not JSON: no member then, as
// nextMember says, and no notes), 0 when the caller knows (known); and
// whole: the event must be looked up path by path.
func (x *pathScan) member(l *Lazy, ks, ke, vs int, id int32, node int32, depth int, split uint64, obj int32, known bool, ln eval.LeafNode) (end int, whole bool) {
	b := l.b
	var n int32
	var parts int
	var ok bool
	sub := eval.LeafNone
	if id > 0 { // a plain top-level key met before
		n, parts, ok = l.memo.step(id, x.tree)
		if ln >= 0 {
			sub = l.memo.leafStep(id, x.leaves)
		}
	} else {
		raw := b[ks:ke]
		if needsDecoding(raw) {
			x.whole = true
			return 0, true
		}
		key := unsafe.String(unsafe.SliceData(raw), len(raw))
		if node >= 0 {
			n, parts, ok = x.tree.Step(node, key)
		}
		if ln >= 0 {
			if key == "" {
				x.lunsure = true // Lazy.list names it apart
			} else {
				sub = x.leaves.Step(ln, key)
			}
		}
	}
	leaf := false // x.leaves wants a leaf at sub or below
	if sub >= 0 {
		leaf = x.leaves.Any(sub)
	} else if sub == eval.LeafAll && b[vs] != 'n' {
		x.lunsure = true // a name the tree does not hold: checked by name
	}
	if !ok && !leaf {
		if known {
			return 0, false
		}
		return validValue(b, vs, x.nest+1), false
	}
	start, lstart := int32(len(x.notes)), int32(len(x.lnotes))
	below, lbelow := int32(-1), eval.LeafNone // where the walk goes on below
	noted := false                            // notes[start] is the value's
	if ok {
		depth += parts
		if depth >= 64 {
			x.whole = true
			return 0, true
		}
		split |= 1 << depth
		if s := x.tree.Slot(n); s >= 0 {
			x.note(s, vs, split)
			noted = true
		}
		if x.tree.Inner(n) {
			below = n
		}
	}
	if leaf {
		switch b[vs] {
		case '{', '[':
			lbelow = sub
		case 'n':
		default:
			if x.leaves.Leaf(sub) {
				x.lnotes = append(x.lnotes, leafNote{at: int32(vs), node: sub})
			}
		}
	}
	end = -1
	if below >= 0 || lbelow >= 0 {
		if end, whole = x.into(l, vs, below, depth, split, lbelow); whole {
			return 0, true
		}
	}
	if end < 0 && !known {
		if end = validValue(b, vs, x.nest+1); end < 0 {
			x.drop(int(start))
			x.dropLeaves(lstart, int32(len(x.lnotes)))
			return -1, false
		}
		if noted && b[vs] == '"' {
			x.notes[start].end = int32(end)
		}
	}
	if ok {
		nn := &x.nodes[n]
		if nn.gen == x.gen && nn.obj == obj {
			// a duplicate key: encoding/json keeps the last
			x.dropRange(nn.start, nn.end)
		}
		nn.gen, nn.obj, nn.start, nn.end = x.gen, obj, start, int32(len(x.notes))
	}
	if leaf {
		// a node of the tree is one key in an object: a duplicate
		// key, as for paths; met last in an object inside this one
		// (numbered after it), it may have been met here before too
		nn := &x.lnodes[sub]
		if nn.gen == x.gen && nn.obj == obj {
			x.dropLeaves(nn.start, nn.end)
		} else if nn.gen == x.gen && nn.obj > obj {
			x.lunsure = true
		}
		nn.gen, nn.obj, nn.start, nn.end = x.gen, obj, lstart, int32(len(x.lnotes))
	}
	return end, false
}

// dropLeaves forgets the leaf notes lnotes[from:to].
func (x *pathScan) dropLeaves(from, to int32) {
	for i := from; i < to; i++ {
		x.lnotes[i].at = -1
	}
}

// into goes on below node (-1: no path goes on) and leaf node ln of
// x.leaves (LeafNone: no leaf wanted) inside the value at b[p]: the
// members of an object, or those of each object of an array and, for
// ln, each scalar of the array, read as nextMember and elements read
// them. It returns where the object or array ends, or -1 (a scalar, or
// text that is not JSON), and whole as member does.
func (x *pathScan) into(l *Lazy, p int, node int32, depth int, split uint64, ln eval.LeafNode) (end int, whole bool) {
	b := l.b
	switch b[p] {
	case '{':
		x.objs++
		obj := x.objs
		x.nest++
		x.bad = x.bad || x.nest > maxDepth
		q := p + 1
		comma := false // a comma follows the last member
		for {
			ks, ke, vs, ok := memberKey(b, q)
			if !ok || vs >= len(b) {
				x.bad = x.bad || comma
				break
			}
			e, whole := x.member(l, ks, ke, vs, 0, node, depth, split, obj, false, ln)
			if whole {
				return 0, true // the walk ends: x.nest no longer matters
			}
			if e < 0 {
				x.nest--
				return -1, false // a value that does not end: no member
			}
			q = skipWS(b, e)
			if comma = q < len(b) && b[q] == ','; comma {
				q++
			} else {
				x.bad = x.bad || q >= len(b) || b[q] != '}'
			}
		}
		x.nest--
		if q = skipWS(b, q); q < len(b) && b[q] == '}' {
			return q + 1, false
		}
	case '[':
		x.nest++
		x.bad = x.bad || x.nest > maxDepth
		q := skipWS(b, p+1)
		for q < len(b) && b[q] != ']' {
			if c := b[q]; ln >= 0 && c != '{' && c != '[' && c != 'n' && x.leaves.Leaf(ln) {
				x.lnotes = append(x.lnotes, leafNote{at: int32(q), node: ln})
			}
			e, whole := x.into(l, q, node, depth, split, ln)
			if whole {
				return 0, true
			}
			if e < 0 {
				if e = validValue(b, q, x.nest+1); e < 0 {
					x.nest--
					return -1, false
				}
			}
			q = skipWS(b, e)
			if q < len(b) && b[q] == ',' {
				q = skipWS(b, q+1)
				x.bad = x.bad || q >= len(b) || b[q] == ']'
			} else {
				break
			}
		}
		x.nest--
		if q < len(b) && b[q] == ']' {
			return q + 1, false
		}
	}
	return -1, false
}

// noted reports whether the scan of the event noted the leaves of t,
// and its notes tell which of them the event has (Lazy.checkNoted).
func (x *pathScan) noted(t *eval.LeafTree) bool {
	return x.done && x.leaves == t && !x.whole && !x.lunsure
}

// note adds the value at b[at] to the notes of slot s.
func (x *pathScan) note(s int, at int, split uint64) {
	x.notes = append(x.notes, note{at: int32(at)})
	i := int32(len(x.notes))
	sn := &x.slots[s]
	if sn.gen != x.gen {
		*sn = slotNotes{gen: x.gen, first: i, last: i, split: split}
		x.present[s/64] |= 1 << (s % 64)
		return
	}
	if sn.split != split {
		sn.mixed = true
	}
	x.notes[sn.last-1].next = i
	sn.last = i
}

// values visits the values of path, slot s of x.table, from the notes;
// ok is false when the path must be looked up on its own.
func (x *pathScan) values(b []byte, s int, v eval.Visitor) (stop, ok bool) {
	if x.whole || s >= len(x.slots) || s >= x.tree.Slots() {
		return false, false
	}
	sn := &x.slots[s]
	if sn.gen != x.gen {
		return false, true // no value
	}
	if sn.mixed {
		return false, false
	}
	for i := sn.first; i > 0; {
		nt := x.notes[i-1]
		if nt.at >= 0 {
			var stop bool
			if nt.end > 0 {
				stop = visitString(b[nt.at+1:nt.end-1], v)
			} else {
				stop = visitValue(b, int(nt.at), v)
			}
			if stop {
				return true, true
			}
		}
		i = nt.next
	}
	return false, true
}
