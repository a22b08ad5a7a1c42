package eval

import (
	"encoding/json"
	"math"
	"net"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/kqlrules/kqlrules/cidr"
	"github.com/kqlrules/kqlrules/mapping"
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

// indexState is what Elasticsearch does with one value of a field when it
// indexes a document.
type indexState uint8

const (
	indexed indexState = iota
	// skipped: the value is kept in the source but not indexed, and the
	// document is kept: "" on a numeric field, a string longer than
	// ignore_above, a malformed value under ignore_malformed.
	skipped
	// refused: the field's mapper cannot parse the value and the whole
	// document is refused (a mapper_parsing_exception).
	refused
)

// malformed is the state of a value the field cannot parse: skipped
// under ignore_malformed, else refused.
func (f *fieldMapping) malformed() indexState {
	if f.IgnoreMalformed {
		return skipped
	}
	return refused
}

// state returns what Elasticsearch does with x, one value of a field
// mapped as f (arrays are passed element by element; nulls never come).
// The rules are those of the field mappers' parseCreateField:
// KeywordFieldMapper (ignore_above), NumberFieldMapper and
// UnsignedLongFieldMapper ("" is null when coerce is on; text that does
// not parse and out-of-range numbers fail), IpFieldMapper
// (InetAddresses.forString: "" fails), BooleanFieldMapper (true, false,
// "true", "false" and "" as false; anything else fails), DateFieldMapper
// (text that does not parse fails). An object where a leaf is mapped
// fails whatever ignore_malformed says (it applies to values only).
func (f *fieldMapping) state(x any) indexState {
	switch x.(type) {
	case map[string]any, Event:
		switch f.Type {
		case mapping.Object, mapping.Nested, mapping.Flattened, mapping.Unknown:
			if hasLeaf(x) {
				return indexed
			}
			return skipped
		case mapping.GeoPoint:
			return indexed
		}
		return refused
	}
	return f.scalarState(x)
}

// scalarState is state for a value that is not an object: a string, a
// number or a bool. It keeps nothing of x, so that a caller may box a
// value for it without allocating.
func (f *fieldMapping) scalarState(x any) indexState {
	switch familyOf(f.Type) {
	case famKeyword:
		if f.Type == mapping.Flattened {
			return refused // a flattened field takes an object
		}
		if s, ok := x.(string); ok && f.tooLong(s) {
			return skipped
		}
		return indexed
	case famInt:
		_, st := f.intKey(x)
		return st
	case famFloat:
		if f.Type == mapping.ScaledFloat {
			_, st := f.intKey(x)
			return st
		}
		_, st := f.floatKey(x)
		return st
	case famIP:
		if _, ok := toAddr(x); !ok {
			return f.malformed()
		}
	case famBool:
		if _, ok := toBool(x); !ok {
			return f.malformed()
		}
	case famDate:
		if f.Type == mapping.DateNanos {
			// DateUtils.toLong refuses a time outside date_nanos as
			// DateFieldMapper.parseCreateField refuses bad text
			if _, ok := toNanos(x); !ok {
				return f.malformed()
			}
		} else if _, ok := toMillis(x); !ok {
			return f.malformed()
		}
	case famOther:
		if f.Type != mapping.GeoPoint {
			return refused // a concrete value where an object is mapped
		}
	}
	return indexed
}

// hasLeaf reports whether the object x holds a non-null value at any
// depth: an object whose leaves are all null (or empty) indexes nothing.
func hasLeaf(x any) bool {
	switch x := x.(type) {
	case nil:
		return false
	case map[string]any:
		for _, v := range x {
			if hasLeaf(v) {
				return true
			}
		}
		return false
	case Map:
		return hasLeaf(map[string]any(x))
	case []any:
		for _, v := range x {
			if hasLeaf(v) {
				return true
			}
		}
		return false
	case Event:
		return x.Fields(visitFieldFunc(func(string, any) bool { return true }))
	}
	return true
}

type visitFieldFunc func(string, any) bool

func (f visitFieldFunc) VisitField(name string, x any) bool { return f(name, x) }

// tooLong reports whether s is longer than the field's ignore_above, in
// UTF-16 code units (Java's String.length, which KeywordFieldMapper
// compares): a character beyond U+FFFF counts two.
func (f *fieldMapping) tooLong(s string) bool {
	if f == nil || f.IgnoreAbove <= 0 || len(s) <= f.IgnoreAbove {
		return false // a UTF-16 length never exceeds the UTF-8 length
	}
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
		if n > f.IgnoreAbove {
			return true
		}
	}
	return false
}

// intLimits are the integer types' ranges as (largest magnitude below
// zero, largest value above), by type (an array: intKey reads it for
// every value), zero for the others.
var intLimits = [256][2]uint64{
	mapping.Byte:         {128, 127},
	mapping.Short:        {1 << 15, 1<<15 - 1},
	mapping.Integer:      {1 << 31, 1<<31 - 1},
	mapping.Long:         {1 << 63, 1<<63 - 1},
	mapping.ScaledFloat:  {1 << 63, 1<<63 - 1},
	mapping.UnsignedLong: {0, math.MaxUint64},
}

// intKey returns the long that Elasticsearch indexes for x in an integer
// field (byte, short, integer, long, unsigned_long) or a scaled_float
// (Math.round(x*scaling_factor)), exactly (no float64 round trip for
// integers beyond 2^53), as an ordered key: unsigned_long values are
// offset by -2^63 so that keys order as the values do. A fraction is
// truncated, as coercion does (NumberFieldMapper's NumberType.parse);
// out-of-range values fail ("Value [1e20] is out of range for a long").
func (f *fieldMapping) intKey(x any) (int64, indexState) {
	if f.Type == mapping.ScaledFloat {
		v, st := f.floatValue(x)
		if st != indexed {
			return 0, st
		}
		return scaleKey(v, f.ScalingFactor), indexed
	}
	neg, mag, st := f.exactInt(x)
	if st != indexed {
		return 0, st
	}
	lim := intLimits[f.Type]
	if lim == ([2]uint64{}) {
		lim = intLimits[mapping.Long]
	}
	if neg && mag > lim[0] || !neg && mag > lim[1] {
		return 0, f.malformed()
	}
	return intKeyOf(f.Type, neg, mag), indexed
}

// intKeyOf is the ordered key of the integer -mag (neg) or mag.
func intKeyOf(t mapping.Type, neg bool, mag uint64) int64 {
	if t == mapping.UnsignedLong {
		return int64(mag ^ 1<<63)
	}
	if neg {
		return int64(^mag + 1)
	}
	return int64(mag)
}

// scaleKey is ScaledFloatFieldMapper's indexed long: Java's
// Math.round(v*factor), floor(x+0.5), saturated to the long range.
func scaleKey(v, factor float64) int64 {
	if factor == 0 {
		factor = 1
	}
	return saturate(math.Floor(v*factor + 0.5))
}

func saturate(f float64) int64 {
	switch {
	case f >= 1<<63:
		return math.MaxInt64
	case f < -(1 << 63):
		return math.MinInt64
	}
	return int64(f)
}

// exactInt returns the integer value of x truncated toward zero, as a
// sign and a magnitude, for any value below 2^64 in magnitude.
func (f *fieldMapping) exactInt(x any) (neg bool, mag uint64, st indexState) {
	switch v := x.(type) {
	case string:
		if v == "" && !f.NoCoerce {
			return false, 0, skipped
		}
		if f.NoCoerce {
			return false, 0, f.malformed()
		}
		return f.intText(v)
	case json.Number:
		return f.intText(string(v))
	case float64:
		return f.intFloat(v)
	case float32:
		return f.intFloat(float64(v))
	case int:
		return signMag(int64(v))
	case int64:
		return signMag(v)
	case int32:
		return signMag(int64(v))
	case int16:
		return signMag(int64(v))
	case int8:
		return signMag(int64(v))
	case uint:
		return false, uint64(v), indexed
	case uint64:
		return false, v, indexed
	case uint32:
		return false, uint64(v), indexed
	case uint16:
		return false, uint64(v), indexed
	case uint8:
		return false, uint64(v), indexed
	}
	return false, 0, f.malformed()
}

func signMag(v int64) (bool, uint64, indexState) {
	if v < 0 {
		return true, ^uint64(v) + 1, indexed
	}
	return false, uint64(v), indexed
}

func (f *fieldMapping) intFloat(v float64) (bool, uint64, indexState) {
	if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) >= 1<<64 {
		return false, 0, f.malformed()
	}
	if f.NoCoerce && v != math.Trunc(v) {
		return false, 0, f.malformed()
	}
	v = math.Trunc(v)
	if v < 0 {
		return true, uint64(-v), indexed
	}
	return false, uint64(v), indexed
}

// intText reads decimal text exactly: digits, with a fraction that is
// truncated; with an exponent, through float64 (as BigDecimal would, to
// within float precision).
func (f *fieldMapping) intText(s string) (bool, uint64, indexState) {
	if _, ok := numberSyntax(s); !ok {
		return false, 0, f.malformed()
	}
	if strings.ContainsAny(s, "eE") {
		v, ok := parseNumber(s)
		if !ok {
			return false, 0, f.malformed()
		}
		return f.intFloat(v)
	}
	neg := s[0] == '-'
	if s[0] == '-' || s[0] == '+' {
		s = s[1:]
	}
	whole, frac, _ := strings.Cut(s, ".")
	if f.NoCoerce && strings.Trim(frac, "0") != "" {
		return false, 0, f.malformed()
	}
	var mag uint64
	for i := 0; i < len(whole); i++ {
		d := uint64(whole[i] - '0')
		if mag > (math.MaxUint64-d)/10 {
			return false, 0, f.malformed()
		}
		mag = mag*10 + d
	}
	return neg && mag != 0, mag, indexed
}

// floatValue returns x as a double, as NumberFieldMapper reads a value
// ("" is null when coerce is on; NaN and infinities fail).
func (f *fieldMapping) floatValue(x any) (float64, indexState) {
	switch v := x.(type) {
	case string:
		if v == "" && !f.NoCoerce {
			return 0, skipped
		}
		if f.NoCoerce {
			return 0, f.malformed()
		}
	case bool, map[string]any, Event:
		return 0, f.malformed()
	}
	v, ok := toNumber(x, false)
	if !ok {
		return 0, f.malformed()
	}
	return v, indexed
}

// floatKey returns the value Elasticsearch indexes for x in a double,
// float or half_float field, at the field's precision: a float is a
// float32 (16777217 is 16777216), a half_float has 11 significant bits
// (Lucene's HalfFloatPoint). A value beyond the type's range fails
// (NumberType.validateParsed: only finite values).
func (f *fieldMapping) floatKey(x any) (float64, indexState) {
	v, st := f.floatValue(x)
	if st != indexed {
		return 0, st
	}
	v = roundFloat(f.Type, v)
	if math.IsInf(v, 0) {
		return 0, f.malformed()
	}
	return v, indexed
}

// roundFloat rounds v to the precision of a float type: float32 for
// float, then 11 significant bits for half_float (rounding to nearest,
// ties to even, as Float.floatToFloat16 / HalfFloatPoint do). Beyond the
// type's range it gives an infinity.
func roundFloat(t mapping.Type, v float64) float64 {
	switch t {
	case mapping.Float:
		return float64(float32(v))
	case mapping.HalfFloat:
		return roundHalf(float64(float32(v)))
	}
	return v
}

// roundHalf rounds v to the nearest half-precision float: 11 significant
// bits, smallest step 2^-24, largest finite 65504.
func roundHalf(v float64) float64 {
	a := math.Abs(v)
	if a == 0 || math.IsNaN(a) || math.IsInf(a, 0) {
		return v
	}
	e := math.Ilogb(a)
	if e < -14 {
		e = -14 // subnormal: a fixed step of 2^-24
	}
	ulp := math.Ldexp(1, e-10)
	r := math.RoundToEven(a/ulp) * ulp
	if r > 65504 {
		r = math.Inf(1)
	}
	return math.Copysign(r, v)
}

// Rejects reports whether Elasticsearch would refuse to index e with
// mapping m (a mapper_parsing_exception), and the first field at fault
// that it found: a value its mapper cannot parse ("abc" on a long, "yes"
// on a boolean, a malformed address on an ip field, 1e20 on a long, -1 on
// an unsigned_long) when ignore_malformed is off, an object where a leaf
// field is mapped, or a concrete value where an object is mapped. A
// replay can count such events: they never reach the index. Values that
// are merely not indexed ("" on a number, a keyword over ignore_above)
// are not refusals. On a [LeafLister], such as the lazy JSON event of
// package events, it is one scan of the event's text that allocates
// nothing (but the name of a field at fault).
func Rejects(m mapping.Mapping, e Event) (field string, rejected bool) {
	return rejects(fullMapping(m), e)
}

func rejects(m mapper, e Event) (field string, rejected bool) {
	r := refusalPool.Get().(*refusal)
	r.m = m
	if l, ok := e.(LeafLister); ok {
		l.Leaves(r)
	} else {
		e.Fields(r)
	}
	field, rejected = r.field, r.rejected
	*r = refusal{}
	refusalPool.Put(r)
	return field, rejected
}

// refusal is the check of [Rejects], one leaf field at a time,
// as a FieldVisitor or, unboxed, a LeafVisitor (a LeafSelector when it
// has the tree of the fields its mapping may refuse, and a LeafChecker
// of the leaves of that tree by node).
type refusal struct {
	m        mapper
	field    string
	rejected bool
	cache    map[string]leafMapping // by field name, when not nil
	tree     *LeafTree              // the fields that may be refused, when not nil
	byNode   []leafMapping          // the tree's: the mapping of the name of each node
}

var _ LeafChecker = (*refusal)(nil)

// LeafTree implements [LeafSelector].
func (r *refusal) LeafTree() *LeafTree { return r.tree }

// CheckString implements [LeafChecker]: whether the string on the leaf
// field of node n may be refused (then VisitString says by name).
func (r *refusal) CheckString(n LeafNode, value string) bool {
	c := &r.byNode[n]
	return c.refusedAt != "" || (c.ok && c.f.scalarState(value) == refused)
}

// CheckNumber implements [LeafChecker].
func (r *refusal) CheckNumber(n LeafNode, text string) bool {
	c := &r.byNode[n]
	return c.refusedAt != "" || (c.ok && c.f.scalarState(json.Number(text)) == refused)
}

// CheckBool implements [LeafChecker].
func (r *refusal) CheckBool(n LeafNode, value bool) bool {
	c := &r.byNode[n]
	return c.refusedAt != "" || (c.ok && c.f.scalarState(value) == refused)
}

var refusalPool = sync.Pool{New: func() any { return new(refusal) }}

// VisitField implements [FieldVisitor].
func (r *refusal) VisitField(name string, x any) bool {
	f, ok := r.mapped(name)
	if ok && f.state(x) == refused {
		r.refuse(name)
	}
	return r.rejected
}

// VisitString implements [LeafVisitor].
func (r *refusal) VisitString(name, value string) bool {
	f, ok := r.mapped(name)
	if ok && f.scalarState(value) == refused {
		r.refuse(name)
	}
	return r.rejected
}

// VisitNumber implements [LeafVisitor].
func (r *refusal) VisitNumber(name, text string) bool {
	f, ok := r.mapped(name)
	if ok && f.scalarState(json.Number(text)) == refused {
		r.refuse(name)
	}
	return r.rejected
}

// VisitBool implements [LeafVisitor].
func (r *refusal) VisitBool(name string, value bool) bool {
	f, ok := r.mapped(name)
	if ok && f.scalarState(value) == refused {
		r.refuse(name)
	}
	return r.rejected
}

// mapped returns the mapping of the leaf field name, and false when the
// field is not mapped. A field that is not mapped below a mapped leaf is
// refused at that leaf (an object where the leaf is): r records it.
func (r *refusal) mapped(name string) (fieldMapping, bool) {
	if c, ok := r.cache[name]; ok {
		if c.refusedAt != "" {
			r.field, r.rejected = c.refusedAt, true
		}
		return c.f, c.ok
	}
	c := r.lookup(name)
	if c.refusedAt != "" {
		r.field, r.rejected = c.refusedAt, true
	}
	if r.cache != nil && len(r.cache) < maxRefusalCache {
		r.cache[strings.Clone(name)] = c
	}
	return c.f, c.ok
}

// lookup finds the mapping of the field name.
func (r *refusal) lookup(name string) leafMapping {
	f := r.m.lookup(name)
	if f.Type != mapping.Unknown {
		return leafMapping{f: f, ok: true}
	}
	for i := len(name) - 1; i > 0; i-- {
		if name[i] != '.' {
			continue
		}
		switch r.m.lookup(name[:i]).Type {
		case mapping.Unknown, mapping.Object, mapping.Nested, mapping.Flattened, mapping.GeoPoint:
			continue
		}
		return leafMapping{f: f, refusedAt: strings.Clone(name[:i])}
	}
	return leafMapping{f: f}
}

// refuse records the field at fault (a copy: a LeafVisitor's names are
// valid only during the call).
func (r *refusal) refuse(field string) {
	r.field, r.rejected = strings.Clone(field), true
}

// Rejects is [Rejects] with the mapping the program was compiled
// with.
func (p *Program) Rejects(event map[string]any) (field string, rejected bool) {
	return rejects(p.mapping, Map(event))
}

// RejectsEvent is Rejects for any [Event]. On a [LeafLister] such as the
// lazy JSON event of package events it is one scan of the event's text
// that allocates nothing (but the name of a field at fault), and that
// passes over the fields the mapping cannot refuse (keyword and text
// fields, fields it does not map: see [LeafSelector]) without building
// their names or reading their values. The mapping of each field name
// is looked up once (for the first maxRefusalCache names a goroutine
// meets) rather than for every event. A lister that noted the leaves of
// that tree in a walk of its own (the lazy JSON event does, in the walk
// of a [FieldTable]'s paths, once it was checked: [LeafChecker]) passes
// them by node, each with the mapping its node's name has, and lists the
// event by name only for a value the mapping may refuse.
func (p *Program) RejectsEvent(e Event) (field string, rejected bool) {
	r, _ := p.refusals.Get().(*refusal)
	if r == nil {
		p.refusableOnce.Do(func() { p.refusable, p.refusableMaps = refusalTree(p.mapping) })
		r = &refusal{m: p.mapping, cache: map[string]leafMapping{}, tree: p.refusable, byNode: p.refusableMaps}
	}
	if l, ok := e.(LeafLister); ok {
		l.Leaves(r)
	} else {
		e.Fields(r)
	}
	field, rejected = r.field, r.rejected
	r.field, r.rejected = "", false
	p.refusals.Put(r)
	return field, rejected
}

// maxRefusalCache bounds the field names a refusal remembers.
const maxRefusalCache = 1 << 14

// leafMapping is what refusal.mapped finds for a field name: its mapping,
// whether it is mapped, and the mapped leaf above it that refuses it.
type leafMapping struct {
	f         fieldMapping
	ok        bool
	refusedAt string
}
