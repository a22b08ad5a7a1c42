package cidr_test

import (
	"fmt"
	"net/netip"

	"github.com/kqlrules/kqlrules/cidr"
)

func ExampleParseAddr() {
	for _, s := range []string{"0:0:0:0:0:0:0:1", "::ffff:10.1.2.3", "FE80::1%eth0", "010.0.0.1"} {
		a, err := cidr.ParseAddr(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(a)
	}
	// Output:
	// ::1
	// 10.1.2.3
	// fe80::1
	// "010.0.0.1" is not a valid IP address: IPv4 field has octet with leading zero
}

func ExampleParsePrefix() {
	for _, s := range []string{"10.1.2.3/8", "FE80::/10", "10.0.0.0/33", "::ffff:10.0.0.0/104"} {
		p, err := cidr.ParsePrefix(s)
		if err != nil {
			fmt.Println(err)
			continue
		}
		fmt.Println(p)
	}
	// Output:
	// 10.0.0.0/8
	// fe80::/10
	// "10.0.0.0/33" is not a valid CIDR: prefix length 33 is out of range: must be 0-32 for IPv4, 0-128 for IPv6
	// "::ffff:10.0.0.0/104" is not a valid CIDR: CIDR notation is not allowed with IPv6-mapped IPv4 address ::ffff:10.0.0.0: the length could be read as an IPv4 or an IPv6 prefix length
}

func ExampleContains() {
	p := netip.MustParsePrefix("10.0.0.0/8")
	a := netip.MustParseAddr("::ffff:10.1.2.3") // as netip parses an event value
	fmt.Println(p.Contains(a), cidr.Contains(p, a))
	// Output: false true
}

func ExampleSet() {
	var ps []netip.Prefix
	for _, s := range []string{"10.0.0.0/8", "127.0.0.0/8", "::1", "10.1.0.0/16", "fe80::/10"} {
		p, err := cidr.ParseAddrOrPrefix(s)
		if err != nil {
			panic(err)
		}
		ps = append(ps, p)
	}
	s := cidr.NewSet(ps...)
	fmt.Println(s)
	for _, a := range []string{"10.200.0.1", "::ffff:127.0.0.1", "fe80::1%eth0", "8.8.8.8"} {
		addr, _ := cidr.ParseAddr(a)
		fmt.Println(a, s.Contains(addr))
	}
	// Output:
	// [10.0.0.0/8 127.0.0.0/8 ::1/128 fe80::/10]
	// 10.200.0.1 true
	// ::ffff:127.0.0.1 true
	// fe80::1%eth0 true
	// 8.8.8.8 false
}
