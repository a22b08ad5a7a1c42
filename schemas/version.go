package schemas

import (
	"fmt"
	"strconv"
	"strings"
)

// version is a semantic version without pre-release or build parts
// (they are dropped when parsing; detection-rules' stack and package
// versions never differ by them alone).
type version [3]int

// parseVersion parses "8", "8.19" or "8.19.3" (missing parts are 0), with
// an optional leading "v" and a "-pre" or "+build" tail that is ignored.
func parseVersion(s string) (version, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(t, "-+"); i >= 0 {
		t = t[:i]
	}
	var v version
	parts := strings.Split(t, ".")
	if len(parts) > 3 || t == "" {
		return v, fmt.Errorf("version %q: want MAJOR[.MINOR[.PATCH]]", s)
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return v, fmt.Errorf("version %q: %q is not a number", s, p)
		}
		v[i] = n
	}
	return v, nil
}

func (v version) String() string { return fmt.Sprintf("%d.%d.%d", v[0], v[1], v[2]) }

func (v version) compare(o version) int {
	for i := range v {
		if v[i] != o[i] {
			return v[i] - o[i]
		}
	}
	return 0
}

// kibanaClause is one ||-separated clause of a package's
// conditions.kibana.version: versions in [lo, hi), hi zero for no bound.
type kibanaClause struct {
	lo, hi version
	hasHi  bool
}

// parseKibanaRange parses an Elastic Package Registry
// conditions.kibana.version ("^8.13.0 || ^9.0.0", "~8.19.10", ">=8.0.0
// <9.0.0"), as detection-rules' _parse_kibana_range does
// (detection_rules/integrations.py): clauses separated by || are or'ed,
// space-separated tokens within one are and'ed.
func parseKibanaRange(req string) ([]kibanaClause, error) {
	var out []kibanaClause
	for _, clause := range strings.Split(req, "||") {
		var c kibanaClause
		tighten := func(h version) {
			if !c.hasHi || h.compare(c.hi) < 0 {
				c.hi, c.hasHi = h, true
			}
		}
		raise := func(l version) {
			if l.compare(c.lo) > 0 {
				c.lo = l
			}
		}
		for _, tok := range strings.Fields(clause) {
			op := tok[:len(tok)-len(strings.TrimLeft(tok, "^~<>="))]
			b, err := parseVersion(tok[len(op):])
			if err != nil {
				return nil, fmt.Errorf("kibana version %q: %w", req, err)
			}
			bump := version{b[0], b[1], b[2] + 1}
			switch op {
			case "^":
				raise(b)
				tighten(version{b[0] + 1, 0, 0})
			case "~":
				raise(b)
				tighten(version{b[0], b[1] + 1, 0})
			case ">=":
				raise(b)
			case "<=":
				tighten(bump)
			case ">":
				raise(bump)
			case "<":
				tighten(b)
			case "=", "":
				raise(b)
				tighten(bump)
			default:
				return nil, fmt.Errorf("kibana version %q: unsupported token %q", req, tok)
			}
		}
		out = append(out, c)
	}
	return out, nil
}

// satisfies reports whether stack is in one of the clauses.
func satisfies(stack version, clauses []kibanaClause) bool {
	for _, c := range clauses {
		if c.lo.compare(stack) <= 0 && (!c.hasHi || stack.compare(c.hi) < 0) {
			return true
		}
	}
	return false
}
