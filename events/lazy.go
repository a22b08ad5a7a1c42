package events

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/kqlrules/kqlrules/eval"
)

// Lazy is an [eval.Event] over the JSON text of one object, read lazily:
// a lookup scans the raw bytes for the fields a program asks for and
// decodes only their values, so that matching a query against an event
// costs a fraction of decoding the whole event into a map. The answers are
// those of eval.Map over the object as [Read] decodes it (json.Number
// numbers): flat dotted keys, nested objects and any mix of the two,
// arrays at any level, null and [] as missing, the last of duplicate keys.
//
// The scanner allocates nothing; the values passed to a visitor are
// allocated as Go values (a string, a json.Number), but for a string
// passed to an [eval.StringVisitor] (its text in place, or decoded into a
// reused buffer when it has escapes) and a number passed to an
// [eval.NumberVisitor] (its text in place); an object value decodes the
// object it needs. Free text and wildcard field names list the
// fields from the text too ([Lazy.Fields]), without decoding the event.
// Reuse one Lazy with Reset to read many events. A Lazy is not safe for
// concurrent use.
//
// The text must be one JSON object, as [ReadRaw] yields and [Lazy.Check]
// accepts: on other input the answers are unspecified (never a panic).
type Lazy struct {
	b       []byte
	members []member // the top-level members, once a lookup needed them
	indexed bool     // members is up to date
	// heads[c&63] is 1 + the index of the last member whose key starts
	// with the byte c, 0 for none; member.prev links the earlier ones.
	// odd: some key is empty or needs decoding (an escape, bytes that are
	// not UTF-8), and a lookup reads every member.
	heads [64]int32
	odd   bool
	// for Fields: the members of the objects being listed, the name of
	// the field being listed, scratch for decoding keys
	stack []member
	name  []byte
	tmp   []byte
	key   []byte  // a decoded key, for a lister's tree
	seen  []int32 // for repeats
	// paths: where the values of the paths of a FieldTable sit
	paths pathScan
	to    lister // where the listing goes
	// memo: the top-level keys met, once Reset made l read a stream
	// (reuse); stamp: Lazy.repeats' mark for its entries
	memo  keyMemo
	reuse bool
	stamp uint32
	// leafHint is the tree of the last LeafChecker listed to: the walk
	// of paths notes its leaves too (pathScan.leaves)
	leafHint *eval.LeafTree
}

// member is where a member of an object sits: b[ks:ke] is its key (between
// the quotes), b[vs] starts its value; prev is 1 + the index of the
// member before it whose key starts alike (heads), 0 for none; id, for
// a top-level member, is its key's in l.memo, 0 for none.
type member struct {
	ks, ke, vs int
	prev       int32
	id         int32
}

// JSON returns a [Lazy] event over b, one JSON object.
func JSON(b []byte) eval.Event {
	return &Lazy{b: b}
}

// Reset makes l read the object b instead, without allocating (once l has
// seen an object with as many top-level members). l keeps b until the
// next Reset. A Lazy that reads a stream with Reset remembers the
// top-level keys it met (up to 16,384 of them, 1 MiB of text), their
// order, and where they lead in the trees that walked them, so that the
// next event with the key finds it with one comparison of its text
// (when it follows the key it followed last time) or one hash.
func (l *Lazy) Reset(b []byte) {
	l.b, l.reuse = b, true
	l.members, l.indexed = l.members[:0], false
	l.paths.reset()
}

// Values implements [eval.Event]. The paths of an [eval.FieldTable] (those
// a [eval.Cache] asks for) are found in one walk of the event for all of
// them: the first lookup walks the event along the table's
// [eval.PathTree].
func (l *Lazy) Values(path *eval.Path, v eval.Visitor) bool {
	if t, s := path.Slot(); t != nil {
		if !l.paths.done || l.paths.table != t {
			l.paths.scan(l, t)
		}
		if stop, ok := l.paths.values(l.b, s, v); ok {
			return stop
		}
	}
	return l.values(path, v)
}

// Present implements [eval.PresenceReporter]: the slots of t's paths
// that the walk of the event along t's tree noted no value for have none.
// It walks the event if no lookup did yet; an event with a key to decode
// tells nothing.
func (l *Lazy) Present(t *eval.FieldTable, bits []uint64) int {
	if !l.paths.done || l.paths.table != t {
		l.paths.scan(l, t)
	}
	if l.paths.whole {
		return 0
	}
	copy(bits, l.paths.present)
	return min(l.paths.tree.Slots(), 64*len(bits))
}

// Check returns nil when the event's text is one JSON object, else the
// error [CheckObject] gives: what [ReadRaw] checks of each event, for a
// reader that yields texts unchecked ([ReadRawUnchecked]). It walks the
// event along t's paths as Values and Present do, and checks the text
// in that walk, which they then need not make again; only an event that
// walk cannot tell of (a key with an escape, say) is checked apart. The
// answers Values and Present give are the same whether or not Check ran.
func (l *Lazy) Check(t *eval.FieldTable) error {
	if !l.paths.done || l.paths.table != t {
		l.paths.scan(l, t)
	}
	if l.paths.valid {
		return nil
	}
	return CheckObject(l.b)
}

// values looks the values of path up on their own.
func (l *Lazy) values(path *eval.Path, v eval.Visitor) bool {
	l.index()
	n := len(path.Parts)
	last := partsBuf(n)
	if l.odd || path.Name == "" {
		for _, m := range l.members {
			if j := keyParts(l.b[m.ks:m.ke], path.Name); j > 0 {
				last[j-1] = m.vs
			}
		}
	} else {
		// the members whose key starts as the name, the last first; their
		// keys are plain (l.odd is false)
		for i := l.heads[path.Name[0]&63]; i > 0; {
			m := &l.members[i-1]
			if j := plainKeyParts(l.b[m.ks:m.ke], path.Name); j > 0 && last[j-1] == 0 {
				last[j-1] = m.vs
			}
			i = m.prev
		}
	}
	return dispatch(l.b, last, path, 0, 0, v)
}

// maxParts is the length of path whose lookups use no heap memory.
const maxParts = 8

// partsBuf returns n zeros, on the stack of an inlining caller when n is
// at most maxParts.
func partsBuf(n int) []int {
	if n <= maxParts {
		var buf [maxParts]int
		return buf[:n]
	}
	return make([]int, n)
}

// walkObject visits the values of path.Parts[i:] (which start at offset
// off of path.Name) below the object at b[at], as eval.Map does: for every
// member whose key joins parts i..j-1, the value itself (j is the end) or
// the values below it, the longest key first.
func walkObject(b []byte, at int, path *eval.Path, i, off int, v eval.Visitor) bool {
	rest := path.Name[off:]
	n := len(path.Parts) - i
	last := partsBuf(n) // last[j-1]: where the value of the key of j parts starts, or 0
	for p := at + 1; ; {
		ks, ke, vs, next, ok := nextMember(b, p)
		if !ok {
			break
		}
		if j := keyParts(b[ks:ke], rest); j > 0 {
			last[j-1] = vs
		}
		p = next
	}
	return dispatch(b, last, path, i, off, v)
}

// dispatch goes on with the members found for path.Parts[i:] (at offset
// off): last[j-1] is where the value of the key of j parts starts, or 0.
// The longest key first, as eval.Map does.
func dispatch(b []byte, last []int, path *eval.Path, i, off int, v eval.Visitor) bool {
	rest := path.Name[off:]
	n := len(last)
	for j := n; j >= 1; j-- {
		vs := last[j-1]
		if vs == 0 {
			continue
		}
		if j == n {
			if visitValue(b, vs, v) {
				return true
			}
			continue
		}
		// the key took j parts: the next part starts past it and its dot
		next := off + len(keyOf(rest, j)) + 1
		if walkInto(b, vs, path, i+j, next, v) {
			return true
		}
	}
	return false
}

// nextMember reads the object member at b[p] (white space before it
// allowed): its key b[ks:ke], where its value starts, and where the next
// member starts; ok is false at the end of the object (or on bad input).
func nextMember(b []byte, p int) (ks, ke, vs, next int, ok bool) {
	ks, ke, vs, ok = memberKey(b, p)
	if !ok {
		return 0, 0, 0, 0, false
	}
	p = skipValue(b, vs)
	if p < 0 {
		return 0, 0, 0, 0, false
	}
	p = skipWS(b, p)
	if p < len(b) && b[p] == ',' {
		p++
	}
	return ks, ke, vs, p, true
}

// memberKey reads the key of the object member at b[p] (white space
// before it allowed): the key is b[ks:ke] and its value starts at b[vs];
// ok is false at the end of the object, or on bad input, a key that is
// not a valid JSON string (validString) included: the walk of a table's
// paths relies on it to check the keys it reads (Lazy.Check).
func memberKey(b []byte, p int) (ks, ke, vs int, ok bool) {
	p = skipWS(b, p)
	if p >= len(b) || b[p] != '"' {
		return 0, 0, 0, false // '}' or bad input
	}
	ks = p + 1
	ke = validString(b, p) - 1
	if ke < 0 {
		return 0, 0, 0, false
	}
	p = skipWS(b, ke+1)
	if p >= len(b) || b[p] != ':' {
		return 0, 0, 0, false
	}
	return ks, ke, skipWS(b, p+1), true
}

// keyOf returns the first j dot-separated parts of rest.
func keyOf(rest string, j int) string {
	end := 0
	for ; j > 0; j-- {
		k := strings.IndexByte(rest[end:], '.')
		if k < 0 {
			return rest
		}
		end += k + 1
	}
	return rest[:end-1]
}

// keyParts returns how many parts of rest the raw JSON key spells (the
// key is rest up to a dot, or all of it), or 0.
func keyParts(raw []byte, rest string) int {
	if len(raw) > 0 && raw[0] != '\\' && raw[0] < utf8.RuneSelf && (len(rest) == 0 || raw[0] != rest[0]) {
		return 0 // the common case: a plain key that starts otherwise
	}
	key := raw
	if needsDecoding(raw) {
		var buf [64]byte
		key = appendUnquoted(buf[:0], raw)
	}
	return plainKeyParts(key, rest)
}

// plainKeyParts is keyParts for a raw key that needs no decoding.
func plainKeyParts(key []byte, rest string) int {
	if len(key) > len(rest) || string(key) != rest[:len(key)] || (len(key) < len(rest) && rest[len(key)] != '.') {
		return 0
	}
	return 1 + strings.Count(rest[:len(key)], ".")
}

// needsDecoding reports whether a raw JSON string differs from its value:
// it holds an escape or bytes that are not UTF-8 (which decoding replaces).
// Eight bytes at a time while they are ASCII without a backslash.
func needsDecoding(raw []byte) bool {
	i := 0
	for ; i+8 <= len(raw); i += 8 {
		w := binary.LittleEndian.Uint64(raw[i:])
		x := w ^ 0x5c5c5c5c5c5c5c5c // a zero byte where w has a backslash
		if (w|((x-0x0101010101010101)&^x))&0x8080808080808080 != 0 {
			break
		}
	}
	ascii := true
	for _, c := range raw[i:] {
		if c == '\\' {
			return true
		}
		if c >= utf8.RuneSelf {
			ascii = false
		}
	}
	return !ascii && !utf8.Valid(raw)
}

// walkInto continues a lookup at part i (offset off) inside the value at
// b[p]: an object, or each element of an array.
func walkInto(b []byte, p int, path *eval.Path, i, off int, v eval.Visitor) bool {
	switch b[p] {
	case '{':
		return walkObject(b, p, path, i, off, v)
	case '[':
		for e := range elements(b, p) {
			if walkInto(b, e, path, i, off, v) {
				return true
			}
		}
	}
	return false
}

// emptyObject is passed for {}: an object without fields, as eval.Map's
// visitors see it.
var emptyObject = map[string]any{}

// visitValue passes the value at b[p], or each element of an array, to v;
// null goes to eval.VisitNull (the field's null_value, if any).
func visitValue(b []byte, p int, v eval.Visitor) bool {
	switch c := b[p]; c {
	case '"':
		e := stringEnd(b, p)
		if e < 0 {
			return false
		}
		return visitString(b[p+1:e], v)
	case 't':
		return v.Visit(true)
	case 'f':
		return v.Visit(false)
	case 'n':
		return eval.VisitNull(v)
	case '[':
		// each element as elements yields them; a string's end is found
		// once, to visit it and to go past it
		q := skipWS(b, p+1)
		for q < len(b) && b[q] != ']' {
			var e int
			if b[q] == '"' {
				if e = stringEnd(b, q); e < 0 {
					return false
				}
				if visitString(b[q+1:e], v) {
					return true
				}
				e++
			} else {
				if visitValue(b, q, v) {
					return true
				}
				if e = skipValue(b, q); e < 0 {
					return false
				}
			}
			if q = skipWS(b, e); q >= len(b) || b[q] != ',' {
				return false
			}
			q = skipWS(b, q+1)
		}
		return false
	case '{':
		if q := skipWS(b, p+1); q < len(b) && b[q] == '}' {
			return v.Visit(emptyObject)
		}
		e := skipValue(b, p)
		if e < 0 {
			return false
		}
		m, err := decodeObject(b[p:e])
		if err != nil {
			return false
		}
		return v.Visit(m)
	default:
		e := skipValue(b, p)
		if e <= p {
			return false
		}
		if nv, ok := v.(eval.NumberVisitor); ok {
			return nv.VisitNumber(unsafe.String(&b[p], e-p))
		}
		return v.Visit(json.Number(b[p:e]))
	}
}

// visitString passes the string whose raw JSON text (between the
// quotes) is raw to v, as visitValue does.
func visitString(raw []byte, v eval.Visitor) bool {
	if sv, ok := v.(eval.StringVisitor); ok {
		if !needsDecoding(raw) {
			return sv.VisitString(unsafe.String(unsafe.SliceData(raw), len(raw)))
		}
		// decoded into a pooled buffer: the text is the visitor's
		// during the call only
		bp := unquoteBufs.Get().(*[]byte)
		d := appendUnquoted((*bp)[:0], raw)
		stop := sv.VisitString(unsafe.String(unsafe.SliceData(d), len(d)))
		*bp = d
		unquoteBufs.Put(bp)
		return stop
	}
	return v.Visit(unquote(raw))
}

// unquoteBufs are the buffers visitValue decodes strings into for a
// StringVisitor.
var unquoteBufs = sync.Pool{New: func() any { return new([]byte) }}

// elements yields where each element of the array at b[p] starts.
func elements(b []byte, p int) func(func(int) bool) {
	return func(yield func(int) bool) {
		p := skipWS(b, p+1)
		for p < len(b) && b[p] != ']' {
			if !yield(p) {
				return
			}
			p = skipValue(b, p)
			if p < 0 {
				return
			}
			p = skipWS(b, p)
			if p < len(b) && b[p] == ',' {
				p = skipWS(b, p+1)
			} else {
				return
			}
		}
	}
}

func skipWS(b []byte, p int) int {
	for p < len(b) {
		switch b[p] {
		case ' ', '\t', '\r', '\n':
			p++
		default:
			return p
		}
	}
	return p
}

// stringEnd returns the offset of the quote that closes the string
// opening at b[p], or -1.
func stringEnd(b []byte, p int) int {
	q := p + 1
	for {
		k := bytes.IndexByte(b[q:], '"')
		if k < 0 {
			return -1
		}
		q += k
		bs := 0
		for r := q - 1; r > p && b[r] == '\\'; r-- {
			bs++
		}
		if bs%2 == 0 {
			return q
		}
		q++
	}
}

// skipValue returns the offset just past the value starting at b[p], or
// -1 when it does not end.
func skipValue(b []byte, p int) int {
	if p >= len(b) {
		return -1
	}
	switch b[p] {
	case '"':
		e := stringEnd(b, p)
		if e < 0 {
			return -1
		}
		return e + 1
	case '{', '[':
		depth := 0
		for p < len(b) {
			switch b[p] {
			case '"':
				e := stringEnd(b, p)
				if e < 0 {
					return -1
				}
				p = e
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return p + 1
				}
			}
			p++
		}
		return -1
	}
	for p < len(b) {
		switch b[p] {
		case ',', '}', ']', ' ', '\t', '\r', '\n':
			return p
		}
		p++
	}
	return p
}
