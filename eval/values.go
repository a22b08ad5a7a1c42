package eval

import (
	"encoding/json"
	"math"
	"net"
	"net/netip"
	"strconv"
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

// parseNumber parses decimal text: an optional sign, digits, an optional
// fraction and exponent. Hex, "Inf", "NaN" and underscores are refused, as
// Elasticsearch refuses them. It does not allocate.
func parseNumber(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	digits := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-':
		default:
			return 0, false
		}
	}
	if !digits {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// toAddr returns the IP address of an event value: text as Elasticsearch
// reads it (see cidr.ParseAddr), netip.Addr or net.IP. IPv4-mapped
// addresses are unmapped and zones dropped.
func toAddr(x any) (netip.Addr, bool) {
	switch x := x.(type) {
	case string:
		if !looksLikeIP(x) {
			return netip.Addr{}, false
		}
		a, err := cidr.ParseAddr(x)
		return a, err == nil
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

// looksLikeIP is a cheap test that spares cidr.ParseAddr (whose errors
// allocate) text that cannot be an address.
func looksLikeIP(s string) bool {
	if len(s) < 2 || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9', c >= 'a' && c <= 'f', c >= 'A' && c <= 'F', c == '.', c == ':':
		case c == '%':
			return i > 0 && i < len(s)-1
		default:
			return false
		}
	}
	return true
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
		return append(buf, x.String()...), true
	case time.Time:
		return x.UTC().AppendFormat(buf, "2006-01-02T15:04:05.000Z07:00"), true
	}
	return buf, false
}

func appendFloat(buf []byte, f float64) []byte {
	if f == math.Trunc(f) && math.Abs(f) < 1e15 {
		return strconv.AppendInt(buf, int64(f), 10)
	}
	return strconv.AppendFloat(buf, f, 'f', -1, 64)
}
