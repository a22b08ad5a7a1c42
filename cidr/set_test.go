package cidr_test

import (
	"encoding/binary"
	"flag"
	"fmt"
	"math/rand/v2"
	"net/netip"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/kqlrules/kqlrules/cidr"
)

// ftp is the FTP rule's list of internal and special addresses.
var ftp = []string{
	"10.0.0.0/8", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12", "192.168.0.0/16",
	"224.0.0.0/4", "::1/128", "fe80::/10", "ff00::/8",
}

func mustPrefixes(t testing.TB, ss ...string) []netip.Prefix {
	t.Helper()
	ps := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		p, err := cidr.ParseAddrOrPrefix(s)
		if err != nil {
			t.Fatal(err)
		}
		ps[i] = p
	}
	return ps
}

// raw builds an address with netip alone, keeping mapped forms and zones.
func raw(s string) netip.Addr { return netip.MustParseAddr(s) }

func TestContains(t *testing.T) {
	tests := []struct {
		prefix string // netip syntax, so that mapped prefixes can be built
		addr   string // netip syntax, so that mapped and zoned addresses stay so
		want   bool
	}{
		{"10.0.0.0/8", "10.1.2.3", true},
		{"10.0.0.0/8", "::ffff:10.1.2.3", true}, // netip.Prefix.Contains says false
		{"10.0.0.0/8", "11.0.0.0", false},
		{"10.0.0.0/8", "9.255.255.255", false},
		{"10.0.0.0/8", "10.255.255.255", true},
		{"10.0.0.0/8", "::a01:203", false}, // IPv4-compatible is not IPv4
		{"224.0.0.0/4", "223.255.255.255", false},
		{"224.0.0.0/4", "224.0.0.0", true},
		{"224.0.0.0/4", "239.255.255.255", true},
		{"224.0.0.0/4", "240.0.0.0", false},
		{"fe80::/10", "fe80::1", true},
		{"fe80::/10", "FE80::1", true},
		{"fe80::/10", "febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", true},
		{"fe80::/10", "fec0::", false},
		{"fe80::/10", "fe00::1", false},
		{"fe80::/10", "fe80::1%eth0", true}, // zone ignored; netip says false
		{"::1/128", "0:0:0:0:0:0:0:1", true},
		{"::1/128", "::2", false},
		{"::1/128", "127.0.0.1", false},
		{"0.0.0.0/0", "1.2.3.4", true},
		{"0.0.0.0/0", "::ffff:1.2.3.4", true},
		{"0.0.0.0/0", "::1", false},
		{"0.0.0.0/0", "::", false},
		{"::/0", "::1", true},
		{"::/0", "10.1.2.3", true}, // Elasticsearch: IPv4 is ::ffff:a.b.c.d
		{"::ffff:0:0/96", "10.1.2.3", true},
		{"::ffff:10.0.0.0/104", "10.1.2.3", true},
		{"::ffff:10.0.0.0/104", "11.1.2.3", false},
		{"::/96", "10.1.2.3", false},
		{"10.1.2.3/8", "10.9.9.9", true}, // host bits ignored
		{"10.1.2.3/32", "10.1.2.3", true},
		{"10.1.2.3/32", "10.1.2.4", false},
	}
	for _, tt := range tests {
		p := netip.MustParsePrefix(tt.prefix)
		a := raw(tt.addr)
		if got := cidr.Contains(p, a); got != tt.want {
			t.Errorf("Contains(%v, %v) = %v, want %v", p, a, got, tt.want)
		}
		if got := cidr.NewSet(p).Contains(a); got != tt.want {
			t.Errorf("NewSet(%v).Contains(%v) = %v, want %v", p, a, got, tt.want)
		}
	}
	if cidr.Contains(netip.Prefix{}, raw("1.2.3.4")) || cidr.Contains(netip.MustParsePrefix("::/0"), netip.Addr{}) {
		t.Error("Contains with a zero value is true")
	}
}

func TestSet(t *testing.T) {
	s := cidr.NewSet(mustPrefixes(t, ftp...)...)
	in := []string{
		"10.0.0.0", "10.255.255.255", "::ffff:10.1.2.3", "127.0.0.1", "169.254.1.1", "172.16.0.0", "172.31.255.255",
		"192.168.1.1", "224.0.0.0", "239.255.255.255", "::1", "0:0:0:0:0:0:0:1", "fe80::1", "fe80::1%eth0", "FEBF::1", "ff02::1",
	}
	out := []string{
		"9.255.255.255", "11.0.0.0", "8.8.8.8", "172.15.255.255", "172.32.0.0", "192.167.255.255", "223.255.255.255",
		"240.0.0.0", "255.255.255.255", "0.0.0.0", "::", "::2", "::a00:1", "fe00::1", "fec0::", "2001:db8::1", "feff::1",
	}
	for _, x := range in {
		if !s.Contains(raw(x)) {
			t.Errorf("FTP set does not contain %s", x)
		}
	}
	for _, x := range out {
		if s.Contains(raw(x)) {
			t.Errorf("FTP set contains %s", x)
		}
	}
	if s.Contains(netip.Addr{}) {
		t.Error("FTP set contains the zero Addr")
	}
	wantStr := "[10.0.0.0/8 127.0.0.0/8 169.254.0.0/16 172.16.0.0/12 192.168.0.0/16 224.0.0.0/4 ::1/128 fe80::/10 ff00::/8]"
	if got := s.String(); got != wantStr {
		t.Errorf("String() = %s, want %s", got, wantStr)
	}
	if s.Len() != 9 {
		t.Errorf("Len() = %d, want 9", s.Len())
	}

	var nilSet *cidr.Set
	for _, e := range []*cidr.Set{nilSet, cidr.NewSet(), cidr.NewSet(netip.Prefix{})} {
		if e.Contains(raw("10.1.2.3")) || e.Contains(raw("::1")) || e.Len() != 0 || len(e.Prefixes()) != 0 || e.String() != "[]" {
			t.Errorf("empty set %v is not empty", e)
		}
	}
}

func TestSetPrefixes(t *testing.T) {
	tests := []struct {
		in   []string // netip prefix syntax
		want []string
	}{
		{[]string{"10.0.0.0/9", "10.128.0.0/9"}, []string{"10.0.0.0/8"}},
		{[]string{"10.1.2.3/8", "10.0.0.0/16", "10.0.0.0/8"}, []string{"10.0.0.0/8"}},
		{[]string{"10.0.0.0/8", "::ffff:10.0.0.0/104"}, []string{"10.0.0.0/8"}},
		{[]string{"::ffff:0:0/96"}, []string{"0.0.0.0/0"}},
		{[]string{"0.0.0.0/0", "::/0"}, []string{"::/0"}},
		{[]string{"::/80"}, []string{"::/80"}},
		{[]string{"10.0.0.1/32", "10.0.0.2/32"}, []string{"10.0.0.1/32", "10.0.0.2/32"}},
		{[]string{"10.0.0.1/32", "10.0.0.2/32", "10.0.0.3/32", "10.0.0.4/32"}, []string{"10.0.0.1/32", "10.0.0.2/31", "10.0.0.4/32"}},
		{[]string{"255.255.255.255/32", "::1:0:0:0/128"}, []string{"255.255.255.255/32", "::1:0:0:0/128"}},
		{[]string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/128"}, []string{"ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe/127"}},
		{[]string{"::ffff:0.0.0.0/95"}, []string{"::fffe:0:0/95"}},
		{[]string{"ff00::/8", "::1/128", "1.2.3.4/32"}, []string{"1.2.3.4/32", "::1/128", "ff00::/8"}},
	}
	for _, tt := range tests {
		var ps []netip.Prefix
		for _, s := range tt.in {
			ps = append(ps, netip.MustParsePrefix(s))
		}
		var got []string
		for _, p := range cidr.NewSet(ps...).Prefixes() {
			got = append(got, p.String())
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("NewSet(%v).Prefixes() (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestSetContainsAllocs(t *testing.T) {
	small := cidr.NewSet(mustPrefixes(t, ftp...)...)
	large := cidr.NewSet(randomPrefixes(rand.New(rand.NewPCG(1, 2)), 10000)...)
	addrs := []netip.Addr{raw("10.1.2.3"), raw("::ffff:10.1.2.3"), raw("fe80::1"), raw("8.8.8.8"), raw("2001:db8::1"), raw("fe80::1%eth0")}
	for _, s := range []*cidr.Set{small, large} {
		for _, a := range addrs {
			if n := testing.AllocsPerRun(100, func() { s.Contains(a) }); n != 0 {
				t.Errorf("Set.Contains(%v): %v allocs per run, want 0", a, n)
			}
		}
	}
	p := netip.MustParsePrefix("10.0.0.0/8")
	if n := testing.AllocsPerRun(100, func() { cidr.Contains(p, addrs[1]) }); n != 0 {
		t.Errorf("Contains: %v allocs per run, want 0", n)
	}
}

// TestSetConcurrent runs concurrent readers; with -race it checks that
// Contains only reads.
func TestSetConcurrent(t *testing.T) {
	s := cidr.NewSet(mustPrefixes(t, ftp...)...)
	done := make(chan bool)
	for range 4 {
		go func() {
			ok := s.Contains(raw("10.1.2.3")) && !s.Contains(raw("8.8.8.8")) && s.Len() == 9
			done <- ok
		}()
	}
	for range 4 {
		if !<-done {
			t.Error("concurrent Contains gave a wrong answer")
		}
	}
}

var seedFlag = flag.Int64("cidr.seed", 0, "seed for the gopter properties (0: time)")

// linear is the baseline: Contains over every prefix.
func linear(ps []netip.Prefix, a netip.Addr) bool {
	for _, p := range ps {
		if cidr.Contains(p, a) {
			return true
		}
	}
	return false
}

func addr4(x uint32) netip.Addr {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], x)
	return netip.AddrFrom4(b)
}

func addr16(hi, lo uint64) netip.Addr {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], hi)
	binary.BigEndian.PutUint64(b[8:], lo)
	return netip.AddrFrom16(b)
}

// genAddr generates IPv4, IPv4-mapped, IPv6 and low IPv6 addresses (near
// the mapped and IPv4-compatible blocks).
func genAddr() gopter.Gen {
	return gen.OneGenOf(
		gen.UInt32().Map(addr4),
		gen.UInt32().Map(func(x uint32) netip.Addr { return netip.AddrFrom16(addr4(x).As16()) }),
		gopter.CombineGens(gen.UInt64(), gen.UInt64()).Map(func(v []any) netip.Addr {
			return addr16(v[0].(uint64), v[1].(uint64))
		}),
		gen.UInt64().Map(func(lo uint64) netip.Addr { return addr16(0, lo) }),
		gen.UInt32().Map(func(x uint32) netip.Addr { return addr16(0, 0xfffe<<32|uint64(x)) }),
	)
}

// genPrefix generates prefixes of any length on those addresses, host bits
// left set.
func genPrefix() gopter.Gen {
	return gopter.CombineGens(genAddr(), gen.IntRange(0, 128)).Map(func(v []any) netip.Prefix {
		a := v[0].(netip.Addr)
		return netip.PrefixFrom(a, v[1].(int)%(a.BitLen()+1))
	})
}

// lastAddr is the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Masked().Addr().AsSlice()
	for i := p.Bits(); i < len(b)*8; i++ {
		b[i/8] |= 1 << (7 - i%8)
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// probes returns addrs plus, for each prefix, its first and last addresses,
// their neighbours, and the mapped forms of all IPv4 ones.
func probes(ps []netip.Prefix, addrs []netip.Addr) []netip.Addr {
	out := append([]netip.Addr(nil), addrs...)
	for _, p := range ps {
		first, last := p.Masked().Addr(), lastAddr(p)
		out = append(out, first, last, first.Prev(), last.Next())
	}
	for _, a := range out {
		if a.Is4() {
			out = append(out, netip.AddrFrom16(a.As16()))
		}
	}
	return out
}

func TestSetProperties(t *testing.T) {
	seed := *seedFlag
	if seed == 0 {
		seed = time.Now().UnixNano()
	}
	defer func() {
		if t.Failed() {
			t.Logf("gopter seed %d; rerun with: go test ./cidr -run TestSetProperties -cidr.seed=%d", seed, seed)
		}
	}()
	params := gopter.DefaultTestParametersWithSeed(seed)
	params.MinSuccessfulTests = 300
	props := gopter.NewProperties(params)

	props.Property("Set.Contains agrees with a linear scan of Contains", prop.ForAll(
		func(ps []netip.Prefix, addrs []netip.Addr) string {
			s := cidr.NewSet(ps...)
			for _, a := range probes(ps, addrs) {
				if got, want := s.Contains(a), linear(ps, a); got != want {
					return fmt.Sprintf("Contains(%v) = %v, linear scan says %v; set %v", a, got, want, s)
				}
			}
			return ""
		},
		gen.SliceOf(genPrefix()), gen.SliceOf(genAddr()),
	))

	props.Property("Prefixes covers the same addresses, minimally and stably", prop.ForAll(
		func(ps []netip.Prefix, addrs []netip.Addr) string {
			s := cidr.NewSet(ps...)
			canon := s.Prefixes()
			again := cidr.NewSet(canon...)
			if diff := cmp.Diff(canon, again.Prefixes(), cmp.Comparer(func(a, b netip.Prefix) bool { return a == b })); diff != "" {
				return "Prefixes not stable:\n" + diff
			}
			for i, p := range canon {
				if p != p.Masked() || p.Addr().Is4In6() {
					return fmt.Sprintf("prefix %v not canonical", p)
				}
				for _, q := range canon[i+1:] {
					if p.Overlaps(q) {
						return fmt.Sprintf("prefixes %v and %v overlap", p, q)
					}
				}
			}
			for _, a := range probes(ps, addrs) {
				if s.Contains(a) != linear(canon, a) {
					return fmt.Sprintf("Prefixes() disagrees with Contains(%v)", a)
				}
			}
			return ""
		},
		gen.SliceOf(genPrefix()), gen.SliceOf(genAddr()),
	))

	props.Property("Contains agrees with netip.Prefix.Contains within one family", prop.ForAll(
		func(p netip.Prefix, a netip.Addr) bool {
			if p.Addr().Is4In6() || a.Is4In6() || p.Addr().Is4() != a.Is4() {
				return true
			}
			return cidr.Contains(p, a) == p.Contains(a)
		},
		genPrefix(), genAddr(),
	))

	props.Property("an address and its mapped form are one value", prop.ForAll(
		func(ps []netip.Prefix, x uint32) bool {
			s := cidr.NewSet(ps...)
			a := addr4(x)
			return s.Contains(a) == s.Contains(netip.AddrFrom16(a.As16()))
		},
		gen.SliceOf(genPrefix()), gen.UInt32(),
	))

	props.TestingRun(t)
}

// randomPrefixes returns n prefixes shaped like a threat-intelligence list:
// mostly IPv4 hosts and /24-ish networks, some IPv6 networks and hosts.
func randomPrefixes(r *rand.Rand, n int) []netip.Prefix {
	ps := make([]netip.Prefix, n)
	for i := range ps {
		if r.IntN(5) < 4 {
			bits := 32
			if r.IntN(3) == 0 {
				bits = 16 + r.IntN(16)
			}
			ps[i] = netip.PrefixFrom(addr4(r.Uint32()), bits).Masked()
		} else {
			bits := 128
			if r.IntN(2) == 0 {
				bits = 32 + r.IntN(96)
			}
			ps[i] = netip.PrefixFrom(addr16(0x2000<<48|r.Uint64()>>4, r.Uint64()), bits).Masked()
		}
	}
	return ps
}

// benchAddrs returns a mix of addresses: hits and misses, IPv4, mapped and
// IPv6, some taken from inside ps.
func benchAddrs(r *rand.Rand, ps []netip.Prefix) []netip.Addr {
	addrs := make([]netip.Addr, 1024)
	for i := range addrs {
		switch r.IntN(4) {
		case 0:
			addrs[i] = ps[r.IntN(len(ps))].Addr()
		case 1:
			addrs[i] = addr4(r.Uint32())
		case 2:
			addrs[i] = netip.AddrFrom16(addr4(r.Uint32()).As16())
		default:
			addrs[i] = addr16(0x2000<<48|r.Uint64()>>4, r.Uint64())
		}
	}
	return addrs
}

var sink bool

// BenchmarkSetContains compares Set.Contains with a linear scan of Contains
// over the same prefixes and addresses, at the FTP rule's 9 prefixes and at
// 100,000 random ones.
func BenchmarkSetContains(b *testing.B) {
	r := rand.New(rand.NewPCG(7, 11))
	cases := []struct {
		name string
		ps   []netip.Prefix
	}{
		{"ftp9", mustPrefixes(b, ftp...)},
		{"random100000", randomPrefixes(r, 100000)},
	}
	for _, c := range cases {
		s := cidr.NewSet(c.ps...)
		addrs := benchAddrs(r, c.ps)
		b.Run(c.name+"/set", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				sink = s.Contains(addrs[i&1023])
			}
		})
		b.Run(c.name+"/linear", func(b *testing.B) {
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				sink = linear(c.ps, addrs[i&1023])
			}
		})
	}
}

// BenchmarkParseAddr measures the event-value path: ParseAddr against
// netip.ParseAddr on the same text.
func BenchmarkParseAddr(b *testing.B) {
	for _, s := range []string{"10.1.2.3", "::ffff:10.1.2.3", "2001:db8:85a3::8a2e:370:7334"} {
		b.Run(s+"/cidr", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a, _ := cidr.ParseAddr(s)
				sink = a.IsValid()
			}
		})
		b.Run(s+"/netip", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				a, _ := netip.ParseAddr(s)
				sink = a.IsValid()
			}
		})
	}
}
