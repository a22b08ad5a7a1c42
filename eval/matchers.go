package eval

import (
	"encoding/json"
	"net/netip"
	"strings"

	"github.com/kqlrules/kqlrules/cidr"
)

// The value matchers: each one is a Visitor that reports whether one event
// value satisfies a leaf of the query. They are built once by Compile and
// never change, so a Program can share them between goroutines.

// glob is a compiled '*' pattern: the literal pieces between the stars
// (at least two).
type glob struct{ parts []string }

func (g *glob) match(s string) bool { return MatchWildcard(g.parts, s) }

// MatchWildcard reports whether s matches the KQL wildcard whose literal
// pieces between the '*'s are parts ("a*b*c" is ["a", "b", "c"], as in
// [ast.Literal].Parts): the whole of s must match, and '*' stands for any
// run of bytes, empty included. One piece is an exact comparison.
// Matching is linear in s: the first piece must be a prefix, the last a
// suffix, and the pieces between are found left to right, each at its
// leftmost place, which is enough for '*'-only patterns.
func MatchWildcard(parts []string, s string) bool {
	if len(parts) == 0 {
		return s == ""
	}
	if len(parts) == 1 {
		return s == parts[0]
	}
	first, last := parts[0], parts[len(parts)-1]
	if len(s) < len(first)+len(last) || !strings.HasPrefix(s, first) || !strings.HasSuffix(s, last) {
		return false
	}
	s = s[len(first) : len(s)-len(last)]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return true
}

func (g *glob) String() string { return strings.Join(g.parts, "*") }

// smallSet is the size up to which a slice beats a map for string sets.
const smallSet = 8

// keywordMatcher matches keyword-family values: exact strings (a slice
// when few, a map when many) and '*' patterns. A non-string event value
// is compared through its text form.
type keywordMatcher struct {
	small []string
	set   map[string]struct{}
	globs []*glob
}

func newKeywordMatcher(exact []string, globs []*glob) *keywordMatcher {
	m := &keywordMatcher{globs: globs}
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
		return m.matchString(s)
	}
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

// numberMatcher matches numeric values equal to one of vals.
type numberMatcher struct {
	integer bool
	vals    []float64
	set     map[float64]struct{}
}

func newNumberMatcher(integer bool, vals []float64) *numberMatcher {
	m := &numberMatcher{integer: integer}
	if len(vals) > smallSet {
		m.set = make(map[float64]struct{}, len(vals))
		for _, v := range vals {
			m.set[v] = struct{}{}
		}
	} else {
		m.vals = vals
	}
	return m
}

func (m *numberMatcher) Visit(x any) bool {
	f, ok := toNumber(x, m.integer)
	if !ok {
		return false
	}
	for _, v := range m.vals {
		if f == v {
			return true
		}
	}
	if m.set != nil {
		_, ok := m.set[f]
		return ok
	}
	return false
}

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
type ipMatcher struct{ set *cidr.Set }

func (m *ipMatcher) Visit(x any) bool {
	a, ok := toAddr(x)
	return ok && m.set.Contains(a)
}

// ipRange matches addresses in a range, ordered as Elasticsearch orders
// them: as 16-byte IPv6 addresses, IPv4 being IPv4-mapped.
type ipRange struct {
	lo, hi   [16]byte
	loB, hiB bound
}

func (m *ipRange) Visit(x any) bool {
	a, ok := toAddr(x)
	return ok && m.in(a)
}

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
type boolMatcher struct{ want bool }

func (m *boolMatcher) Visit(x any) bool {
	b, ok := toBool(x)
	return ok && b == m.want
}

// stringRange matches text in a byte-order range (keyword ranges).
type stringRange struct {
	lo, hi   string
	loB, hiB bound
}

func (m *stringRange) Visit(x any) bool {
	if s, ok := x.(string); ok {
		return m.in(s)
	}
	var buf [64]byte
	b, ok := appendText(buf[:0], x)
	return ok && m.in(string(b))
}

func (m *stringRange) in(s string) bool {
	if m.loB.set && (s < m.lo || !m.loB.inclusive && s == m.lo) {
		return false
	}
	if m.hiB.set && (s > m.hi || !m.hiB.inclusive && s == m.hi) {
		return false
	}
	return true
}

// existsMatcher matches any non-null value (an object counts when it is
// not empty).
type existsMatcher struct{}

func (existsMatcher) Visit(x any) bool {
	switch x := x.(type) {
	case nil:
		return false
	case map[string]any:
		return len(x) > 0
	}
	return true
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
		if m.ips != nil {
			if a, ok := toAddr(v); ok {
				return m.ips.Contains(a)
			}
		}
		return m.matchText(v)
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
