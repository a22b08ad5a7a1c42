package eval

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/mapping"
)

// ErrUnsupported is wrapped by the [*CompileError] of a query kind or
// setting that Elasticsearch runs but eval does not replay (a script
// query, a time zone other than UTC, query_string operators...): the
// query is valid, only not replayed. Test it with errors.Is.
var ErrUnsupported = errors.New("not supported")

// CompileQuery prepares the Elasticsearch query q for matching, with
// Elasticsearch's rules for each query kind and field type (the schema of
// [WithSchema] or [WithMapping]): bool (filter, must, should with
// minimum_should_match, must_not), match_all, term, terms, wildcard,
// match, match_phrase, query_string (the subset Kibana writes:
// whitespace-separated clauses OR'ed together, '*' and '?' wildcards,
// backslash escapes), multi_match (lenient, best_fields or phrase, over the listed
// fields or all), range (gt, gte, lt, lte; UTC time zones), exists and
// nested. A script query is refused: nothing here runs Painless.
//
// Values Elasticsearch refuses for the field's type are a [*CompileError]
// (or an [ErrorList]): Elasticsearch throws while building the Lucene
// query (for instance IpFieldMapper.termQuery, "'foo' is not an IP string
// literal", or NumberFieldMapper's parse for a term on a numeric field),
// and the search fails with a failed shard. Where q was built by
// [esdsl.FromKQL], errors and [Program.Explain] point at the KQL literal
// each query node came from ([esdsl.Query].Source); otherwise positions
// are 0.
func CompileQuery(q esdsl.Query, opts ...Option) (*Program, error) {
	return compileQuery(q, newConfig(opts))
}

// compileQuery is CompileQuery with the options applied: Compile,
// CompileQuery and CompileFilters apply them once each.
func compileQuery(q esdsl.Query, cfg config) (*Program, error) {
	if isNil(q) {
		return nil, fmt.Errorf("eval: CompileQuery: nil query")
	}
	c := newCompiler(cfg)
	c.scratch = valueBufs.Get().(*[]value)
	root := c.query(q)
	clear(*c.scratch) // it points into the query's literals
	if cap(*c.scratch) <= maxPooledValues {
		valueBufs.Put(c.scratch)
	}
	c.scratch = nil
	if err := c.err(); err != nil {
		return nil, err
	}
	return &Program{root: root, dsl: q, schema: c.schema, mapping: c.mapping}, nil
}

// CompileFilters prepares Kibana's search for the KQL query q (already
// translated by [esdsl.FromKQL], nil for none) and a rule's filters, ANDed
// as Kibana's buildEsQuery does ([esdsl.BuildEsQuery]: the query and the
// filters in bool.filter, the negated ones in bool.must_not, a filter on
// a field of a nested object wrapped in a nested query). Read Kibana's
// filter objects with [esdsl.ParseFilters], which leaves the disabled ones
// out and sets Negate from meta.negate. The data view is the schema's,
// and the configuration that of [WithKibanaConfig]. For a rule:
//
//	q, err := esdsl.FromKQL(expr, schema.View(), cfg)
//	filters, err := esdsl.ParseFilters(ruleFiltersJSON)
//	p, err := eval.CompileFilters(q, filters, eval.WithSchema(schema), eval.WithKibanaConfig(cfg))
func CompileFilters(q esdsl.Query, filters []esdsl.Filter, opts ...Option) (*Program, error) {
	cfg := newConfig(opts)
	b := esdsl.BuildEsQuery(q, filters, cfg.view, cfg.kibana)
	return compileQuery(b, cfg)
}

func newCompiler(cfg config) *compiler {
	var m mapper = fullMapping(cfg.mapping)
	if cfg.mapping == nil {
		m = ecsSchema(cfg.schema)
	}
	return &compiler{schema: cfg.schema, mapping: m, clock: cfg.clock, shared: cfg.ecs && cfg.mapping == nil}
}

// valueBufs holds the compilers' scratch slices of values (values).
var valueBufs = sync.Pool{New: func() any { return new([]value) }}

// maxPooledValues bounds the scratch slices kept for reuse, so that one
// huge list of values does not hold its memory.
const maxPooledValues = 1 << 12

// values returns n values to fill for one leaf's list (a terms query, the
// should clauses shouldNodes merges): from c's scratch, which the next
// list overwrites. That is safe as a leaf's values are read while its
// matcher is compiled and no node nor matcher keeps the slice (they copy
// what they keep out of its values), and no other leaf is compiled
// meanwhile. A compiler without scratch makes the slice.
func (c *compiler) values(n int) []value {
	if c.scratch == nil {
		return make([]value, n)
	}
	if cap(*c.scratch) < n {
		*c.scratch = make([]value, n)
	}
	vals := (*c.scratch)[:n]
	clear(vals)
	return vals
}

func (c *compiler) err() error {
	switch len(c.errs) {
	case 0:
		return nil
	case 1:
		return c.errs[0]
	}
	return ErrorList(c.errs)
}

// sourceLit returns the KQL literal a leaf query was built from, and its
// KQL field name literal (nil for free text).
func sourceLit(q esdsl.Query) (field, value *ast.Literal) {
	switch s := q.Source().(type) {
	case *ast.MatchExpr:
		l, _ := s.Value.(*ast.Literal)
		return s.Field, l
	case *ast.TextExpr:
		return nil, s.Value
	case *ast.RangeExpr:
		return s.Field, s.Value
	case *ast.Literal:
		return nil, s
	}
	return nil, nil
}

// isNil reports a nil query, typed (a nil *esdsl.Term) or not.
func isNil(q esdsl.Query) bool {
	if q == nil {
		return true
	}
	switch q := q.(type) {
	case *esdsl.Bool:
		return q == nil
	case *esdsl.MatchAll:
		return q == nil
	case *esdsl.Term:
		return q == nil
	case *esdsl.Terms:
		return q == nil
	case *esdsl.Wildcard:
		return q == nil
	case *esdsl.Match:
		return q == nil
	case *esdsl.MatchPhrase:
		return q == nil
	case *esdsl.QueryString:
		return q == nil
	case *esdsl.MultiMatch:
		return q == nil
	case *esdsl.Range:
		return q == nil
	case *esdsl.Exists:
		return q == nil
	case *esdsl.Nested:
		return q == nil
	case *esdsl.Script:
		return q == nil
	case *esdsl.Prefix:
		return q == nil
	case *esdsl.Regexp:
		return q == nil
	case *esdsl.ScriptQuery:
		return q == nil
	}
	return false
}

// posOf returns the position errors about q point at.
func posOf(q esdsl.Query) (ast.Pos, ast.Pos) {
	if _, l := sourceLit(q); l != nil {
		return l.Pos(), l.End()
	}
	if n := q.Source(); n != nil {
		return n.Pos(), n.End()
	}
	return 0, 0
}

func (c *compiler) errorAt(q esdsl.Query, field, format string, args ...any) {
	p, e := posOf(q)
	c.errs = append(c.errs, &CompileError{Pos: p, End: e, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// unsupportedAt reports a query eval does not replay: its error wraps
// ErrUnsupported.
func (c *compiler) unsupportedAt(q esdsl.Query, field, format string, args ...any) {
	c.errorAt(q, field, format, args...)
	c.errs[len(c.errs)-1].Err = ErrUnsupported
}

// errorOf reports err about q, an unsupported one when it wraps
// ErrUnsupported.
func (c *compiler) errorOf(q esdsl.Query, field string, err error) {
	if errors.Is(err, ErrUnsupported) {
		c.unsupportedAt(q, field, "%v", err)
		return
	}
	c.errorAt(q, field, "%v", err)
}

// fieldOf is the field named full (Kibana writes full names inside nested
// queries) relative to the compiler's nested scope.
func (c *compiler) fieldOf(full string) *field {
	if f := c.fields[full]; f != nil {
		return f
	}
	if c.shared {
		if f, ok := ecsFields.Load(full); ok {
			return f.(*field)
		}
	}
	f := c.newField(full)
	if c.shared && ecsFieldCount.Load() < maxECSFields {
		kept, loaded := ecsFields.LoadOrStore(full, f)
		if !loaded {
			ecsFieldCount.Add(1)
		}
		return kept.(*field) // one field a name, whoever made it
	}
	if c.fields == nil {
		c.fields = map[string]*field{}
	}
	c.fields[full] = f
	return f
}

// ecsFields holds the fields of the default schema that compilers
// without a nested scope made (fieldOf), by full name, for all such
// compilers: such a field depends on its name alone, and nothing
// changes a field once made. Its size is bounded by maxECSFields
// (ecsFieldCount), past which a compiler keeps the fields it makes.
var (
	ecsFields     sync.Map // string → *field
	ecsFieldCount atomic.Int64
)

// maxECSFields bounds ecsFields: Elastic's rules name about 2,000
// fields.
const maxECSFields = 1 << 14

// newField makes the field fieldOf returns.
func (c *compiler) newField(full string) *field {
	name := full
	if c.scope != "" && strings.HasPrefix(full, c.scope+".") {
		name = full[len(c.scope)+1:]
	}
	f := &field{path: NewPath(name), full: full, typ: c.schema.Lookup(full), fm: c.mapping.lookup(full)}
	f.fm.Type = f.typ
	if parent := c.schema.MultiFieldParent(full); parent != "" {
		f.source = NewPath(name[:len(name)-(len(full)-len(parent))])
	}
	if np := c.schema.NestedPath(full); np != "" && len(np) > len(c.scope) {
		f.outside = np
	}
	return f
}

// nodeLabel is the text a node shows in a trace ([Trace.Query]), made
// when a trace asks for it (String): compiling builds no text that only
// Explain reads. Its query is the node's own, which the program keeps
// ([Program.DSL]). It is two words of memory, as a leaf holds one: what
// kind of label it is is the type of q.
type nodeLabel struct {
	// q is nil: text is the label; an esdsl.Query: labelOf(q, text) (a
	// nested query: its KQL); a mergedLabel or an anyFieldLabel: theirs
	q    any
	text string // the label, or the field name the label of q names
}

// mergedLabel is the label of the should clauses of b merged on the
// field of the label's text (shouldNodes): a struct of one pointer, which
// nodeLabel holds without allocating.
type mergedLabel struct{ b *esdsl.Bool }

// anyFieldLabel is the label of free text or a field pattern (q): the
// KQL, else labelOf(q, "").
type anyFieldLabel struct{ q esdsl.Query }

// fixedLabel is a label of fixed text.
func fixedLabel(text string) nodeLabel { return nodeLabel{text: text} }

// queryLabel is the label of the leaf q on field (labelOf).
func queryLabel(q esdsl.Query, field string) nodeLabel {
	return nodeLabel{q: q, text: field} // a nil q is a nil q still
}

// anyFieldQueryLabel is the label of free text or a field pattern q
// (anyFieldLabel).
func anyFieldQueryLabel(q esdsl.Query) nodeLabel {
	if q == nil {
		return nodeLabel{}
	}
	return nodeLabel{q: anyFieldLabel{q}}
}

func (l nodeLabel) String() string {
	switch q := l.q.(type) {
	case nil:
		return l.text
	case anyFieldLabel:
		if fl, v := sourceLit(q.q); fl != nil && v != nil {
			return ast.Print(fl) + ":" + ast.Print(v)
		}
		return labelOf(q.q, "")
	case mergedLabel:
		qs := q.b.Should
		_, last, merged := mergedClauses(qs)
		lits := make([]ast.Value, len(merged))
		for i, j := range merged {
			_, lits[i], _ = mergeable(single(qs[j]))
		}
		fl, _ := sourceLit(last)
		return ast.Print(fl) + ":(" + ast.Print(&ast.OrValue{Args: lits}) + ")"
	case *esdsl.Nested:
		if x, ok := q.Source().(*ast.NestedExpr); ok {
			return ast.Print(x)
		}
		return labelOf(q, l.text)
	case esdsl.Query:
		return labelOf(q, l.text)
	}
	return l.text // not reached: the constructors above make every label
}

// labelOf is the text a leaf shows in a trace: the KQL it came from, with
// the field Kibana expanded a wildcard field name to.
func labelOf(q esdsl.Query, field string) string {
	fl, l := sourceLit(q)
	if l != nil && fl != nil {
		name := ast.Print(fl)
		if fl.Kind == ast.Wildcard {
			name = field
		}
		if rx, ok := q.Source().(*ast.RangeExpr); ok {
			return name + " " + rx.Op.String() + " " + ast.Print(l)
		}
		return name + ":" + ast.Print(l)
	}
	if l != nil {
		return ast.Print(l)
	}
	b, err := q.MarshalJSON()
	if err != nil {
		return fmt.Sprintf("%T", q)
	}
	return string(b)
}

func (c *compiler) query(q esdsl.Query) node {
	if isNil(q) {
		c.errs = append(c.errs, &CompileError{Field: "", Msg: "a nil query"})
		return &constNode{label: fixedLabel("nil")}
	}
	switch q := q.(type) {
	case *esdsl.Bool:
		return c.boolQuery(q)
	case *esdsl.MatchAll:
		lbl := "*:*"
		if q.Source() == nil {
			lbl = "match_all"
		}
		return &constNode{val: true, label: fixedLabel(lbl), note: "matches every event"}
	case *esdsl.Term:
		vals := []value{valueOf(q, q.Value)}
		if n := c.rawText(q, q.Field, vals, q.CaseInsensitive); n != nil {
			return n
		}
		return c.leaf(q, q.Field, vals, q.CaseInsensitive)
	case *esdsl.Terms:
		vals := c.values(len(q.Values))
		for i, v := range q.Values {
			vals[i] = valueOf(q, v)
		}
		if n := c.rawText(q, q.Field, vals, nil); n != nil {
			return n
		}
		return c.leaf(q, q.Field, vals, nil)
	case *esdsl.Wildcard:
		v, err := wildcardValue(q)
		if err != nil {
			c.errorOf(q, q.Field, err)
			return &constNode{label: queryLabel(q, q.Field)}
		}
		vals := []value{v}
		if n := c.rawText(q, q.Field, vals, q.CaseInsensitive); n != nil {
			return n
		}
		return c.leaf(q, q.Field, vals, q.CaseInsensitive)
	case *esdsl.Match:
		return c.leaf(q, q.Field, []value{valueOf(q, q.Query)}, nil)
	case *esdsl.MatchPhrase:
		return c.leaf(q, q.Field, []value{valueOf(q, q.Query).asPhrase()}, nil)
	case *esdsl.QueryString:
		return c.queryString(q)
	case *esdsl.MultiMatch:
		v := valueOf(q, q.Query)
		if q.Type == "phrase" {
			v = v.asPhrase()
		} else if q.Type != "best_fields" && q.Type != "" {
			c.unsupportedAt(q, "*", "multi_match type %q is not supported (best_fields or phrase)", q.Type)
		}
		return c.anyFieldQuery(q, q.Fields, []value{v})
	case *esdsl.Range:
		return c.rangeQuery(q)
	case *esdsl.Exists:
		p, e := posOf(q)
		return c.leaf(q, q.Field, []value{starValue(p, e)}, nil)
	case *esdsl.Nested:
		return c.nestedQuery(q)
	case *esdsl.Prefix:
		return c.prefixQuery(q)
	case *esdsl.Regexp:
		return c.regexpQuery(q)
	case *esdsl.ScriptQuery:
		return c.scriptQuery(q)
	case *esdsl.Script:
		c.unsupportedAt(q, "", "a script query is not supported: kqlrules does not run Painless scripts (%q)", q.ScriptSource)
		return &constNode{label: fixedLabel("script")}
	}
	c.unsupportedAt(q, "", "query %T is not supported", q)
	return &constNode{label: fixedLabel(fmt.Sprintf("%T", q))}
}

// boolQuery is BoolQueryBuilder: must and filter all hold, at least
// minimum_should_match of should hold (1 when there is no must or filter
// and it is not set, else 0), no must_not holds. A bool without clauses
// is a match_all (BoolQueryBuilder.doToQuery).
func (c *compiler) boolQuery(q *esdsl.Bool) node {
	msm := q.MinimumShouldMatch
	if msm == 0 && len(q.Must)+len(q.Filter) == 0 {
		msm = 1
	}
	withShould := len(q.Should) > 0 && msm > 0
	n := len(q.Must) + len(q.Filter) + len(q.MustNot)
	if withShould {
		n++
	}
	// one clause (a bool of should clauses only, say): its node, without
	// a list of one
	switch {
	case n == 0:
		return &constNode{val: true, label: fixedLabel("*:*"), note: "a bool query without clauses matches every event"}
	case n == 1 && withShould:
		return c.shouldNode(q, msm)
	case n == 1 && len(q.Must) == 1:
		return c.query(q.Must[0])
	case n == 1 && len(q.Filter) == 1:
		return c.query(q.Filter[0])
	case n == 1:
		return &notNode{x: c.query(q.MustNot[0])}
	}
	all := make([]node, 0, n)
	for _, x := range q.Must {
		all = append(all, c.query(x))
	}
	for _, x := range q.Filter {
		all = append(all, c.query(x))
	}
	if withShould {
		all = append(all, c.shouldNode(q, msm))
	}
	for _, x := range q.MustNot {
		all = append(all, &notNode{x: c.query(x)})
	}
	return &andNode{xs: all}
}

// shouldNode is the node of a bool's should clauses when at least msm
// (> 0) of them must hold.
func (c *compiler) shouldNode(q *esdsl.Bool, msm int) node {
	switch should := c.shouldNodes(q); {
	case msm > len(should):
		return &constNode{label: fixedLabel("should"), note: fmt.Sprintf("minimum_should_match %d is more than the %d should clauses", msm, len(should))}
	case msm == 1 && len(should) == 1:
		return should[0]
	case msm == 1:
		return newOrNode(should)
	case msm == len(should):
		return &andNode{xs: should}
	default:
		return &atLeastNode{k: msm, xs: should}
	}
}

// shouldNodes compiles should clauses, merging the term, wildcard, match
// and match_phrase queries of one field that Kibana builds for a KQL value
// list ("f:(a or b)") into one matcher (one set lookup, one read of the
// field), which matches as their disjunction does: Kibana chose each
// query kind from the field's type and the literal, and so does the
// matcher.
func (c *compiler) shouldNodes(b *esdsl.Bool) []node {
	qs := b.Should
	field, last, merged := mergedClauses(qs)
	out := make([]node, 0, len(qs))
	if len(merged) > 1 {
		vals := c.values(len(merged))
		for i, j := range merged {
			_, l, _ := mergeable(single(qs[j]))
			vals[i] = kqlValue(l)
		}
		out = append(out, c.fieldLeaf(last, field, vals, nil, nodeLabel{q: mergedLabel{b}, text: field}))
	} else {
		merged = nil
	}
	for i, x := range qs {
		if len(merged) > 0 && merged[0] == i {
			merged = merged[1:]
			continue
		}
		out = append(out, c.query(x))
	}
	return out
}

// mergedClauses returns the should clauses shouldNodes merges: the field
// of the first mergeable clause, the last clause merged, and the indexes
// in qs of the mergeable clauses on that field.
func mergedClauses(qs []esdsl.Query) (field string, last esdsl.Query, merged []int) {
	for i, x := range qs {
		x = single(x)
		f, _, ok := mergeable(x)
		if !ok || (field != "" && f != field) {
			continue
		}
		if merged == nil {
			merged = make([]int, 0, len(qs)-i)
		}
		field, last = f, x
		merged = append(merged, i)
	}
	return field, last, merged
}

// single unwraps Kibana's one-clause should bools.
func single(q esdsl.Query) esdsl.Query {
	for {
		b, ok := q.(*esdsl.Bool)
		if !ok || len(b.Should) != 1 || len(b.Must)+len(b.Filter)+len(b.MustNot) > 0 || b.MinimumShouldMatch > 1 {
			return q
		}
		q = b.Should[0]
	}
}

// mergeable returns the field and KQL literal of a leaf Kibana built from
// a KQL value on a named field.
func mergeable(q esdsl.Query) (string, *ast.Literal, bool) {
	var field string
	switch q := q.(type) {
	case *esdsl.Term:
		if q.CaseInsensitive != nil && *q.CaseInsensitive {
			return "", nil, false
		}
		field = q.Field
	case *esdsl.Wildcard:
		if q.CaseInsensitive != nil && *q.CaseInsensitive {
			return "", nil, false
		}
		field = q.Field
	case *esdsl.Match:
		field = q.Field
	case *esdsl.MatchPhrase:
		field = q.Field
	default:
		return "", nil, false
	}
	fl, l := sourceLit(q)
	if fl == nil || l == nil || fl.Kind == ast.Wildcard || strings.Contains(field, "*") {
		return "", nil, false
	}
	return field, l, true
}

// rawText compiles a term, terms or wildcard query on a text field, which
// Kibana never sends but DSL may hold: the value is not analysed
// (TermQueryBuilder; WildcardQueryBuilder calls StringFieldType.wildcardQuery,
// not the normalizedWildcardQuery query_string uses), so it matches only an
// indexed token equal to it, lowercase ("Error" matches nothing on a
// standard analysed field, "error" the token). It returns nil for any
// other case.
func (c *compiler) rawText(q esdsl.Query, name string, vals []value, ci *bool) node {
	if q.Source() != nil || strings.Contains(name, "*") || ci != nil && *ci {
		return nil
	}
	f := c.fieldOf(name)
	if familyOf(f.typ) != famText || f.outside != "" {
		return nil
	}
	m := &textMatcher{}
	for _, v := range vals {
		switch {
		case v.kind == ast.Wildcard:
			m.qs = append(m.qs, textQuery{glob: v.glob})
		case v.kind == ast.String:
			if toks := tokens(v.text); len(toks) == 1 && toks[0] == v.text {
				m.qs = append(m.qs, textQuery{terms: toks})
			}
		}
	}
	var v Visitor = m
	if len(m.qs) == 0 {
		v = noneMatcher{}
	}
	return &leafNode{path: f.path, source: f.source, m: v, label: queryLabel(q, name)}
}

// leaf compiles a test of vals on the field name (which may be a pattern).
func (c *compiler) leaf(q esdsl.Query, name string, vals []value, ci *bool) node {
	return c.fieldLeaf(q, name, vals, ci, queryLabel(q, name))
}

func (c *compiler) fieldLeaf(q esdsl.Query, name string, vals []value, ci *bool, lbl nodeLabel) node {
	if strings.Contains(name, "*") {
		if _, known := c.schema[name]; !known {
			// A field pattern Kibana did not expand (no data view field
			// fits it): Elasticsearch resolves it against the mapping.
			return c.anyFieldQuery(q, []string{name}, vals)
		}
	}
	f := c.fieldOf(name)
	if f.outside != "" {
		return c.outsideNested(f, lbl)
	}
	var m Visitor
	if ci != nil && *ci && familyOf(f.typ) == famKeyword {
		// caseInsensitive replaces the keyword matcher: only its
		// errors are wanted
		c.dropNulls(vals, f.full)
		m = caseInsensitive(nil, f, vals)
	} else {
		m = c.matcher(f, vals)
		if ci != nil && *ci {
			m = caseInsensitive(m, f, vals)
		}
	}
	return &leafNode{path: f.path, source: f.source, m: m, label: lbl}
}

// anyFieldQuery is a lenient test of vals on every field whose name fits
// one of the patterns (all fields when there are none), as multi_match and
// query_string do with index.query.default_field "*".
func (c *compiler) anyFieldQuery(q esdsl.Query, names []string, vals []value) node {
	n := &anyFieldNode{schema: c.schema, label: anyFieldQueryLabel(q)}
	for _, name := range names {
		if name == "*" {
			n.names = nil
			break
		}
		n.names = append(n.names, &glob{parts: strings.Split(name, "*")})
	}
	kept := vals
	if slices.ContainsFunc(vals, func(v value) bool { return v.kind == ast.Null }) {
		kept = nil
		for _, v := range vals {
			if v.kind == ast.Null {
				c.nullError(v, labelOfNames(names, v))
				continue
			}
			kept = append(kept, v)
		}
	}
	for fam := famUnknown; fam <= famOther; fam++ {
		n.byFam[fam] = c.lenientMatcher(fam, kept)
	}
	return n
}

func labelOfNames(names []string, v value) string {
	if len(names) == 0 {
		return v.String()
	}
	return strings.Join(names, ",") + ":" + v.String()
}

// valueOf returns the value of q: the KQL literal it was built from, or
// its DSL value x.
func valueOf(q esdsl.Query, x any) value {
	if _, l := sourceLit(q); l != nil {
		return kqlValue(l)
	}
	p, e := posOf(q)
	return dslValue(x, p, e)
}

// wildcardValue reads a wildcard query's value: the KQL pattern it was
// built from, or its value with Lucene's wildcard syntax
// (WildcardQuery.toAutomaton): '*' any run, '?' exactly one code point,
// '\' escapes the next character.
func wildcardValue(q *esdsl.Wildcard) (value, error) {
	if _, l := sourceLit(q); l != nil && l.Kind == ast.Wildcard {
		return kqlValue(l), nil
	}
	parts, ops, err := splitWildcard(q.Value, false)
	if err != nil {
		return value{}, err
	}
	p, e := posOf(q)
	return patternValue(parts, ops, q.Value, p, e), nil
}

// splitWildcard splits a wildcard or query_string term at its unescaped
// '*'s and '?'s, and returns with the pieces the pattern's steps when it
// has a '?' (nil otherwise). For query_string, the other unescaped
// special characters of the Lucene syntax are refused as ErrUnsupported.
func splitWildcard(s string, queryString bool) (parts []string, ops []wildOp, err error) {
	// A piece is a substring of s unless it has an escape: it is then
	// copied into b. A literal step is its piece.
	var b []byte
	start, escaped := 0, false // where the piece began; whether b holds it
	qmark := hasQmark(s)
	// a piece after each '*' or '?' (an escaped one makes room for none)
	parts = make([]string, 0, 1+strings.Count(s, "*")+strings.Count(s, "?"))
	piece := func(end int) string {
		if escaped {
			return string(b)
		}
		return s[start:end]
	}
	cut := func(i int, kind wildKind) {
		p := piece(i)
		parts = append(parts, p)
		if qmark {
			if p != "" {
				ops = appendWildOp(ops, wildOp{kind: opLit, lit: p})
			}
			ops = appendWildOp(ops, wildOp{kind: kind})
		}
		b, start, escaped = b[:0], i+1, false
	}
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\\' && i+1 == len(s) && !queryString:
			// WildcardQuery.toAutomaton ("lenient parsing with a
			// trailing \"), the backslash itself
			if escaped {
				b = append(b, ch)
			}
		case ch == '\\':
			if i+1 == len(s) {
				return nil, nil, fmt.Errorf("%q ends with a lone backslash", s)
			}
			if !escaped {
				b, escaped = append(b[:0], s[start:i]...), true
			}
			i++
			b = append(b, s[i])
		case ch == '*':
			cut(i, opAny)
		case ch == '?':
			cut(i, opOne)
		case queryString && strings.IndexByte(`+-=&|><!(){}[]^"~:/`, ch) >= 0:
			return nil, nil, fmt.Errorf("query_string syntax %q in %q is %w (only terms, '*', '?' and escapes)", ch, s, ErrUnsupported)
		default:
			if escaped {
				b = append(b, ch)
			}
		}
	}
	p := piece(len(s))
	parts = append(parts, p)
	if !qmark {
		return parts, nil, nil
	}
	if p != "" {
		ops = appendWildOp(ops, wildOp{kind: opLit, lit: p})
	}
	return parts, ops, nil
}

// hasQmark reports whether the pattern s has an unescaped '?'.
func hasQmark(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\\':
			i++
		case '?':
			return true
		}
	}
	return false
}

// queryClauses splits a query_string query at unescaped whitespace: with
// default_operator OR, Lucene's classic query parser ORs the clauses.
func queryClauses(s string) []string {
	var out []string
	start := -1
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch == '\\' && i+1 < len(s) {
			if start < 0 {
				start = i
			}
			i++
			continue
		}
		if ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' {
			if start >= 0 {
				out = append(out, s[start:i])
				start = -1
			}
			continue
		}
		if start < 0 {
			start = i
		}
	}
	if start >= 0 {
		out = append(out, s[start:])
	}
	return out
}

// queryString is the query_string query as Kibana writes it for a
// wildcard value on a field that is not exactly keyword, and for free
// text with a wildcard: each whitespace-separated clause is a term or
// wildcard query on the field (QueryStringQueryParser), OR'ed together
// (default_operator OR). On a keyword-like field (keyword, wildcard,
// constant_keyword...) a clause tests the whole value; on a text field
// the analysed terms. Without fields, it searches every field leniently
// (index.query.default_field "*" makes QueryStringQueryBuilder lenient).
func (c *compiler) queryString(q *esdsl.QueryString) node {
	clauses := queryClauses(q.Query)
	p, e := posOf(q)
	var vals []value
	_, src := sourceLit(q)
	for _, cl := range clauses {
		parts, ops, err := splitWildcard(cl, true)
		if err != nil {
			c.errorOf(q, strings.Join(q.Fields, ","), err)
			continue
		}
		if len(clauses) == 1 && src != nil {
			vals = append(vals, kqlValue(src))
			continue
		}
		vals = append(vals, patternValue(parts, ops, cl, p, e))
	}
	if len(vals) == 0 {
		return &constNode{label: queryLabel(q, "")}
	}
	if len(q.Fields) == 0 {
		return c.anyFieldQuery(q, nil, vals)
	}
	var xs []node
	for _, name := range q.Fields {
		for _, v := range vals {
			lbl := queryLabel(q, name)
			if len(vals) > 1 {
				lbl = fixedLabel(labelOf(q, name) + " (clause " + v.String() + ")")
			}
			xs = append(xs, c.fieldLeaf(q, name, []value{v}, nil, lbl))
		}
	}
	if len(xs) == 1 {
		return xs[0]
	}
	return newOrNode(xs)
}

// rangeQuery is RangeQueryBuilder: every bound holds. Dates round as
// Elasticsearch's date math does; only UTC time zones are supported.
func (c *compiler) rangeQuery(q *esdsl.Range) node {
	f := c.fieldOf(q.Field)
	lbl := queryLabel(q, q.Field)
	if strings.Contains(q.Field, "*") {
		c.unsupportedAt(q, q.Field, "a range on a wildcard field name is not supported")
		return &constNode{label: lbl}
	}
	if f.outside != "" {
		return c.outsideNested(f, lbl)
	}
	switch q.TimeZone {
	case "", "UTC", "Z", "Zulu", "Etc/UTC", "GMT", "+00:00", "-00:00":
	default:
		c.unsupportedAt(q, f.full, "time_zone %q is not supported (only UTC)", q.TimeZone)
	}
	switch q.Format {
	case "", "strict_date_optional_time", "date_optional_time", "epoch_millis", "strict_date_optional_time||epoch_millis":
	default:
		c.unsupportedAt(q, f.full, "date format %q is not supported", q.Format)
	}
	_, src := sourceLit(q)
	var ms allOf
	var lo, hi *value
	var loOp, hiOp ast.RangeOp
	for _, b := range q.Bounds {
		op, ok := rangeOps[b.Op]
		if !ok {
			c.errorAt(q, f.full, "unknown range bound %q", b.Op)
			continue
		}
		var v value
		if src == nil || len(q.Bounds) > 1 && familyOf(f.typ) != famDate {
			p, e := posOf(q)
			v = dslValue(b.Value, p, e)
		} else {
			v = kqlValue(src)
		}
		if familyOf(f.typ) == famDate {
			if op == ast.Gt || op == ast.Gte {
				lo, loOp = &v, op
			} else {
				hi, hiOp = &v, op
			}
			continue
		}
		ms = append(ms, c.rangeMatcher(f, op, v))
	}
	if familyOf(f.typ) == famDate {
		var dlo, dhi *dateMath
		var ok = true
		if lo != nil {
			dlo, ok = c.date(f, *lo)
		}
		if hi != nil && ok {
			dhi, ok = c.date(f, *hi)
		}
		if !ok {
			return &leafNode{path: f.path, source: f.source, m: noneMatcher{}, label: lbl}
		}
		var loAdj, hiAdj int64
		if lo != nil && loOp == ast.Gt {
			loAdj = 1
		}
		if hi != nil && hiOp == ast.Lt {
			hiAdj = -1
		}
		m := newDateMatcher(dlo, dhi, lo != nil && loOp == ast.Gt, hi != nil && hiOp == ast.Lte, loAdj, hiAdj, c.clock)
		return &leafNode{path: f.path, source: f.source, m: m, label: lbl}
	}
	var m Visitor = ms
	if len(ms) == 1 {
		m = ms[0]
	} else if len(ms) == 0 {
		m = existsMatcher{&f.fm}
	}
	return &leafNode{path: f.path, source: f.source, m: m, label: lbl}
}

var rangeOps = map[string]ast.RangeOp{"gt": ast.Gt, "gte": ast.Gte, "lt": ast.Lt, "lte": ast.Lte}

// allOf holds when every matcher holds for the one value.
type allOf []Visitor

func (ms allOf) Visit(x any) bool {
	for _, m := range ms {
		if !m.Visit(x) {
			return false
		}
	}
	return true
}

// VisitString implements [StringVisitor].
func (ms allOf) VisitString(s string) bool {
	for _, m := range ms {
		if !visitString(m, s) {
			return false
		}
	}
	return true
}

// VisitNumber implements [NumberVisitor].
func (ms allOf) VisitNumber(t string) bool {
	for _, m := range ms {
		if !visitNumber(m, t) {
			return false
		}
	}
	return true
}

// nestedQuery is NestedQueryBuilder: the query must hold within one
// element of the nested field. An unmapped path is an error unless
// ignore_unmapped, which then matches nothing.
func (c *compiler) nestedQuery(q *esdsl.Nested) node {
	f := c.fieldOf(q.Path)
	lbl := queryLabel(q, q.Path) // the KQL of a NestedExpr
	if f.typ != mapping.Nested && f.typ != mapping.Unknown {
		if q.IgnoreUnmapped != nil && *q.IgnoreUnmapped {
			return &constNode{label: lbl, note: q.Path + " is not a nested field (ignore_unmapped)"}
		}
		if x, ok := q.Source().(*ast.NestedExpr); ok {
			c.errorf(kqlValue(x.Path), f.full, "a nested query needs a nested field, and %s is %s", f.full, f.typ)
		} else {
			c.errorAt(q, f.full, "a nested query needs a nested field, and %s is %s", f.full, f.typ)
		}
	}
	sub := &compiler{schema: c.schema, mapping: c.mapping, clock: c.clock, scope: f.full}
	n := &nestedNode{path: f.path, x: sub.query(q.Query), label: lbl}
	c.errs = append(c.errs, sub.errs...)
	return n
}

// atLeastNode holds when at least k of its operands hold
// (minimum_should_match above 1).
type atLeastNode struct {
	k  int
	xs []node
}

func (n *atLeastNode) match(e Event) bool {
	held := 0
	for i, x := range n.xs {
		if x.match(e) {
			held++
			if held >= n.k {
				return true
			}
		}
		if held+len(n.xs)-i-1 < n.k {
			return false
		}
	}
	return false
}

func (n *atLeastNode) explain(e Event) *Trace {
	t := &Trace{Query: fmt.Sprintf("at least %d of", n.k)}
	held := 0
	for _, x := range n.xs {
		c := x.explain(e)
		if c.Held {
			held++
		}
		t.Children = append(t.Children, c)
	}
	t.Held = held >= n.k
	return t
}

// caseInsensitive is a term or wildcard query with case_insensitive
// true on a keyword-like field: values compare with Unicode case folding
// (AutomatonQueries.toCaseInsensitiveString). Match allocates only to
// lowercase non-ASCII text for a wildcard.
func caseInsensitive(m Visitor, f *field, vals []value) Visitor {
	if familyOf(f.typ) != famKeyword && f.typ != mapping.Unknown {
		return m
	}
	ci := &foldMatcher{f: &f.fm}
	ci.exact, ci.globs = keywordLists(vals)
	for _, v := range vals {
		if v.kind == ast.Wildcard {
			ci.globs = append(ci.globs, lowerGlob(v.glob))
		} else {
			ci.exact = append(ci.exact, v.text)
		}
	}
	return ci
}

// lowerGlob is g.lower(), sharing g's parts and ops when lowercasing
// changes none of its text (strings.ToLower makes no string then): a
// glob is not changed once made, and two matchers may share it, so the
// lowered glob is a new one, with its own need.
func lowerGlob(g *glob) *glob {
	for _, p := range g.parts {
		if strings.ToLower(p) != p {
			return g.lower()
		}
	}
	for _, op := range g.ops {
		if strings.ToLower(op.lit) != op.lit {
			return g.lower()
		}
	}
	l := &glob{parts: g.parts, ops: g.ops}
	l.fillNeed()
	return l
}

type foldMatcher struct {
	exact []string
	globs []*glob
	f     *fieldMapping
}

// Visit compares the text a keyword field indexes for x (a number or
// boolean as its text; nothing beyond ignore_above).
func (m *foldMatcher) Visit(x any) bool {
	s, ok := x.(string)
	if !ok {
		if s, ok = KeywordText(x); !ok {
			return false
		}
	}
	return m.VisitString(s)
}

// VisitNumber implements [NumberVisitor]: a number matches through its
// text.
func (m *foldMatcher) VisitNumber(t string) bool { return m.VisitString(t) }

// VisitString implements [StringVisitor].
func (m *foldMatcher) VisitString(s string) bool {
	if m.f.tooLong(s) {
		return false
	}
	for _, e := range m.exact {
		if strings.EqualFold(s, e) {
			return true
		}
	}
	if len(m.globs) > 0 {
		low, buf := lowerNoAlloc(s)
		defer releaseLower(buf)
		return m.matchGlobs(low, len(m.globs) >= prefilterGlobs)
	}
	return false
}

// prefilterGlobs is the number of patterns from which foldMatcher lists
// the bytes of a text first (Elastic's SQL injection rule has 50 like~
// patterns on url.original, which rarely match).
const prefilterGlobs = 4

// matchGlobs reports whether a pattern matches low, the lowercased text.
// With prefilter, it first lists the bytes of low and passes over the
// patterns whose literal text has a byte low has not: the answer is the
// same, as literal text compares byte by byte.
func (m *foldMatcher) matchGlobs(low string, prefilter bool) bool {
	var in byteSet
	if prefilter {
		in.addString(low)
	}
	for _, g := range m.globs {
		if prefilter && !in.holds(&g.need) {
			continue
		}
		if g.match(low) {
			return true
		}
	}
	return false
}
