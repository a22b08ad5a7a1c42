package diff

import (
	"fmt"
	"iter"
	"net/netip"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/cidr"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/mapping"
)

// textField is the event field that stands for free text in candidates.
const textField = "kqlrules_free_text"

func (s *search) field(name string, keys []string) *field {
	if i, ok := s.byName[name]; ok {
		return s.fields[i]
	}
	f := &field{name: name, keys: keys, typ: s.cfg.schema.Lookup(name)}
	s.byName[name] = len(s.fields)
	s.fields = append(s.fields, f)
	return f
}

// fieldOf returns the event field a field literal stands for: its name,
// or for a wildcard name a schema field that fits it (else the pattern with
// "x" for each '*').
func (s *search) fieldOf(l *ast.Literal, scope string) (name, rel string) {
	rel = l.Value()
	if l.Kind == ast.Wildcard {
		pat := rel
		if scope != "" {
			pat = scope + "." + rel
		}
		rel = strings.Join(l.Parts, "x")
		for _, n := range s.cfg.schema.Fields() {
			if ast.MatchWildcard(strings.Split(pat, "*"), n) {
				if scope == "" {
					rel = n
				} else if r, ok := strings.CutPrefix(n, scope+"."); ok {
					rel = r
				}
				break
			}
		}
	}
	if scope == "" {
		return rel, rel
	}
	return scope + "." + rel, rel
}

// collect records the fields and literals of x.
func (s *search) collect(x ast.Expr) {
	for ref, in := range s.refs(x) {
		name, keys, ok := s.target(ref, in)
		if !ok {
			continue
		}
		f := s.field(name, keys)
		f.leafs++
		switch n := ref.Node.(type) {
		case *ast.MatchExpr:
			ast.Inspect(n.Value, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.Literal:
					f.lits = append(f.lits, n)
				case *ast.AndValue, *ast.NotValue:
					f.listy = true
				}
				return true
			})
		case *ast.RangeExpr:
			f.lits = append(f.lits, n.Value)
		case *ast.TextExpr:
			f.lits = append(f.lits, n.Value)
		}
	}
}

// scope is the nested query a field reference lies in, as the event
// holds it: the zero scope is outside any.
type scope struct {
	name string   // the nested field's full name, resolved by fieldOf
	keys []string // the event keys of its objects, from the top
}

// refs yields the field references of x (see ast.Fields), each with the
// nested query it lies in: its path resolved by fieldOf, so that a
// wildcard path names a schema field.
func (s *search) refs(x ast.Expr) iter.Seq2[ast.FieldRef, scope] {
	return func(yield func(ast.FieldRef, scope) bool) {
		scopes := map[*ast.NestedExpr]scope{}
		for ref := range ast.Fields(x) {
			in := scopes[ref.Nested] // the zero scope for nil, outside any
			if n, ok := ref.Node.(*ast.NestedExpr); ok {
				name, rel := s.fieldOf(n.Path, in.name)
				scopes[n] = scope{name, append(slices.Clip(in.keys), rel)}
			}
			if !yield(ref, in) {
				return
			}
		}
	}
}

// target returns the event field a reference in scope in tests: its full
// name and the event keys that lead to its value (one for a field outside
// nested queries, one more for each nested query). Free text and
// "*:value" test textField. ok is false for a nested query's path and for
// the match-all "*:*", which test no field.
func (s *search) target(ref ast.FieldRef, in scope) (name string, keys []string, ok bool) {
	switch n := ref.Node.(type) {
	case *ast.NestedExpr:
		return "", nil, false
	case *ast.TextExpr:
		return textField, []string{textField}, true
	case *ast.MatchExpr:
		if ast.IsMatchAll(n) {
			return "", nil, false
		}
		if n.Field.IsStar() {
			return textField, []string{textField}, true
		}
	}
	name, rel := s.fieldOf(ref.Field, in.name)
	return name, append(slices.Clip(in.keys), rel), true
}

// candidates returns the values worth trying for a field, from the
// literals the queries use on it.
func candidates(f *field) ([]any, []string) {
	var out []any
	var origins []string
	origin := ""
	seen := map[string]bool{}
	add := func(v any) {
		k := fmt.Sprintf("%T:%v", v, v)
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
			origins = append(origins, origin)
		}
	}
	baseSeen := map[string]bool{}
	var base []any // the literals' own values, for arrays
	addBase := func(v any) {
		k := fmt.Sprintf("%T:%v", v, v)
		if !baseSeen[k] {
			baseSeen[k] = true
			base = append(base, v)
		}
	}
	typ := f.typ
	numeric := typ.Numeric()
	_, _, isInt := typ.IntRange()
	isFloat := numeric && !isInt
	ipFam := map[bool]bool{}
	for _, l := range f.lits {
		text := l.Value()
		origin = ast.Print(l)
		switch {
		case l.IsStar():
			add("x")
		case l.Kind == ast.Wildcard:
			if numeric || typ == mapping.IP || typ == mapping.Boolean || typ.IsDate() {
				continue
			}
			v := strings.Join(l.Parts, "")
			add(v)
			addBase(v)
			add(strings.Join(l.Parts, "x"))
			add(strings.ToUpper(v))
		case l.Kind == ast.Bool || typ == mapping.Boolean:
			add(true)
			add(false)
			addBase(l.Kind == ast.Bool && l.Bool)
		case l.Kind == ast.Null:
			add("null")
		default:
			p, perr := cidr.ParseAddrOrPrefix(text)
			if typ == mapping.IP || (typ == mapping.Unknown && perr == nil) {
				if perr != nil {
					continue
				}
				ipFam[p.Addr().Is4()] = true
				for i, c := range ipCandidates(p) {
					add(c)
					if i == 0 {
						addBase(c)
					}
				}
				continue
			}
			num, isNum := eval.ParseNumber(text)
			if numeric || (typ == mapping.Unknown && isNum) {
				if !isNum {
					continue
				}
				add(num)
				addBase(num)
				add(num - 1)
				add(num + 1)
				if isFloat {
					add(num - 0.5)
					add(num + 0.5)
				}
				if typ == mapping.Unknown {
					add(text)
				}
				continue
			}
			add(text)
			addBase(text)
			if !typ.IsDate() {
				add(strings.ToUpper(text))
				add(strings.ToLower(text))
				if r := []rune(text); len(r) > 0 {
					add(strings.ToUpper(string(r[0])) + string(r[1:]))
				}
			}
		}
	}
	origin = ""
	switch {
	case typ == mapping.IP || len(ipFam) > 0:
		if !ipFam[true] || !ipFam[false] {
			add("8.8.8.8")
			add("2001:4860:4860::8888")
		}
	case numeric:
		add(float64(7919))
	case typ == mapping.Boolean:
	case typ.IsDate():
	default:
		add("zz-other")
	}
	if f.leafs > 1 || f.listy {
		if len(base) > 4 {
			base = base[:4]
		}
		for i := range base {
			for j := i + 1; j < len(base); j++ {
				add([]any{base[i], base[j]})
			}
		}
		if len(base) == 1 {
			add([]any{base[0], out[len(out)-1]})
		}
	}
	return out, origins
}

// isNumeric reports whether t is a numeric field type.
//
// ipCandidates returns addresses around a prefix: for one address, it and
// its neighbours; for a block, its first, middle and last addresses and
// the ones just outside; IPv4 ones also in IPv4-mapped IPv6 form. The
// first is inside the prefix.
func ipCandidates(p netip.Prefix) []string {
	p = p.Masked()
	first := p.Addr()
	var addrs []netip.Addr
	if p.IsSingleIP() {
		addrs = append(addrs, first, first.Prev(), first.Next())
	} else {
		b := first.AsSlice()
		host := first.BitLen() - p.Bits()
		last := make([]byte, len(b))
		copy(last, b)
		for i := 0; i < host; i++ {
			bit := first.BitLen() - 1 - i
			last[bit/8] |= 1 << (7 - bit%8)
		}
		mid := make([]byte, len(b))
		copy(mid, b)
		bit := p.Bits()
		mid[bit/8] |= 1 << (7 - bit%8)
		la, _ := netip.AddrFromSlice(last)
		ma, _ := netip.AddrFromSlice(mid)
		addrs = append(addrs, first, ma, la, first.Prev(), la.Next())
	}
	var out []string
	for _, a := range addrs {
		if !a.IsValid() {
			continue
		}
		out = append(out, a.String())
	}
	for _, a := range addrs {
		if a.IsValid() && a.Is4() {
			out = append(out, "::ffff:"+a.String())
		}
	}
	return out
}
