// Package cidr parses IP addresses and CIDR blocks as Elasticsearch does for
// an ip field, and tests addresses against prefixes and sets of prefixes.
//
// It is built on [net/netip] and returns its types. Where Elasticsearch and
// net/netip disagree, this package follows Elasticsearch:
//
//   - Elasticsearch stores every IPv4 address as the IPv4-mapped IPv6 address
//     ::ffff:a.b.c.d, so the two spellings are one value. [ParseAddr] returns
//     the IPv4 form (it unmaps), and [Contains] and [Set.Contains] compare in
//     that single 128-bit space: ::ffff:10.1.2.3 is inside 10.0.0.0/8, and
//     the IPv6 prefix ::/0 contains every IPv4 address.
//   - A zone ("%eth0") is ignored rather than kept.
//   - A CIDR may have host bits set (they are masked off) and may not be
//     written with an IPv4-mapped address.
//
// The parsers allocate nothing for valid input without a zone, which is the
// common case for event values; only errors allocate.
package cidr

import (
	"net/netip"
	"strconv"
	"strings"
)

// ParseError is the error returned for text that is not an IP address or a
// CIDR block. Its Error method prints the input and the reason.
type ParseError struct {
	// Input is the text that was parsed, exactly as given.
	Input string
	// Kind is what the text was expected to be: "IP address" or "CIDR".
	Kind string
	// Msg says what is wrong, in plain words.
	Msg string
}

// Error implements the error interface.
func (e *ParseError) Error() string {
	return strconv.Quote(e.Input) + " is not a valid " + e.Kind + ": " + e.Msg
}

// Kinds reported in ParseError.Kind.
const (
	kindAddr   = "IP address"
	kindPrefix = "CIDR"
)

// MappedCIDRReason starts the ParseError.Msg that [ParsePrefix] gives for
// a CIDR written with an IPv4-mapped IPv6 address. It is Elasticsearch's own
// message, so callers may match on it.
const MappedCIDRReason = "CIDR notation is not allowed with IPv6-mapped IPv4 address"

// ParseAddr parses s as Elasticsearch parses the value of an ip field, in a
// document or in a query.
//
//   - IPv4 is dotted decimal with exactly four parts; a part with a leading
//     zero ("010.0.0.1") is refused, as Elasticsearch refuses it, because
//     other tools read it as octal.
//   - IPv6 is any RFC 4291 text form, hex digits in either case, with "::"
//     and an embedded dotted IPv4 tail ("::ffff:1.2.3.4"). Like
//     Elasticsearch, a group may have more than four digits when the extra
//     ones are leading zeros ("00001::" is "1::").
//   - A zone ("fe80::1%eth0", "10.1.2.3%1") is ignored: everything from the
//     first '%' is dropped, as Elasticsearch drops it, and the result has no
//     zone. An empty zone ("fe80::1%") is an error.
//   - An IPv4-mapped IPv6 address is returned as the IPv4 address
//     ("::ffff:10.1.2.3" gives 10.1.2.3), because Elasticsearch stores both
//     as the same value. IPv4-compatible ("::10.1.2.3") and other IPv6
//     addresses stay IPv6.
//   - Host names, brackets, ports, surrounding spaces, prefixes ("/8") and
//     the empty string are errors.
//
// The error is always a *[ParseError]. ParseAddr does not allocate unless it
// fails or s has an overlong group.
func ParseAddr(s string) (netip.Addr, error) {
	a, reason := parseAddr(s)
	if reason != "" {
		return netip.Addr{}, &ParseError{Input: s, Kind: kindAddr, Msg: reason}
	}
	return a, nil
}

// parseAddr is ParseAddr without the error value: a non-empty reason means
// failure.
func parseAddr(s string) (netip.Addr, string) {
	if s == "" {
		return netip.Addr{}, "empty string"
	}
	if i := strings.IndexByte(s, '%'); i >= 0 {
		if i == len(s)-1 {
			return netip.Addr{}, "empty zone after '%'"
		}
		s = s[:i]
		if s == "" {
			return netip.Addr{}, "no address before the zone"
		}
	}
	a, err := netip.ParseAddr(s)
	if err == nil {
		return a.Unmap(), ""
	}
	if t, ok := trimLongGroups(s); ok {
		if a, err2 := netip.ParseAddr(t); err2 == nil {
			return a.Unmap(), ""
		}
	}
	return netip.Addr{}, reasonOf(s, err)
}

// reasonOf turns a net/netip parse error for s into a reason in plain words.
func reasonOf(s string, err error) string {
	if !strings.ContainsAny(s, ".:") {
		return "not an IPv4 or IPv6 address (no '.' or ':')"
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80:
			return "non-ASCII character"
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			return "contains white space"
		case c == '/':
			return "a CIDR prefix length is not allowed here"
		case c == '[' || c == ']':
			return "brackets are not allowed"
		case !isHex(s[i:i+1]) && c != '.' && c != ':':
			return "unexpected character " + strconv.QuoteRune(rune(c)) + " at offset " + strconv.Itoa(i)
		}
	}
	msg := err.Error()
	// net/netip writes `ParseAddr("input"): reason`; keep the reason.
	if p := "ParseAddr(" + strconv.Quote(s) + "): "; strings.HasPrefix(msg, p) {
		msg = msg[len(p):]
	}
	return msg
}

// trimLongGroups rewrites the IPv6 groups of s that have more than four hex
// digits, all extra ones leading zeros, to four digits: Elasticsearch
// accepts them, net/netip does not. It reports whether it changed anything.
func trimLongGroups(s string) (string, bool) {
	if !strings.Contains(s, ":") {
		return s, false
	}
	var b strings.Builder
	changed := false
	start := 0
	for i := 0; i <= len(s); i++ {
		if i < len(s) && s[i] != ':' {
			continue
		}
		g := s[start:i]
		if len(g) > 4 && isHex(g) {
			extra := g[:len(g)-4]
			if strings.Trim(extra, "0") != "" {
				return s, false // more than 16 bits: Elasticsearch refuses it too
			}
			g = g[len(extra):]
			changed = true
		}
		b.WriteString(g)
		if i < len(s) {
			b.WriteByte(':')
		}
		start = i + 1
	}
	return b.String(), changed
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
			return false
		}
	}
	return true
}

// ParsePrefix parses s as a CIDR block the way Elasticsearch reads one in a
// term or match query on an ip field ("address/length"):
//
//   - The address part is read as by [ParseAddr] (any hex case, leading
//     zeros in IPv4 refused, a zone ignored).
//   - Host bits are masked off: "10.1.2.3/8" gives 10.0.0.0/8, because
//     Elasticsearch queries the whole block.
//   - The length is a decimal integer, 0–32 for IPv4 and 0–128 for IPv6.
//     As in Elasticsearch (Java's Integer.parseInt) it may have a sign and
//     leading zeros ("/08", "/+8"); a negative or too large length is an
//     error.
//   - An IPv4-mapped IPv6 address ("::ffff:10.0.0.0/104", "::ffff:0:0/96") is
//     refused with Elasticsearch's message (see [MappedCIDRReason]): the
//     length would be ambiguous.
//   - Exactly one '/' is required; a bare address is an error (see
//     [ParseAddrOrPrefix]). Elasticsearch silently accepts trailing slashes
//     ("10.0.0.0/8//"); this package refuses them.
//
// IPv4 text gives an IPv4 prefix, IPv6 text an IPv6 prefix. The error is
// always a *[ParseError]. ParsePrefix does not allocate for valid input.
func ParsePrefix(s string) (netip.Prefix, error) {
	p, reason := parsePrefix(s)
	if reason != "" {
		return netip.Prefix{}, &ParseError{Input: s, Kind: kindPrefix, Msg: reason}
	}
	return p, nil
}

func parsePrefix(s string) (netip.Prefix, string) {
	i := strings.IndexByte(s, '/')
	if i < 0 {
		return netip.Prefix{}, "expected address/length, there is no '/'"
	}
	addrText, bitsText := s[:i], s[i+1:]
	if strings.IndexByte(bitsText, '/') >= 0 {
		return netip.Prefix{}, "more than one '/'"
	}
	a, reason := parseAddr(addrText)
	if reason != "" {
		return netip.Prefix{}, "address " + strconv.Quote(addrText) + ": " + reason
	}
	if a.Is4() && strings.IndexByte(addrText, ':') >= 0 {
		return netip.Prefix{}, MappedCIDRReason + " " + addrText +
			": the length could be read as an IPv4 or an IPv6 prefix length"
	}
	bits, ok := parseBits(bitsText)
	if !ok {
		return netip.Prefix{}, "prefix length " + strconv.Quote(bitsText) + " is not an integer"
	}
	if bits < 0 || bits > a.BitLen() {
		return netip.Prefix{}, "prefix length " + strconv.Itoa(bits) +
			" is out of range: must be 0-32 for IPv4, 0-128 for IPv6"
	}
	p, err := a.Prefix(bits)
	if err != nil { // cannot happen: a is valid, zone-free and bits in range
		return netip.Prefix{}, err.Error()
	}
	return p, ""
}

// parseBits parses a prefix length as Java's Integer.parseInt does for
// ASCII text: an optional sign and at least one decimal digit. Values too
// large for any prefix saturate, so they fail the range check.
func parseBits(s string) (int, bool) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	if s == "" {
		return 0, false
	}
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		if n < 1000 {
			n = n*10 + int(c-'0')
		}
	}
	if neg {
		n = -n
	}
	return n, true
}

// ParseAddrOrPrefix parses a query value on an ip field, which Elasticsearch
// reads as a CIDR block if it contains a '/' and as one address otherwise.
// A CIDR is parsed by [ParsePrefix]; an address by [ParseAddr] and returned
// as the single-address prefix (a /32 for IPv4, a /128 for IPv6), so
// "::ffff:10.1.2.3" gives 10.1.2.3/32. The error is always a *[ParseError].
func ParseAddrOrPrefix(s string) (netip.Prefix, error) {
	if strings.IndexByte(s, '/') >= 0 {
		return ParsePrefix(s)
	}
	a, err := ParseAddr(s)
	if err != nil {
		return netip.Prefix{}, err
	}
	return netip.PrefixFrom(a, a.BitLen()), nil
}
