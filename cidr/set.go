package cidr

import (
	"cmp"
	"encoding/binary"
	"math/bits"
	"net/netip"
	"slices"
	"strings"
)

// u128 is an address in Elasticsearch's single 128-bit space: IPv4
// addresses are IPv4-mapped (::ffff:a.b.c.d).
type u128 struct{ hi, lo uint64 }

var (
	maxU128    = u128{^uint64(0), ^uint64(0)}
	mappedLow  = u128{0, 0xffff << 32}
	mappedHigh = u128{0, 0xffff<<32 | 0xffffffff}
)

// u128Of returns a in the 128-bit space; a zone is ignored.
func u128Of(a netip.Addr) u128 {
	b := a.As16()
	return u128{binary.BigEndian.Uint64(b[:8]), binary.BigEndian.Uint64(b[8:])}
}

func (u u128) cmp(v u128) int {
	if c := cmp.Compare(u.hi, v.hi); c != 0 {
		return c
	}
	return cmp.Compare(u.lo, v.lo)
}

func (u u128) plus1() u128 {
	lo, carry := bits.Add64(u.lo, 1, 0)
	return u128{u.hi + carry, lo}
}

func (u u128) trailingZeros() int {
	if u.lo != 0 {
		return bits.TrailingZeros64(u.lo)
	}
	return 64 + bits.TrailingZeros64(u.hi)
}

// hostMask has ones in the 128-n low (host) bits of a /n prefix.
func hostMask(n int) u128 {
	h := uint(128 - n)
	if h >= 64 {
		return u128{(uint64(1) << (h - 64)) - 1, ^uint64(0)}
	}
	return u128{0, (uint64(1) << h) - 1}
}

// bits128 returns the prefix length of p in the 128-bit space (an IPv4 /n is
// a /n+96 of the mapped block).
func bits128(p netip.Prefix) int {
	if p.Addr().Is4() {
		return p.Bits() + 96
	}
	return p.Bits()
}

// Contains reports whether the address a is in the block p, as an
// Elasticsearch prefix query on an ip field decides it.
//
// Unlike [netip.Prefix.Contains], it compares in Elasticsearch's single
// 128-bit space where an IPv4 address and its IPv4-mapped IPv6 form are one
// value:
//
//   - ::ffff:10.1.2.3 is in 10.0.0.0/8, and 10.1.2.3 is in ::ffff:0:0/96;
//   - an IPv6 prefix that covers the mapped block contains IPv4 addresses
//     (::/0 contains 10.1.2.3), while an IPv4 prefix never contains an IPv6
//     address that is not IPv4-mapped (0.0.0.0/0 does not contain ::1);
//   - a zone on a is ignored (netip.Prefix.Contains says false);
//   - host bits set in p are ignored, as if p were p.Masked().
//
// An invalid p or a (the zero values) gives false. Contains does not
// allocate.
func Contains(p netip.Prefix, a netip.Addr) bool {
	if !p.IsValid() || !a.IsValid() {
		return false
	}
	m := hostMask(bits128(p))
	x, y := u128Of(a), u128Of(p.Addr())
	return (x.hi^y.hi)&^m.hi == 0 && (x.lo^y.lo)&^m.lo == 0
}

// range32 is an inclusive range of IPv4 addresses.
type range32 struct{ first, last uint32 }

// range128 is an inclusive range of the 128-bit space.
type range128 struct{ first, last u128 }

// Set is an immutable set of IPv4 and IPv6 prefixes with fast membership
// tests. Build it once with [NewSet]; after that all its methods are safe
// for concurrent use. A nil *Set is the empty set.
//
// Internally the prefixes are merged into sorted, disjoint ranges of the
// 128-bit space, and a copy of the part that lies in the IPv4-mapped block
// is kept as 32-bit ranges, so that [Set.Contains] is a binary search over
// 32-bit integers for IPv4 addresses and over 128-bit ones for IPv6.
type Set struct {
	v4       []range32  // IPv4 (and IPv4-mapped) addresses covered
	v6       []range128 // the whole set in the 128-bit space
	prefixes []netip.Prefix
}

// NewSet returns the set of addresses contained, in the sense of
// [Contains], in any of prefixes. Overlapping and adjacent prefixes are
// merged; host bits are ignored; invalid prefixes (the zero netip.Prefix)
// contain nothing and are skipped. Building costs O(n log n) for n prefixes.
func NewSet(prefixes ...netip.Prefix) *Set {
	rs := make([]range128, 0, len(prefixes))
	for _, p := range prefixes {
		if !p.IsValid() {
			continue
		}
		m := hostMask(bits128(p))
		a := u128Of(p.Addr())
		first := u128{a.hi &^ m.hi, a.lo &^ m.lo}
		rs = append(rs, range128{first, u128{first.hi | m.hi, first.lo | m.lo}})
	}
	slices.SortFunc(rs, func(a, b range128) int { return a.first.cmp(b.first) })
	merged := rs[:0]
	for _, r := range rs {
		if n := len(merged); n > 0 {
			last := &merged[n-1]
			if last.last == maxU128 || r.first.cmp(last.last.plus1()) <= 0 {
				if r.last.cmp(last.last) > 0 {
					last.last = r.last
				}
				continue
			}
		}
		merged = append(merged, r)
	}
	s := &Set{v6: slices.Clip(merged)}
	for _, r := range s.v6 {
		if r.last.cmp(mappedLow) < 0 || r.first.cmp(mappedHigh) > 0 {
			continue
		}
		first, last := r.first, r.last
		if first.cmp(mappedLow) < 0 {
			first = mappedLow
		}
		if last.cmp(mappedHigh) > 0 {
			last = mappedHigh
		}
		s.v4 = append(s.v4, range32{uint32(first.lo), uint32(last.lo)})
	}
	s.prefixes = s.canonical()
	return s
}

// canonical splits the merged ranges into the fewest prefixes: IPv4 ones
// for blocks inside the IPv4-mapped block, first, then IPv6 ones.
func (s *Set) canonical() []netip.Prefix {
	var v4, v6 []netip.Prefix
	for _, r := range s.v6 {
		first := r.first
		for {
			n := 128 - min(first.trailingZeros(), 128)
			var m u128
			for {
				m = hostMask(n)
				if (u128{first.hi | m.hi, first.lo | m.lo}).cmp(r.last) <= 0 {
					break
				}
				n++
			}
			last := u128{first.hi | m.hi, first.lo | m.lo}
			if first.hi == 0 && first.lo>>32 == 0xffff && n >= 96 {
				var b [4]byte
				binary.BigEndian.PutUint32(b[:], uint32(first.lo))
				v4 = append(v4, netip.PrefixFrom(netip.AddrFrom4(b), n-96))
			} else {
				var b [16]byte
				binary.BigEndian.PutUint64(b[:8], first.hi)
				binary.BigEndian.PutUint64(b[8:], first.lo)
				v6 = append(v6, netip.PrefixFrom(netip.AddrFrom16(b), n))
			}
			if last == r.last {
				break
			}
			first = last.plus1()
		}
	}
	return append(v4, v6...)
}

// Contains reports whether a is in one of the set's prefixes, with the
// semantics of [Contains]: an IPv4-mapped address is its IPv4 address, a
// zone is ignored, the invalid (zero) address is in no set, and nothing is
// in a nil or empty set. It runs in O(log n) time for n merged ranges,
// does not allocate, and is safe for concurrent use.
func (s *Set) Contains(a netip.Addr) bool {
	if s == nil {
		return false
	}
	var x uint32
	switch {
	case a.Is4():
		b := a.As4()
		x = binary.BigEndian.Uint32(b[:])
	case a.Is4In6():
		b := a.As16()
		x = binary.BigEndian.Uint32(b[12:])
	default:
		return s.contains6(a)
	}
	return s.contains4(x)
}

// contains4 reports whether the IPv4 address x is in the set.
func (s *Set) contains4(x uint32) bool {
	rs := s.v4
	// Find the first range whose last address is >= x.
	lo, hi := 0, len(rs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		if rs[mid].last < x {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo < len(rs) && rs[lo].first <= x
}

// contains6 reports whether a, an IPv6 address that is not IPv4-mapped, is
// in the set.
func (s *Set) contains6(a netip.Addr) bool {
	if !a.IsValid() {
		return false
	}
	x := u128Of(a)
	rs := s.v6
	lo, hi := 0, len(rs)
	for lo < hi {
		mid := int(uint(lo+hi) >> 1)
		l := rs[mid].last
		if l.hi < x.hi || l.hi == x.hi && l.lo < x.lo {
			lo = mid + 1
		} else {
			hi = mid
		}
	}
	return lo < len(rs) && rs[lo].first.cmp(x) <= 0
}

// Len returns the number of prefixes in [Set.Prefixes].
func (s *Set) Len() int {
	if s == nil {
		return 0
	}
	return len(s.prefixes)
}

// Prefixes returns the fewest prefixes that cover exactly the set's
// addresses: overlapping and adjacent prefixes merged, blocks inside the
// IPv4-mapped block written as IPv4 prefixes, the IPv4 ones first, each
// family in address order. The result is a new slice the caller may keep.
func (s *Set) Prefixes() []netip.Prefix {
	if s == nil {
		return nil
	}
	return slices.Clone(s.prefixes)
}

// String returns the prefixes of [Set.Prefixes] in brackets, separated by
// spaces, as fmt prints a slice: "[10.0.0.0/8 ::1/128]".
func (s *Set) String() string {
	var b strings.Builder
	b.WriteByte('[')
	for i, p := range s.Prefixes() {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(p.String())
	}
	b.WriteByte(']')
	return b.String()
}
