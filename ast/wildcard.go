package ast

import "strings"

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
