package eval

import (
	"encoding/json"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/cidr"
)

// toNumber returns the numeric value of an event value: any Go number,
// json.Number, or numeric text. Integer field types truncate a fraction,
// as Elasticsearch's default coercion does when it indexes the value.
func toNumber(x any, integer bool) (float64, bool) {
	var f float64
	switch x := x.(type) {
	case float64:
		f = x
	case int:
		return float64(x), true
	case int64:
		return float64(x), true
	case string:
		v, ok := parseNumber(x)
		if !ok {
			return 0, false
		}
		f = v
	case json.Number:
		v, ok := parseNumber(string(x))
		if !ok {
			return 0, false
		}
		f = v
	case float32:
		f = float64(x)
	case int8:
		return float64(x), true
	case int16:
		return float64(x), true
	case int32:
		return float64(x), true
	case uint:
		return float64(x), true
	case uint8:
		return float64(x), true
	case uint16:
		return float64(x), true
	case uint32:
		return float64(x), true
	case uint64:
		return float64(x), true
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	if integer {
		f = math.Trunc(f)
	}
	return f, true
}

// isNumber reports whether x is a Go number or a json.Number (not text).
func isNumber(x any) bool {
	switch x.(type) {
	case float64, int, int64, json.Number, float32, int8, int16, int32, uint, uint8, uint16, uint32, uint64:
		return true
	}
	return false
}

// ParseNumber reads the text of a query value on a numeric field as
// Compile does: decimal text, with an optional sign, fraction and exponent,
// spaces around it ignored ("21", "-2.5e3", " 21 "). Hex, "Inf", "NaN",
// underscores and numbers beyond float64 are refused, as Elasticsearch
// refuses them. It does not allocate.
func ParseNumber(s string) (float64, bool) {
	return parseNumber(strings.TrimSpace(s))
}

// parseNumber parses decimal text: an optional sign, digits, an optional
// fraction and exponent. Hex, "Inf", "NaN" and underscores are refused, as
// Elasticsearch refuses them. It does not allocate.
func parseNumber(s string) (float64, bool) {
	mag, ok := numberSyntax(s)
	if !ok || mag > 308 {
		return 0, false // not a number, or far beyond float64: no strconv error to build
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// numberSyntax reports whether s is decimal number text,
// [+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?, and its
// magnitude: the power of ten of its first non-zero digit (0 for zero).
// It spares strconv.ParseFloat text it would refuse, whose error
// allocates.
func numberSyntax(s string) (mag int, ok bool) {
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	intDigits, fracZeros, digits := 0, 0, 0
	seenNonZero := false
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
		if s[i] != '0' || seenNonZero {
			seenNonZero = true
			intDigits++
		}
	}
	if i < len(s) && s[i] == '.' {
		i++
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
			if s[i] == '0' && !seenNonZero {
				fracZeros++
			} else {
				seenNonZero = true
			}
		}
	}
	if digits == 0 {
		return 0, false
	}
	exp := 0
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		neg := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			neg = s[i] == '-'
			i++
		}
		start := i
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			if exp < 100000 {
				exp = exp*10 + int(s[i]-'0')
			}
		}
		if i == start {
			return 0, false
		}
		if neg {
			exp = -exp
		}
	}
	if i != len(s) {
		return 0, false
	}
	switch {
	case !seenNonZero:
		return 0, true
	case intDigits > 0:
		return intDigits - 1 + exp, true
	}
	return -fracZeros - 1 + exp, true
}

// toAddr returns the IP address of an event value: text as Elasticsearch
// reads it (see cidr.ParseAddr), netip.Addr or net.IP. IPv4-mapped
// addresses are unmapped and zones dropped. It allocates nothing, whatever
// the text (cidr.AddrOf).
func toAddr(x any) (netip.Addr, bool) {
	switch x := x.(type) {
	case string:
		return cidr.AddrOf(x)
	case netip.Addr:
		if !x.IsValid() {
			return x, false
		}
		return x.Unmap().WithZone(""), true
	case net.IP:
		a, ok := netip.AddrFromSlice(x)
		return a.Unmap(), ok
	}
	return netip.Addr{}, false
}

// toBool returns the boolean value of an event value as Elasticsearch
// indexes a boolean field: true, false, "true", "false", and "" as false.
func toBool(x any) (bool, bool) {
	switch x := x.(type) {
	case bool:
		return x, true
	case string:
		switch x {
		case "true":
			return true, true
		case "false", "":
			return false, true
		}
	}
	return false, false
}

// KeywordText returns the text Elasticsearch indexes for an event value in a
// keyword field: a string as it is, a number in its shortest decimal form
// (exponent form beyond 1e21 or below 1e-6, as JavaScript prints it), a
// boolean as "true" or "false", an address in canonical form, a time.Time
// in RFC 3339 with milliseconds. ok is false for objects, arrays, nil and
// other values that have no text form.
func KeywordText(x any) (string, bool) {
	if s, ok := x.(string); ok {
		return s, true
	}
	b, ok := appendText(nil, x)
	return string(b), ok
}

// appendText appends the text Elasticsearch would index for x in a keyword
// field: strings as they are, numbers in their shortest decimal form,
// booleans as "true"/"false", addresses in canonical form. ok is false for
// objects and other values that have no text form.
func appendText(buf []byte, x any) ([]byte, bool) {
	switch x := x.(type) {
	case string:
		return append(buf, x...), true
	case json.Number:
		return append(buf, x...), true
	case bool:
		return strconv.AppendBool(buf, x), true
	case float64:
		return appendFloat(buf, x), true
	case float32:
		return appendFloat(buf, float64(x)), true
	case int:
		return strconv.AppendInt(buf, int64(x), 10), true
	case int64:
		return strconv.AppendInt(buf, x, 10), true
	case int32:
		return strconv.AppendInt(buf, int64(x), 10), true
	case int16:
		return strconv.AppendInt(buf, int64(x), 10), true
	case int8:
		return strconv.AppendInt(buf, int64(x), 10), true
	case uint:
		return strconv.AppendUint(buf, uint64(x), 10), true
	case uint64:
		return strconv.AppendUint(buf, x, 10), true
	case uint32:
		return strconv.AppendUint(buf, uint64(x), 10), true
	case uint16:
		return strconv.AppendUint(buf, uint64(x), 10), true
	case uint8:
		return strconv.AppendUint(buf, uint64(x), 10), true
	case netip.Addr:
		return x.AppendTo(buf), true
	case net.IP:
		a, ok := netip.AddrFromSlice(x)
		if !ok {
			return buf, false
		}
		return a.Unmap().AppendTo(buf), true
	case time.Time:
		return x.UTC().AppendFormat(buf, "2006-01-02T15:04:05.000Z07:00"), true
	}
	return buf, false
}

// appendFloat appends f in its shortest decimal form: an integer without a
// fraction, plain decimals, and exponent form beyond 1e21 or below 1e-6 (as
// JavaScript prints numbers), so that the text fits a small stack buffer.
func appendFloat(buf []byte, f float64) []byte {
	abs := math.Abs(f)
	switch {
	case f == math.Trunc(f) && abs < 1e15:
		return strconv.AppendInt(buf, int64(f), 10)
	case abs >= 1e21 || abs < 1e-6:
		return strconv.AppendFloat(buf, f, 'e', -1, 64)
	}
	return strconv.AppendFloat(buf, f, 'f', -1, 64)
}
