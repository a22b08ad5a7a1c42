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
	nodes []pathTreeNode
	slots int // the table's paths when the tree was made
	// kids is an open-addressing hash table of the edges, by parent and
	// part: a lookup hashes a few bytes and compares one or two entries
	kids []pathTreeEdge
}

type pathTreeNode struct {
	slot  int32  // the slot of the path that ends here, or -1
	inner bool   // some path goes on below
	first uint64 // bit c&63: some part below starts with the byte c
}

type pathTreeEdge struct {
	part   string
	parent int32
	child  int32 // 0: an empty entry
}

// hashPart hashes an edge's parent and part (FNV-1a).
func hashPart(parent int32, part string) uint32 {
	h := uint32(2166136261) ^ uint32(parent)
	for i := 0; i < len(part); i++ {
		h = (h ^ uint32(part[i])) * 16777619
	}
	return h ^ h>>15
}

// Child returns the node below n whose part is part, and whether there
// is one.
func (t *PathTree) Child(n int32, part string) (int32, bool) {
	nd := &t.nodes[n]
	if !nd.inner || (len(part) > 0 && nd.first&(1<<(part[0]&63)) == 0) {
		return 0, false
	}
	mask := uint32(len(t.kids) - 1)
	for h := hashPart(n, part) & mask; ; h = (h + 1) & mask {
		e := &t.kids[h]
		if e.child == 0 {
			return 0, false
		}
		if e.parent == n && e.part == part {
			return e.child, true
		}
	}
}

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
func (t *PathTree) Slot(n int32) int { return int(t.nodes[n].slot) }

// Inner reports whether some path goes on below n.
func (t *PathTree) Inner(n int32) bool { return t.nodes[n].inner }

// Nodes returns the number of nodes.
func (t *PathTree) Nodes() int { return len(t.nodes) }

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
	pt := &PathTree{nodes: []pathTreeNode{{slot: -1}}, slots: len(t.paths)}
	type edge struct {
		parent int32
		part   string
	}
	edges := map[edge]int32{}
	for _, p := range t.paths {
		n := int32(0)
		for _, part := range p.Parts {
			c, ok := edges[edge{n, part}]
			if !ok {
				c = int32(len(pt.nodes))
				edges[edge{n, part}] = c
				pt.nodes = append(pt.nodes, pathTreeNode{slot: -1})
				nd := &pt.nodes[n]
				nd.inner = true
				if part == "" {
					nd.first = ^uint64(0) // Child tests no byte of ""
				} else {
					nd.first |= 1 << (part[0] & 63)
				}
			}
			n = c
		}
		pt.nodes[n].slot = int32(p.slot)
	}
	size := 16
	for size < 2*len(edges) {
		size *= 2
	}
	pt.kids = make([]pathTreeEdge, size)
	mask := uint32(size - 1)
	for e, c := range edges {
		h := hashPart(e.parent, e.part) & mask
		for pt.kids[h].child != 0 {
			h = (h + 1) & mask
		}
		pt.kids[h] = pathTreeEdge{part: e.part, parent: e.parent, child: c}
	}
	t.tree.Store(pt)
	return pt
}

// pathTreeOf is the state of FieldTable.Tree.
type pathTreeOf struct {
	tree   atomic.Pointer[PathTree]
	treeMu sync.Mutex
}
