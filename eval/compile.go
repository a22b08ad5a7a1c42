package eval

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/cidr"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/mapping"
)

// Option configures [Compile].
type Option func(*config)

type config struct {
	// schema is the field types; ecs: it is [defaultSchema], as no
	// option set one
	schema  mapping.Schema
	ecs     bool
	view    mapping.Fields // the schema's data view
	mapping mapping.Mapping
	clock   func() time.Time
	kibana  esdsl.Config
}

func newConfig(opts []Option) config {
	var cfg config
	if len(opts) == 0 {
		// the defaults alone: cfg is not handed to an option, which
		// would make it escape (a compile of a rule's query has no
		// options, and allocates nothing here)
		cfg = defaultConfig()
	} else {
		cfg = optionConfig(opts)
	}
	if cfg.schema == nil {
		cfg.schema, cfg.view, cfg.ecs = defaultSchema(), defaultView(), true
	} else {
		cfg.view = cfg.schema.View()
	}
	return cfg
}

// defaultConfig is the configuration of no option.
func defaultConfig() config {
	return config{clock: time.Now, kibana: esdsl.Config{AllowLeadingWildcards: true}}
}

// optionConfig is defaultConfig with opts applied.
func optionConfig(opts []Option) config {
	cfg := defaultConfig()
	for _, o := range opts {
		o(&cfg)
	}
	return cfg
}

// defaultView is the data view of [defaultSchema], built once: every
// compile reads it, and a wildcard field name walks all its fields.
var defaultView = sync.OnceValue(func() mapping.Fields { return defaultSchema().IndexedView() })

// WithKibanaConfig sets the Kibana settings [Compile] translates the KQL
// with ([esdsl.FromKQL]): case_insensitive, dateFormat:tz, leading
// wildcards, nested ignore_unmapped. The default is Kibana's defaults
// with leading wildcards allowed, as the detection engine allows them
// ([esdsl.DetectionEngineConfig] also sets the time zone, which only UTC
// zones can be).
func WithKibanaConfig(k esdsl.Config) Option {
	return func(c *config) { c.kibana = k }
}

// WithSchema sets the field types. Without it (and without [WithMapping]),
// Compile uses every ECS field ([mapping.ECS]). A nil or empty schema types
// every field from the query literal and the event value. The fields get
// the mapping parameters of the ECS templates ([mapping.ECSMapping]):
// ignore_above 1024 on keyword fields.
func WithSchema(s mapping.Schema) Option {
	return func(c *config) {
		if s == nil {
			s = mapping.Schema{}
		}
		c.schema, c.mapping = s, nil
	}
}

// WithMapping sets the field types and their mapping parameters
// (ignore_above, ignore_malformed, coerce, scaling_factor...), as
// [mapping.ReadMapping] reads them from Elasticsearch.
func WithMapping(m mapping.Mapping) Option {
	return func(c *config) {
		if m == nil {
			m = mapping.Mapping{}
		}
		c.schema, c.mapping = m.Schema(), m
	}
}

// WithClock sets the clock that date math ("now-1d/d") reads, at match
// time. The default is time.Now.
func WithClock(now func() time.Time) Option {
	return func(c *config) {
		if now != nil {
			c.clock = now
		}
	}
}

// CompileError is a query that Elasticsearch would refuse for the field's
// type, such as "source.ip:foo" on an ip field. Pos and End are the rune
// offsets of the offending literal in the query text; Pos.Position(query)
// tells its line and column, and that [ast.Position]'s Snippet the caret
// line, as for a syntax error (kql.Error).
type CompileError struct {
	Pos, End ast.Pos
	Field    string // the field's full name
	Msg      string
	Err      error // what Unwrap returns: ErrUnsupported, or nil
}

// Unwrap returns Err, for errors.Is(err, [ErrUnsupported]).
func (e *CompileError) Unwrap() error { return e.Err }

// Error returns "field F: MSG (at offset N)".
func (e *CompileError) Error() string {
	return fmt.Sprintf("field %s: %s (at offset %d)", e.Field, e.Msg, int(e.Pos))
}

// ErrorList is what [Compile] returns when a query has more than one
// problem: all of them, in query order. errors.As finds the first.
type ErrorList []*CompileError

// Error joins the messages with "; ".
func (l ErrorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

// Unwrap returns the errors, for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// CompileErrors returns the *CompileError values in err (one, or those of
// an ErrorList), in query order, or nil when err holds none.
func CompileErrors(err error) []*CompileError {
	var list ErrorList
	if errors.As(err, &list) {
		return list
	}
	var one *CompileError
	if errors.As(err, &one) {
		return []*CompileError{one}
	}
	return nil
}

// Compile prepares x for matching. It is Kibana's translation to the
// Query DSL ([esdsl.FromKQL] with the schema's data view,
// [mapping.Schema.View], and the settings of [WithKibanaConfig]) followed by
// [CompileQuery]: every Kibana choice (term or wildcard on keyword fields,
// match, match_phrase or query_string elsewhere, ranges for dates, one
// clause per field a wildcard field name designates, lenient multi_match
// for free text) is made once, there. Values Elasticsearch would refuse
// for the field's type are a [*CompileError] (or an [ErrorList] when
// there are several) on the KQL literal: Kibana sends the query and
// Elasticsearch fails the shard while building it (IpFieldMapper.termQuery,
// NumberFieldMapper's parse, DateFieldMapper's parseToLong...). Kibana's
// own translation errors (a nested field outside its nested group) are a
// CompileError on the field name.
func Compile(x ast.Expr, opts ...Option) (*Program, error) {
	if err := checkTree(x); err != nil {
		return nil, err
	}
	cfg := newConfig(opts)
	q, err := esdsl.FromKQL(x, cfg.view, cfg.kibana)
	if err != nil {
		var ke *esdsl.Error
		if errors.As(err, &ke) {
			ce := &CompileError{Pos: ke.Pos, End: ke.Pos, Msg: ke.Msg}
			if l := literalAt(x, ke.Pos); l != nil {
				ce.End, ce.Field = l.End(), l.Value()
			}
			return nil, ce
		}
		return nil, fmt.Errorf("eval: Compile: %w", err)
	}
	p, err := compileQuery(q, cfg)
	if err != nil {
		return nil, err
	}
	p.expr = x
	return p, nil
}

// literalAt returns the literal at pos in x (the field name or value
// Kibana's error is about), or nil.
func literalAt(x ast.Expr, pos ast.Pos) *ast.Literal {
	var found *ast.Literal
	ast.Inspect(x, func(n ast.Node) bool {
		if l, ok := n.(*ast.Literal); ok && l.Pos() == pos && found == nil {
			found = l
		}
		return found == nil
	})
	return found
}

type compiler struct {
	schema  mapping.Schema
	mapping mapper
	clock   func() time.Time
	scope   string // the nested field the query is inside, "" at the top
	// fields are the fields made so far, by full name: a query names a
	// field again and again (a list of values lowered to a clause each),
	// and a field is only read once made
	fields map[string]*field
	// shared: the compiler's fields are those of the default schema
	// without a nested scope, which every such compiler makes alike:
	// they are kept in ecsFields for all of them
	shared bool
	errs   []*CompileError
	// scratch is the slice of values a leaf's list is read into
	// (values), reused leaf after leaf; nil: each its own
	scratch *[]value
}

// field is a field being compiled: its path relative to the scope, its
// full name and type.
type field struct {
	path   *Path
	source *Path // a multi-field's parent, whose value it indexes; or nil
	full   string
	typ    mapping.Type
	fm     fieldMapping // typ and its mapping parameters
	// outside is the nested field this one lies in when the query is not
	// inside it: Elasticsearch matches nothing then.
	outside string
}

func (c *compiler) errorf(v value, f string, format string, args ...any) {
	c.errs = append(c.errs, &CompileError{Pos: v.pos, End: v.end, Field: f, Msg: fmt.Sprintf(format, args...)})
}

func (c *compiler) outsideNested(f *field, label nodeLabel) node {
	return &constNode{label: label, note: fmt.Sprintf(
		"%s lies inside the nested field %s: Elasticsearch matches it only inside %s:{ ... }",
		f.full, f.outside, f.outside)}
}

// nullError reports an unquoted null: Kibana's grammar makes it a null
// literal and sends it as the query value ({"term": {f: {"value": null}}}
// on a keyword field, {"match": {f: null}} elsewhere, a multi_match for
// free text), which Elasticsearch refuses (BaseTermQueryBuilder: "value
// cannot be null"; MatchQueryBuilder: no query text). It reports whether
// v is one.
func (c *compiler) nullError(v value, field string) bool {
	if v.kind != ast.Null {
		return false
	}
	c.errorf(v, field, "Kibana sends an unquoted null as a null value, which Elasticsearch refuses (\"value cannot be null\"); quote it (\"null\") to match the text null")
	return true
}

// dropNulls reports each null of vals (nullError, about field) and
// returns the others: vals itself when it holds none.
func (c *compiler) dropNulls(vals []value, field string) []value {
	n := 0
	for _, v := range vals {
		if v.kind == ast.Null {
			n++
		}
	}
	if n == 0 {
		return vals
	}
	kept := make([]value, 0, len(vals)-n)
	for _, v := range vals {
		if !c.nullError(v, field) {
			kept = append(kept, v)
		}
	}
	return kept
}

// matcher compiles values joined by "or" on one field into one matcher.
func (c *compiler) matcher(f *field, vals []value) Visitor {
	if vals = c.dropNulls(vals, f.full); len(vals) == 0 {
		return noneMatcher{}
	}
	for _, v := range vals {
		if v.star {
			if f.typ == mapping.Nested {
				// The elements are documents of their own: the top-level
				// document has no value of a nested field.
				return noneMatcher{}
			}
			return existsMatcher{&f.fm}
		}
	}
	switch fam := familyOf(f.typ); fam {
	case famKeyword:
		exact, globs := keywordLists(vals)
		for _, v := range vals {
			if v.kind == ast.Wildcard {
				globs = append(globs, v.glob)
			} else {
				exact = append(exact, v.text)
			}
		}
		return newKeywordMatcher(&f.fm, exact, globs)
	case famText:
		m := &textMatcher{}
		for _, v := range vals {
			m.qs = append(m.qs, textQueryOf(v))
		}
		return m
	case famInt, famFloat:
		var texts []string
		for _, v := range vals {
			if _, ok := c.number(f, v); ok {
				texts = append(texts, strings.TrimSpace(v.text))
			}
		}
		return newNumberSet(&f.fm, texts)
	case famIP:
		var ps []netip.Prefix
		for _, v := range vals {
			if p, ok := c.prefix(f, v); ok {
				ps = append(ps, p)
			}
		}
		return &ipMatcher{set: cidr.NewSet(ps...), f: &f.fm}
	case famBool:
		var ms anyOf
		for _, v := range vals {
			if b, ok := c.boolean(f, v); ok {
				ms = append(ms, &boolMatcher{want: b, f: &f.fm})
			}
		}
		return oneOrAny(ms)
	case famDate:
		var ms anyOf
		for _, v := range vals {
			d, ok := c.date(f, v)
			if !ok {
				continue
			}
			ms = append(ms, newDateMatcher(d, d, false, true, 0, 0, c.clock))
		}
		return oneOrAny(ms)
	case famOther:
		if f.typ == mapping.GeoPoint {
			c.errorf(vals[0], f.full, "a geo_point field can only be tested for existence (%s:*)", f.path.Name)
		}
		// An object or nested field has no value of its own to compare.
		return noneMatcher{}
	}
	var ms anyOf
	for _, v := range vals {
		ms = append(ms, unknownMatcherOf(v))
	}
	return oneOrAny(ms)
}

// keywordLists returns empty lists with room for the exact values and
// the patterns of vals (nil for none), which a keyword matcher keeps:
// made to size rather than grown value after value.
func keywordLists(vals []value) (exact []string, globs []*glob) {
	n := 0
	for _, v := range vals {
		if v.kind == ast.Wildcard {
			n++
		}
	}
	if len(vals) > n {
		exact = make([]string, 0, len(vals)-n)
	}
	if n > 0 {
		globs = make([]*glob, 0, n)
	}
	return exact, globs
}

func oneOrAny(ms anyOf) Visitor {
	switch len(ms) {
	case 0:
		return noneMatcher{}
	case 1:
		return ms[0]
	}
	return ms
}

func textQueryOf(v value) textQuery {
	if v.kind == ast.Wildcard {
		return textQuery{glob: lowerGlob(v.glob)}
	}
	return textQuery{terms: tokens(v.text), phrase: v.phrase}
}

func unknownMatcherOf(v value) *unknownMatcher {
	m := &unknownMatcher{text: v.text}
	switch v.kind {
	case ast.Wildcard:
		m.glob = v.glob
		return m
	case ast.Bool:
		m.isBool, m.b = true, v.b
	}
	if v, ok := parseNumber(m.text); ok {
		m.hasNum, m.num = true, v
	}
	if p, err := cidr.ParseAddrOrPrefix(m.text); err == nil {
		m.ips = cidr.NewSet(p)
	}
	return m
}

// number parses a literal on a numeric field.
func (c *compiler) number(f *field, l value) (float64, bool) {
	if l.kind == ast.Wildcard {
		c.errorf(l, f.full, "a wildcard is not allowed on a numeric (%s) field", f.typ)
		return 0, false
	}
	v, ok := ParseNumber(l.text)
	if !ok {
		c.errorf(l, f.full, "%q is not a number, and %s is a %s field", l.text, f.full, f.typ)
		return 0, false
	}
	if lo, hi, ok := f.typ.IntRange(); ok && f.typ != mapping.UnsignedLong && (v < lo || v > hi) {
		// (an unsigned_long term or bound out of range matches nothing,
		// or everything, as UnsignedLongFieldMapper's parseTerm and
		// parseLowerRangeTerm decide: not an error)
		c.errorf(l, f.full, "%s is out of range for a %s field", strings.TrimSpace(l.text), f.typ)
		return 0, false
	}
	return v, true
}

// prefix parses a literal on an ip field: an address or a CIDR.
func (c *compiler) prefix(f *field, l value) (netip.Prefix, bool) {
	if l.kind == ast.Wildcard {
		c.errorf(l, f.full, "a wildcard is not allowed on an ip field (use a CIDR such as 10.0.0.0/8)")
		return netip.Prefix{}, false
	}
	p, err := cidr.ParseAddrOrPrefix(l.text)
	if err != nil {
		c.errorf(l, f.full, "%v", err)
		return netip.Prefix{}, false
	}
	return p, true
}

// boolean parses a literal on a boolean field.
func (c *compiler) boolean(f *field, l value) (bool, bool) {
	switch l.text {
	case "true":
		return true, true
	case "false", "":
		return false, true
	}
	if l.kind == ast.Wildcard {
		c.errorf(l, f.full, "a wildcard is not allowed on a boolean field")
	} else {
		c.errorf(l, f.full, "%q is not a boolean: want true or false", l.text)
	}
	return false, false
}

// rangeMatcher compiles "field op value".
func (c *compiler) rangeMatcher(f *field, op ast.RangeOp, l value) Visitor {
	lo := op == ast.Gt || op == ast.Gte
	b := bound{set: true, inclusive: op == ast.Gte || op == ast.Lte}
	text := l.text
	switch familyOf(f.typ) {
	case famInt, famFloat:
		if _, ok := c.number(f, l); !ok {
			return noneMatcher{}
		}
		return newNumberRange(&f.fm, strings.TrimSpace(text), lo, b.inclusive)
	case famIP:
		if l.kind == ast.Wildcard {
			c.errorf(l, f.full, "a wildcard is not allowed on an ip field")
			return noneMatcher{}
		}
		a, err := cidr.ParseAddr(text)
		if err != nil {
			c.errorf(l, f.full, "%v", err)
			return noneMatcher{}
		}
		m := ipRangeOf(a, lo, b)
		m.f = &f.fm
		return m
	case famDate:
		d, ok := c.date(f, l)
		if !ok {
			return noneMatcher{}
		}
		return dateRangeOf(d, op, c.clock)
	case famKeyword:
		if f.typ == mapping.Version {
			return newVersionRange(text, lo, b)
		}
		m := stringRangeOf(text, lo, b)
		m.f = &f.fm
		return m
	case famText:
		return &textRange{r: *stringRangeOf(strings.ToLower(text), lo, b)}
	case famBool:
		// BooleanFieldType.rangeQuery: false < true (0 and 1).
		v, ok := c.boolean(f, l)
		if !ok {
			return noneMatcher{}
		}
		m := &boolRange{f: &f.fm}
		n := 0.0
		if v {
			n = 1
		}
		if lo {
			m.r.lo, m.r.loB = n, b
		} else {
			m.r.hi, m.r.hiB = n, b
		}
		return m
	case famOther:
		if f.typ == mapping.GeoPoint {
			c.errorf(l, f.full, "a range is not allowed on a geo_point field")
		}
		return noneMatcher{}
	}
	// Unknown field: type the range from the literal and the value.
	m := &unknownRange{s: *stringRangeOf(text, lo, b)}
	if l.kind != ast.Wildcard {
		if v, ok := parseNumber(text); ok {
			m.num = &numberRange{}
			if lo {
				m.num.lo, m.num.loB = v, b
			} else {
				m.num.hi, m.num.hiB = v, b
			}
		}
		if a, err := cidr.ParseAddr(text); err == nil {
			m.ip = ipRangeOf(a, lo, b)
		}
		if m.num == nil && m.ip == nil {
			if d, err := parseDateMath(text); err == nil {
				m.date = dateRangeOf(d, op, c.clock)
			}
		}
	}
	return m
}

func (c *compiler) date(f *field, l value) (*dateMath, bool) {
	if l.kind == ast.Wildcard {
		c.errorf(l, f.full, "a wildcard is not allowed on a date field")
		return nil, false
	}
	d, err := parseDateMath(l.text)
	if err == nil {
		d.nanos, d.f = f.typ == mapping.DateNanos, &f.fm
		err = d.nanosErr()
	}
	if err != nil {
		c.errorf(l, f.full, "failed to parse date: %v", err)
		return nil, false
	}
	return d, true
}

func ipRangeOf(a netip.Addr, lo bool, b bound) *ipRange {
	m := &ipRange{}
	if lo {
		m.lo, m.loB = a.As16(), b
	} else {
		m.hi, m.hiB = a.As16(), b
	}
	return m
}

func stringRangeOf(s string, lo bool, b bound) *stringRange {
	m := &stringRange{}
	if lo {
		m.lo, m.loB = s, b
	} else {
		m.hi, m.hiB = s, b
	}
	return m
}

// dateRangeOf rounds a range bound as Elasticsearch does: "gt" and "lte"
// round up (a partial date or "/d" means its last millisecond), "gte" and
// "lt" round down; "gt" and "lt" then exclude the bound.
func dateRangeOf(d *dateMath, op ast.RangeOp, clock func() time.Time) *dateMatcher {
	switch op {
	case ast.Gt:
		return newDateMatcher(d, nil, true, false, 1, 0, clock)
	case ast.Gte:
		return newDateMatcher(d, nil, false, false, 0, 0, clock)
	case ast.Lt:
		return newDateMatcher(nil, d, false, false, 0, -1, clock)
	default: // Lte
		return newDateMatcher(nil, d, false, true, 0, 0, clock)
	}
}

// textRange matches analysed text having a token in a range.
type textRange struct{ r stringRange }

func (m *textRange) Visit(x any) bool {
	s, ok := x.(string)
	if !ok {
		return m.r.Visit(x)
	}
	return anyToken(s, func(tok string) bool { return m.r.in(strings.ToLower(tok)) })
}

// unknownRange is a range on a field the schema does not know: numbers
// compare as numbers, addresses as addresses, dates as dates when the
// literal is one, anything else as text in byte order.
type unknownRange struct {
	num  *numberRange
	ip   *ipRange
	date *dateMatcher
	s    stringRange
}

func (m *unknownRange) Visit(x any) bool {
	if m.num != nil {
		if f, ok := toNumber(x, false); ok {
			return m.num.in(f)
		}
	}
	if m.ip != nil {
		if a, ok := toAddr(x); ok {
			return m.ip.in(a)
		}
	}
	if m.date != nil {
		if _, ok := toMillis(x); ok {
			return m.date.Visit(x)
		}
	}
	if isNumber(x) && m.num == nil {
		return false
	}
	return m.s.Visit(x)
}

// lenientMatcher compiles lits for a field family, skipping the literals
// that do not fit it (no errors); nil when none fits.
func (c *compiler) lenientMatcher(fam family, vals []value) Visitor {
	trial := &compiler{schema: c.schema, mapping: c.mapping, clock: c.clock}
	var fits []value
	for _, v := range vals {
		probe := &compiler{schema: c.schema, mapping: c.mapping, clock: c.clock}
		f := &field{path: NewPath("*"), full: "*", typ: typeOfFamily(fam), fm: fieldMapping{Type: typeOfFamily(fam)}}
		probe.matcher(f, []value{v})
		if len(probe.errs) == 0 {
			fits = append(fits, v)
		}
	}
	if len(fits) == 0 {
		return nil
	}
	if fam == famOther {
		for _, v := range fits {
			if v.star {
				return existsMatcher{}
			}
		}
		return nil
	}
	return trial.matcher(&field{path: NewPath("*"), full: "*", typ: typeOfFamily(fam), fm: fieldMapping{Type: typeOfFamily(fam)}}, fits)
}

func typeOfFamily(f family) mapping.Type {
	switch f {
	case famKeyword:
		return mapping.Keyword
	case famText:
		return mapping.Text
	case famInt:
		return mapping.Long
	case famFloat:
		return mapping.Double
	case famIP:
		return mapping.IP
	case famBool:
		return mapping.Boolean
	case famDate:
		return mapping.Date
	case famOther:
		return mapping.Object
	}
	return mapping.Unknown
}
