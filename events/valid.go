package events

import (
	"encoding/binary"
	"math/bits"
)

// maxDepth is encoding/json's limit on nesting (maxNestingDepth in
// encoding/json/scanner.go): deeper input is invalid there, and here.
const maxDepth = 10000

// validObject reports whether b is one JSON object, with white space
// around it, exactly when json.Valid(b) holds and b starts with '{': a
// validating scanner several times faster than encoding/json's, which is
// most of the cost of reading an event lazily.
func validObject(b []byte) bool {
	p := skipWS(b, 0)
	if p >= len(b) || b[p] != '{' {
		return false
	}
	p = validValue(b, p, 1)
	return p >= 0 && skipWS(b, p) == len(b)
}

// validValue returns the offset past the valid JSON value at b[p], at
// nesting depth depth, or -1.
func validValue(b []byte, p, depth int) int {
	if p >= len(b) {
		return -1
	}
	switch b[p] {
	case '{', '[':
		if depth > maxDepth {
			return -1
		}
		end := byte('}')
		if b[p] == '[' {
			end = ']'
		}
		p = skipWS(b, p+1)
		if p < len(b) && b[p] == end {
			return p + 1
		}
		for {
			if end == '}' {
				if p >= len(b) || b[p] != '"' {
					return -1
				}
				if p = validString(b, p); p < 0 {
					return -1
				}
				p = skipWS(b, p)
				if p >= len(b) || b[p] != ':' {
					return -1
				}
				p = skipWS(b, p+1)
			}
			p = validValue(b, p, depth+1)
			if p < 0 {
				return -1
			}
			p = skipWS(b, p)
			if p >= len(b) {
				return -1
			}
			switch b[p] {
			case ',':
				p = skipWS(b, p+1)
			case end:
				return p + 1
			default:
				return -1
			}
		}
	case '"':
		return validString(b, p)
	case 't':
		return literal(b, p, "true")
	case 'f':
		return literal(b, p, "false")
	case 'n':
		return literal(b, p, "null")
	}
	return validNumber(b, p)
}

func literal(b []byte, p int, word string) int {
	if len(b)-p < len(word) || string(b[p:p+len(word)]) != word {
		return -1
	}
	return p + len(word)
}

// validString returns the offset past the valid JSON string at b[p] (a
// quote), or -1. Bytes that are not UTF-8 are valid, as in encoding/json.
// The plain bytes of the string are passed over eight at a time.
func validString(b []byte, p int) int {
	q := p + 1
	for {
		for q+8 <= len(b) {
			if m := special(binary.LittleEndian.Uint64(b[q:])); m != 0 {
				q += bits.TrailingZeros64(m) / 8
				break
			}
			q += 8
		}
		if q >= len(b) {
			return -1
		}
		switch c := b[q]; {
		case c == '"':
			return q + 1
		case c < 0x20:
			return -1
		case c == '\\':
			q++
			if q >= len(b) {
				return -1
			}
			switch b[q] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
			case 'u':
				if len(b)-q < 5 {
					return -1
				}
				for _, h := range b[q+1 : q+5] {
					if !isHex(h) {
						return -1
					}
				}
				q += 4
			default:
				return -1
			}
		}
		q++
	}
}

// Eight bytes in a word, for special: each byte 1, each byte 0x80.
const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

// special returns a word whose lowest set bit is the high bit of the
// first byte of x (little endian) that ends a string's plain run: a
// quote, a backslash or a control character (below 0x20); 0 when there
// is none. Bytes above the first such one may be flagged wrongly (a
// borrow), never a byte below it, and none when there is none.
func special(x uint64) uint64 {
	quote := x ^ (ones * '"')
	slash := x ^ (ones * '\\')
	return zeroByte(quote) | zeroByte(slash) | (x-ones*0x20)&^x&highs
}

// zeroByte flags the zero bytes of v as special flags its bytes.
func zeroByte(v uint64) uint64 { return (v - ones) &^ v & highs }

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// validNumber returns the offset past the valid JSON number at b[p], or
// -1: -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func validNumber(b []byte, p int) int {
	if p < len(b) && b[p] == '-' {
		p++
	}
	switch {
	case p < len(b) && b[p] == '0':
		p++
	case p < len(b) && '1' <= b[p] && b[p] <= '9':
		p = digits(b, p)
	default:
		return -1
	}
	if p < len(b) && b[p] == '.' {
		q := digits(b, p+1)
		if q == p+1 {
			return -1
		}
		p = q
	}
	if p < len(b) && (b[p] == 'e' || b[p] == 'E') {
		p++
		if p < len(b) && (b[p] == '+' || b[p] == '-') {
			p++
		}
		q := digits(b, p)
		if q == p {
			return -1
		}
		p = q
	}
	return p
}

func digits(b []byte, p int) int {
	for p < len(b) && '0' <= b[p] && b[p] <= '9' {
		p++
	}
	return p
}
