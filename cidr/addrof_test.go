package cidr

import (
	"testing"
)

var addrOfInputs = []string{
	"", "-", "%", "%eth0", "fe80::1%", "fe80::1%eth0", "10.1.2.3%1", "1.2.3", "1.2.3.4.5", "1.2.3.256",
	"010.0.0.1", "0.0.0.0", "255.255.255.255", "1..2.3", ".1.2.3", "1.2.3.", "abc", "1e400",
	"::", "::1", "1::", ":1::", "1:::2", "1::2::3", "fe80::1", "FE80::ABCD", "1:2:3:4:5:6:7:8",
	"1:2:3:4:5:6:7", "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6::7:8", "::ffff:10.1.2.3", "::ffff:10.1.2",
	"::10.1.2.3", "1.2.3.4::", "::1.2.3.4:5", "00001::", "0::00000", "10000::", "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8::", "12345::", "2001:db8::1 ", " ::1",
	"[::1]", "::g", "1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:7:1.2.3.4",
}

// TestAddrOf checks that AddrOf agrees with ParseAddr on every input.
func TestAddrOf(t *testing.T) {
	for _, s := range addrOfInputs {
		want, err := ParseAddr(s)
		got, ok := AddrOf(s)
		if ok != (err == nil) || got != want {
			t.Errorf("AddrOf(%q) = %v, %v; ParseAddr gives %v, %v", s, got, ok, want, err)
		}
	}
}

// TestAddrOfAllocs checks that AddrOf allocates nothing, on addresses and
// on text that is not one.
func TestAddrOfAllocs(t *testing.T) {
	for _, s := range addrOfInputs {
		if n := testing.AllocsPerRun(100, func() { AddrOf(s) }); n != 0 {
			t.Errorf("AddrOf(%q) allocates %v times", s, n)
		}
	}
}

// FuzzAddrOf checks that AddrOf and ParseAddr agree on any text.
func FuzzAddrOf(f *testing.F) {
	for _, s := range addrOfInputs {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		want, err := ParseAddr(s)
		got, ok := AddrOf(s)
		if ok != (err == nil) || got != want {
			t.Fatalf("AddrOf(%q) = %v, %v; ParseAddr gives %v, %v", s, got, ok, want, err)
		}
	})
}
