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
}

type pathTreeNode struct {
	kids map[string]int32 // by part; nil for none
	slot int32            // the slot of the path that ends here, or -1
}

// Child returns the node below n whose part is part, and whether there
// is one.
func (t *PathTree) Child(n int32, part string) (int32, bool) {
	c, ok := t.nodes[n].kids[part]
	return c, ok
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
		c, ok := t.nodes[n].kids[part]
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
func (t *PathTree) Inner(n int32) bool { return t.nodes[n].kids != nil }

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
	for _, p := range t.paths {
		n := int32(0)
		for _, part := range p.Parts {
			c, ok := pt.nodes[n].kids[part]
			if !ok {
				c = int32(len(pt.nodes))
				if pt.nodes[n].kids == nil {
					pt.nodes[n].kids = map[string]int32{}
				}
				pt.nodes[n].kids[part] = c
				pt.nodes = append(pt.nodes, pathTreeNode{slot: -1})
			}
			n = c
		}
		pt.nodes[n].slot = int32(p.slot)
	}
	t.tree.Store(pt)
	return pt
}

// pathTreeOf is the state of FieldTable.Tree.
type pathTreeOf struct {
	tree   atomic.Pointer[PathTree]
	treeMu sync.Mutex
}
