package eval

import (
	"strings"
	"sync"
	"sync/atomic"
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

// partTree is the shape of a tree of name parts: node 0 is the root,
// and the edges, by parent and part, are an open-addressing hash table,
// so that a lookup hashes a few bytes and compares one or two entries.
type partTree struct {
	nodes int32
	// first[n]: bit c&63 is set when some part below node n starts with
	// the byte c (every bit for an empty part); 0 for a leaf node
	first []uint64
	edges []partEdge
	build map[partKey]int32 // the edges, until freeze
}

type partKey struct {
	parent int32
	part   string
}

type partEdge struct {
	part   string
	parent int32
	child  int32 // 0: an empty entry
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
	if part == "" {
		t.first[parent] = ^uint64(0)
	} else {
		t.first[parent] |= 1 << (part[0] & 63)
	}
	return c, true
}

// freeze makes the hash table of the edges added.
func (t *partTree) freeze() {
	if t.build == nil {
		t.nodes, t.first = 1, []uint64{0}
	}
	size := 16
	for size < 2*len(t.build) {
		size *= 2
	}
	t.edges = make([]partEdge, size)
	mask := uint32(size - 1)
	for k, c := range t.build {
		h := hashPart(k.parent, k.part) & mask
		for t.edges[h].child != 0 {
			h = (h + 1) & mask
		}
		t.edges[h] = partEdge{part: k.part, parent: k.parent, child: c}
	}
	t.build = nil
}

// hashPart hashes an edge's parent and part (FNV-1a).
func hashPart(parent int32, part string) uint32 {
	h := uint32(2166136261) ^ uint32(parent)
	for i := 0; i < len(part); i++ {
		h = (h ^ uint32(part[i])) * 16777619
	}
	return h ^ h>>15
}

// child returns the node below n whose part is part, and whether there
// is one.
func (t *partTree) child(n int32, part string) (int32, bool) {
	f := t.first[n]
	if f == 0 || (len(part) > 0 && f&(1<<(part[0]&63)) == 0) {
		return 0, false
	}
	mask := uint32(len(t.edges) - 1)
	for h := hashPart(n, part) & mask; ; h = (h + 1) & mask {
		e := &t.edges[h]
		if e.child == 0 {
			return 0, false
		}
		if e.parent == n && e.part == part {
			return e.child, true
		}
	}
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
