package rules

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
)

// KibanaFilters reads Kibana filter objects (a rule's filters or
// threat_filters) into the filters a search applies, as kbn-es-query's
// buildEsQuery takes them (es_query/from_filters.ts): a filter with
// meta.disabled is left out; one with meta.negate goes to must_not; its
// query is its "query" object, or, for the legacy forms that hold the
// query at the top level ({"exists": ...}, {"range": ...},
// {"match_phrase": ...}, {"match_all": {}}), the object without "meta"
// and "$state" (cleanFilter). Errors name the filter by its place:
// "filters[1]: ...".
func KibanaFilters(raw []json.RawMessage) ([]esdsl.Filter, error) {
	var out []esdsl.Filter
	for i, f := range raw {
		var m map[string]json.RawMessage
		if err := json.Unmarshal(f, &m); err != nil {
			return nil, fmt.Errorf("filters[%d]: want a filter object: %w", i, err)
		}
		var meta struct{ Disabled, Negate bool }
		if b, ok := m["meta"]; ok {
			if err := json.Unmarshal(b, &meta); err != nil {
				return nil, fmt.Errorf("filters[%d].meta: %w", i, err)
			}
		}
		if meta.Disabled {
			continue
		}
		body, ok := m["query"]
		if !ok {
			delete(m, "meta")
			delete(m, "$state")
			var err error
			if body, err = json.Marshal(m); err != nil {
				return nil, fmt.Errorf("filters[%d]: %w", i, err)
			}
		}
		q, err := esdsl.ParseQuery(body)
		if err != nil {
			return nil, fmt.Errorf("filters[%d]: %w", i, err)
		}
		out = append(out, esdsl.Filter{Query: q, Negate: meta.Negate})
	}
	return out, nil
}

// Search is a compiled search: a KQL query and the filters Kibana ANDs
// with it (buildEsQuery: the query and the filters in bool.filter, the
// negated filters in bool.must_not). It is what one execution of a rule
// asks Elasticsearch, without the time range and the index patterns.
// A Search is safe for concurrent use.
type Search struct {
	query   *eval.Program
	filters []filterMatcher
}

// Rule.Search compiles the rule's query (the current version's) and its
// filters into one matcher; see NewSearch.
func (r *Rule) Search(opts ...eval.Option) (*Search, error) {
	if r.Language != "" && r.Language != LanguageKuery {
		return nil, fmt.Errorf("rule %s: language %s is not supported, only kuery", r.Name, r.Language)
	}
	fs, err := KibanaFilters(r.Filters)
	if err != nil {
		return nil, fmt.Errorf("rule %s: %w", r.Name, err)
	}
	s, err := NewSearch(r.Query, fs, opts...)
	if err != nil {
		return nil, fmt.Errorf("rule %s: %w", r.Name, err)
	}
	return s, nil
}

// NewSearch compiles a KQL query and filters with the eval options (a
// schema, a clock). An empty query matches everything. A filter's query
// may be bool (must, filter, should with minimum_should_match 0 or 1,
// must_not), match_all, term and terms, match and match_phrase (compared
// as the phrase, which is exact on keyword, number, ip, date and boolean
// fields), wildcard ('*' only; with case_insensitive or without), exists,
// range (gt, gte, lt, lte; dates with date math) and nested. Errors wrap
// the query's *kql.Error or eval's errors, or say which filter cannot be
// run and why.
func NewSearch(query string, filters []esdsl.Filter, opts ...eval.Option) (*Search, error) {
	prog, err := kqlrules.Compile(query, opts...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	s := &Search{query: prog}
	for i, f := range filters {
		m, err := compileFilter(f.Query, opts)
		if err != nil {
			return nil, fmt.Errorf("filters[%d]: %w", i, err)
		}
		if f.Negate {
			m = notFilter{m}
		}
		s.filters = append(s.filters, m)
	}
	return s, nil
}

// Match reports whether the event matches the query and every filter.
func (s *Search) Match(event map[string]any) bool { return s.MatchEvent(eval.Map(event)) }

// MatchEvent is Match for any eval.Event.
func (s *Search) MatchEvent(e eval.Event) bool {
	if !s.query.MatchEvent(e) {
		return false
	}
	for _, f := range s.filters {
		if !f.match(e) {
			return false
		}
	}
	return true
}

// Query returns the compiled query without the filters.
func (s *Search) Query() *eval.Program { return s.query }

// filterMatcher is one compiled filter query.
type filterMatcher interface{ match(eval.Event) bool }

type andFilter []filterMatcher

func (a andFilter) match(e eval.Event) bool {
	for _, m := range a {
		if !m.match(e) {
			return false
		}
	}
	return true
}

type orFilter []filterMatcher

func (o orFilter) match(e eval.Event) bool {
	for _, m := range o {
		if m.match(e) {
			return true
		}
	}
	return false
}

type notFilter struct{ x filterMatcher }

func (n notFilter) match(e eval.Event) bool { return !n.x.match(e) }

type progFilter struct{ p *eval.Program }

func (p progFilter) match(e eval.Event) bool { return p.p.MatchEvent(e) }

// globFilter is a wildcard that eval's KQL matching cannot express: one
// with '?' (any one character) or case_insensitive (also a
// case-insensitive term). It matches the text Elasticsearch indexes for a
// keyword (eval.KeywordText), lowercased on both sides when fold is set,
// as Elasticsearch's case_insensitive does.
type globFilter struct {
	path *eval.Path
	pat  []globTok
	fold bool
}

// globTok is one token of a wildcard pattern: a literal character, or
// '*' (any run) or '?' (any one character) when any is set.
type globTok struct {
	r   rune
	any bool
}

func (f *globFilter) match(e eval.Event) bool { return e.Values(f.path, f) }

// Visit implements eval.Visitor.
func (f *globFilter) Visit(x any) bool {
	s, ok := eval.KeywordText(x)
	if !ok {
		return false
	}
	if f.fold {
		s = strings.ToLower(s)
	}
	return globMatch(f.pat, []rune(s))
}

// globPattern reads an Elasticsearch wildcard pattern: '*' and '?' are
// wildcards, a backslash makes the next character literal (as in Lucene's
// WildcardQuery).
func globPattern(p string, fold bool) []globTok {
	if fold {
		p = strings.ToLower(p)
	}
	var out []globTok
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch rs[i] {
		case '\\':
			if i+1 < len(rs) {
				i++
				out = append(out, globTok{r: rs[i]})
			}
		case '*', '?':
			out = append(out, globTok{r: rs[i], any: true})
		default:
			out = append(out, globTok{r: rs[i]})
		}
	}
	return out
}

// globMatch reports whether the whole of s matches the pattern, with the
// usual backtracking to the last '*' (linear space, at worst quadratic
// time).
func globMatch(pat []globTok, s []rune) bool {
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(s) {
		switch {
		case pi < len(pat) && pat[pi].any && pat[pi].r == '*':
			star, mark = pi, si
			pi++
		case pi < len(pat) && (pat[pi].any && pat[pi].r == '?' || !pat[pi].any && pat[pi].r == s[si]):
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi].any && pat[pi].r == '*' {
		pi++
	}
	return pi == len(pat)
}

// hasQuestion reports whether a wildcard pattern has an unescaped '?'.
func hasQuestion(p string) bool {
	for i := 0; i < len(p); i++ {
		switch p[i] {
		case '\\':
			i++
		case '?':
			return true
		}
	}
	return false
}

// compileFilter is the one place a filter's Query DSL becomes a matcher.
// Until eval compiles DSL itself, each leaf becomes the KQL tree that
// Kibana would have turned into the same leaf, compiled by eval, so that
// field types decide the comparison exactly as for the rule's query.
func compileFilter(q esdsl.Query, opts []eval.Option) (filterMatcher, error) {
	return filterOf(q, "", opts)
}

// filterOf compiles q; nested is the path of an enclosing nested query,
// whose prefix is taken off the field names inside it.
func filterOf(q esdsl.Query, nested string, opts []eval.Option) (filterMatcher, error) {
	if q, ok := q.(*esdsl.Bool); ok {
		return boolFilter(q, nested, opts)
	}
	if g, ok, err := globOf(q); ok || err != nil {
		return g, err
	}
	x, err := exprOf(q, nested)
	if err != nil {
		return nil, err
	}
	p, err := eval.Compile(x, opts...)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", ast.Print(x), err)
	}
	return progFilter{p}, nil
}

func boolFilter(q *esdsl.Bool, nested string, opts []eval.Option) (filterMatcher, error) {
	var all andFilter
	add := func(qs []esdsl.Query, neg bool) error {
		for _, c := range qs {
			m, err := filterOf(c, nested, opts)
			if err != nil {
				return err
			}
			if neg {
				m = notFilter{m}
			}
			all = append(all, m)
		}
		return nil
	}
	if err := add(q.Must, false); err != nil {
		return nil, err
	}
	if err := add(q.Filter, false); err != nil {
		return nil, err
	}
	if err := add(q.MustNot, true); err != nil {
		return nil, err
	}
	// Elasticsearch: should clauses must match (one of them, by default)
	// only when the bool has no must or filter clause, or when
	// minimum_should_match says so.
	msm := q.MinimumShouldMatch
	if msm == 0 && len(q.Must) == 0 && len(q.Filter) == 0 && len(q.Should) > 0 {
		msm = 1
	}
	switch {
	case msm > 1:
		return nil, fmt.Errorf("bool: minimum_should_match %d is not supported (only 0 or 1)", msm)
	case msm == 1:
		var some orFilter
		for _, c := range q.Should {
			m, err := filterOf(c, nested, opts)
			if err != nil {
				return nil, err
			}
			some = append(some, m)
		}
		all = append(all, some)
	}
	return all, nil
}

// globOf compiles a case-insensitive term, and a wildcard that is
// case-insensitive or has a '?'; ok is false for other queries.
func globOf(q esdsl.Query) (filterMatcher, bool, error) {
	switch q := q.(type) {
	case *esdsl.Term:
		if q.CaseInsensitive == nil || !*q.CaseInsensitive {
			return nil, false, nil
		}
		s, err := scalarText(q.Value)
		if err != nil {
			return nil, true, fmt.Errorf("term %s: %w", q.Field, err)
		}
		var pat []globTok
		for _, r := range strings.ToLower(s) {
			pat = append(pat, globTok{r: r})
		}
		return &globFilter{path: eval.NewPath(q.Field), pat: pat, fold: true}, true, nil
	case *esdsl.Wildcard:
		fold := q.CaseInsensitive != nil && *q.CaseInsensitive
		if !fold && !hasQuestion(q.Value) {
			return nil, false, nil
		}
		return &globFilter{path: eval.NewPath(q.Field), pat: globPattern(q.Value, fold), fold: fold}, true, nil
	}
	return nil, false, nil
}

// exprOf returns the KQL tree of a DSL leaf.
func exprOf(q esdsl.Query, nested string) (ast.Expr, error) {
	field := func(name string) *ast.Literal {
		if nested != "" {
			name = strings.TrimPrefix(name, nested+".")
		}
		return &ast.Literal{Raw: name, Kind: ast.String, Text: name}
	}
	is := func(name string, v any) (ast.Expr, error) {
		s, err := scalarText(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return &ast.MatchExpr{Field: field(name), Value: quoted(s)}, nil
	}
	switch q := q.(type) {
	case *esdsl.MatchAll:
		return ast.MatchAll(0), nil
	case *esdsl.Term:
		if q.CaseInsensitive != nil && *q.CaseInsensitive {
			return nil, fmt.Errorf("term %s: case_insensitive inside nested is not supported", q.Field)
		}
		return is(q.Field, q.Value)
	case *esdsl.Match:
		return is(q.Field, q.Query)
	case *esdsl.MatchPhrase:
		return is(q.Field, q.Query)
	case *esdsl.Terms:
		if len(q.Values) == 0 {
			return &ast.NotExpr{X: ast.MatchAll(0)}, nil // terms with no value matches nothing
		}
		var or ast.OrExpr
		for _, v := range q.Values {
			x, err := is(q.Field, v)
			if err != nil {
				return nil, err
			}
			or.Args = append(or.Args, x)
		}
		if len(or.Args) == 1 {
			return or.Args[0], nil
		}
		return &or, nil
	case *esdsl.Wildcard:
		if q.CaseInsensitive != nil && *q.CaseInsensitive {
			return nil, fmt.Errorf("wildcard %s: case_insensitive inside nested is not supported", q.Field)
		}
		parts, err := wildcardParts(q.Value)
		if err != nil {
			return nil, fmt.Errorf("wildcard %s: %w", q.Field, err)
		}
		if len(parts) == 1 {
			return &ast.MatchExpr{Field: field(q.Field), Value: quoted(parts[0])}, nil
		}
		return &ast.MatchExpr{Field: field(q.Field), Value: &ast.Literal{Raw: q.Value, Kind: ast.Wildcard, Parts: parts}}, nil
	case *esdsl.Exists:
		return &ast.MatchExpr{Field: field(q.Field), Value: &ast.Literal{Raw: "*", Kind: ast.Wildcard, Parts: []string{"", ""}}}, nil
	case *esdsl.Range:
		if len(q.Bounds) == 0 {
			return &ast.MatchExpr{Field: field(q.Field), Value: &ast.Literal{Raw: "*", Kind: ast.Wildcard, Parts: []string{"", ""}}}, nil
		}
		var and ast.AndExpr
		for _, b := range q.Bounds {
			op, ok := rangeOps[b.Op]
			if !ok {
				return nil, fmt.Errorf("range %s: unknown bound %q", q.Field, b.Op)
			}
			s, err := scalarText(b.Value)
			if err != nil {
				return nil, fmt.Errorf("range %s.%s: %w", q.Field, b.Op, err)
			}
			and.Args = append(and.Args, &ast.RangeExpr{Field: field(q.Field), Op: op, Value: quoted(s)})
		}
		if len(and.Args) == 1 {
			return and.Args[0], nil
		}
		return &and, nil
	case *esdsl.Nested:
		inner, err := exprOf(q.Query, q.Path)
		if err != nil {
			return nil, err
		}
		return &ast.NestedExpr{Path: field(q.Path), X: inner}, nil
	case *esdsl.Bool:
		return boolExpr(q, nested)
	}
	b, _ := q.MarshalJSON()
	return nil, fmt.Errorf("query %s is not supported in filters", b)
}

// boolExpr is the KQL tree of a bool query inside a nested query, where
// every condition must hold within one element.
func boolExpr(q *esdsl.Bool, nested string) (ast.Expr, error) {
	var and ast.AndExpr
	add := func(qs []esdsl.Query, neg bool) error {
		for _, c := range qs {
			x, err := exprOf(c, nested)
			if err != nil {
				return err
			}
			if neg {
				x = &ast.NotExpr{X: x}
			}
			and.Args = append(and.Args, x)
		}
		return nil
	}
	if err := add(q.Must, false); err != nil {
		return nil, err
	}
	if err := add(q.Filter, false); err != nil {
		return nil, err
	}
	if err := add(q.MustNot, true); err != nil {
		return nil, err
	}
	msm := q.MinimumShouldMatch
	if msm == 0 && len(q.Must) == 0 && len(q.Filter) == 0 && len(q.Should) > 0 {
		msm = 1
	}
	switch {
	case msm > 1:
		return nil, fmt.Errorf("bool: minimum_should_match %d is not supported (only 0 or 1)", msm)
	case msm == 1:
		var or ast.OrExpr
		for _, c := range q.Should {
			x, err := exprOf(c, nested)
			if err != nil {
				return nil, err
			}
			or.Args = append(or.Args, x)
		}
		if len(or.Args) == 1 {
			and.Args = append(and.Args, or.Args[0])
		} else {
			and.Args = append(and.Args, &or)
		}
	}
	switch len(and.Args) {
	case 0:
		return ast.MatchAll(0), nil
	case 1:
		return and.Args[0], nil
	}
	return &and, nil
}

var rangeOps = map[string]ast.RangeOp{"gt": ast.Gt, "gte": ast.Gte, "lt": ast.Lt, "lte": ast.Lte}

func quoted(s string) *ast.Literal {
	return &ast.Literal{Raw: ast.Quote(s), Kind: ast.String, Quoted: true, Text: s}
}

// scalarText returns a DSL value (string, json.Number, bool) as the text
// Kibana would write in KQL.
func scalarText(v any) (string, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case json.Number:
		return v.String(), nil
	case bool:
		if v {
			return "true", nil
		}
		return "false", nil
	case nil:
		return "", errors.New("null is not a value to search for")
	}
	return fmt.Sprint(v), nil
}

// wildcardParts splits an Elasticsearch wildcard pattern at its '*'s; a
// backslash escapes the next character. '?' (any one character) is not
// supported.
func wildcardParts(p string) ([]string, error) {
	var parts []string
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		switch c := p[i]; c {
		case '\\':
			if i+1 < len(p) {
				i++
				b.WriteByte(p[i])
			}
		case '*':
			parts = append(parts, b.String())
			b.Reset()
		case '?':
			return nil, fmt.Errorf("pattern %q: '?' is not supported, only '*'", p)
		default:
			b.WriteByte(c)
		}
	}
	return append(parts, b.String()), nil
}
