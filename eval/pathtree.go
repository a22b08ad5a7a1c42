package eval

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"unsafe"
)

// PathTree is the tree of the dot-separated parts of the paths of a
// [FieldTable]: an [Event] that reads JSON text may walk it once along an
// event's member keys and note where the value of each path of the table
// sits, rather than look each path up on its own (package events' lazy
// event does, for the paths a [Cache] asks it for). Node 0 is the root;
// it is immutable once made: many goroutines may read one at once.
type PathTree struct {
	parts partTree
	slot  []int32 // by node: the slot of the path that ends there, or -1
	slots int     // the table's paths when the tree was made
}

// partTree is the shape of a tree of name parts: node 0 is the root, and
// the children of a node sit together in kids, grouped by the bucket of
// their part (its first byte's low six bits, 0 for an empty part), so
// that a lookup finds its group with a bit count and compares the parts
// of the group, one or two, without hashing and near the node's other
// children.
type partTree struct {
	nodes int32
	// first[n]: bit b is set when some part below node n is in bucket b;
	// 0 for a leaf node
	first []uint64
	// groups[n] is the index in starts of the first group of node n;
	// starts[g] is the index in kids of group g, whose kids end where
	// the next group starts (the next node's first group for a node's
	// last one; starts ends with len(kids))
	groups []int32
	starts []int32
	kids   []partKid
	build  map[partKey]int32 // the edges, until freeze
}

type partKey struct {
	parent int32
	part   string
}

type partKid struct {
	word  uint64 // partWord(part)
	part  string
	child int32
}

// partWord is the first eight bytes of a part (fewer, zero-padded, for
// a shorter one), little-endian: kids compare it before their parts, so
// that a part of at most eight bytes compares as one word.
func partWord(part string) uint64 {
	if len(part) >= 8 {
		return binary.LittleEndian.Uint64(unsafe.Slice(unsafe.StringData(part), 8))
	}
	var w uint64
	for i := len(part) - 1; i >= 0; i-- {
		w = w<<8 | uint64(part[i])
	}
	return w
}

// partBucket is the bucket of a part: the bit of first it sets.
func partBucket(part string) uint {
	if part == "" {
		return 0
	}
	return uint(part[0] & 63)
}

// add returns the node below parent whose part is part, adding it (a
// node is numbered after its parent); added tells whether it did.
func (t *partTree) add(parent int32, part string) (int32, bool) {
	if t.build == nil {
		t.build, t.nodes, t.first = map[partKey]int32{}, 1, []uint64{0}
	}
	if c, ok := t.build[partKey{parent, part}]; ok {
		return c, false
	}
	c := t.nodes
	t.nodes++
	t.build[partKey{parent, part}] = c
	t.first = append(t.first, 0)
	t.first[parent] |= 1 << partBucket(part)
	return c, true
}

// freeze lays out the children of the nodes added.
func (t *partTree) freeze() {
	if t.build == nil {
		t.nodes, t.first = 1, []uint64{0}
	}
	byNode := make([][]partKid, t.nodes)
	for k, c := range t.build {
		byNode[k.parent] = append(byNode[k.parent], partKid{word: partWord(k.part), part: k.part, child: c})
	}
	t.groups = make([]int32, t.nodes)
	t.starts = t.starts[:0]
	t.kids = make([]partKid, 0, len(t.build))
	for n, kids := range byNode {
		slices.SortFunc(kids, func(a, b partKid) int {
			if c := cmp.Compare(partBucket(a.part), partBucket(b.part)); c != 0 {
				return c
			}
			return strings.Compare(a.part, b.part)
		})
		t.groups[n] = int32(len(t.starts))
		for i, k := range kids {
			if i == 0 || partBucket(k.part) != partBucket(kids[i-1].part) {
				t.starts = append(t.starts, int32(len(t.kids)))
			}
			t.kids = append(t.kids, k)
		}
	}
	t.starts = append(t.starts, int32(len(t.kids)))
	t.build = nil
}

// child returns the node below n whose part is part, and whether there
// is one.
func (t *partTree) child(n int32, part string) (int32, bool) {
	f := t.first[n]
	b := partBucket(part)
	if f&(1<<b) == 0 {
		return 0, false
	}
	g := t.groups[n] + int32(bits.OnesCount64(f&(1<<b-1)))
	w := partWord(part)
	for i, end := t.starts[g], t.starts[g+1]; i < end; i++ {
		if k := &t.kids[i]; k.word == w && len(k.part) == len(part) && (len(part) <= 8 || k.part[8:] == part[8:]) {
			return k.child, true
		}
	}
	return 0, false
}

// Child returns the node below n whose part is part, and whether there
// is one.
func (t *PathTree) Child(n int32, part string) (int32, bool) { return t.parts.child(n, part) }

// Step follows key, split at its dots, from n: the node it leads to, and
// the number of parts it took, or false when it leaves the tree.
func (t *PathTree) Step(n int32, key string) (int32, int, bool) {
	parts := 1
	for {
		part := key
		dot := strings.IndexByte(key, '.')
		if dot >= 0 {
			part = key[:dot]
		}
		c, ok := t.Child(n, part)
		if !ok {
			return 0, 0, false
		}
		if dot < 0 {
			return c, parts, true
		}
		n, key = c, key[dot+1:]
		parts++
	}
}

// Slot returns the slot of the table's path whose name leads to n, or -1.
func (t *PathTree) Slot(n int32) int { return int(t.slot[n]) }

// Inner reports whether some path goes on below n.
func (t *PathTree) Inner(n int32) bool { return t.parts.first[n] != 0 }

// Nodes returns the number of nodes.
func (t *PathTree) Nodes() int { return int(t.parts.nodes) }

// Slots returns the number of the table's paths the tree holds: slots
// from 0 to Slots()-1.
func (t *PathTree) Slots() int { return t.slots }

// Slot returns the table the path belongs to and its slot there (see
// [FieldTable.Tree]), or nil and 0 for a path of no table.
func (p *Path) Slot() (*FieldTable, int) { return p.table, p.slot }

// Tree returns the tree of the table's paths, made once the table has
// all of them (again if paths were added since).
func (t *FieldTable) Tree() *PathTree {
	if pt := t.tree.Load(); pt != nil && pt.slots == len(t.paths) {
		return pt
	}
	t.treeMu.Lock()
	defer t.treeMu.Unlock()
	if pt := t.tree.Load(); pt != nil && pt.slots == len(t.paths) {
		return pt
	}
	pt := &PathTree{slots: len(t.paths)}
	slot := map[int32]int32{}
	for _, p := range t.paths {
		n := int32(0)
		for _, part := range p.Parts {
			n, _ = pt.parts.add(n, part)
		}
		slot[n] = int32(p.slot)
	}
	pt.parts.freeze()
	pt.slot = make([]int32, pt.parts.nodes)
	for n := range pt.slot {
		s, ok := slot[int32(n)]
		if !ok {
			s = -1
		}
		pt.slot[n] = s
	}
	t.tree.Store(pt)
	return pt
}

// pathTreeOf is the state of FieldTable.Tree.
type pathTreeOf struct {
	tree   atomic.Pointer[PathTree]
	treeMu sync.Mutex
}
