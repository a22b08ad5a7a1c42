package diff

import (
	"encoding/json"
	"fmt"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
)

// dslQueries compares two Query DSL filters as [Queries] compares two KQL
// queries: both compiled with the schema, then the witness search over
// candidates built from the literals the filters hold (term and terms
// values, range bounds, wildcard and prefix patterns, a string each
// regexp matches, a script's parameters). This is the path of EQL event
// queries, lowered by eql.Lower. old and new are the queries' texts for
// Result.Old and Result.New.
func dslQueries(oldText, newText string, old, new esdsl.Query, cfg config) (*Result, error) {
	res := &Result{Old: oldText, New: newText}
	po, err := eval.CompileQuery(old, eval.WithSchema(cfg.schema))
	if err != nil {
		return nil, fmt.Errorf("diff: old query: %w", err)
	}
	pn, err := eval.CompileQuery(new, eval.WithSchema(cfg.schema))
	if err != nil {
		return nil, fmt.Errorf("diff: new query: %w", err)
	}
	s := newSearch(cfg, po, pn)
	s.collectDSL(old)
	s.collectDSL(new)
	for i, q := range []esdsl.Query{old, new} {
		root := s.prepareDSL(q)
		root.prog = []*eval.Program{po, pn}[i]
		s.setRoot(root)
	}
	s.conclude(res)
	return res, nil
}

// dslLeaf returns the fields a leaf of a DSL filter tests and the values
// it compares them with, as literals for candidates.
func dslLeaf(q esdsl.Query) (fields []string, lits []*ast.Literal, listy bool) {
	switch q := q.(type) {
	case *esdsl.Term:
		return []string{q.Field}, []*ast.Literal{valueLit(q.Value)}, false
	case *esdsl.Terms:
		for _, v := range q.Values {
			lits = append(lits, valueLit(v))
		}
		return []string{q.Field}, lits, len(q.Values) > 1
	case *esdsl.Range:
		for _, b := range q.Bounds {
			lits = append(lits, valueLit(b.Value))
		}
		return []string{q.Field}, lits, false
	case *esdsl.Wildcard:
		return []string{q.Field}, []*ast.Literal{patternLit(q.Value)}, false
	case *esdsl.Prefix:
		return []string{q.Field}, []*ast.Literal{patternLit(escapePattern(q.Value) + "*")}, false
	case *esdsl.Regexp:
		if re, err := eval.LuceneRegexp(q.Value, false); err == nil {
			if sample, ok := regexpSample(re.String()); ok {
				lits = append(lits, valueLit(sample))
			}
		}
		return []string{q.Field}, lits, false
	case *esdsl.Exists:
		return []string{q.Field}, nil, false
	case *esdsl.ScriptQuery:
		var walk func(esdsl.ScriptExpr)
		walk = func(x esdsl.ScriptExpr) {
			switch x := x.(type) {
			case *esdsl.ScriptParam:
				if x.Value != nil {
					lits = append(lits, valueLit(x.Value))
				}
				// A small count (length, substring, indexOf...): strings
				// of that length and one more.
				if n, ok := x.Value.(int64); ok && n >= 0 && n <= 64 {
					lits = append(lits, valueLit(strings.Repeat("x", int(n))), valueLit(strings.Repeat("x", int(n)+1)))
				}
			case *esdsl.ScriptCall:
				for _, a := range x.Args {
					walk(a)
				}
			}
		}
		walk(q.Expr)
		return q.Fields(), lits, false
	}
	return nil, nil, false
}

// collectDSL records the fields and literals of a DSL filter.
func (s *search) collectDSL(q esdsl.Query) {
	if b, ok := q.(*esdsl.Bool); ok {
		for _, qs := range [][]esdsl.Query{b.Must, b.Filter, b.Should, b.MustNot} {
			for _, c := range qs {
				s.collectDSL(c)
			}
		}
		return
	}
	names, lits, listy := dslLeaf(q)
	for _, name := range names {
		f := s.field(name, []string{name})
		f.leafs++
		f.lits = append(f.lits, lits...)
		f.listy = f.listy || listy
	}
}

// prepareDSL builds the tree of a DSL filter: a bool is the and of its
// must, filter and (each negated) must_not clauses, and of the or of its
// should clauses where they are required (no must or filter, or
// minimum_should_match 1); every other query is a leaf, compiled alone.
func (s *search) prepareDSL(q esdsl.Query) *node {
	n := &node{}
	if prog, err := eval.CompileQuery(q, eval.WithSchema(s.cfg.schema)); err == nil {
		n.prog = prog
	}
	b, ok := q.(*esdsl.Bool)
	if !ok || b.MinimumShouldMatch > 1 {
		s.leafFields(n, q)
		return n
	}
	n.op = opAnd
	for _, c := range append(append([]esdsl.Query{}, b.Must...), b.Filter...) {
		n.kids = append(n.kids, s.prepareDSL(c))
	}
	for _, c := range b.MustNot {
		n.kids = append(n.kids, &node{op: opNot, kids: []*node{s.prepareDSL(c)}})
	}
	if len(b.Should) > 0 && (len(n.kids) == 0 || b.MinimumShouldMatch == 1) {
		or := &node{op: opOr}
		for _, c := range b.Should {
			or.kids = append(or.kids, s.prepareDSL(c))
		}
		n.kids = append(n.kids, or)
	}
	if len(n.kids) == 0 { // an empty bool matches every document
		n.op = opLeaf
	}
	return n
}

// leafFields records in n the fields a DSL query tests, all its leaves'.
func (s *search) leafFields(n *node, q esdsl.Query) {
	if b, ok := q.(*esdsl.Bool); ok {
		for _, qs := range [][]esdsl.Query{b.Must, b.Filter, b.Should, b.MustNot} {
			for _, c := range qs {
				s.leafFields(n, c)
			}
		}
		return
	}
	names, _, _ := dslLeaf(q)
	for _, name := range names {
		if i, ok := s.byName[name]; ok {
			n.addField(i)
		}
	}
}

// valueLit is a DSL value as a KQL literal for candidates.
func valueLit(v any) *ast.Literal {
	switch v := v.(type) {
	case nil:
		return &ast.Literal{Kind: ast.Null, Raw: "null"}
	case bool:
		return &ast.Literal{Kind: ast.Bool, Bool: v, Raw: strconv.FormatBool(v)}
	case string:
		return &ast.Literal{Kind: ast.String, Text: v, Raw: strconv.Quote(v), Quoted: true}
	case json.Number:
		return &ast.Literal{Kind: ast.String, Text: v.String(), Raw: v.String()}
	}
	text := fmt.Sprint(v)
	return &ast.Literal{Kind: ast.String, Text: text, Raw: text}
}

// patternLit is a wildcard query's pattern as a KQL literal: its pieces
// between the unescaped '*' and '?' (a candidate joining them with "x"
// fills a '?' with one character), or a string when it has none.
func patternLit(p string) *ast.Literal {
	var parts []string
	var cur strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; {
		case c == '\\' && i+1 < len(p):
			i++
			cur.WriteByte(p[i])
		case c == '*' || c == '?':
			parts = append(parts, cur.String())
			cur.Reset()
		default:
			cur.WriteByte(c)
		}
	}
	if parts == nil {
		return valueLit(cur.String())
	}
	return &ast.Literal{Kind: ast.Wildcard, Parts: append(parts, cur.String()), Raw: p}
}

// escapePattern escapes the wildcard characters of a prefix.
func escapePattern(s string) string {
	return strings.NewReplacer(`\`, `\\`, `*`, `\*`, `?`, `\?`).Replace(s)
}

// regexpSample returns a short string a Go regular expression matches:
// the first alternative, the fewest repeats, the first character of each
// class.
func regexpSample(re string) (string, bool) {
	x, err := syntax.Parse(re, syntax.Perl)
	if err != nil {
		return "", false
	}
	var b strings.Builder
	var walk func(x *syntax.Regexp) bool
	walk = func(x *syntax.Regexp) bool {
		switch x.Op {
		case syntax.OpNoMatch:
			return false
		case syntax.OpLiteral:
			b.WriteString(string(x.Rune))
		case syntax.OpCharClass:
			if len(x.Rune) == 0 {
				return false
			}
			b.WriteRune(x.Rune[0])
		case syntax.OpAnyChar, syntax.OpAnyCharNotNL:
			b.WriteByte('x')
		case syntax.OpCapture:
			return walk(x.Sub[0])
		case syntax.OpPlus:
			return walk(x.Sub[0])
		case syntax.OpRepeat:
			for range x.Min {
				if !walk(x.Sub[0]) {
					return false
				}
			}
		case syntax.OpConcat:
			for _, s := range x.Sub {
				if !walk(s) {
					return false
				}
			}
		case syntax.OpAlternate:
			return walk(x.Sub[0])
		}
		return true // star, quest, empty, anchors: nothing
	}
	if !walk(x) {
		return "", false
	}
	return b.String(), true
}
