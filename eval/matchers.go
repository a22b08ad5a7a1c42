package eval

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"math/big"
	"net/netip"
	"strings"
	"unicode/utf8"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/cidr"
	"github.com/kqlrules/kqlrules/mapping"
)

// The value matchers: each one is a Visitor that reports whether one event
// value satisfies a leaf of the query. They are built once by Compile and
// never change, so a Program can share them between goroutines.

// glob is a compiled wildcard pattern. KQL's '*' patterns are the literal
// pieces between the stars (at least two). A Lucene pattern with '?' (from
// a wildcard or query_string query) also has ops, its steps in order;
// parts then splits it at both wildcards.
type glob struct {
	parts []string
	ops   []wildOp // nil: the pattern has no '?'
	// need holds the bytes of the literal text (set by lower; empty
	// otherwise: nothing known): a text g matches holds each of them, as
	// the literal pieces compare byte by byte with the text.
	need byteSet
}

// byteSet is a set of bytes: bit c&63 of word c>>6.
type byteSet [4]uint64

// addString adds the bytes of s.
func (b *byteSet) addString(s string) {
	for i := 0; i < len(s); i++ {
		b[s[i]>>6] |= 1 << (s[i] & 63)
	}
}

// holds reports whether b holds every byte of sub.
func (b *byteSet) holds(sub *byteSet) bool {
	return sub[0]&^b[0]|sub[1]&^b[1]|sub[2]&^b[2]|sub[3]&^b[3] == 0
}

func (g *glob) match(s string) bool {
	if g.ops != nil {
		return matchOps(g.ops, s)
	}
	return ast.MatchWildcard(g.parts, s)
}

// mayMatchBelow reports whether g may match a name that is name, a dot
// and more (any name, below ""): such a name must start with g's text
// before its first wildcard, so the two must agree as far as both go.
func (g *glob) mayMatchBelow(name string) bool {
	if name == "" || g.ops != nil {
		return true // ops: a '?' may stand for the dot; keep it simple
	}
	if len(g.parts) == 0 {
		return false // matches "" alone
	}
	first := g.parts[0]
	if len(first) <= len(name) {
		// a pattern without wildcards is a whole name: never below name
		return len(g.parts) > 1 && name[:len(first)] == first
	}
	return first[:len(name)] == name && first[len(name)] == '.'
}

func (g *glob) String() string {
	if g.ops == nil {
		return strings.Join(g.parts, "*")
	}
	var b strings.Builder
	for _, op := range g.ops {
		switch op.kind {
		case opOne:
			b.WriteByte('?')
		case opAny:
			b.WriteByte('*')
		default:
			for i := 0; i < len(op.lit); i++ {
				if c := op.lit[i]; c == '*' || c == '?' || c == '\\' {
					b.WriteByte('\\')
				}
				b.WriteByte(op.lit[i])
			}
		}
	}
	return b.String()
}

// lower returns g with its literal text lowercased, code point by code
// point (so that a '?' still stands for one code point), and the bytes of
// that text in need.
func (g *glob) lower() *glob {
	l := &glob{parts: make([]string, len(g.parts))}
	for i, p := range g.parts {
		l.parts[i] = strings.ToLower(p)
	}
	if g.ops != nil {
		l.ops = make([]wildOp, len(g.ops))
		for i, op := range g.ops {
			l.ops[i] = wildOp{kind: op.kind, lit: strings.ToLower(op.lit)}
		}
	}
	l.fillNeed()
	return l
}

// fillNeed sets need to the bytes of g's literal text: those of ops when
// it has them (match compares the ops), else those of parts.
func (g *glob) fillNeed() {
	if g.ops == nil {
		for _, p := range g.parts {
			g.need.addString(p)
		}
		return
	}
	for _, op := range g.ops {
		g.need.addString(op.lit)
	}
}

// wildOp is one step of a Lucene wildcard pattern (WildcardQuery.toAutomaton):
// literal text, '?' (exactly one code point) or '*' (any run of code
// points, none included).
type wildOp struct {
	kind wildKind
	lit  string // opLit: the unescaped text
}

type wildKind uint8

const (
	opLit wildKind = iota
	opOne
	opAny
)

// appendWildOp appends a step to ops, joining adjacent literals and
// adjacent '*'s.
func appendWildOp(ops []wildOp, op wildOp) []wildOp {
	if n := len(ops); n > 0 && ops[n-1].kind == op.kind && op.kind != opOne {
		ops[n-1].lit += op.lit
		return ops
	}
	return append(ops, op)
}

// matchOps reports whether s matches the pattern ops, as Lucene's
// WildcardQuery automaton does: '?' consumes exactly one code point (an
// invalid UTF-8 byte counts as one), '*' any run. It is the iterative
// wildcard algorithm: on a mismatch, only the last '*' seen takes one
// more code point (text right after a '*' is looked for with
// strings.Index), so the time is at most len(s) times len(ops), never
// exponential, and nothing is allocated.
func matchOps(ops []wildOp, s string) bool {
	pi, si := 0, 0
	star, starAt := -1, 0 // the last '*' and where its run ends
	for {
		if pi < len(ops) {
			switch op := ops[pi]; op.kind {
			case opAny:
				star, starAt = pi, si
				pi++
				continue
			case opOne:
				if si < len(s) {
					si += runeLen(s[si:])
					pi++
					continue
				}
			default:
				if star >= 0 && pi == star+1 {
					// text right after the '*': its run ends at the
					// next occurrence, or nothing matches
					i := strings.Index(s[si:], op.lit)
					if i < 0 {
						return false
					}
					starAt = si + i
					si = starAt + len(op.lit)
					pi++
					continue
				}
				if strings.HasPrefix(s[si:], op.lit) {
					si += len(op.lit)
					pi++
					continue
				}
			}
		} else if si == len(s) {
			return true
		}
		if star < 0 || starAt == len(s) {
			return false
		}
		starAt += runeLen(s[starAt:])
		pi, si = star+1, starAt
	}
}

// runeLen is the length in bytes of the code point s starts with (1 for
// an invalid byte); s is not empty.
func runeLen(s string) int {
	if s[0] < utf8.RuneSelf {
		return 1
	}
	_, n := utf8.DecodeRuneInString(s)
	return n
}

// smallSet is the size up to which a slice beats a map for string sets.
const smallSet = 8

// keywordMatcher matches keyword-family values: exact strings (a slice
// when few, a map when many) and '*' patterns. A non-string event value
// is compared through its text form.
type keywordMatcher struct {
	f     *fieldMapping // ignore_above; a flattened root tests every leaf
	small []string
	set   map[string]struct{}
	globs []*glob
}

func newKeywordMatcher(f *fieldMapping, exact []string, globs []*glob) *keywordMatcher {
	m := &keywordMatcher{f: f, globs: globs}
	if len(exact) > smallSet {
		m.set = make(map[string]struct{}, len(exact))
		for _, s := range exact {
			m.set[s] = struct{}{}
		}
	} else {
		m.small = exact
	}
	return m
}

func (m *keywordMatcher) Visit(x any) bool {
	if s, ok := x.(string); ok {
		return m.VisitString(s)
	}
	if m.f != nil && m.f.Type == mapping.Flattened {
		// FlattenedFieldMapper indexes every leaf under the root field
		// too: a query on the root matches any leaf value.
		return visitLeaves(x, keywordLeaf{m})
	}
	return m.visitScalar(x)
}

// VisitString implements [StringVisitor].
func (m *keywordMatcher) VisitString(s string) bool {
	return !m.f.tooLong(s) && m.matchString(s)
}

// VisitNumber implements [NumberVisitor]: a number matches through its
// text (a flattened root's leaf alike).
func (m *keywordMatcher) VisitNumber(t string) bool { return m.visitScalar(json.Number(t)) }

// keywordLeaf matches one leaf of a flattened object.
type keywordLeaf struct{ m *keywordMatcher }

func (l keywordLeaf) Visit(x any) bool {
	if s, ok := x.(string); ok {
		return !l.m.f.tooLong(s) && l.m.matchString(s)
	}
	return l.m.visitScalar(x)
}

func (m *keywordMatcher) visitScalar(x any) bool {
	var buf [64]byte
	b, ok := appendText(buf[:0], x)
	if !ok {
		return false
	}
	return m.matchString(string(b))
}

func (m *keywordMatcher) matchString(s string) bool {
	for _, e := range m.small {
		if s == e {
			return true
		}
	}
	if m.set != nil {
		if _, ok := m.set[s]; ok {
			return true
		}
	}
	for _, g := range m.globs {
		if g.match(s) {
			return true
		}
	}
	return false
}

// intSet matches integer values (byte, short, integer, long,
// unsigned_long, and scaled_float's scaled longs) whose indexed long is
// one of keys. Values the field would not index match nothing.
type intSet struct {
	f    *fieldMapping
	keys []int64
}

func (m *intSet) Visit(x any) bool {
	k, st := m.f.intKey(x)
	if st != indexed {
		return false
	}
	for _, v := range m.keys {
		if k == v {
			return true
		}
	}
	return false
}

// VisitNumber implements [NumberVisitor]: Visit of the json.Number,
// which stays on the stack.
func (m *intSet) VisitNumber(t string) bool { return m.Visit(json.Number(t)) }

// intRange matches integer values whose indexed long lies in [lo, hi].
type intRange struct {
	f      *fieldMapping
	lo, hi int64
}

func (m *intRange) Visit(x any) bool {
	k, st := m.f.intKey(x)
	return st == indexed && k >= m.lo && k <= m.hi
}

// VisitNumber implements [NumberVisitor]: Visit of the json.Number,
// which stays on the stack.
func (m *intRange) VisitNumber(t string) bool { return m.Visit(json.Number(t)) }

// floatSet matches double, float and half_float values equal, at the
// field's precision, to one of vals (rounded alike).
type floatSet struct {
	f    *fieldMapping
	vals []float64
}

func (m *floatSet) Visit(x any) bool {
	v, st := m.f.floatKey(x)
	if st != indexed {
		return false
	}
	for _, w := range m.vals {
		if v == w {
			return true
		}
	}
	return false
}

// VisitNumber implements [NumberVisitor]: Visit of the json.Number,
// which stays on the stack.
func (m *floatSet) VisitNumber(t string) bool { return m.Visit(json.Number(t)) }

// floatRange matches double, float and half_float values in a range:
// the value at the field's precision against the bound as a float
// (NumberFieldMapper's FLOAT and HALF_FLOAT rangeQuery parse the bound as
// a float and move it to the next representable value).
type floatRange struct {
	f *fieldMapping
	r numberRange
}

func (m *floatRange) Visit(x any) bool {
	v, st := m.f.floatKey(x)
	return st == indexed && m.r.in(v)
}

// VisitNumber implements [NumberVisitor]: Visit of the json.Number,
// which stays on the stack.
func (m *floatRange) VisitNumber(t string) bool { return m.Visit(json.Number(t)) }

// bound is one side of a range; a range over a single literal has one.
type bound struct {
	set       bool
	inclusive bool
}

// numberRange matches numbers in a range.
type numberRange struct {
	integer  bool
	lo, hi   float64
	loB, hiB bound
}

func (m *numberRange) Visit(x any) bool {
	f, ok := toNumber(x, m.integer)
	return ok && m.in(f)
}

// VisitNumber implements [NumberVisitor]: Visit of the json.Number,
// which stays on the stack.
func (m *numberRange) VisitNumber(t string) bool { return m.Visit(json.Number(t)) }

func (m *numberRange) in(f float64) bool {
	if m.loB.set && (f < m.lo || !m.loB.inclusive && f == m.lo) {
		return false
	}
	if m.hiB.set && (f > m.hi || !m.hiB.inclusive && f == m.hi) {
		return false
	}
	return true
}

// ipMatcher matches addresses in a set of prefixes (single addresses are
// /32 and /128 prefixes).
type ipMatcher struct {
	set *cidr.Set
	f   *fieldMapping // null_value, or nil
}

func (m *ipMatcher) Visit(x any) bool {
	a, ok := toAddr(x)
	return ok && m.set.Contains(a)
}

// VisitNumber implements [NumberVisitor]: Visit of the json.Number,
// which stays on the stack.
func (m *ipMatcher) VisitNumber(t string) bool { return m.Visit(json.Number(t)) }

// VisitString implements [StringVisitor].
func (m *ipMatcher) VisitString(s string) bool {
	a, ok := cidr.AddrOf(s)
	return ok && m.set.Contains(a)
}

// ipRange matches addresses in a range, ordered as Elasticsearch orders
// them: as 16-byte IPv6 addresses, IPv4 being IPv4-mapped.
type ipRange struct {
	lo, hi   [16]byte
	loB, hiB bound
	f        *fieldMapping // null_value, or nil
}

func (m *ipRange) Visit(x any) bool {
	a, ok := toAddr(x)
	return ok && m.in(a)
}

// VisitNumber implements [NumberVisitor]: Visit of the json.Number,
// which stays on the stack.
func (m *ipRange) VisitNumber(t string) bool { return m.Visit(json.Number(t)) }

func (m *ipRange) in(a netip.Addr) bool {
	b := a.As16()
	if m.loB.set {
		c := compare16(b, m.lo)
		if c < 0 || c == 0 && !m.loB.inclusive {
			return false
		}
	}
	if m.hiB.set {
		c := compare16(b, m.hi)
		if c > 0 || c == 0 && !m.hiB.inclusive {
			return false
		}
	}
	return true
}

func compare16(a, b [16]byte) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}

// boolMatcher matches booleans.
type boolMatcher struct {
	want bool
	f    *fieldMapping // null_value, or nil
}

func (m *boolMatcher) Visit(x any) bool {
	b, ok := toBool(x)
	return ok && b == m.want
}

// VisitNumber implements [NumberVisitor]: Visit of the json.Number,
// which stays on the stack.
func (m *boolMatcher) VisitNumber(t string) bool { return m.Visit(json.Number(t)) }

// stringRange matches text in a byte-order range (keyword ranges).
type stringRange struct {
	f        *fieldMapping // ignore_above, or nil
	lo, hi   string
	loB, hiB bound
}

func (m *stringRange) Visit(x any) bool {
	if s, ok := x.(string); ok {
		return !m.f.tooLong(s) && m.in(s)
	}
	var buf [64]byte
	b, ok := appendText(buf[:0], x)
	return ok && m.in(string(b))
}

// VisitNumber implements [NumberVisitor]: Visit of the json.Number,
// which stays on the stack.
func (m *stringRange) VisitNumber(t string) bool { return m.Visit(json.Number(t)) }

func (m *stringRange) in(s string) bool {
	if m.loB.set && (s < m.lo || !m.loB.inclusive && s == m.lo) {
		return false
	}
	if m.hiB.set && (s > m.hi || !m.hiB.inclusive && s == m.hi) {
		return false
	}
	return true
}

// existsMatcher matches a value Elasticsearch indexes for the field (f:*):
// not "" on a numeric field, not text that does not parse for the type,
// not a keyword longer than ignore_above, not an object where a leaf is
// mapped, not an object whose leaves are all null. A nil f is a field of
// unknown type: any non-null value, an object when it has a leaf.
type existsMatcher struct{ f *fieldMapping }

func (m existsMatcher) Visit(x any) bool {
	if m.f == nil {
		return x != nil && (!isObject(x) || hasLeaf(x))
	}
	return m.f.state(x) == indexed
}

// VisitString implements [StringVisitor]: Visit of a string.
func (m existsMatcher) VisitString(s string) bool {
	return m.f == nil || m.f.scalarState(s) == indexed
}

// VisitNumber implements [NumberVisitor]: Visit of a json.Number.
func (m existsMatcher) VisitNumber(t string) bool {
	return m.f == nil || m.f.scalarState(json.Number(t)) == indexed
}

func isObject(x any) bool {
	switch x.(type) {
	case map[string]any, Map, Event:
		return true
	}
	return false
}

// visitLeaves passes each leaf value of the object or array x to v, and
// reports whether a call returned true.
func visitLeaves(x any, v Visitor) bool {
	switch x := x.(type) {
	case map[string]any:
		for _, e := range x {
			if visitLeaves(e, v) {
				return true
			}
		}
		return false
	case []any:
		for _, e := range x {
			if visitLeaves(e, v) {
				return true
			}
		}
		return false
	case nil:
		return false
	}
	return v.Visit(x)
}

// noneMatcher matches nothing (a fractional value on an integer field).
type noneMatcher struct{}

func (noneMatcher) Visit(any) bool { return false }

// anyOf matches when one of its matchers does.
type anyOf []Visitor

func (m anyOf) Visit(x any) bool {
	for _, v := range m {
		if v.Visit(x) {
			return true
		}
	}
	return false
}

// VisitString implements [StringVisitor].
func (m anyOf) VisitString(s string) bool {
	for _, v := range m {
		if visitString(v, s) {
			return true
		}
	}
	return false
}

// VisitNumber implements [NumberVisitor].
func (m anyOf) VisitNumber(t string) bool {
	for _, v := range m {
		if visitNumber(v, t) {
			return true
		}
	}
	return false
}

// unknownMatcher compares a literal with the value of a field the schema
// does not know, typing the comparison from both: an IP or CIDR literal
// against an address compares as IPs, a numeric literal against a number
// as numbers, a boolean literal against a boolean as booleans; anything
// else compares the text exactly (or with the '*' pattern).
type unknownMatcher struct {
	text   string
	glob   *glob
	hasNum bool
	num    float64
	ips    *cidr.Set
	isBool bool
	b      bool
}

func (m *unknownMatcher) Visit(x any) bool {
	switch v := x.(type) {
	case string:
		return m.VisitString(v)
	case bool:
		if m.isBool {
			return v == m.b
		}
		if m.glob != nil {
			return m.glob.match(boolText(v))
		}
		return m.text == boolText(v)
	case netip.Addr:
		if m.ips != nil {
			a, ok := toAddr(v)
			return ok && m.ips.Contains(a)
		}
	case map[string]any, nil:
		return false
	case json.Number:
		if m.hasNum {
			f, ok := toNumber(v, false)
			return ok && f == m.num
		}
		return m.matchText(string(v))
	default:
		if m.hasNum && isNumber(x) {
			f, ok := toNumber(v, false)
			return ok && f == m.num
		}
		if m.ips != nil {
			if a, ok := toAddr(v); ok {
				return m.ips.Contains(a)
			}
		}
	}
	var buf [64]byte
	b, ok := appendText(buf[:0], x)
	return ok && m.matchText(string(b))
}

// VisitNumber implements [NumberVisitor]: Visit of the json.Number,
// which stays on the stack.
func (m *unknownMatcher) VisitNumber(t string) bool { return m.Visit(json.Number(t)) }

// VisitString implements [StringVisitor].
func (m *unknownMatcher) VisitString(s string) bool {
	if m.ips != nil {
		if a, ok := cidr.AddrOf(s); ok {
			return m.ips.Contains(a)
		}
	}
	return m.matchText(s)
}

func (m *unknownMatcher) matchText(s string) bool {
	if m.glob != nil {
		return m.glob.match(s)
	}
	return s == m.text
}

func boolText(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// isInteger reports whether f indexes longs: the integer types and
// scaled_float.
func (f *fieldMapping) isInteger() bool {
	return familyOf(f.Type) == famInt || f.Type == mapping.ScaledFloat
}

// newNumberSet compiles numeric literals (checked number text) on a
// numeric field into the values the field's term query looks for: a long
// for the integer types (NumberFieldMapper's LONG.termQuery: a literal
// with a fraction matches nothing; UnsignedLongFieldType.termQuery: one out
// of range matches nothing), Math.round(v*scaling_factor) for a
// scaled_float (ScaledFloatFieldType.termQuery), the value at the field's
// precision for the float types (FloatPoint, HalfFloatPoint.newExactQuery).
func newNumberSet(f *fieldMapping, texts []string) Visitor {
	if !f.isInteger() {
		m := &floatSet{f: f}
		for _, t := range texts {
			if v, ok := parseNumber(t); ok {
				m.vals = append(m.vals, roundFloat(f.Type, v))
			}
		}
		return m
	}
	m := &intSet{f: f}
	lit := fieldMapping{Type: f.Type, ScalingFactor: f.ScalingFactor}
	for _, t := range texts {
		if f.Type != mapping.ScaledFloat {
			r, ok := new(big.Rat).SetString(t)
			if !ok || !r.IsInt() {
				continue // a fraction on an integer field matches nothing
			}
		}
		if k, st := lit.intKey(t); st == indexed {
			m.keys = append(m.keys, k)
		}
	}
	return m
}

// newNumberRange compiles one bound of a range on a numeric field. For
// the integer types the bound becomes an inclusive long (LONG.rangeQuery:
// a fraction rounds inward; UnsignedLongFieldType.rangeQuery clamps a
// bound below 0 or beyond 2^64-1); for a scaled_float, the scaled bound
// rounded inward after Math.nextUp/nextDown for an exclusive one
// (ScaledFloatFieldType.rangeQuery); for the float types the bound read
// as the type reads it (a float for float and half_float).
func newNumberRange(f *fieldMapping, text string, lo, inclusive bool) Visitor {
	v, _ := parseNumber(text)
	switch {
	case f.Type == mapping.ScaledFloat:
		sf := f.ScalingFactor
		if sf == 0 {
			sf = 1
		}
		d := v * sf
		m := &intRange{f: f, lo: math.MinInt64, hi: math.MaxInt64}
		if lo {
			if !inclusive {
				d = math.Nextafter(d, math.Inf(1))
			}
			m.lo = saturate(math.Ceil(d))
		} else {
			if !inclusive {
				d = math.Nextafter(d, math.Inf(-1))
			}
			m.hi = saturate(math.Floor(d))
		}
		return m
	case f.isInteger():
		return intRangeOf(f, text, lo, inclusive)
	}
	m := &floatRange{f: f}
	b := bound{set: true, inclusive: inclusive}
	if f.Type != mapping.Double {
		v = float64(float32(v))
	}
	if lo {
		m.r.lo, m.r.loB = v, b
	} else {
		m.r.hi, m.r.hiB = v, b
	}
	return m
}

// intRangeOf turns a bound on an integer field into an inclusive range of
// keys, exactly (the bound is read as a rational number).
func intRangeOf(f *fieldMapping, text string, lo, inclusive bool) Visitor {
	r, ok := new(big.Rat).SetString(text)
	if !ok {
		return noneMatcher{}
	}
	// the inclusive integer bound: ceil for a lower bound, floor for an
	// upper one; an exclusive integral bound moves by one
	n := new(big.Int).Quo(r.Num(), r.Denom()) // truncated toward zero
	if r.IsInt() {
		if !inclusive && lo {
			n.Add(n, big.NewInt(1))
		} else if !inclusive {
			n.Sub(n, big.NewInt(1))
		}
	} else if lo && r.Sign() > 0 {
		n.Add(n, big.NewInt(1))
	} else if !lo && r.Sign() < 0 {
		n.Sub(n, big.NewInt(1))
	}
	lim := intLimits[f.Type]
	min := new(big.Int).Neg(new(big.Int).SetUint64(lim[0]))
	max := new(big.Int).SetUint64(lim[1])
	m := &intRange{f: f, lo: intKeyOf(f.Type, lim[0] != 0, lim[0]), hi: intKeyOf(f.Type, false, lim[1])}
	switch {
	case lo && n.Cmp(max) > 0, !lo && n.Cmp(min) < 0:
		return noneMatcher{}
	case lo && n.Cmp(min) < 0, !lo && n.Cmp(max) > 0:
		return m // the bound is beyond the type: no limit
	}
	k := intKeyOf(f.Type, n.Sign() < 0, new(big.Int).Abs(n).Uint64())
	if lo {
		m.lo = k
	} else {
		m.hi = k
	}
	return m
}

// boolRange matches booleans in a range where false is 0 and true is 1,
// as BooleanFieldType.rangeQuery orders them.
type boolRange struct {
	r numberRange
	f *fieldMapping // null_value, or nil
}

func (m *boolRange) Visit(x any) bool {
	b, ok := toBool(x)
	if !ok {
		return false
	}
	n := 0.0
	if b {
		n = 1
	}
	return m.r.in(n)
}

// why explains, for Explain, why Elasticsearch indexes no value of the
// field for x; "" when it indexes one.
func (m existsMatcher) why(x any) string {
	if m.f == nil {
		return ""
	}
	switch m.f.state(x) {
	case indexed:
		return ""
	case refused:
		return fmt.Sprintf("a %s field cannot index %s: Elasticsearch refuses the document", m.f.Type, describe(x))
	}
	switch {
	case isObject(x):
		return "an object with no non-null value indexes nothing"
	case familyOf(m.f.Type) == famKeyword:
		return fmt.Sprintf("a value longer than ignore_above %d is not indexed", m.f.IgnoreAbove)
	case x == "":
		return fmt.Sprintf("\"\" is null on a %s field: not indexed", m.f.Type)
	}
	return fmt.Sprintf("%s is malformed for a %s field and ignore_malformed skips it", describe(x), m.f.Type)
}

func describe(x any) string {
	switch x := x.(type) {
	case string:
		if len(x) > 40 {
			return fmt.Sprintf("%q...", x[:40])
		}
		return fmt.Sprintf("%q", x)
	case map[string]any, Map, Event:
		return "an object"
	}
	return fmt.Sprintf("%v", x)
}

// versionRange matches versions in a range in the order of
// VersionEncoder.encodeVersion (elasticsearch x-pack mapper-version):
// numeric parts compare as numbers, a pre-release sorts before its
// release, its numeric identifiers before alphanumeric ones; a string
// that is no legal version sorts after every legal one, as bytes.
type versionRange struct {
	lo, hi   []byte // encoded bounds
	loB, hiB bound
}

func newVersionRange(text string, lo bool, b bound) *versionRange {
	m := &versionRange{}
	enc := appendVersion(nil, text)
	if lo {
		m.lo, m.loB = enc, b
	} else {
		m.hi, m.hiB = enc, b
	}
	return m
}

func (m *versionRange) Visit(x any) bool {
	s, ok := x.(string)
	if !ok {
		return false
	}
	var buf [128]byte
	v := appendVersion(buf[:0], s)
	if m.loB.set {
		c := bytes.Compare(v, m.lo)
		if c < 0 || c == 0 && !m.loB.inclusive {
			return false
		}
	}
	if m.hiB.set {
		c := bytes.Compare(v, m.hi)
		if c > 0 || c == 0 && !m.hiB.inclusive {
			return false
		}
	}
	return true
}

// The marker bytes of VersionEncoder.
const (
	versionNumeric      = 0x01
	versionPrerelease   = 0x02
	versionNoPrerelease = 0x03
)

// appendVersion appends the encoding VersionEncoder.encodeVersion gives
// s, whose byte order is the version order.
func appendVersion(dst []byte, s string) []byte {
	main, build := s, ""
	if i := strings.IndexByte(s, '+'); i > 0 {
		main, build = s[:i], s[i:]
	}
	pre := ""
	if i := strings.IndexByte(main, '-'); i > 0 {
		main, pre = main[:i], main[i:]
	}
	if !legalVersion(main, pre, build) {
		if s == "" {
			return append(dst, versionNoPrerelease)
		}
		return append(dst, s...)
	}
	dst = appendDigitGroups(dst, main)
	if pre == "" {
		dst = append(dst, versionNoPrerelease)
	} else {
		dst = append(dst, versionPrerelease, '-')
		for rest, first := pre[1:], true; ; first = false {
			part, tail, more := strings.Cut(rest, ".")
			if !first {
				dst = append(dst, '.')
			}
			if allDigits(part) {
				dst = appendDigitGroups(dst, part)
			} else {
				dst = append(dst, part...)
			}
			if !more {
				break
			}
			rest = tail
		}
	}
	return append(dst, build...)
}

// appendDigitGroups writes each run of digits as 0x01, its length with
// the top bit set, and the digits, so that longer numbers sort higher.
func appendDigitGroups(dst []byte, s string) []byte {
	for i := 0; i < len(s); {
		if s[i] < '0' || s[i] > '9' {
			dst = append(dst, s[i])
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] >= '0' && s[j] <= '9' {
			j++
		}
		dst = append(dst, versionNumeric, byte((j-i)|0x80))
		dst = append(dst, s[i:j]...)
		i = j
	}
	return dst
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// legalVersion checks VersionEncoder's relaxed semver patterns: main
// (0|[1-9]\d*)(\.(0|[1-9]\d*))*, a pre-release of dot-separated
// identifiers (0, [1-9]\d*, or alphanumerics and '-' with a non-digit), a
// build of dot-separated [0-9a-zA-Z-]+, at most 32 identifiers each, and
// digit runs shorter than 128.
func legalVersion(main, pre, build string) bool {
	number := func(p string) bool {
		return p != "" && allDigits(p) && !(len(p) > 1 && p[0] == '0') && len(p) < 128
	}
	if !eachPart(main, number) {
		return false
	}
	if pre != "" && !eachPart(pre[1:], func(id string) bool {
		return id != "" && alnumDash(id) && (!allDigits(id) || number(id))
	}) {
		return false
	}
	return build == "" || eachPart(build[1:], func(id string) bool { return id != "" && alnumDash(id) })
}

// eachPart reports whether s has at most 32 dot-separated parts and ok
// holds for each.
func eachPart(s string, ok func(string) bool) bool {
	for n := 1; ; n++ {
		if n > 32 {
			return false
		}
		part, rest, more := strings.Cut(s, ".")
		if !ok(part) {
			return false
		}
		if !more {
			return true
		}
		s = rest
	}
}

func alnumDash(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-') {
			return false
		}
	}
	return true
}

// nullValuer is a Visitor for a field whose mapping may set null_value:
// nullValue returns the value Elasticsearch indexes in place of an
// explicit JSON null (FieldMapping.NullValue), or nil. The event walk
// asks for it only when it meets a null ([VisitNull]), so fields without
// a null_value, and values that are not null, pay nothing.
type nullValuer interface {
	nullValue() any
}

// VisitNull is what an [Event] implementation does with an explicit null
// value of the field it walks (a JSON null, alone or in an array): when v
// matches a field whose mapping sets null_value, v is passed that value,
// as FieldMapper.parse indexes it in place of the null (KeywordFieldMapper,
// NumberFieldMapper, DateFieldMapper... parseCreateField: "if (value ==
// null) value = nullValue"); otherwise the null is skipped. It reports
// whether v returned true. It does not allocate.
func VisitNull(v Visitor) bool {
	if n, ok := v.(nullValuer); ok {
		if x := n.nullValue(); x != nil {
			return v.Visit(x)
		}
	}
	return false
}

func (f *fieldMapping) nullValue() any {
	if f == nil {
		return nil
	}
	return f.NullValue
}

func (m *keywordMatcher) nullValue() any { return m.f.nullValue() }
func (m *intSet) nullValue() any         { return m.f.nullValue() }
func (m *intRange) nullValue() any       { return m.f.nullValue() }
func (m *floatSet) nullValue() any       { return m.f.nullValue() }
func (m *floatRange) nullValue() any     { return m.f.nullValue() }
func (m *stringRange) nullValue() any    { return m.f.nullValue() }
func (m existsMatcher) nullValue() any   { return m.f.nullValue() }
func (m *ipMatcher) nullValue() any      { return m.f.nullValue() }
func (m *ipRange) nullValue() any        { return m.f.nullValue() }
func (m *boolMatcher) nullValue() any    { return m.f.nullValue() }
func (m *boolRange) nullValue() any      { return m.f.nullValue() }

func (m *dateMatcher) nullValue() any {
	switch {
	case m.lo != nil:
		return m.lo.f.nullValue()
	case m.hi != nil:
		return m.hi.f.nullValue()
	}
	return nil
}

// nullValue of a combination is its members' (they test one field).
func (ms anyOf) nullValue() any { return firstNullValue(ms) }
func (ms allOf) nullValue() any { return firstNullValue(ms) }

// nullValue of Explain's recorder is that of the matcher it records.
func (r *recorder) nullValue() any {
	if n, ok := r.m.(nullValuer); ok {
		return n.nullValue()
	}
	return nil
}

func firstNullValue(ms []Visitor) any {
	for _, m := range ms {
		if n, ok := m.(nullValuer); ok {
			if x := n.nullValue(); x != nil {
				return x
			}
		}
	}
	return nil
}
