package eval

import (
	"maps"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/mapping"
)

// LeafSelector is a [LeafVisitor] that wants only some of the leaf fields
// of an event: those its [LeafTree] selects. A [LeafLister] may walk the
// tree as it walks the event and pass over the fields the tree does not
// select without building their names or reading their values (the lazy
// JSON event of package events does); it may also ignore the tree and
// list every field: the visitor gives the same answers.
type LeafSelector interface {
	LeafVisitor
	// LeafTree returns the fields the visitor wants, or nil for all.
	LeafTree() *LeafTree
}

// LeafChecker is a [LeafSelector] that can also take a leaf field by the
// node of its tree that the field's name leads to, without the name: a
// lister that found the event's leaves the tree selects some other way
// (the lazy JSON event of package events notes them in the walk it makes
// for a [FieldTable]'s paths) may pass each to CheckString, CheckNumber or
// CheckBool, n a node of the tree (never [LeafAll] or [LeafNone]) where
// [LeafTree.Leaf] holds, in the order Leaves lists them, rather than list
// them by name. A method returns true when the visitor wants the leaves
// by name after all (the check of the leaf may stop the listing): the
// lister then lists the event to it as Leaves does, from the start. A
// checker's state does not change in these calls.
type LeafChecker interface {
	LeafSelector
	CheckString(n LeafNode, value string) bool
	CheckNumber(n LeafNode, text string) bool
	CheckBool(n LeafNode, value bool) bool
}

// LeafTree selects leaf fields by the dot-separated parts of their full
// names, as [Event.Fields] builds them: a tree of name parts, where a
// lister follows each member key of an event (with [LeafTree.Step]) and
// asks whether a leaf there, or any leaf below, is wanted. Names that
// leave the tree lead to [LeafAll] or [LeafNone], as the node they left
// says. It is immutable: many goroutines may read one at once.
type LeafTree struct {
	parts partTree
	nodes []leafTreeNode
}

type leafTreeNode struct {
	leaf  bool // a leaf whose name ends here is wanted
	below bool // a leaf whose name leaves the tree below this node is wanted
	any   bool // some leaf here or below is wanted
}

// LeafNode is where a field name leads in a [LeafTree]: one of its nodes
// (the root, [LeafTree.Root], is the empty name), or LeafAll or LeafNone
// for a name that left the tree.
type LeafNode int32

const (
	// LeafNone is a name below the tree under which no leaf is wanted.
	LeafNone LeafNode = -1
	// LeafAll is a name below the tree under which every leaf is wanted.
	LeafAll LeafNode = -2
)

// Root returns the node of the empty name, where the members of an event
// start.
func (t *LeafTree) Root() LeafNode { return 0 }

// Step returns where the name of n, a dot and key lead (key alone when n is
// the root: the names of Event.Fields join a key to an empty name without
// a dot). key is a member key as decoded; it may hold dots, each part a
// step.
func (t *LeafTree) Step(n LeafNode, key string) LeafNode {
	if n < 0 || (n == 0 && key == "") {
		return n
	}
	for {
		part := key
		dot := strings.IndexByte(key, '.')
		if dot >= 0 {
			part = key[:dot]
		}
		c, ok := t.parts.child(int32(n), part)
		if !ok {
			if t.nodes[n].below {
				return LeafAll
			}
			return LeafNone
		}
		if dot < 0 {
			return LeafNode(c)
		}
		n, key = LeafNode(c), key[dot+1:]
	}
}

// Nodes returns the number of nodes of the tree: a node n that is not
// LeafAll or LeafNone is below it.
func (t *LeafTree) Nodes() int { return len(t.nodes) }

// Leaf reports whether a leaf field whose name leads to n is wanted.
func (t *LeafTree) Leaf(n LeafNode) bool {
	if n < 0 {
		return n == LeafAll
	}
	return t.nodes[n].leaf
}

// Any reports whether some leaf field whose name leads to n, or below it,
// is wanted: when not, a lister may skip the value whole.
func (t *LeafTree) Any(n LeafNode) bool {
	if n < 0 {
		return n == LeafAll
	}
	return t.nodes[n].any
}

// refusalTree returns the tree of the leaf fields that the mapping m may
// refuse (see [Rejects]): those mapped as a type that refuses some
// scalar (numbers, dates, ip, boolean, flattened, object), those that are
// not mapped below a mapped leaf, and no others; and byNode, what the
// refusal's lookup finds for the name of each node (refusal.CheckString).
// It is nil when m cannot list its fields.
func refusalTree(m mapper) (t *LeafTree, byNode []leafMapping) {
	var names []string
	switch m := m.(type) {
	case fullMapping:
		names = slices.Collect(maps.Keys(m))
	case ecsSchema:
		names = slices.Collect(maps.Keys(m))
	default:
		return nil, nil
	}
	slices.Sort(names)
	t = &LeafTree{}
	nameOf := []string{""} // the full name of each node
	for _, name := range names {
		n := int32(0)
		for i := 0; ; {
			j := strings.IndexByte(name[i:], '.')
			end := len(name)
			if j >= 0 {
				end = i + j
			}
			var added bool
			if n, added = t.parts.add(n, name[i:end]); added {
				nameOf = append(nameOf, name[:end])
			}
			if j < 0 {
				break
			}
			i = end + 1
		}
	}
	// the flags, by the refusal's own lookup: whether a leaf of a name
	// may be refused
	r := &refusal{m: m}
	wanted := func(c leafMapping) bool {
		return c.refusedAt != "" || (c.ok && c.f.mayRefuseScalar())
	}
	kids := make([][]int32, len(nameOf))
	taken := make([]map[string]bool, len(nameOf))
	for k, c := range t.parts.build {
		kids[k.parent] = append(kids[k.parent], c)
		if taken[k.parent] == nil {
			taken[k.parent] = map[string]bool{}
		}
		taken[k.parent][k.part] = true
	}
	t.parts.freeze()
	t.nodes = make([]leafTreeNode, len(nameOf))
	byNode = make([]leafMapping, len(nameOf))
	// children come after their parent: fill the flags from the last
	for n := len(t.nodes) - 1; n >= 0; n-- {
		name := nameOf[n]
		// a name that leaves the tree below n: a part no child has
		off := unmappedPart
		for taken[n][off] {
			off += unmappedPart
		}
		if n > 0 {
			off = name + "." + off
		}
		nd := &t.nodes[n]
		byNode[n] = r.lookup(name)
		nd.leaf = wanted(byNode[n])
		nd.below = wanted(r.lookup(off))
		nd.any = nd.leaf || nd.below
		for _, c := range kids[n] {
			nd.any = nd.any || t.nodes[c].any
		}
	}
	return t, byNode
}

// unmappedPart is a name part that stands for any part a mapping does not
// name (one it names is made longer).
const unmappedPart = "\x00"

// mayRefuseScalar reports whether a field mapped as f refuses some string,
// number or bool (scalarState): not keyword, text and the types it
// indexes whatever the value.
func (f *fieldMapping) mayRefuseScalar() bool {
	switch familyOf(f.Type) {
	case famKeyword:
		return f.Type == mapping.Flattened
	case famText, famUnknown:
		return false
	case famOther:
		return f.Type != mapping.GeoPoint
	}
	return true
}
