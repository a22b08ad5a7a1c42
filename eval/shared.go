package eval

import (
	"encoding/json"
	"strings"
	"unsafe"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
)

// FieldTable gives the programs compiled through it one [Path] per
// distinct field name, so that a [Cache] resolves each field once per
// event however many programs read it. Compile the programs of a rule set
// with one table, then match them all on a Cache of that table.
//
// A FieldTable is not safe for concurrent compiling; the programs it
// compiled, and any number of Caches, are safe to use from many
// goroutines once compiling is done.
type FieldTable struct {
	byName map[string]*Path
	paths  []*Path
	slab   []Path // where the next paths go
	// listed is what the free text and wildcard field names of the
	// table's programs read: the fields a Cache lists for them.
	listed     fieldPatterns
	pathTreeOf // Tree
}

// fieldPatterns is a union of field name patterns.
type fieldPatterns struct {
	all   bool // some program reads every field (free text)
	globs []*glob
	seen  map[string]bool // the globs' text
	// first[c]: some glob may match a name that starts with the byte c
	// (all of them when a glob starts with a wildcard)
	first [256]bool
}

func (f *fieldPatterns) add(gs []*glob) {
	if gs == nil {
		f.all = true
		return
	}
	for _, g := range gs {
		if k := g.String(); !f.seen[k] {
			if f.seen == nil {
				f.seen = map[string]bool{}
			}
			f.seen[k] = true
			f.globs = append(f.globs, g)
			if len(g.parts) > 0 && g.parts[0] != "" && g.ops == nil {
				f.first[g.parts[0][0]] = true
			} else {
				for c := range f.first {
					f.first[c] = true
				}
			}
		}
	}
}

// wantsField reports whether a glob matches name.
func (f *fieldPatterns) wantsField(name string) bool {
	if f.all {
		return true
	}
	if name == "" || !f.first[name[0]] {
		return name == "" && matchAny(f.globs, name)
	}
	return matchAny(f.globs, name)
}

// wantsBelow reports whether a glob may match a name below name.
func (f *fieldPatterns) wantsBelow(name string) bool {
	if f.all || name == "" {
		return true
	}
	return f.first[name[0]] && mayMatchBelow(f.globs, name)
}

// NewFieldTable returns an empty table.
func NewFieldTable() *FieldTable { return &FieldTable{byName: map[string]*Path{}} }

// Len returns the number of distinct fields in the table.
func (t *FieldTable) Len() int { return len(t.paths) }

// Path returns the table's path for the field name, adding it.
func (t *FieldTable) Path(name string) *Path {
	if p, ok := t.byName[name]; ok {
		return p
	}
	// the table's paths sit together (a Cache reads each one's slot)
	if len(t.slab) == 0 {
		t.slab = make([]Path, 64)
	}
	p := &t.slab[0]
	t.slab = t.slab[1:]
	*p = *NewPath(name)
	p.table, p.slot = t, len(t.paths)
	t.byName[name] = p
	t.paths = append(t.paths, p)
	return p
}

// Compile is [Compile] whose program reads its top-level fields through
// the table's paths.
func (t *FieldTable) Compile(x ast.Expr, opts ...Option) (*Program, error) {
	p, err := Compile(x, opts...)
	if err != nil {
		return nil, err
	}
	t.adopt(p.root)
	return p, nil
}

// CompileQuery is [CompileQuery] whose program reads its top-level fields
// through the table's paths.
func (t *FieldTable) CompileQuery(q esdsl.Query, opts ...Option) (*Program, error) {
	p, err := CompileQuery(q, opts...)
	if err != nil {
		return nil, err
	}
	t.adopt(p.root)
	return p, nil
}

// Adopt makes a program compiled alone (by [Compile] or [CompileQuery]
// with the options the table's programs take) one of the table's, as if
// the table had compiled it: its top-level fields read through the
// table's paths. A program belongs to one table: adopt it before
// matching, and never into two tables.
func (t *FieldTable) Adopt(p *Program) { t.adopt(p.root) }

// adopt re-points the top-level paths of a freshly compiled tree to the
// table's. Paths inside a nested query are relative to its elements and
// stay their own; a node kind it does not know keeps its paths (it is
// then only not cached).
func (t *FieldTable) adopt(n node) {
	switch n := n.(type) {
	case *andNode:
		for _, x := range n.xs {
			t.adopt(x)
		}
	case *orNode:
		for _, x := range n.xs {
			t.adopt(x)
		}
		for _, x := range n.fast {
			t.adopt(x)
		}
	case *notNode:
		t.adopt(n.x)
	case *atLeastNode:
		for _, x := range n.xs {
			t.adopt(x)
		}
	case *leafNode:
		n.path = t.Path(n.path.Name)
		if n.source != nil {
			n.source = t.Path(n.source.Name)
		}
	case *nestedNode:
		n.path = t.Path(n.path.Name)
	case *anyFieldNode:
		n.table = t
		t.listed.add(n.names)
	}
}

// Cache is an [Event] that wraps another and remembers, for the paths of
// its [FieldTable], the values each field had: the first program that asks
// for a field resolves it, the others read the list. For the free text and
// wildcard field names of the table's programs it lists the fields of the
// event once, too: every field of a [Map]; of another event, the fields
// that one of the table's patterns wants (as a [FieldFilter]). Other
// FieldVisitors are passed on to the event.
//
// Reuse one Cache per goroutine with Reset: once it has seen events as
// large, it allocates nothing for events of [Map] (and map[string]any
// below it), wildcard field names and free text included, nor for the
// strings and numbers an event passes unboxed ([StringVisitor],
// [NumberVisitor]: it keeps their text, and passes it unboxed to the
// visitors that take it so, as a program's matchers do). A Cache is not
// safe for concurrent use. The field names it passes to a FieldVisitor are
// valid only until the next Reset.
type Cache struct {
	table *FieldTable
	ev    Event
	gen   uint32
	slots []cacheSlot
	col   collector

	// present: bit s is clear when the event has no value for slot s < presentN
	// (PresenceReporter), as of gen presentGen
	presentGen uint32
	presentN   int
	present    []uint64

	fieldsGen uint32 // gen when fields was filled
	fields    []FieldValue
	names     []byte // the text of nested field names, for fields
	flat      flattener
}

type cacheSlot struct {
	gen        uint32
	start, end int32 // the values are col.vals[start:end]
}

// collector gathers the values of a field for a Cache. A string or a
// number an event passes unboxed (VisitString, VisitNumber) is kept
// unboxed: its text is copied into text, a buffer reused from event to
// event, and passed on as it is to a [StringVisitor] or a
// [NumberVisitor] (the matchers of a program are). Only a Visitor that
// takes it as an `any` gets it boxed, once for all the events that have
// it while it stays in strs, a direct-mapped table of the short values
// met last: field values repeat from event to event (categories,
// actions, data sets, hosts, ports), and a value met again costs a hash
// of its bytes rather than an allocation.
type collector struct {
	vals []cachedValue
	text []byte            // the text of the unboxed values of vals
	strs *[internSlots]any // boxed values, by hash; made by the first box
}

// cachedValue is one value of a field: x, or the text s of a string or
// a number (x is then its box, once a Visitor wanted one).
type cachedValue struct {
	x    any
	s    string
	kind valueKind
}

type valueKind uint8

const (
	boxedValue  valueKind = iota // x
	stringValue                  // the string s
	numberValue                  // the number whose JSON text is s
)

const (
	internSlots = 1024 // slots of collector.strs
	internMax   = 64   // the longest string kept there
)

func (c *collector) Visit(x any) bool { c.vals = append(c.vals, cachedValue{x: x}); return false }

// VisitString implements [StringVisitor].
func (c *collector) VisitString(s string) bool { c.keep(s, stringValue); return false }

// VisitNumber implements [NumberVisitor].
func (c *collector) VisitNumber(text string) bool { c.keep(text, numberValue); return false }

// keep adds the value of text s, copied into c.text. A grown buffer
// leaves the values already made in the old one, which stays alive as
// long as they do.
func (c *collector) keep(s string, kind valueKind) {
	if cap(c.text)-len(c.text) < len(s) {
		c.text = make([]byte, 0, 2*cap(c.text)+len(s))
	}
	start := len(c.text)
	c.text = append(c.text, s...)
	b := c.text[start:]
	c.vals = append(c.vals, cachedValue{s: unsafe.String(unsafe.SliceData(b), len(b)), kind: kind})
}

// reset forgets the values of the last event.
func (c *collector) reset() {
	c.vals, c.text = c.vals[:0], c.text[:0]
}

// visit passes the values vals to v, until a call returns true.
func (c *collector) visit(vals []cachedValue, v Visitor) bool {
	if len(vals) == 0 {
		return false // most fields of the table, for most events
	}
	sv, _ := v.(StringVisitor)
	nv, _ := v.(NumberVisitor)
	for i := range vals {
		x := &vals[i]
		var stop bool
		switch {
		case x.kind == stringValue && sv != nil:
			stop = sv.VisitString(x.s)
		case x.kind == numberValue && nv != nil:
			stop = nv.VisitNumber(x.s)
		default:
			if x.x == nil && x.kind != boxedValue {
				x.x = c.box(x.s, x.kind)
			}
			stop = v.Visit(x.x)
		}
		if stop {
			return true
		}
	}
	return false
}

// box returns the value of text s, of c.text, as a value of its own: a
// string, or a json.Number.
func (c *collector) box(s string, kind valueKind) any {
	if len(s) > internMax {
		return boxOf(strings.Clone(s), kind)
	}
	if c.strs == nil {
		c.strs = new([internSlots]any)
	}
	h := uint32(2166136261) ^ uint32(kind)
	for i := 0; i < len(s); i++ {
		h = (h ^ uint32(s[i])) * 16777619
	}
	slot := &c.strs[(h^h>>16)%internSlots]
	switch x := (*slot).(type) {
	case string:
		if kind == stringValue && x == s {
			return *slot
		}
	case json.Number:
		if kind == numberValue && string(x) == s {
			return *slot
		}
	}
	*slot = boxOf(strings.Clone(s), kind)
	return *slot
}

func boxOf(s string, kind valueKind) any {
	if kind == numberValue {
		return json.Number(s)
	}
	return s
}

// NewCache returns a Cache for the paths of t.
func NewCache(t *FieldTable) *Cache {
	return &Cache{table: t}
}

// Reset makes c read event e, forgetting the values of the last one.
func (c *Cache) Reset(e Event) {
	c.ev = e
	c.gen++
	if c.gen == 0 { // wrapped: forget every slot
		clear(c.slots)
		c.fieldsGen, c.presentGen = 0, 0
		c.gen = 1
	}
	c.col.reset()
	if n := len(c.table.paths); len(c.slots) < n {
		c.slots = append(c.slots, make([]cacheSlot, n-len(c.slots))...)
		c.present = make([]uint64, (n+63)/64)
	}
}

// Event returns the event c reads.
func (c *Cache) Event() Event { return c.ev }

// Values implements [Event].
func (c *Cache) Values(path *Path, v Visitor) bool {
	if path.table != c.table || path.slot >= len(c.slots) {
		return c.ev.Values(path, v)
	}
	s := &c.slots[path.slot]
	if s.gen != c.gen {
		s.gen = c.gen
		s.start = int32(len(c.col.vals))
		if !c.absent(path.slot) {
			c.ev.Values(path, &c.col)
		}
		s.end = int32(len(c.col.vals))
	}
	return c.col.visit(c.col.vals[s.start:s.end], v)
}

// absent reports whether the event is known to have no value for the
// table's slot: a [PresenceReporter] says which slots have none, once
// per event, so that a lookup of a field the event lacks (most of the
// table's, for most events) costs no call of the event.
func (c *Cache) absent(slot int) bool {
	if c.presentGen != c.gen {
		c.presentGen, c.presentN = c.gen, 0
		if r, ok := c.ev.(PresenceReporter); ok {
			c.presentN = r.Present(c.table, c.present)
		}
	}
	return slot < c.presentN && c.present[slot/64]&(1<<(slot%64)) == 0
}

// Presence returns which of the table's slots the event may have a value
// for, as a [PresenceReporter] tells it (once per event): bit s%64 of
// bits[s/64], for the slots s below n; nothing of the slots from n on
// (n is 0 for an event that cannot tell). A slot whose bit is clear is
// [Cache.Absent]. bits is c's, valid until the next Reset.
func (c *Cache) Presence() (bits []uint64, n int) {
	if len(c.slots) == 0 {
		return nil, 0
	}
	c.absent(0)
	return c.present, c.presentN
}

// Fields implements [Event].
func (c *Cache) Fields(v FieldVisitor) bool {
	if n, ok := v.(*anyFieldNode); !ok || n.table != c.table {
		return c.ev.Fields(v) // not a field list of the table's
	}
	if c.fieldsGen != c.gen {
		c.fieldsGen = c.gen
		c.fields, c.names = c.fields[:0], c.names[:0]
		c.flat.c = c
		if m, ok := mapOf(c.ev); ok {
			c.flat.object(m, "")
		} else {
			c.ev.Fields(&c.flat)
		}
	}
	for _, f := range c.fields {
		if v.VisitField(f.Name, f.Value) {
			return true
		}
	}
	return false
}

func mapOf(e Event) (map[string]any, bool) {
	switch e := e.(type) {
	case Map:
		return e, true
	case *Cache:
		return mapOf(e.ev)
	}
	return nil, false
}

// flattener lists the leaf fields of an event into its Cache, as
// Map.Fields passes them, without allocating per event: the names of
// nested fields are built in one reused buffer.
type flattener struct {
	c    *Cache
	leaf fieldOf
}

// VisitField collects the fields of an event that is not a Map.
func (f *flattener) VisitField(name string, x any) bool {
	f.c.fields = append(f.c.fields, FieldValue{Name: name, Value: x})
	return false
}

// WantsField implements [FieldFilter] for an event that is not a Map: the
// fields the table's patterns want.
func (f *flattener) WantsField(name string) bool {
	return f.c.table.listed.wantsField(name)
}

// WantsBelow implements [FieldFilter].
func (f *flattener) WantsBelow(name string) bool {
	return f.c.table.listed.wantsBelow(name)
}

func (f *flattener) object(m map[string]any, prefix string) {
	for k, x := range m {
		name := k
		if prefix != "" {
			name = f.join(prefix, k)
		}
		f.value(name, x)
	}
}

// join returns prefix.k, backed by the Cache's name buffer. A grown
// buffer leaves the names already made in the old one, which stays alive
// as long as they do.
func (f *flattener) join(prefix, k string) string {
	c := f.c
	if cap(c.names)-len(c.names) < len(prefix)+1+len(k) {
		c.names = make([]byte, 0, 2*cap(c.names)+len(prefix)+1+len(k))
	}
	start := len(c.names)
	c.names = append(c.names, prefix...)
	c.names = append(c.names, '.')
	c.names = append(c.names, k...)
	b := c.names[start:]
	return unsafe.String(unsafe.SliceData(b), len(b))
}

func (f *flattener) value(name string, x any) {
	switch x := x.(type) {
	case nil:
	case map[string]any:
		f.object(x, name)
	case Map:
		f.object(x, name)
	case []any:
		for _, e := range x {
			f.value(name, e)
		}
	case []map[string]any:
		for _, e := range x {
			f.object(e, name)
		}
	case Event:
		x.Fields(prefixed{name, f})
	default:
		f.leaf = fieldOf{f, name}
		visitValue(x, &f.leaf)
	}
}

// fieldOf collects the values of one leaf field.
type fieldOf struct {
	f    *flattener
	name string
}

func (o *fieldOf) Visit(x any) bool {
	o.f.c.fields = append(o.f.c.fields, FieldValue{Name: o.name, Value: x})
	return false
}
