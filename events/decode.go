package events

import (
	"encoding/json"
	"sync"
)

// decoder decodes a JSON object directly from its bytes into what
// encoding/json with UseNumber gives (map[string]any, []any, string,
// json.Number, bool, nil), in one pass and with few allocations: the
// members of an object and the elements of an array are gathered on
// stacks reused from one event to the next, so that each map and slice is
// made once at its final size, and the keys and short values it has seen
// are kept (copies, never the input's bytes) to be given again without
// allocating. It accepts only what encoding/json accepts; on anything
// else it gives up and the caller falls back to encoding/json, whose
// errors are the ones reported.
type decoder struct {
	members []keyValue // the members of the objects being decoded, innermost last
	elems   []any      // the elements of the arrays being decoded, innermost last
	buf     []byte     // a string with escapes or bytes that are not UTF-8, unquoted
	// The keys, the short strings (without escapes, UTF-8) and the short
	// numbers seen, each by its text; each map is emptied when full.
	keys map[string]string
	strs map[string]any
	nums map[string]any
}

type keyValue struct {
	key string
	val any
}

// The bounds of a decoder's remembered keys and values: at most
// maxRemembered of each, values of at most maxRememberedLen bytes.
const (
	maxRemembered    = 4096
	maxRememberedLen = 40
)

var decoders = sync.Pool{New: func() any {
	return new(decoder)
}}

// decodeFast decodes data, one JSON object with white space around it, as
// decodeObject does; ok is false when data is anything else (or nested
// too deep), and then decodeObject's answer must come from encoding/json.
func decodeFast(data []byte) (m map[string]any, ok bool) {
	d := decoders.Get().(*decoder)
	p := skipWS(data, 0)
	if p < len(data) && data[p] == '{' {
		if m, p = d.object(data, p, 1); p >= 0 && skipWS(data, p) == len(data) {
			ok = true
		}
	}
	// let go of what a failed decoding left on the stacks
	clear(d.members)
	d.members = d.members[:0]
	clear(d.elems)
	d.elems = d.elems[:0]
	decoders.Put(d)
	if !ok {
		return nil, false
	}
	return m, true
}

// value decodes the JSON value at b[p], at nesting depth depth, and
// returns it with the offset just past it, or -1.
func (d *decoder) value(b []byte, p, depth int) (any, int) {
	if p >= len(b) {
		return nil, -1
	}
	switch b[p] {
	case '{':
		m, q := d.object(b, p, depth)
		if q < 0 {
			return nil, -1
		}
		return m, q
	case '[':
		return d.array(b, p, depth)
	case '"':
		q := validString(b, p)
		if q < 0 {
			return nil, -1
		}
		raw := b[p+1 : q-1]
		return d.str(raw), q
	case 't':
		return true, literal(b, p, "true")
	case 'f':
		return false, literal(b, p, "false")
	case 'n':
		return nil, literal(b, p, "null")
	}
	q := validNumber(b, p)
	if q < 0 {
		return nil, -1
	}
	return d.number(b[p:q]), q
}

// str returns the value of the string whose text between its quotes is
// raw, valid as validString checks it: a copy, never raw's bytes.
func (d *decoder) str(raw []byte) any {
	if needsDecoding(raw) {
		d.buf = appendUnquoted(d.buf[:0], raw)
		return string(d.buf)
	}
	if len(raw) > maxRememberedLen {
		return string(raw)
	}
	if v, ok := d.strs[string(raw)]; ok {
		return v
	}
	s := string(raw)
	var v any = s
	d.strs = remember(d.strs, s, v)
	return v
}

// number returns the json.Number of the number text raw.
func (d *decoder) number(raw []byte) any {
	if len(raw) > maxRememberedLen {
		return json.Number(raw)
	}
	if v, ok := d.nums[string(raw)]; ok {
		return v
	}
	s := string(raw)
	var v any = json.Number(s)
	d.nums = remember(d.nums, s, v)
	return v
}

// remember adds k and v to memo, emptied first when full.
func remember[V any](memo map[string]V, k string, v V) map[string]V {
	if memo == nil {
		memo = make(map[string]V)
	} else if len(memo) >= maxRemembered {
		clear(memo)
	}
	memo[k] = v
	return memo
}

// object decodes the object at b[p] (a '{'), as value does.
func (d *decoder) object(b []byte, p, depth int) (map[string]any, int) {
	if depth > maxDepth {
		return nil, -1
	}
	p = skipWS(b, p+1)
	if p < len(b) && b[p] == '}' {
		return map[string]any{}, p + 1
	}
	start := len(d.members)
	for {
		if p >= len(b) || b[p] != '"' {
			return nil, -1
		}
		q := validString(b, p)
		if q < 0 {
			return nil, -1
		}
		key := d.key(b[p+1 : q-1])
		p = skipWS(b, q)
		if p >= len(b) || b[p] != ':' {
			return nil, -1
		}
		var v any
		if v, p = d.value(b, skipWS(b, p+1), depth+1); p < 0 {
			return nil, -1
		}
		d.members = append(d.members, keyValue{key, v})
		if p = skipWS(b, p); p >= len(b) {
			return nil, -1
		}
		switch b[p] {
		case ',':
			p = skipWS(b, p+1)
			continue
		case '}':
		default:
			return nil, -1
		}
		// a later duplicate key replaces the earlier one, as in
		// encoding/json (objectInterface assigns each member in turn)
		ms := d.members[start:]
		m := make(map[string]any, len(ms))
		for _, kv := range ms {
			m[kv.key] = kv.val
		}
		clear(ms)
		d.members = d.members[:start]
		return m, p + 1
	}
}

// array decodes the array at b[p] (a '['), as value does.
func (d *decoder) array(b []byte, p, depth int) (any, int) {
	if depth > maxDepth {
		return nil, -1
	}
	p = skipWS(b, p+1)
	if p < len(b) && b[p] == ']' {
		return []any{}, p + 1
	}
	start := len(d.elems)
	for {
		var v any
		if v, p = d.value(b, p, depth+1); p < 0 {
			return nil, -1
		}
		d.elems = append(d.elems, v)
		if p = skipWS(b, p); p >= len(b) {
			return nil, -1
		}
		switch b[p] {
		case ',':
			p = skipWS(b, p+1)
			continue
		case ']':
		default:
			return nil, -1
		}
		es := d.elems[start:]
		a := make([]any, len(es))
		copy(a, es)
		clear(es)
		d.elems = d.elems[:start]
		return a, p + 1
	}
}

// key returns the key whose text between its quotes is raw.
func (d *decoder) key(raw []byte) string {
	if k, ok := d.keys[string(raw)]; ok {
		return k
	}
	if needsDecoding(raw) {
		d.buf = appendUnquoted(d.buf[:0], raw)
		return string(d.buf) // not remembered: rare, and its text is not its value
	}
	k := string(raw)
	d.keys = remember(d.keys, k, k)
	return k
}
