package cidr

import (
	"net/netip"
	"strings"
)

// AddrOf is [ParseAddr] for hot paths: it reads s by the same rules and
// reports success with a bool instead of an error, so that it allocates
// nothing, whether s is an address or not (malformed and empty address
// fields are common in real logs).
func AddrOf(s string) (netip.Addr, bool) {
	if i := strings.IndexByte(s, '%'); i >= 0 {
		if i == 0 || i == len(s)-1 {
			return netip.Addr{}, false
		}
		s = s[:i]
	}
	if strings.IndexByte(s, ':') < 0 {
		b, ok := ipv4(s)
		if !ok {
			return netip.Addr{}, false
		}
		return netip.AddrFrom4(b), true
	}
	b, ok := ipv6(s)
	if !ok {
		return netip.Addr{}, false
	}
	return netip.AddrFrom16(b).Unmap(), true
}

// ipv4 reads dotted-decimal IPv4 text: four parts, each 0–255, with no
// leading zeros.
func ipv4(s string) ([4]byte, bool) {
	var out [4]byte
	part, digits, val := 0, 0, 0
	for i := 0; i <= len(s); i++ {
		if i == len(s) || s[i] == '.' {
			if digits == 0 || part > 3 {
				return out, false
			}
			out[part] = byte(val)
			part, digits, val = part+1, 0, 0
			continue
		}
		c := s[i]
		if c < '0' || c > '9' || (digits == 1 && val == 0) {
			return out, false // not a digit, or a leading zero
		}
		val = val*10 + int(c-'0')
		digits++
		if val > 255 {
			return out, false
		}
	}
	return out, part == 4
}

// ipv6 reads IPv6 text as net/netip does, and as Elasticsearch does for
// groups of more than four digits whose extra digits are zeros: hex groups
// separated by ':', at most one "::", an optional dotted IPv4 tail, eight
// groups in all (fewer with "::").
func ipv6(s string) ([16]byte, bool) {
	var out [16]byte
	var groups [8]uint16
	n, gap := 0, -1 // groups read; where "::" stands, or -1
	for i := 0; i < len(s); {
		if s[i] == ':' {
			if i+1 < len(s) && s[i+1] == ':' {
				if gap >= 0 || (i+2 < len(s) && s[i+2] == ':') {
					return out, false // a second "::", or ":::"
				}
				gap = n
				i += 2
				continue
			}
			if i == 0 || i == len(s)-1 || s[i-1] == ':' {
				return out, false // a single ':' must stand between two groups
			}
			i++
			continue
		}
		j := i
		for j < len(s) && s[j] != ':' {
			j++
		}
		g := s[i:j]
		if strings.IndexByte(g, '.') >= 0 {
			v4, ok := ipv4(g)
			if j != len(s) || !ok || n > 6 {
				return out, false // an IPv4 tail must come last, and fit
			}
			groups[n] = uint16(v4[0])<<8 | uint16(v4[1])
			groups[n+1] = uint16(v4[2])<<8 | uint16(v4[3])
			n += 2
		} else {
			v, ok := hexGroup(g)
			if !ok || n > 7 {
				return out, false
			}
			groups[n] = v
			n++
		}
		i = j
	}
	switch {
	case gap < 0 && n != 8, gap >= 0 && n > 7:
		return out, false
	}
	// the groups after "::" move to the end
	k := 0
	for idx := 0; idx < n; idx++ {
		if idx == gap {
			k += 8 - n
		}
		out[2*k], out[2*k+1] = byte(groups[idx]>>8), byte(groups[idx])
		k++
	}
	return out, true
}

// hexGroup reads one IPv6 group: 1 to 4 hex digits, or more when the extra
// ones are leading zeros.
func hexGroup(g string) (uint16, bool) {
	if g == "" {
		return 0, false
	}
	var v uint32
	for i := 0; i < len(g); i++ {
		c := g[i]
		var d byte
		switch {
		case '0' <= c && c <= '9':
			d = c - '0'
		case 'a' <= c && c <= 'f':
			d = c - 'a' + 10
		case 'A' <= c && c <= 'F':
			d = c - 'A' + 10
		default:
			return 0, false
		}
		v = v<<4 | uint32(d)
		if v > 0xffff {
			return 0, false
		}
	}
	return uint16(v), true
}
