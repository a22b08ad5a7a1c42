package esdsl

import (
	"regexp"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/mapping"
)

// Config holds the settings Kibana's translation reads (KueryQueryOptions
// and allowLeadingWildcards in kbn-es-query). The JSON names are Kibana's.
type Config struct {
	// CaseInsensitive, when set, adds case_insensitive (true or false) to
	// term and wildcard queries on keyword fields.
	CaseInsensitive *bool `json:"caseInsensitive,omitempty"`
	// DateFormatTZ, when not empty, is the time_zone of date ranges
	// (Kibana's dateFormat:tz; "Browser" is taken as "UTC", the zone a
	// server-side run guesses). Epoch-millisecond values get none.
	DateFormatTZ string `json:"dateFormatTZ,omitempty"`
	// AllowLeadingWildcards accepts values such as *exe; when false they
	// are an error, as in Kibana's grammar.
	AllowLeadingWildcards bool `json:"allowLeadingWildcards,omitempty"`
	// NestedIgnoreUnmapped, when set, adds ignore_unmapped to nested
	// queries.
	NestedIgnoreUnmapped *bool `json:"nestedIgnoreUnmapped,omitempty"`
	// FiltersInMustClause puts and's children in must instead of filter.
	FiltersInMustClause bool `json:"filtersInMustClause,omitempty"`
}

// DetectionEngineConfig returns the configuration Kibana's detection engine
// translates a rule's query with (getQueryFilter in security_solution's
// rule_types/utils/get_query_filter.ts): leading wildcards allowed and
// dateFormatTZ "Zulu".
func DetectionEngineConfig() Config {
	return Config{AllowLeadingWildcards: true, DateFormatTZ: "Zulu"}
}

// Kibana's messages.
const (
	msgLeadingWildcard = "Leading wildcards are disabled. See query:allowLeadingWildcards in Advanced Settings."
)

// FromKQL returns the query Kibana's toElasticsearchQuery builds for expr
// on the data view dv (nil for none) with cfg: and → bool.filter, or →
// bool.should with minimum_should_match 1, not → bool.must_not, and each
// field test → a bool.should over the data view's fields that the name
// (a wildcard pattern or not) designates, term or wildcard on keyword
// fields, range for dates, match, match_phrase or query_string on others,
// exists for "field:*", lenient multi_match for free text. A nil expr is
// Kibana's empty and, {"bool":{"filter":[]}}.
func FromKQL(expr ast.Expr, dv mapping.Fields, cfg Config) (Query, error) {
	b := builder{dv: noView(dv), cfg: cfg}
	if expr == nil {
		return b.and(nil, nil), nil
	}
	if !cfg.AllowLeadingWildcards {
		// Kibana's grammar rejects these while parsing, before any
		// translation error.
		if err := leadingWildcard(expr); err != nil {
			return nil, err
		}
	}
	return b.expr(expr, "")
}

// noView returns nil for no data view, also when it is a nil *mapping.DataView.
func noView(dv mapping.Fields) mapping.Fields {
	if v, ok := dv.(*mapping.DataView); ok && v == nil {
		return nil
	}
	return dv
}

// leadingWildcard returns Kibana's error for the first value (not field
// name, not range bound: grammar.peggy checks its Value rule only) that
// starts with a wildcard.
func leadingWildcard(expr ast.Expr) error {
	var err error
	check := func(v ast.Value) {
		ast.Inspect(v, func(n ast.Node) bool {
			if l, ok := n.(*ast.Literal); ok && err == nil && l.Kind == ast.Wildcard && !isLone(l) && l.Parts[0] == "" {
				err = &Error{Pos: l.Pos(), Msg: msgLeadingWildcard}
			}
			return err == nil
		})
	}
	ast.Inspect(expr, func(n ast.Node) bool {
		switch n := n.(type) {
		case *ast.MatchExpr:
			check(n.Value)
			return false
		case *ast.TextExpr:
			check(n.Value)
			return false
		case *ast.RangeExpr:
			return false
		}
		return err == nil
	})
	return err
}

type builder struct {
	dv  mapping.Fields // nil: no data view
	cfg Config
}

func (b *builder) exprs(xs []ast.Expr, nested string) ([]Query, error) {
	out := make([]Query, 0, len(xs))
	for _, x := range xs {
		q, err := b.expr(x, nested)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// and is and.ts: {"bool":{"filter":[...]}} (or "must").
func (b *builder) and(src ast.Node, qs []Query) *Bool {
	if qs == nil {
		qs = []Query{}
	}
	if b.cfg.FiltersInMustClause {
		return &Bool{Src: Src{src}, Must: qs, Keys: mustKeys}
	}
	return &Bool{Src: Src{src}, Filter: qs, Keys: filterKeys}
}

// The Keys of the bools FromKQL builds: every bool of a kind shares its
// slice (len = cap, so that an append copies it).
var (
	mustKeys   = []string{"must"}
	filterKeys = []string{"filter"}
	orKeys     = []string{"should", "minimum_should_match"}
	notKeys    = []string{"must_not"}
)

// or is or.ts and the tail of is.ts and range.ts.
func or(src ast.Node, qs []Query) *Bool {
	if qs == nil {
		qs = []Query{}
	}
	return &Bool{Src: Src{src}, Should: qs, MinimumShouldMatch: 1, Keys: orKeys}
}

// not is not.ts: must_not holds the one query, not an array.
func not(src ast.Node, q Query) *Bool {
	return &Bool{Src: Src{src}, MustNot: []Query{q}, SingleMustNot: true, Keys: notKeys}
}

func (b *builder) expr(x ast.Expr, nested string) (Query, error) {
	switch x := x.(type) {
	case *ast.AndExpr:
		qs, err := b.exprs(x.Args, nested)
		if err != nil {
			return nil, err
		}
		return b.and(x, qs), nil
	case *ast.OrExpr:
		qs, err := b.exprs(x.Args, nested)
		if err != nil {
			return nil, err
		}
		return or(x, qs), nil
	case *ast.NotExpr:
		q, err := b.expr(x.X, nested)
		if err != nil {
			return nil, err
		}
		return not(x, q), nil
	case *ast.MatchExpr:
		return b.value(x, x.Field, x.Value, nested)
	case *ast.TextExpr:
		return b.value(x, nil, x.Value, nested)
	case *ast.RangeExpr:
		return b.rangeQuery(x, nested)
	case *ast.NestedExpr:
		return b.nested(x, nested)
	}
	return nil, errorf(0, "esdsl: unknown KQL node %T", x)
}

// value distributes a value list over its field, as Kibana's grammar does.
func (b *builder) value(src ast.Node, field *ast.Literal, v ast.Value, nested string) (Query, error) {
	switch v := v.(type) {
	case *ast.Literal:
		if field != nil && !isBareMatch(src) {
			src = &ast.MatchExpr{Field: field, Value: v}
		}
		return b.is(src, field, v, nested)
	case *ast.AndValue:
		qs, err := b.values(field, v.Args, nested)
		if err != nil {
			return nil, err
		}
		return b.and(v, qs), nil
	case *ast.OrValue:
		qs, err := b.values(field, v.Args, nested)
		if err != nil {
			return nil, err
		}
		return or(v, qs), nil
	case *ast.NotValue:
		q, err := b.value(v, field, v.X, nested)
		if err != nil {
			return nil, err
		}
		return not(v, q), nil
	}
	return nil, errorf(0, "esdsl: unknown KQL value %T", v)
}

// isBareMatch reports whether src is a MatchExpr or TextExpr (the node a
// literal's query points at when the value is not in a list).
func isBareMatch(src ast.Node) bool {
	switch src.(type) {
	case *ast.MatchExpr, *ast.TextExpr:
		return true
	}
	return false
}

func (b *builder) values(field *ast.Literal, vs []ast.Value, nested string) ([]Query, error) {
	out := make([]Query, 0, len(vs))
	for _, v := range vs {
		q, err := b.value(v, field, v, nested)
		if err != nil {
			return nil, err
		}
		out = append(out, q)
	}
	return out, nil
}

// Literals. Kibana's literal nodes hold a string, true, false or null; a
// wildcard node holds its pieces.

// isLone is wildcard.isLoneWildcard: exactly one '*' and nothing else
// ("**" is not lone in Kibana).
func isLone(l *ast.Literal) bool {
	return l != nil && l.Kind == ast.Wildcard && len(l.Parts) == 2 && l.Parts[0] == "" && l.Parts[1] == ""
}

// litValue is literal.toElasticsearchQuery / wildcard.toElasticsearchQuery.
func litValue(l *ast.Literal) any {
	switch l.Kind {
	case ast.Bool:
		return l.Bool
	case ast.Null:
		return nil
	case ast.Wildcard:
		return strings.Join(l.Parts, "*")
	}
	return l.Text
}

var queryStringSpecial = regexp.MustCompile(`[+\-=&|><!(){}\[\]^"~*?:\\/]`)

// toQueryStringQuery is wildcard.toQueryStringQuery: each piece escaped for
// query_string (whitespace is not escaped), joined by '*'.
func toQueryStringQuery(l *ast.Literal) string {
	parts := make([]string, len(l.Parts))
	for i, p := range l.Parts {
		parts[i] = queryStringSpecial.ReplaceAllString(p, `\$0`)
	}
	return strings.Join(parts, "*")
}

// fieldName is a field literal with its nested context: what
// getFullFieldNameNode builds. pattern is set for a wildcard name.
type fieldName struct {
	name    string   // the name as Kibana would write it
	pattern []string // wildcard pieces, nil for a plain name
	null    bool     // the null literal outside any nested group: free text
	lookup  bool     // a plain name that can equal a data view field's name
}

func fullFieldName(l *ast.Literal, nested string) fieldName {
	if l == nil || l.Kind == ast.Null && nested == "" {
		return fieldName{null: true}
	}
	fn := fieldName{name: l.Value(), lookup: l.Kind == ast.String || nested != ""}
	if l.Kind == ast.Wildcard {
		fn.pattern = append([]string(nil), l.Parts...)
		fn.lookup = false
	}
	if nested != "" {
		fn.name = nested + "." + fn.name
		if fn.pattern != nil {
			fn.pattern[0] = nested + "." + fn.pattern[0]
		}
	}
	return fn
}

// fields is get_fields.ts: the data view's fields the name designates.
func (b *builder) fields(fn fieldName) []*mapping.Field {
	if b.dv == nil {
		return nil
	}
	if fn.pattern == nil {
		if f := b.dv.Field(fn.name); f != nil && fn.lookup {
			return []*mapping.Field{f}
		}
		return nil
	}
	var out []*mapping.Field
	for f := range b.dv.All() {
		if ast.MatchWildcard(fn.pattern, f.Name) || fn.lookup && f.Name == fn.name {
			out = append(out, f)
		}
	}
	return out
}

// checkNested is the error checking of get_full_field_name_node.ts.
func (b *builder) checkNested(pos ast.Pos, fn fieldName, nested string) error {
	if b.dv == nil || fn.pattern != nil && nested == "" {
		return nil
	}
	var msgs []string
	for _, f := range b.fields(fn) {
		path := f.NestedPath()
		switch {
		case nested != "" && path == "":
			msgs = append(msgs, f.Name+` is not a nested field but is in nested group "`+nested+`" in the KQL expression.`)
		case path != "" && nested == "":
			msgs = append(msgs, f.Name+" is a nested field, but is not in a nested group in the KQL expression.")
		case path != nested:
			msgs = append(msgs, "Nested field "+f.Name+" is being queried with the incorrect nested path. The correct path is "+path+".")
		}
	}
	if len(msgs) > 0 {
		return &Error{Pos: pos, Msg: strings.Join(msgs, "\n")}
	}
	return nil
}

// targets returns the fields a field test runs on: the data view's, or
// the name as written when there are none.
func (b *builder) targets(fn fieldName) []*mapping.Field {
	fields := b.fields(fn)
	if len(fields) == 0 {
		fields = []*mapping.Field{{Name: fn.name}}
	}
	return fields
}

// wrapNested adds the nested query Kibana adds when a wildcard field name
// outside any nested group covers a nested field.
func (b *builder) wrapNested(src ast.Node, fn fieldName, f *mapping.Field, nested string, q Query) Query {
	path := f.NestedPath()
	if fn.pattern == nil || path == "" || nested != "" {
		return q
	}
	return &Nested{Src: Src{src}, Path: path, Query: q, ScoreMode: "none", IgnoreUnmapped: b.cfg.NestedIgnoreUnmapped}
}

func isKeyword(f *mapping.Field) bool { return len(f.ESTypes) == 1 && f.ESTypes[0] == "keyword" }

var digits = regexp.MustCompile(`^\d+$`)

// timeZone is the time_zone Kibana adds to a date query for value v.
func (b *builder) timeZone(v any) string {
	if s, ok := v.(string); ok && digits.MatchString(s) {
		return "" // epoch milliseconds are absolute
	}
	if b.cfg.DateFormatTZ == "Browser" {
		return "UTC"
	}
	return b.cfg.DateFormatTZ
}

// is is is.ts.
func (b *builder) is(src ast.Node, field, v *ast.Literal, nested string) (Query, error) {
	isExists := isLone(v)
	if isExists && isLone(field) {
		return &MatchAll{Src: Src{src}}, nil
	}
	fn := fullFieldName(field, nested)
	if !fn.null {
		if err := b.checkNested(field.Pos(), fn, nested); err != nil {
			return nil, err
		}
	}
	value := litValue(v)
	typ := "best_fields"
	if v.Quoted {
		typ = "phrase"
	}
	if fn.null {
		if v.Kind == ast.Wildcard {
			return &QueryString{Src: Src{src}, Query: toQueryStringQuery(v)}, nil
		}
		return &MultiMatch{Src: Src{src}, Type: typ, Query: value, Lenient: true}, nil
	}
	queries := []Query{}
	for _, f := range b.targets(fn) {
		var q Query
		switch {
		case f.Scripted:
			if isExists {
				continue // exists makes no sense for a scripted field
			}
			s, err := phraseScript(src, f, value)
			if err != nil {
				return nil, err
			}
			queries = append(queries, s)
			continue
		case isExists:
			q = &Exists{Src: Src{src}, Field: f.Name}
		case v.Kind == ast.Wildcard && isKeyword(f):
			q = &Wildcard{Src: Src{src}, Field: f.Name, Value: toQueryStringQuery(v), CaseInsensitive: b.cfg.CaseInsensitive}
		case v.Kind == ast.Wildcard:
			q = &QueryString{Src: Src{src}, Fields: []string{f.Name}, Query: toQueryStringQuery(v)}
		case f.Type == "date":
			q = &Range{Src: Src{src}, Field: f.Name, Bounds: []Bound{{"gte", value}, {"lte", value}}, TimeZone: b.timeZone(value)}
		case isKeyword(f):
			q = &Term{Src: Src{src}, Field: f.Name, Value: value, CaseInsensitive: b.cfg.CaseInsensitive}
		case v.Quoted:
			q = &MatchPhrase{Src: Src{src}, Field: f.Name, Query: value}
		default:
			q = &Match{Src: Src{src}, Field: f.Name, Query: value}
		}
		queries = append(queries, b.wrapNested(src, fn, f, nested, q))
	}
	return or(src, queries), nil
}

// rangeQuery is range.ts.
func (b *builder) rangeQuery(x *ast.RangeExpr, nested string) (Query, error) {
	fn := fullFieldName(x.Field, nested)
	if fn.null {
		fn = fieldName{name: "null"} // Kibana sends the name as is
	}
	if err := b.checkNested(x.Field.Pos(), fn, nested); err != nil {
		return nil, err
	}
	value := litValue(x.Value)
	queries := []Query{}
	for _, f := range b.targets(fn) {
		if f.Scripted {
			s, err := rangeScript(x, f, x.Op.Name(), value)
			if err != nil {
				return nil, err
			}
			queries = append(queries, s)
			continue
		}
		q := &Range{Src: Src{x}, Field: f.Name, Bounds: []Bound{{x.Op.Name(), value}}}
		if f.Type == "date" {
			q.TimeZone = b.timeZone(value)
		}
		queries = append(queries, b.wrapNested(x, fn, f, nested, q))
	}
	return or(x, queries), nil
}

// nested is nested.ts.
func (b *builder) nested(x *ast.NestedExpr, nested string) (Query, error) {
	path := x.Path.Value()
	if nested != "" {
		path = nested + "." + path
	}
	q, err := b.expr(x.X, path)
	if err != nil {
		return nil, err
	}
	return &Nested{Src: Src{x}, Path: path, Query: q, ScoreMode: "none", IgnoreUnmapped: b.cfg.NestedIgnoreUnmapped}, nil
}
