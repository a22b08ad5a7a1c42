package events

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"sync"
	"unicode/utf8"
	"unsafe"
)

// AppendJSON appends the JSON text of v to dst and returns the extended
// buffer: exactly the bytes encoding/json's Encoder writes for v with
// SetEscapeHTML(false), without its newline. It writes directly what an
// event decodes to and what an alert document holds: map[string]any
// (keys sorted as encoding/json sorts them), []any, []string,
// []map[string]any, string, json.Number, bool, nil, floats and integers.
// Any other value, a json.Number that is not a number, a float that is
// infinite or NaN, and values nested deeper than encoding/json starts
// looking for cycles are written by encoding/json itself, so the bytes
// (and the errors) are encoding/json's. On an error dst is returned as it
// was given.
func AppendJSON(dst []byte, v any) ([]byte, error) {
	e := encoders.Get().(*encoder)
	out, err := e.value(dst, v, 0)
	clear(e.keys)
	e.keys = e.keys[:0]
	encoders.Put(e)
	if err != nil {
		return dst, err
	}
	return out, nil
}

// encoder holds the keys of the maps being written, innermost last, and
// the sorted keys of maps written before, reused from one call to the
// next.
type encoder struct {
	keys []string
	// orders[depth][len(m)%orderSlots] holds the sorted keys of the
	// last map of that depth and size written: maps of the same keys
	// come again and again (the same kind of event, the alerts of one
	// rule), and are written in that order without sorting their keys.
	orders [orderDepths][orderSlots][]string
}

// The orders an encoder remembers: for maps at depths below orderDepths,
// one for each size modulo orderSlots, of at most maxOrderKeys keys.
const (
	orderDepths  = 8
	orderSlots   = 16
	maxOrderKeys = 1024
)

var encoders = sync.Pool{New: func() any { return new(encoder) }}

// maxEncodeDepth is the depth below which values are left to
// encoding/json: it starts checking for cycles below 1000 levels of
// pointers, maps and slices, and reports one as its error.
const maxEncodeDepth = 1000

// value appends v at nesting depth depth.
func (e *encoder) value(b []byte, v any, depth int) ([]byte, error) {
	if depth >= maxEncodeDepth {
		return appendStd(b, v)
	}
	switch v := v.(type) {
	case nil:
		return append(b, "null"...), nil
	case string:
		return AppendQuoted(b, v, false), nil
	case json.Number:
		s := string(v)
		if s == "" {
			s = "0" // as encoding/json writes the zero Number
		}
		if validNumber(unsafe.Slice(unsafe.StringData(s), len(s)), 0) != len(s) {
			return appendStd(b, v) // its error
		}
		return append(b, s...), nil
	case bool:
		return strconv.AppendBool(b, v), nil
	case map[string]any:
		return e.object(b, v, depth)
	case []any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = e.value(b, x, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case []string:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, s := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = AppendQuoted(b, s, false)
		}
		return append(b, ']'), nil
	case []map[string]any:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, '[')
		for i, m := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = e.object(b, m, depth+1); err != nil {
				return b, err
			}
		}
		return append(b, ']'), nil
	case float64:
		return appendFloat(b, v, 64)
	case float32:
		return appendFloat(b, float64(v), 32)
	case int:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int64:
		return strconv.AppendInt(b, v, 10), nil
	case int32:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int16:
		return strconv.AppendInt(b, int64(v), 10), nil
	case int8:
		return strconv.AppendInt(b, int64(v), 10), nil
	case uint:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint64:
		return strconv.AppendUint(b, v, 10), nil
	case uint32:
		return strconv.AppendUint(b, uint64(v), 10), nil
	case uint16:
		return strconv.AppendUint(b, uint64(v), 10), nil
	}
	// uint8 too: encoding/json writes a []uint8 as base64, and a named
	// type may have a method of its own
	return appendStd(b, v)
}

// object appends the map m, its keys sorted byte by byte as encoding/json
// sorts the keys of a map[string]any.
func (e *encoder) object(b []byte, m map[string]any, depth int) ([]byte, error) {
	if m == nil {
		return append(b, "null"...), nil
	}
	var order *[]string
	if depth < orderDepths && len(m) <= maxOrderKeys {
		order = &e.orders[depth][len(m)%orderSlots]
		if len(*order) == len(m) {
			// m has the keys of the order when it has each of them (the
			// order's keys are those of a map: distinct)
			out, same, err := e.ordered(b, m, *order, depth)
			if same || err != nil {
				return out, err
			}
			// another map: written again from b, the keys sorted
		}
	}
	start := len(e.keys)
	for k := range m {
		e.keys = append(e.keys, k)
	}
	slices.Sort(e.keys[start:])
	if order != nil {
		// a map deeper than depth never uses this order: nothing writes
		// it while m's values are written
		*order = append((*order)[:0], e.keys[start:]...)
	}
	b = append(b, '{')
	var err error
	for i := start; i < len(e.keys); i++ {
		// e.keys grows and may move while the values are written: index
		// it afresh each time
		k := e.keys[i]
		if i > start {
			b = append(b, ',')
		}
		b = AppendQuoted(b, k, false)
		b = append(b, ':')
		if b, err = e.value(b, m[k], depth+1); err != nil {
			break
		}
	}
	clear(e.keys[start:])
	e.keys = e.keys[:start]
	if err != nil {
		return b, err
	}
	return append(b, '}'), nil
}

// ordered appends the map m with its keys in the order keys, which has
// as many keys as m; same is false, and the appended text to be
// dropped, when one of them is not a key of m.
func (e *encoder) ordered(b []byte, m map[string]any, keys []string, depth int) (out []byte, same bool, err error) {
	b = append(b, '{')
	for i, k := range keys {
		v, ok := m[k]
		if !ok {
			return b, false, nil
		}
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendQuoted(b, k, false)
		b = append(b, ':')
		if b, err = e.value(b, v, depth+1); err != nil {
			return b, false, err
		}
	}
	return append(b, '}'), true, nil
}

// appendStd appends v as encoding/json's Encoder writes it with
// SetEscapeHTML(false), without the newline.
func appendStd(b []byte, v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return b, err
	}
	return append(b, buf.Bytes()[:buf.Len()-1]...), nil // Encode ends with one '\n'
}

// appendFloat appends f, of bits bits (32 or 64), as encoding/json writes
// a float: like JavaScript, the shortest text that reads back as f, with
// an exponent only below 1e-6 or from 1e21 on. Infinities and NaN are not
// JSON: encoding/json reports them.
func appendFloat(b []byte, f float64, bits int) ([]byte, error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		if bits == 32 {
			return appendStd(b, float32(f))
		}
		return appendStd(b, f)
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 {
		if bits == 64 && (abs < 1e-6 || abs >= 1e21) || bits == 32 && (float32(abs) < 1e-6 || float32(abs) >= 1e21) {
			format = 'e'
		}
	}
	b = strconv.AppendFloat(b, f, format, -1, bits)
	if format == 'e' {
		// e-09 is written e-9
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b, nil
}

// plainText holds the bytes that a JSON string written by encoding/json
// without HTML escaping holds as they are: printable ASCII but '"' and
// '\\'. The others are escaped, or are the start of a UTF-8 sequence.
// plainHTML holds those it holds as they are with HTML escaping: the
// same but <, > and &.
var plainText, plainHTML = func() (t, h [256]bool) {
	for c := 0x20; c < utf8.RuneSelf; c++ {
		t[c] = c != '"' && c != '\\'
		h[c] = t[c] && c != '<' && c != '>' && c != '&'
	}
	return t, h
}()

const hexDigits = "0123456789abcdef"

// AppendQuoted appends s as a JSON string as encoding/json writes it:
// '"' and '\\' escaped, \b \f \n \r \t in their short forms, the other
// control characters as \u00XX, each byte that is not part of valid UTF-8
// as \ufffd, U+2028 and U+2029 escaped (they end lines in JavaScript),
// and everything else as it is; with escapeHTML (json.Marshal's default)
// <, > and & too are escaped, as \u003c, \u003e and \u0026, and without
// it (an Encoder with SetEscapeHTML(false)) they are written as they are.
func AppendQuoted(b []byte, s string, escapeHTML bool) []byte {
	plain := &plainText
	if escapeHTML {
		plain = &plainHTML
	}
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if plain[c] {
			i++
			continue
		}
		if c < utf8.RuneSelf {
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
