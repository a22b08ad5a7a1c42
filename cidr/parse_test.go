package cidr_test

import (
	"errors"
	"net/netip"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/cidr"
)

func TestParseAddr(t *testing.T) {
	tests := []struct {
		in      string
		want    string // netip's String of the result; "" when an error is expected
		wantErr string // substring of the error
	}{
		// IPv4.
		{in: "10.1.2.3", want: "10.1.2.3"},
		{in: "0.0.0.0", want: "0.0.0.0"},
		{in: "255.255.255.255", want: "255.255.255.255"},
		{in: "010.0.0.1", wantErr: "leading zero"},
		{in: "10.0.0.01", wantErr: "leading zero"},
		{in: "10.0.0.00", wantErr: "leading zero"},
		{in: "256.0.0.1", wantErr: `"256.0.0.1" is not a valid IP address`},
		{in: "10.0.0", wantErr: "is not a valid IP address"},
		{in: "10.0.0.1.2", wantErr: "is not a valid IP address"},
		{in: "10..0.1", wantErr: "is not a valid IP address"},
		{in: "1", wantErr: "no '.' or ':'"},
		{in: "0x0a.0.0.1", wantErr: "is not a valid IP address"},
		// IPv6, any hex case and spelling.
		{in: "::1", want: "::1"},
		{in: "0:0:0:0:0:0:0:1", want: "::1"},
		{in: "0000:0000:0000:0000:0000:0000:0000:0001", want: "::1"},
		{in: "::", want: "::"},
		{in: "FE80::1", want: "fe80::1"},
		{in: "fE80:0:0::aBcD", want: "fe80::abcd"},
		{in: "2001:DB8::", want: "2001:db8::"},
		{in: "1:2:3:4:5:6:7:8", want: "1:2:3:4:5:6:7:8"},
		{in: "1:2:3:4:5:6:7::", want: "1:2:3:4:5:6:7:0"},
		{in: "::2:3:4:5:6:7:8", want: "0:2:3:4:5:6:7:8"},
		{in: "1:2:3:4:5:6:7:8:9", wantErr: "is not a valid IP address"},
		{in: "1::2::3", wantErr: "is not a valid IP address"},
		{in: ":::", wantErr: "is not a valid IP address"},
		{in: ":1::", wantErr: "is not a valid IP address"},
		{in: "1::2:", wantErr: "is not a valid IP address"},
		{in: "g::1", wantErr: "is not a valid IP address"},
		// Elasticsearch accepts more than four digits when the extra ones are zeros.
		{in: "00001::", want: "1::"},
		{in: "::000000ffff", want: "::ffff"},
		{in: "10000::", wantErr: "is not a valid IP address"},
		{in: "1:00000:x::", wantErr: "is not a valid IP address"},
		// Embedded IPv4 and mapped addresses.
		{in: "::ffff:10.1.2.3", want: "10.1.2.3"},
		{in: "::FFFF:10.1.2.3", want: "10.1.2.3"},
		{in: "::ffff:a01:203", want: "10.1.2.3"},
		{in: "0:0:0:0:0:ffff:0a01:0203", want: "10.1.2.3"},
		{in: "::ffff:0:0", want: "0.0.0.0"},
		{in: "::10.1.2.3", want: "::a01:203"}, // IPv4-compatible stays IPv6
		{in: "64:ff9b::10.1.2.3", want: "64:ff9b::a01:203"},
		{in: "::ffff:010.1.2.3", wantErr: "leading zero"},
		{in: "10.1.2.3::", wantErr: "is not a valid IP address"},
		// Zones are dropped, from the first '%'.
		{in: "fe80::1%eth0", want: "fe80::1"},
		{in: "fe80::1%1", want: "fe80::1"},
		{in: "fe80::1%%", want: "fe80::1"},
		{in: "10.1.2.3%eth0", want: "10.1.2.3"},
		{in: "::ffff:10.1.2.3%eth0", want: "10.1.2.3"},
		{in: "fe80::1%", wantErr: "empty zone"},
		{in: "%eth0", wantErr: "no address before the zone"},
		// Not addresses at all.
		{in: "", wantErr: "empty string"},
		{in: " 10.1.2.3", wantErr: "white space"},
		{in: "10.1.2.3 ", wantErr: "white space"},
		{in: "10.0.0.0/8", wantErr: "prefix length is not allowed"},
		{in: "[::1]", wantErr: "brackets"},
		{in: "localhost", wantErr: "no '.' or ':'"},
		{in: "example.com", wantErr: "is not a valid IP address"},
		{in: "10.1.2.3:80", wantErr: "is not a valid IP address"},
		{in: "１.2.3.4", wantErr: "non-ASCII"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := cidr.ParseAddr(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParseAddr(%q) = %v, want error containing %q", tt.in, got, tt.wantErr)
				}
				checkParseError(t, err, tt.in, "IP address", tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("ParseAddr(%q): %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Errorf("ParseAddr(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if got.Is4In6() || got.Zone() != "" {
				t.Errorf("ParseAddr(%q) = %v: mapped or zoned", tt.in, got)
			}
		})
	}
}

// checkParseError checks that err is a *cidr.ParseError for input and kind
// whose message contains want.
func checkParseError(t *testing.T, err error, input, kind, want string) {
	t.Helper()
	var pe *cidr.ParseError
	if !errors.As(err, &pe) {
		t.Fatalf("error %v (%T) is not a *cidr.ParseError", err, err)
	}
	if pe.Input != input || pe.Kind != kind || pe.Msg == "" {
		t.Errorf("ParseError{Input: %q, Kind: %q, Msg: %q}, want input %q, kind %q", pe.Input, pe.Kind, pe.Msg, input, kind)
	}
	if !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not contain %q", err, want)
	}
}

func TestParseAddrEquivalentSpellings(t *testing.T) {
	groups := [][]string{
		{"::1", "0:0:0:0:0:0:0:1", "0000::0001", "::0:1"},
		{"10.1.2.3", "::ffff:10.1.2.3", "::ffff:a01:203", "0:0:0:0:0:FFFF:0A01:0203", "10.1.2.3%eth0"},
		{"fe80::1", "FE80::1", "fe80:0::1%lo", "fe80:0000:0000:0000:0000:0000:0000:0001"},
	}
	for _, g := range groups {
		first, err := cidr.ParseAddr(g[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range g[1:] {
			a, err := cidr.ParseAddr(s)
			if err != nil {
				t.Errorf("ParseAddr(%q): %v", s, err)
			} else if a != first {
				t.Errorf("ParseAddr(%q) = %v, want %v (as %q)", s, a, first, g[0])
			}
		}
	}
}

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		in      string
		want    string
		wantErr string
	}{
		{in: "10.0.0.0/8", want: "10.0.0.0/8"},
		{in: "10.1.2.3/8", want: "10.0.0.0/8"}, // host bits masked
		{in: "10.1.2.3/32", want: "10.1.2.3/32"},
		{in: "10.1.2.3/0", want: "0.0.0.0/0"},
		{in: "0.0.0.0/0", want: "0.0.0.0/0"},
		{in: "224.0.0.0/4", want: "224.0.0.0/4"},
		{in: "10.0.0.0/08", want: "10.0.0.0/8"}, // Integer.parseInt allows leading zeros
		{in: "10.0.0.0/+8", want: "10.0.0.0/8"},
		{in: "10.0.0.0/-0", want: "0.0.0.0/0"},
		{in: "FE80::/10", want: "fe80::/10"},
		{in: "fe80::1/10", want: "fe80::/10"},
		{in: "FE80::abcd/128", want: "fe80::abcd/128"},
		{in: "::/0", want: "::/0"},
		{in: "::1/128", want: "::1/128"},
		{in: "ff00::/8", want: "ff00::/8"},
		{in: "fe80::1%eth0/64", want: "fe80::/64"}, // zone dropped
		{in: "::fffe:0:0/95", want: "::fffe:0:0/95"},
		{in: "::10.0.0.0/104", want: "::a00:0/104"}, // IPv4-compatible is plain IPv6
		{in: "10.0.0.0/33", wantErr: "prefix length 33 is out of range"},
		{in: "::/129", wantErr: "prefix length 129 is out of range"},
		{in: "10.0.0.0/-1", wantErr: "prefix length -1 is out of range"},
		{in: "10.0.0.0/99999999999999999999", wantErr: "out of range"},
		{in: "10.0.0.0/", wantErr: `prefix length "" is not an integer`},
		{in: "10.0.0.0/8.0", wantErr: "is not an integer"},
		{in: "10.0.0.0/ 8", wantErr: "is not an integer"},
		{in: "10.0.0.0/+", wantErr: "is not an integer"},
		{in: "10.0.0.0/0x8", wantErr: "is not an integer"},
		{in: "10.0.0.0", wantErr: "there is no '/'"},
		{in: "10.0.0.0/8/", wantErr: "more than one '/'"},
		{in: "/8", wantErr: "empty string"},
		{in: "010.0.0.0/8", wantErr: "leading zero"},
		{in: "10.0.0.0%eth0/8", want: "10.0.0.0/8"},
		{in: "foo/8", wantErr: `address "foo"`},
		{in: "::ffff:0:0/96", wantErr: cidr.MappedCIDRReason},
		{in: "::ffff:10.0.0.0/104", wantErr: cidr.MappedCIDRReason},
		{in: "::FFFF:a00:0/8", wantErr: cidr.MappedCIDRReason},
		{in: "0:0:0:0:0:ffff:10.0.0.0/120", wantErr: "CIDR notation is not allowed with IPv6-mapped IPv4 address 0:0:0:0:0:ffff:10.0.0.0"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := cidr.ParsePrefix(tt.in)
			if tt.wantErr != "" {
				if err == nil {
					t.Fatalf("ParsePrefix(%q) = %v, want error containing %q", tt.in, got, tt.wantErr)
				}
				checkParseError(t, err, tt.in, "CIDR", tt.wantErr)
				return
			}
			if err != nil {
				t.Fatalf("ParsePrefix(%q): %v", tt.in, err)
			}
			if got.String() != tt.want {
				t.Errorf("ParsePrefix(%q) = %v, want %v", tt.in, got, tt.want)
			}
			if got != got.Masked() {
				t.Errorf("ParsePrefix(%q) = %v is not masked", tt.in, got)
			}
		})
	}
}

func TestParseAddrOrPrefix(t *testing.T) {
	tests := []struct {
		in, want, wantErr string
	}{
		{in: "::1", want: "::1/128"},
		{in: "0:0:0:0:0:0:0:1", want: "::1/128"},
		{in: "10.1.2.3", want: "10.1.2.3/32"},
		{in: "::ffff:10.1.2.3", want: "10.1.2.3/32"},
		{in: "fe80::1%eth0", want: "fe80::1/128"},
		{in: "10.0.0.0/8", want: "10.0.0.0/8"},
		{in: "10.9.9.9/8", want: "10.0.0.0/8"},
		{in: "FE80::/10", want: "fe80::/10"},
		{in: "10.0.0.0/33", wantErr: "out of range"},
		{in: "::ffff:0:0/96", wantErr: cidr.MappedCIDRReason},
		{in: "foo", wantErr: `"foo" is not a valid IP address`},
		{in: "foo/8", wantErr: `"foo/8" is not a valid CIDR`},
	}
	for _, tt := range tests {
		got, err := cidr.ParseAddrOrPrefix(tt.in)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParseAddrOrPrefix(%q) = %v, %v; want error containing %q", tt.in, got, err, tt.wantErr)
			}
			var pe *cidr.ParseError
			if !errors.As(err, &pe) {
				t.Errorf("ParseAddrOrPrefix(%q): error %T is not a *ParseError", tt.in, err)
			}
			continue
		}
		if err != nil || got.String() != tt.want {
			t.Errorf("ParseAddrOrPrefix(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

func TestParseAllocs(t *testing.T) {
	inputs := []string{"10.1.2.3", "::1", "2001:db8:85a3::8a2e:370:7334", "::ffff:10.1.2.3", "fe80::1%eth0", "FE80::ABCD"}
	for _, s := range inputs {
		if n := testing.AllocsPerRun(100, func() {
			if _, err := cidr.ParseAddr(s); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("ParseAddr(%q): %v allocs per run, want 0", s, n)
		}
	}
	for _, s := range []string{"10.1.2.3/8", "fe80::/10", "::1", "10.0.0.0/8"} {
		if n := testing.AllocsPerRun(100, func() {
			if _, err := cidr.ParseAddrOrPrefix(s); err != nil {
				t.Fatal(err)
			}
		}); n != 0 {
			t.Errorf("ParseAddrOrPrefix(%q): %v allocs per run, want 0", s, n)
		}
	}
}

// FuzzParseAddr checks that ParseAddr never panics, agrees with net/netip
// where both accept, accepts what net/netip accepts, and round-trips.
func FuzzParseAddr(f *testing.F) {
	for _, s := range []string{"10.1.2.3", "::1", "::ffff:10.1.2.3", "fe80::1%eth0", "010.0.0.1", "00001::", "1:2:3:4:5:6:7:8", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := cidr.ParseAddr(s)
		if err != nil {
			var pe *cidr.ParseError
			if !errors.As(err, &pe) || pe.Input != s || pe.Msg == "" {
				t.Fatalf("ParseAddr(%q): bad error %#v", s, err)
			}
		} else {
			if !a.IsValid() || a.Is4In6() || a.Zone() != "" {
				t.Fatalf("ParseAddr(%q) = %v: invalid, mapped or zoned", s, a)
			}
			if b, err := cidr.ParseAddr(a.String()); err != nil || b != a {
				t.Fatalf("ParseAddr(%q) = %v, but ParseAddr(%q) = %v, %v", s, a, a.String(), b, err)
			}
		}
		n, nerr := netip.ParseAddr(s)
		if nerr != nil {
			return
		}
		if err != nil {
			t.Fatalf("netip.ParseAddr(%q) = %v, but ParseAddr: %v", s, n, err)
		}
		if want := n.WithZone("").Unmap(); a != want {
			t.Fatalf("ParseAddr(%q) = %v, netip says %v", s, a, want)
		}
	})
}

// FuzzParsePrefix checks that ParsePrefix never panics, returns masked
// prefixes of a valid length, and agrees with net/netip where both accept.
func FuzzParsePrefix(f *testing.F) {
	for _, s := range []string{"10.0.0.0/8", "10.1.2.3/8", "FE80::/10", "::/0", "10.0.0.0/33", "::ffff:0:0/96", "10.0.0.0/08", "fe80::%1/64", "/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p, err := cidr.ParsePrefix(s)
		if err != nil {
			var pe *cidr.ParseError
			if !errors.As(err, &pe) || pe.Input != s || pe.Msg == "" {
				t.Fatalf("ParsePrefix(%q): bad error %#v", s, err)
			}
		} else {
			if !p.IsValid() || p != p.Masked() || p.Addr().Is4In6() || p.Addr().Zone() != "" {
				t.Fatalf("ParsePrefix(%q) = %v: invalid, unmasked, mapped or zoned", s, p)
			}
			if q, err := cidr.ParsePrefix(p.String()); err != nil || q != p {
				t.Fatalf("ParsePrefix(%q) = %v, but ParsePrefix(%q) = %v, %v", s, p, p.String(), q, err)
			}
		}
		n, nerr := netip.ParsePrefix(s)
		if nerr != nil || n.Addr().Is4In6() {
			return
		}
		if err != nil {
			t.Fatalf("netip.ParsePrefix(%q) = %v, but ParsePrefix: %v", s, n, err)
		}
		if p != n.Masked() {
			t.Fatalf("ParsePrefix(%q) = %v, netip says %v", s, p, n.Masked())
		}
	})
}
