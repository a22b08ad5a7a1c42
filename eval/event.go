package eval

import (
	"encoding/json"
	"strings"
	"sync"
)

// Event is a document a [Program] can read. [Map] implements it for
// map[string]any; implement it for events of other shapes.
//
// The visitors a Program passes are its own compiled matchers: they are
// allocated once, at compile time, so an implementation that calls them
// without boxing new values allocates nothing.
type Event interface {
	// Values calls v.Visit with each value of the field at path, until a
	// call returns true, and reports whether one did. Arrays are passed
	// element by element; empty arrays are skipped, and a null value is
	// given to [VisitNull] (which passes on the field's null_value when
	// its mapping sets one, and otherwise skips it). An object value is
	// passed as a map[string]any or as an Event, so that nested queries
	// ("items:{ ... }") and exists tests can see it.
	Values(path *Path, v Visitor) bool
	// Fields calls v.VisitField with the full dotted name and each value
	// of every leaf field of the event, until a call returns true, and
	// reports whether one did. Free text and wildcard field names use it.
	Fields(v FieldVisitor) bool
}

// Visitor receives the values of one field; Visit returns true to stop.
type Visitor interface {
	Visit(value any) bool
}

// StringVisitor is a [Visitor] that takes a string value as it is, not
// boxed in an interface: an Event may call VisitString instead of Visit for
// a string, which it then need not allocate. s is valid only during the
// call.
type StringVisitor interface {
	Visitor
	VisitString(s string) bool
}

// PresenceReporter is an [Event] that can tell in one call which paths of
// a [FieldTable] it has no value for, so that a [Cache] looks up only the
// others. The lazy JSON event of package events is one.
type PresenceReporter interface {
	Event
	// Present sets, for the slots s of t's paths below the n it returns
	// (n is at most 64*len(bits)), bit s%64 of bits[s/64] when the event
	// may have a value for the path, and clears it when it has none
	// (Values would visit nothing). It says nothing of the slots from n
	// on: 0 when it cannot tell.
	Present(t *FieldTable, bits []uint64) (n int)
}

// NumberVisitor is a [Visitor] that takes a number as the text JSON
// writes it, not boxed in an interface: an Event may call VisitNumber(text)
// instead of Visit(json.Number(text)), and then need not allocate. text
// is valid only during the call.
type NumberVisitor interface {
	Visitor
	VisitNumber(text string) bool
}

// visitNumber passes the number of JSON text t, valid only during the
// call, to v: unboxed to a [NumberVisitor], else as a json.Number of its
// own.
func visitNumber(v Visitor, t string) bool {
	if nv, ok := v.(NumberVisitor); ok {
		return nv.VisitNumber(t)
	}
	return v.Visit(json.Number(strings.Clone(t)))
}

// visitString passes s, a string valid only during the call, to v:
// unboxed to a [StringVisitor], else as a string of its own.
func visitString(v Visitor, s string) bool {
	if sv, ok := v.(StringVisitor); ok {
		return sv.VisitString(s)
	}
	return v.Visit(strings.Clone(s))
}

// FieldVisitor receives every leaf field of an event; VisitField returns
// true to stop.
type FieldVisitor interface {
	VisitField(name string, value any) bool
}

// FieldFilter is a [FieldVisitor] that wants only some fields, such as
// those a wildcard field name designates. An [Event] may ask it, while it
// lists its fields, which ones to pass over without building their names
// and values, and which objects to skip whole; it may also ignore the
// filter (as [Map] does) and pass every field: the visitor checks the
// names it is given. The names given to WantsField and WantsBelow are
// valid only during the call.
type FieldFilter interface {
	FieldVisitor
	// WantsField reports whether the visitor wants the leaf field name.
	WantsField(name string) bool
	// WantsBelow reports whether it may want a field below the object
	// field name: a field whose name is name, a dot and more (any field,
	// for the name "", as [Map.Fields] joins names).
	WantsBelow(name string) bool
}

// LeafVisitor receives every leaf field of an event with its value as
// JSON writes it, unboxed, so that a check of every field (such as
// [Rejects]) costs no allocation: a string, the text of a number,
// or a bool. The name and the text are valid only during the call. Each
// method returns true to stop.
type LeafVisitor interface {
	VisitString(name, value string) bool
	VisitNumber(name, text string) bool
	VisitBool(name string, value bool) bool
}

// LeafLister is an [Event] that can list its leaf fields to a
// [LeafVisitor]: the fields of Event.Fields, with the same values (a
// json.Number's text for a number). The lazy JSON event of package events
// is one.
type LeafLister interface {
	Event
	Leaves(v LeafVisitor) bool
}

// Path is a field name split once into its dot-separated parts. Any run
// of consecutive parts joined by dots is a substring of the name, so
// looking a path up in a map event (which tries every such run as a key)
// slices the name and allocates nothing; a Path takes memory linear in the
// length of its name.
type Path struct {
	Name  string   // the full dotted name, such as "source.geo.name"
	Parts []string // the name split at dots: "source", "geo", "name"
	ends  []int    // ends[j] is the offset in Name just past Parts[j]
	// table and slot: the path's place in a [FieldTable], whose [Cache]
	// keeps its values; nil and 0 for a path of no table.
	table *FieldTable
	slot  int
}

// NewPath splits name at its dots. An empty part (as in "a..b") is kept.
func NewPath(name string) *Path {
	parts := strings.Split(name, ".")
	p := &Path{Name: name, Parts: parts, ends: make([]int, len(parts))}
	end := -1
	for j, part := range parts {
		end += 1 + len(part)
		p.ends[j] = end
	}
	return p
}

// key returns Parts[i:j] joined by dots, a substring of Name.
func (p *Path) key(i, j int) string {
	start := 0
	if i > 0 {
		start = p.ends[i-1] + 1
	}
	return p.Name[start:p.ends[j-1]]
}

// String returns the dotted name.
func (p *Path) String() string { return p.Name }

// Map is the [Event] implementation for map[string]any, the shape
// encoding/json decodes objects into. Fields are found through flat dotted
// keys, nested maps and any mix of the two; arrays ([]any, []string,
// []map[string]any and other slices of basic types) fan out at any level.
// Values of []any, nested maps and scalars are passed on without
// allocating; elements of typed slices such as []string are boxed.
type Map map[string]any

// Values implements [Event].
func (m Map) Values(path *Path, v Visitor) bool {
	return walkMap(m, path, 0, v)
}

// walkMap visits the values of path.Parts[i:] below m: for every key that
// joins parts i..j-1 present in m, either the value (j is the end) or the
// values below it.
func walkMap(m map[string]any, path *Path, i int, v Visitor) bool {
	n := len(path.Parts)
	switch n - i {
	case 1: // the last part: one lookup
		x, ok := m[path.key(i, n)]
		return ok && visitValue(x, v)
	case 2: // two parts left: "a.b", then "a" then "b"
		if x, ok := m[path.key(i, n)]; ok && visitValue(x, v) {
			return true
		}
		x, ok := m[path.key(i, i+1)]
		if !ok {
			return false
		}
		if sub, ok := x.(map[string]any); ok {
			y, ok := sub[path.key(i+1, n)]
			return ok && visitValue(y, v)
		}
		return walkInto(x, path, i+1, v)
	}
	// the longest key first: the whole rest of the path, then shorter ones
	// whose values hold the remaining parts
	for j := n; j > i; j-- {
		x, ok := m[path.key(i, j)]
		if !ok {
			continue
		}
		if j == n {
			if visitValue(x, v) {
				return true
			}
			continue
		}
		if walkInto(x, path, j, v) {
			return true
		}
	}
	return false
}

// walkInto continues a path lookup at part i inside x.
func walkInto(x any, path *Path, i int, v Visitor) bool {
	switch x := x.(type) {
	case map[string]any:
		return walkMap(x, path, i, v)
	case Map:
		return walkMap(x, path, i, v)
	case []any:
		for _, e := range x {
			if walkInto(e, path, i, v) {
				return true
			}
		}
	case []map[string]any:
		for _, e := range x {
			if walkMap(e, path, i, v) {
				return true
			}
		}
	case Event:
		return x.Values(NewPath(path.key(i, len(path.Parts))), v)
	}
	return false
}

// visitValue passes x, or each element of an array x, to v.
func visitValue(x any, v Visitor) bool {
	if _, ok := x.(string); ok { // the common case first
		return v.Visit(x)
	}
	switch x := x.(type) {
	case nil:
		return VisitNull(v)
	case []any:
		for _, e := range x {
			if visitValue(e, v) {
				return true
			}
		}
		return false
	case []string:
		for _, e := range x {
			if v.Visit(e) {
				return true
			}
		}
		return false
	case []map[string]any:
		for _, e := range x {
			if v.Visit(e) {
				return true
			}
		}
		return false
	case []int:
		return visitSlice(x, v)
	case []int64:
		return visitSlice(x, v)
	case []int32:
		return visitSlice(x, v)
	case []uint16:
		return visitSlice(x, v)
	case []uint32:
		return visitSlice(x, v)
	case []uint64:
		return visitSlice(x, v)
	case []float64:
		return visitSlice(x, v)
	case []float32:
		return visitSlice(x, v)
	case []bool:
		return visitSlice(x, v)
	case Map:
		return v.Visit(map[string]any(x))
	}
	return v.Visit(x)
}

func visitSlice[T any](xs []T, v Visitor) bool {
	for _, e := range xs {
		if v.Visit(e) {
			return true
		}
	}
	return false
}

// Fields implements [Event]. Names of values below nested maps are joined
// with dots (which allocates); flat keys are passed as they are.
func (m Map) Fields(v FieldVisitor) bool {
	return fieldsOf(m, "", v)
}

func fieldsOf(m map[string]any, prefix string, v FieldVisitor) bool {
	for k, x := range m {
		name := k
		if prefix != "" {
			name = prefix + "." + k
		}
		if fieldValues(name, x, v) {
			return true
		}
	}
	return false
}

func fieldValues(name string, x any, v FieldVisitor) bool {
	switch x := x.(type) {
	case nil:
		return false
	case map[string]any:
		return fieldsOf(x, name, v)
	case Map:
		return fieldsOf(x, name, v)
	case []any:
		for _, e := range x {
			if fieldValues(name, e, v) {
				return true
			}
		}
		return false
	case []map[string]any:
		for _, e := range x {
			if fieldsOf(e, name, v) {
				return true
			}
		}
		return false
	case Event:
		return x.Fields(prefixed{name, v})
	}
	found := false
	visitValue(x, visitFunc(func(e any) bool {
		found = v.VisitField(name, e)
		return found
	}))
	return found
}

type visitFunc func(any) bool

func (f visitFunc) Visit(x any) bool { return f(x) }

// prefixed prepends a name to the fields of a sub-event.
type prefixed struct {
	prefix string
	v      FieldVisitor
}

func (p prefixed) VisitField(name string, x any) bool {
	return p.v.VisitField(p.prefix+"."+name, x)
}

// First returns the first value of the field at path in e (flat, nested or
// mixed, the first element of an array), and whether there is one. It is
// the lookup a Program does, for callers that want a field's value
// itself: a timestamp, an index name, a value to print.
func First(e Event, path *Path) (any, bool) {
	f := firstValues.Get().(*firstValue) // a visitor escapes: pooled, not allocated
	e.Values(path, f)
	v, ok := f.v, f.ok
	*f = firstValue{}
	firstValues.Put(f)
	return v, ok
}

var firstValues = sync.Pool{New: func() any { return new(firstValue) }}

type firstValue struct {
	v  any
	ok bool
}

func (f *firstValue) Visit(x any) bool { f.v, f.ok = x, true; return true }

// FirstDate reads the first value of the field at path in e as [First]
// does and, when there is one (found), that value as a date, as [DateOf]
// does: epoch milliseconds and ok. v is the value (nil when it is a date).
// On an event that passes strings to a [StringVisitor], such as the lazy
// JSON event of package events, a date text costs no allocation.
func FirstDate(e Event, path *Path) (ms int64, v any, found, ok bool) {
	f := firstDates.Get().(*firstDate)
	e.Values(path, f)
	ms, v, found, ok = f.ms, f.v, f.found, f.ok
	*f = firstDate{}
	firstDates.Put(f)
	return ms, v, found, ok
}

var firstDates = sync.Pool{New: func() any { return new(firstDate) }}

type firstDate struct {
	ms        int64
	v         any // the value, when not a date
	found, ok bool
}

func (f *firstDate) Visit(x any) bool {
	f.found = true
	if f.ms, _, f.ok = toInstant(x); !f.ok {
		f.v = x
	}
	return true
}

func (f *firstDate) VisitString(s string) bool {
	f.found = true
	if f.ms, _, f.ok = parseInstant(s, false); !f.ok {
		f.v = strings.Clone(s)
	}
	return true
}
