package replay

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"unicode/utf8"
	"unsafe"

	"github.com/kqlrules/kqlrules/events"
)

// canon computes an event's identity (eventID) from its JSON text without
// decoding it: it writes the encoding json.Marshal gives the decoded event
// (a map[string]any with json.Number numbers: keys sorted, the last of
// duplicate keys kept, strings decoded and escaped again as encoding/json
// escapes them, numbers as written, no white space) and hashes it. Its
// buffers are reused from one event to the next. It remembers the
// identities of the last texts it identified (recent): the same text is
// the same document, and repeats of an event (a stream that holds an
// event twice) come together in time order.
type canon struct {
	out, keys, tmp []byte
	ms             []member
	depth          int
	id             []byte // the top level's last "_id", when a string
	hasID          bool
	recent         [recentTexts]struct {
		text []byte // a copy
		id   string
	}
	next int // the slot of recent to fill next
	// orders[depth][n%orderSlots] is the order of the last object of n
	// members out of order at that depth: objects of the same keys in
	// the same order come again and again (events of one kind), and are
	// written in that order without sorting their keys. Made at the
	// first object out of order.
	orders *[orderDepths][orderSlots]keyOrder
	perm   []int // scratch: the members of an object, sorted
}

// The orders a canon remembers: for objects at depths below orderDepths,
// one for each count of members modulo orderSlots, of at most
// maxOrderKeys members and maxOrderBytes bytes of keys.
const (
	orderDepths   = 8
	orderSlots    = 16
	maxOrderKeys  = 128
	maxOrderBytes = 4 << 10
)

// keyOrder is how an object's members are written: keys are its keys (as
// decoded) in the order of its text, one after another, ends where each
// ends in keys; out lists the members to write (their indexes in the
// text's order), keys sorted, the last of duplicate keys kept.
type keyOrder struct {
	keys      []byte
	ends, out []int
}

// same reports whether the members ms (their keys in keys) have the keys
// of the order, in its order.
func (o *keyOrder) same(keys []byte, ms []member) bool {
	if len(o.ends) != len(ms) {
		return false
	}
	start := 0
	for k, m := range ms {
		if string(o.keys[start:o.ends[k]]) != string(keys[m.ks:m.ke]) {
			return false
		}
		start = o.ends[k]
	}
	return true
}

// recentTexts is how many texts a canon remembers the identity of, and
// maxRecentText the size of the longest.
const (
	recentTexts   = 16
	maxRecentText = 16 << 10
)

// member is one key of an object being written: the key decoded, in
// canon.keys, and the member written ("key":value), in canon.out.
type member struct {
	ks, ke, s, e int
}

// eventIDJSON is eventID of the event data decodes to. data must be one
// valid JSON object (events.ReadRaw or events.Lazy.Check checked it).
func (c *canon) eventIDJSON(data []byte) string {
	for k := range c.recent {
		if r := &c.recent[k]; r.id != "" && string(r.text) == string(data) {
			return r.id
		}
	}
	id := c.identify(data)
	if len(data) <= maxRecentText {
		r := &c.recent[c.next]
		r.text, r.id = append(r.text[:0], data...), id
		c.next = (c.next + 1) % recentTexts
	}
	return id
}

// identify is eventIDJSON without the texts remembered.
func (c *canon) identify(data []byte) string {
	c.out, c.keys, c.ms, c.depth, c.id, c.hasID = c.out[:0], c.keys[:0], c.ms[:0], 0, c.id[:0], false
	c.value(data, 0)
	if c.hasID && len(c.id) > 0 {
		return string(c.id)
	}
	sum := sha256.Sum256(c.out)
	return hex.EncodeToString(sum[:16])
}

func skipSpace(d []byte, i int) int {
	for i < len(d) && (d[i] == ' ' || d[i] == '\t' || d[i] == '\n' || d[i] == '\r') {
		i++
	}
	return i
}

// value writes the value at d[i:] (after white space) and returns the
// offset after it.
func (c *canon) value(d []byte, i int) int {
	i = skipSpace(d, i)
	if i >= len(d) {
		return i
	}
	switch d[i] {
	case '{':
		return c.object(d, i)
	case '[':
		c.out = append(c.out, '[')
		i = skipSpace(d, i+1)
		if i < len(d) && d[i] == ']' {
			c.out = append(c.out, ']')
			return i + 1
		}
		for i < len(d) {
			i = skipSpace(d, c.value(d, i))
			if i < len(d) && d[i] == ',' {
				c.out = append(c.out, ',')
				i++
				continue
			}
			break
		}
		c.out = append(c.out, ']')
		return i + 1
	case '"':
		if j := plainString(d, i, true); j > 0 { // written as encoding/json writes it
			c.out = append(c.out, d[i:j]...)
			return j
		}
		start := len(c.keys)
		c.keys, i = events.AppendString(c.keys, d, i)
		c.out = appendJSONString(c.out, c.keys[start:])
		c.keys = c.keys[:start]
		return i
	}
	j := i // a number, true, false or null: as written
	for j < len(d) && !endsValue(d[j]) {
		j++
	}
	c.out = append(c.out, d[i:j]...)
	return j
}

// endsValue reports whether b ends a number or literal.
func endsValue(b byte) bool {
	switch b {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// plainString returns the offset after the string at d[i] == '"' when its
// text is printable ASCII that encoding/json writes as it is (no escape,
// no HTML character), else 0: the string is then its own encoding. With
// escapes (a value's text, which is only written, not compared), it may
// also hold the escapes encoding/json writes as they are written
// (shortEscape), such as the backslashes of a Windows path.
func plainString(d []byte, i int, escapes bool) int {
	for j := i + 1; j < len(d); j++ {
		switch b := d[j]; {
		case plainByte[b]:
		case b == '"':
			return j + 1
		case escapes && b == '\\' && j+1 < len(d) && shortEscape[d[j+1]]:
			j++
		default:
			return 0
		}
	}
	return 0
}

// shortEscape tells the bytes after a backslash of the escapes that
// encoding/json writes (events.AppendQuoted) for the characters they
// stand for: \\, \", \b, \f, \n, \r and \t.
var shortEscape = [256]bool{'\\': true, '"': true, 'b': true, 'f': true, 'n': true, 'r': true, 't': true}

// plainByte tells the bytes of a plain string's text (plainString):
// printable ASCII but '"', '\\' and the HTML characters.
var plainByte = func() (t [256]bool) {
	for b := 0x20; b < utf8.RuneSelf; b++ {
		switch b {
		case '"', '\\', '<', '>', '&':
		default:
			t[b] = true
		}
	}
	return t
}()

// object writes the object at d[i] == '{'. Its members are written as
// they come; when their keys are not in order (or one repeats), they are
// then sorted, the last of duplicate keys kept.
func (c *canon) object(d []byte, i int) int {
	base, keysBase, outBase := len(c.ms), len(c.keys), len(c.out)
	top := c.depth == 0
	c.depth++
	c.out = append(c.out, '{')
	i = skipSpace(d, i+1)
	if i < len(d) && d[i] == '}' {
		c.out = append(c.out, '}')
		c.depth--
		return i + 1
	}
	ordered := true // the keys so far increase
	for i < len(d) {
		i = skipSpace(d, i)
		if len(c.ms) > base {
			c.out = append(c.out, ',')
		}
		ms := len(c.out)
		ks := len(c.keys)
		if j := plainString(d, i, false); j > 0 { // written as it is
			c.keys = append(c.keys, d[i+1:j-1]...)
			c.out = append(c.out, d[i:j]...)
			i = j
		} else {
			c.keys, i = events.AppendString(c.keys, d, i)
			c.out = appendJSONString(c.out, c.keys[ks:])
		}
		ke := len(c.keys)
		c.out = append(c.out, ':')
		if n := len(c.ms); ordered && n > base && bytes.Compare(c.keys[c.ms[n-1].ks:c.ms[n-1].ke], c.keys[ks:ke]) >= 0 {
			ordered = false
		}
		i = skipSpace(d, i) + 1 // ':'
		i = skipSpace(d, i)
		if top && string(c.keys[ks:ke]) == "_id" {
			c.hasID = i < len(d) && d[i] == '"'
			if c.hasID {
				c.id, _ = events.AppendString(c.id[:0], d, i)
			}
		}
		i = c.value(d, i)
		c.ms = append(c.ms, member{ks, ke, ms, len(c.out)})
		i = skipSpace(d, i)
		if i < len(d) && d[i] == ',' {
			i++
			continue
		}
		i++ // '}'
		break
	}
	if !ordered {
		ms := c.ms[base:]
		c.tmp = append(c.tmp[:0], '{')
		for k, m := range c.order(ms, c.depth-1) {
			if k > 0 {
				c.tmp = append(c.tmp, ',')
			}
			c.tmp = append(c.tmp, c.out[ms[m].s:ms[m].e]...)
		}
		c.out = append(c.out[:outBase], c.tmp...)
	}
	c.out = append(c.out, '}')
	c.ms, c.keys = c.ms[:base], c.keys[:keysBase]
	c.depth--
	return i
}

// order returns the members of an object at depth to write (their
// indexes in ms), keys sorted, the last of duplicate keys kept: the
// order remembered for the last such object at depth, when it had the
// same keys in the same order, else sorted now (and remembered).
func (c *canon) order(ms []member, depth int) []int {
	var o *keyOrder
	if depth < orderDepths && len(ms) <= maxOrderKeys {
		if c.orders == nil {
			c.orders = new([orderDepths][orderSlots]keyOrder)
		}
		o = &c.orders[depth][len(ms)%orderSlots]
		if o.same(c.keys, ms) {
			return o.out
		}
	}
	perm := c.perm[:0]
	for k := range ms {
		perm = append(perm, k)
	}
	slices.SortStableFunc(perm, func(a, b int) int {
		return bytes.Compare(c.keys[ms[a].ks:ms[a].ke], c.keys[ms[b].ks:ms[b].ke])
	})
	out := perm[:0]
	for k, m := range perm {
		if k+1 < len(perm) && bytes.Equal(c.keys[ms[m].ks:ms[m].ke], c.keys[ms[perm[k+1]].ks:ms[perm[k+1]].ke]) {
			continue // a later duplicate wins
		}
		out = append(out, m)
	}
	c.perm = perm
	if o == nil || ms[len(ms)-1].ke-ms[0].ks > maxOrderBytes {
		return out
	}
	// remembered: the keys in the text's order, and the members written
	o.keys, o.ends = o.keys[:0], o.ends[:0]
	for _, m := range ms {
		o.keys = append(o.keys, c.keys[m.ks:m.ke]...)
		o.ends = append(o.ends, len(o.keys))
	}
	o.out = append(o.out[:0], out...)
	return o.out
}

// appendJSONString appends s as encoding/json's Marshal writes a string
// (HTML characters escaped).
func appendJSONString(dst, s []byte) []byte {
	return events.AppendQuoted(dst, unsafe.String(unsafe.SliceData(s), len(s)), true)
}
