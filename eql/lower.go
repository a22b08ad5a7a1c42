package eql

import (
	"encoding/json"
	"strconv"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
)

// MappedField is what Elasticsearch's field capabilities tell EQL about a
// field.
type MappedField struct {
	// Type is the mapping type: "keyword", "text", "long", "date", ...
	// (an alias has its target's type).
	Type string
	// Name is the field the queries run on: the field itself, or an
	// alias's target.
	Name string
	// Exact is the field exact comparisons run on (FieldAttribute's
	// exactAttribute): Name, or a text field's keyword sub-field; "" for a
	// text field that has none.
	Exact string
	// Nested is the nested field the field lies in, "" for none:
	// Elasticsearch's EQL refuses such fields.
	Nested string
}

// Fields looks up the fields of the searched indices.
type Fields interface {
	// Lookup returns the field name, false when it is not mapped.
	Lookup(name string) (MappedField, bool)
}

// Options are the parts of an _eql/search request [Lower] needs.
type Options struct {
	// EventCategoryField is event_category_field: "event.category" when "".
	EventCategoryField string
	// Fields are the searched indices' fields. When nil, every field is
	// taken for a keyword of that name (and ?field is never null).
	Fields Fields
}

// Lower translates an event query to the Query DSL filter Elasticsearch's
// EQL planner sends (QueryTranslator with QL's ExpressionTranslators,
// after the optimizer's null checks and literal placement): the category
// as a term on the event category field, "and" as bool.must, "or" as
// bool.should, "not" (and "!=", "not in") as bool.must_not, "==" as a
// term on the exact field, "f == null" as must_not exists, ranges, ':'
// as a case-insensitive term or wildcard, like/like~ as wildcards,
// regex/regex~ as regexp, in as terms, cidrMatch as terms, startsWith as
// prefix, endsWith and stringContains as wildcards, and everything else
// (functions over fields, arithmetic) as an [esdsl.ScriptQuery] over
// Elasticsearch's script utils, which package eval runs natively. As in
// Elasticsearch, the right side of a comparison (once the optimizer has
// put constants on the right) and the list of in must be constants:
// "a == b" over two fields is refused. A query that cannot match ("where false") lowers
// to a bool that must not match_all.
//
// Errors are [*Error]s at the query's line and column: a sequence,
// sample or join (not an event query), an unknown field (when Fields is
// set), a condition that is not boolean.
func Lower(q *Query, opts Options) (esdsl.Query, error) {
	f, ok := q.Body.(*EventFilter)
	if !ok {
		return nil, withSource(errorf(q.Body.Pos(), "only event queries are lowered to one search; a %s runs each stage as its own search (see CompileSequence)", strings.Fields(q.Body.String())[0]), q.src)
	}
	l := lowerer{opts: opts, src: q.src}
	if l.opts.EventCategoryField == "" {
		l.opts.EventCategoryField = "event.category"
	}
	out := l.filter(f)
	if l.err != nil {
		return nil, withSource(l.err, q.src)
	}
	return out, nil
}

type lowerer struct {
	opts  Options
	src   string
	runes []rune // src's, made by the first text: positions count runes
	err   *Error
}

// text is the query text of n.
func (l *lowerer) text(n Node) string {
	if l.runes == nil {
		l.runes = []rune(l.src)
	}
	if int(n.End()) <= len(l.runes) && n.Pos() <= n.End() {
		return string(l.runes[n.Pos():n.End()])
	}
	return n.String()
}

// constant reports an expression without fields, which Elasticsearch's
// optimizer folds to a value.
func constant(x Expr) bool {
	c := true
	Inspect(x, func(n Node) bool {
		if _, ok := n.(*Field); ok {
			c = false
		}
		return c
	})
	return c
}

// fieldComparison is the error of QL's BinaryComparisons and the
// verifier for a comparison whose right side (after the optimizer put
// constants there) is not a constant.
func (l *lowerer) fieldComparison(offender Node, in string) {
	l.fail(offender.Pos(), "Comparisons against fields are not (currently) supported; offender [%s] in [%s]", l.text(offender), in)
}

func (l *lowerer) fail(at ast.Pos, format string, args ...any) {
	if l.err == nil {
		l.err = errorf(at, format, args...)
	}
}

func matchNone() esdsl.Query { return &esdsl.Bool{MustNot: []esdsl.Query{&esdsl.MatchAll{}}} }

func (l *lowerer) filter(f *EventFilter) esdsl.Query {
	cond := l.simplify(f.Cond)
	var parts []esdsl.Query
	if !f.Any {
		name := l.opts.EventCategoryField
		if fd, ok := l.field(name, f.From); ok {
			name = fd.Exact
		} else {
			// VerifierTests.testMissingEventCategory
			l.fail(f.From, "Unknown column [%s]", name)
		}
		parts = append(parts, &esdsl.Term{Field: name, Value: f.Category})
	}
	if lit, ok := cond.(*Literal); !ok || lit.Kind != Bool || !lit.Bool {
		parts = append(parts, l.query(cond))
	}
	switch len(parts) {
	case 0:
		return &esdsl.MatchAll{}
	case 1:
		return parts[0]
	}
	return &esdsl.Bool{Must: parts}
}

// field resolves a field name.
func (l *lowerer) field(name string, at ast.Pos) (MappedField, bool) {
	if l.opts.Fields == nil {
		return MappedField{Type: "keyword", Name: name, Exact: name}, true
	}
	return l.opts.Fields.Lookup(name)
}

// resolve is the analyzer's view of a field reference: the field, or
// (for ?field on an unmapped field) false.
func (l *lowerer) resolve(f *Field) (MappedField, bool) {
	fd, ok := l.field(f.Name, f.From)
	if !ok && !f.Optional {
		var similar []string
		if n, ok := l.opts.Fields.(interface{ Names() []string }); ok {
			similar = findSimilar(f.Name, n.Names())
		}
		l.fail(f.From, "Unknown column [%s]%s", f.Name, didYouMean(similar))
	}
	// VerifierTests.testNested
	switch {
	case ok && fd.Type == "nested":
		l.fail(f.From, "Cannot use field [%s] type [nested] due to nested fields not being supported yet", f.Name)
	case ok && fd.Nested != "":
		l.fail(f.From, "Cannot use field [%s] type [%s] with unsupported nested type in hierarchy (field [%s])", f.Name, fd.Type, fd.Nested)
	}
	return fd, ok
}

func nullLit(sp Span) *Literal { return &Literal{Span: sp, Kind: Null, Raw: "null"} }
func boolLit(sp Span, b bool) *Literal {
	return &Literal{Span: sp, Kind: Bool, Bool: b, Raw: strconv.FormatBool(b)}
}

func isLit(x Expr, kind LitKind) bool {
	lit, ok := x.(*Literal)
	return ok && lit.Kind == kind
}

// flip is the comparison with its operands swapped (LiteralsOnTheRight).
var flip = map[Op]Op{OpEq: OpEq, OpNeq: OpNeq, OpLt: OpGt, OpLte: OpGte, OpGt: OpLt, OpGte: OpLte}

// simplify applies the optimizer rules that decide the DSL: optional
// fields that are not mapped become null; negated number literals fold;
// literals go to the right of comparisons; "x == true" is x and
// "x == false" is not x (BooleanFunctionEqualsElimination); not not x is
// x; and/or/not over true and false fold (BooleanSimplification, without
// pushing not into comparisons, as EQL's optimizer leaves it).
func (l *lowerer) simplify(x Expr) Expr {
	switch x := x.(type) {
	case *Field:
		if x.Optional {
			if _, ok := l.resolve(x); !ok {
				return nullLit(x.Span)
			}
		}
		return x
	case *Neg:
		in := l.simplify(x.X)
		if lit, ok := in.(*Literal); ok {
			switch lit.Kind {
			case Int:
				return &Literal{Span: x.Span, Kind: Int, Int: -lit.Int, Raw: "-" + lit.Raw}
			case Decimal:
				return &Literal{Span: x.Span, Kind: Decimal, Float: -lit.Float, Raw: "-" + lit.Raw}
			}
		}
		return &Neg{Span: x.Span, X: in}
	case *Not:
		in := l.simplify(x.X)
		switch in := in.(type) {
		case *Literal:
			if in.Kind == Bool {
				return boolLit(x.Span, !in.Bool)
			}
		case *Not:
			return in.X
		}
		if in == x.X {
			return x
		}
		return &Not{Span: x.Span, X: in}
	case *Binary:
		a, b := l.simplify(x.X), l.simplify(x.Y)
		switch {
		case x.Op == OpAnd || x.Op == OpOr:
			isAnd := x.Op == OpAnd
			for _, p := range [][2]Expr{{a, b}, {b, a}} {
				if lit, ok := p[0].(*Literal); ok && lit.Kind == Bool {
					if lit.Bool == isAnd {
						return p[1]
					}
					return lit
				}
			}
		case x.Op.IsComparison():
			if constant(a) && !constant(b) {
				return l.simplify(&Binary{Span: x.Span, Op: flip[x.Op], X: b, Y: a})
			}
			if la, ok := a.(*Literal); ok && isLit(b, Null) && (x.Op == OpEq || x.Op == OpNeq) {
				// ReplaceNullChecks then ConstantFolding: IsNull of a constant.
				return boolLit(x.Span, (la.Kind == Null) == (x.Op == OpEq))
			}
			if lit, ok := b.(*Literal); ok && lit.Kind == Bool && (x.Op == OpEq || x.Op == OpNeq) {
				switch a.(type) {
				case *Literal, *Field:
				default: // a function: BooleanFunctionEqualsElimination
					if lit.Bool == (x.Op == OpEq) {
						return a
					}
					return &Not{Span: x.Span, X: a}
				}
			}
		}
		if a == x.X && b == x.Y {
			return x
		}
		return &Binary{Span: x.Span, Op: x.Op, X: a, Y: b}
	case *In:
		in := l.simplify(x.X)
		var list []Expr // nil while every element is its own simplification
		for i, e := range x.List {
			se := l.simplify(e)
			if se != e && list == nil {
				list = make([]Expr, i, len(x.List))
				copy(list, x.List[:i])
			}
			if list != nil {
				list = append(list, se)
			}
		}
		if in == x.X && list == nil {
			return x
		}
		if list == nil {
			list = x.List // the lowering reads the tree, never changes it
		}
		return &In{Span: x.Span, X: in, Not: x.Not, Insensitive: x.Insensitive, List: list}
	case *Match:
		in := l.simplify(x.X)
		if in == x.X {
			return x
		}
		return &Match{Span: x.Span, X: in, Op: x.Op, Patterns: x.Patterns}
	case *Call:
		out := &Call{Span: x.Span, Name: FunctionName(x), Insensitive: x.Insensitive}
		for _, e := range x.Args {
			out.Args = append(out.Args, l.simplify(e))
		}
		return out
	}
	return x
}

// number is a literal as the DSL writes it.
func dslValue(lit *Literal) any {
	switch lit.Kind {
	case Int:
		return json.Number(strconv.FormatInt(lit.Int, 10))
	case Decimal:
		return json.Number(strconv.FormatFloat(lit.Float, 'g', -1, 64))
	}
	return lit.Value()
}

var rangeOps = map[Op]string{OpLt: "lt", OpLte: "lte", OpGt: "gt", OpGte: "gte"}

// yes returns a new true for the case_insensitive of a query (each query
// owns its flag).
func yes() *bool {
	b := true
	return &b
}

// fieldOf returns the field x is, when it is a mapped field.
func (l *lowerer) fieldOf(x Expr) (MappedField, bool) {
	f, ok := x.(*Field)
	if !ok {
		return MappedField{}, false
	}
	return l.resolve(f)
}

func (l *lowerer) exact(fd MappedField, at ast.Pos) string {
	if fd.Exact == "" {
		l.fail(at, "No keyword/multi-field defined exact matches for [%s]; define one or use MATCH/QUERY instead", fd.Name)
		return fd.Name
	}
	return fd.Exact
}

func or(qs []esdsl.Query) esdsl.Query {
	if len(qs) == 1 {
		return qs[0]
	}
	return &esdsl.Bool{Should: qs}
}

func not(q esdsl.Query) esdsl.Query { return &esdsl.Bool{MustNot: []esdsl.Query{q}} }

// boolPair is a bool query of two clauses made in one allocation: the
// clauses of an and or an or, which Must or Should holds.
type boolPair struct {
	esdsl.Bool
	qs [2]esdsl.Query
}

func newPair(x, y esdsl.Query) *boolPair { return &boolPair{qs: [2]esdsl.Query{x, y}} }

// query translates a simplified condition.
func (l *lowerer) query(x Expr) esdsl.Query {
	switch x := x.(type) {
	case *Literal:
		if x.Kind == Bool && x.Bool {
			return &esdsl.MatchAll{}
		}
		if x.Kind == Bool || x.Kind == Null {
			return matchNone()
		}
		l.fail(x.From, "Condition expression needs to be boolean, found [%s]", kindName(x))
		return matchNone()
	case *Binary:
		switch {
		case x.Op == OpAnd:
			b := newPair(l.query(x.X), l.query(x.Y))
			b.Must = b.qs[:]
			return &b.Bool
		case x.Op == OpOr:
			b := newPair(l.query(x.X), l.query(x.Y))
			b.Should = b.qs[:]
			return &b.Bool
		case x.Op.IsComparison():
			return l.comparison(x)
		}
		l.fail(x.From, "Condition expression needs to be boolean, found [%s]", x)
		return matchNone()
	case *Not:
		return not(l.query(x.X))
	case *In:
		return l.in(x)
	case *Match:
		return l.match(x)
	case *Call:
		return l.call(x)
	case *Field:
		fd, ok := l.resolve(x)
		if !ok {
			return matchNone()
		}
		if fd.Type != "boolean" {
			l.fail(x.From, "Condition expression needs to be boolean, found [%s]", dataType(fd.Type))
		}
		return &esdsl.Term{Field: fd.Name, Value: true}
	}
	l.fail(x.Pos(), "Condition expression needs to be boolean, found [%s]", x)
	return matchNone()
}

func kindName(lit *Literal) string {
	return [...]string{"NULL", "BOOLEAN", "INTEGER", "DOUBLE", "KEYWORD"}[lit.Kind]
}

func (l *lowerer) script(x Expr) esdsl.Query {
	return &esdsl.ScriptQuery{Expr: l.sx(x), MultiValue: true}
}

func (l *lowerer) comparison(x *Binary) esdsl.Query {
	if !constant(x.Y) {
		l.fieldComparison(x.Y, x.Op.String())
		return matchNone()
	}
	fd, isField := l.fieldOf(x.X)
	lit, isLiteral := x.Y.(*Literal)
	if !isField || !isLiteral {
		return l.script(x)
	}
	if lit.Kind == Null {
		// ReplaceNullChecks: == null is IsNull, != null IsNotNull.
		exists := &esdsl.Exists{Field: fd.Name}
		switch x.Op {
		case OpEq:
			return not(exists)
		case OpNeq:
			return exists
		}
		return matchNone() // a comparison with null is null
	}
	switch x.Op {
	case OpEq:
		return &esdsl.Term{Field: l.exact(fd, x.From), Value: dslValue(lit)}
	case OpNeq:
		return not(&esdsl.Term{Field: l.exact(fd, x.From), Value: dslValue(lit)})
	}
	return &esdsl.Range{Field: fd.Name, Bounds: []esdsl.Bound{{Op: rangeOps[x.Op], Value: dslValue(lit)}}}
}

func (l *lowerer) in(x *In) esdsl.Query {
	for _, e := range x.List {
		if !constant(e) {
			l.fieldComparison(e, l.text(x))
			return matchNone()
		}
	}
	fd, isField := l.fieldOf(x.X)
	var lits []*Literal
	for _, e := range x.List {
		lit, ok := e.(*Literal)
		if !ok {
			isField = false
			break
		}
		lits = append(lits, lit)
	}
	if !isField {
		return l.script(x)
	}
	name := l.exact(fd, x.From)
	var q esdsl.Query
	if x.Insensitive {
		var qs []esdsl.Query
		for _, lit := range lits {
			if lit.Kind != Null {
				qs = append(qs, &esdsl.Term{Field: name, Value: dslValue(lit), CaseInsensitive: ciOf(lit)})
			}
		}
		q = or(qs)
	} else {
		t := &esdsl.Terms{Field: name}
		for _, lit := range lits {
			if lit.Kind != Null {
				t.Values = append(t.Values, dslValue(lit))
			}
		}
		q = t
		if len(t.Values) == 0 {
			q = matchNone()
		}
	}
	if x.Not {
		return not(q)
	}
	return q
}

// ciOf is case_insensitive for a string value (nil for others, which a
// case-insensitive term on a number field would refuse).
func ciOf(lit *Literal) *bool {
	if lit.Kind == String {
		return yes()
	}
	return nil
}

// escapeBackslash keeps '\' literal in a Lucene wildcard: EQL patterns
// have only '*' and '?' as special characters.
func escapeBackslash(s string) string { return strings.ReplaceAll(s, `\`, `\\`) }

func (l *lowerer) match(x *Match) esdsl.Query {
	fd, isField := l.fieldOf(x.X)
	qs := make([]esdsl.Query, 0, len(x.Patterns))
	for _, p := range x.Patterns {
		if !isField {
			qs = append(qs, l.script(&Match{Span: x.Span, X: x.X, Op: x.Op, Patterns: []*Literal{p}}))
			continue
		}
		name := l.exact(fd, x.From)
		if p.Kind != String {
			if x.Op == Seq {
				qs = append(qs, &esdsl.Term{Field: name, Value: dslValue(p)})
				continue
			}
			l.fail(p.From, "Pattern must be a string, found [%s]", p)
			continue
		}
		switch x.Op {
		case Seq:
			if strings.ContainsAny(p.Str, "*?") {
				qs = append(qs, &esdsl.Wildcard{Field: name, Value: escapeBackslash(p.Str), CaseInsensitive: yes()})
			} else {
				qs = append(qs, &esdsl.Term{Field: name, Value: p.Str, CaseInsensitive: yes()})
			}
		case Like, LikeI:
			w := &esdsl.Wildcard{Field: name, Value: escapeBackslash(p.Str)}
			if x.Op == LikeI {
				w.CaseInsensitive = yes()
			}
			qs = append(qs, w)
		case Regex, RegexI:
			r := &esdsl.Regexp{Field: name, Value: p.Str}
			if x.Op == RegexI {
				r.CaseInsensitive = yes()
			}
			qs = append(qs, r)
		}
	}
	if len(qs) == 0 {
		return matchNone()
	}
	return or(qs)
}

// call translates a function used as a condition: cidrMatch, startsWith,
// endsWith and stringContains of a field and constants become terms,
// prefix and wildcard queries (QueryTranslator.Scalars and
// CaseInsensitiveScalarFunctions, QL's Scalars.doKnownTranslate); the
// rest, scripts.
func (l *lowerer) call(x *Call) esdsl.Query {
	if len(x.Args) >= 2 {
		fd, isField := l.fieldOf(x.Args[0])
		lits := make([]*Literal, 0, len(x.Args)-1)
		for _, a := range x.Args[1:] {
			if lit, ok := a.(*Literal); ok {
				lits = append(lits, lit)
			}
		}
		if isField && len(lits) == len(x.Args)-1 {
			var ci *bool
			if x.Insensitive {
				ci = yes()
			}
			switch x.Name {
			case "cidrMatch":
				t := &esdsl.Terms{Field: l.exact(fd, x.From)}
				for _, lit := range lits {
					t.Values = append(t.Values, lit.Value())
				}
				return t
			case "startsWith":
				if lits[0].Kind == String {
					return &esdsl.Prefix{Field: l.exact(fd, x.From), Value: lits[0].Str, CaseInsensitive: ci}
				}
			case "endsWith", "stringContains":
				if lits[0].Kind == String {
					// Not escaped: Elasticsearch passes the text as it is.
					v := "*" + lits[0].Str
					if x.Name == "stringContains" {
						v += "*"
					}
					return &esdsl.Wildcard{Field: l.exact(fd, x.From), Value: v, CaseInsensitive: ci}
				}
			}
		}
	}
	return l.script(x)
}

// scriptFuncs names the script utils method of each EQL function.
var scriptNames = map[string]string{
	"add": "InternalQlScriptUtils.add", "subtract": "InternalQlScriptUtils.sub",
	"multiply": "InternalQlScriptUtils.mul", "divide": "InternalQlScriptUtils.div",
	"modulo": "InternalQlScriptUtils.mod",
}

var opScript = map[Op]string{
	OpOr: "or", OpAnd: "and", OpEq: "eq", OpNeq: "neq", OpLt: "lt", OpLte: "lte", OpGt: "gt", OpGte: "gte",
	OpAdd: "add", OpSub: "sub", OpMul: "mul", OpDiv: "div", OpMod: "mod",
}

func qlCall(name string, args ...esdsl.ScriptExpr) *esdsl.ScriptCall {
	return &esdsl.ScriptCall{Func: "InternalQlScriptUtils." + name, Args: args}
}

func eqlCall(name string, args ...esdsl.ScriptExpr) *esdsl.ScriptCall {
	return &esdsl.ScriptCall{Func: "InternalEqlScriptUtils." + name, Args: args}
}

func param(v any) *esdsl.ScriptParam { return &esdsl.ScriptParam{Value: v} }

// likeRegex is the Java regex of an EQL wildcard pattern.
func likeRegex(p string) string {
	var b strings.Builder
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			if strings.ContainsRune(`\.+()[]{}|^$`, r) {
				b.WriteByte('\\')
			}
			b.WriteRune(r)
		}
	}
	return b.String()
}

// sx is the script expression of x (Expression.asScript).
func (l *lowerer) sx(x Expr) esdsl.ScriptExpr {
	switch x := x.(type) {
	case *Literal:
		return param(x.Value())
	case *Field:
		fd, ok := l.resolve(x)
		if !ok {
			return param(nil)
		}
		return &esdsl.ScriptField{Name: l.exact(fd, x.From)}
	case *Neg:
		return qlCall("neg", l.sx(x.X))
	case *Not:
		return qlCall("not", l.sx(x.X))
	case *Binary:
		if x.Op == OpEq && isLit(x.Y, Null) {
			return qlCall("isNull", l.sx(x.X))
		}
		if x.Op == OpNeq && isLit(x.Y, Null) {
			return qlCall("isNotNull", l.sx(x.X))
		}
		return qlCall(opScript[x.Op], l.sx(x.X), l.sx(x.Y))
	case *In:
		list := make([]any, 0, len(x.List))
		for _, e := range x.List {
			lit, ok := e.(*Literal)
			if !ok {
				l.fail(e.Pos(), "Comparisons against fields are not (currently) supported; offender [%s] in [in]", e)
				continue
			}
			list = append(list, lit.Value())
		}
		var c esdsl.ScriptExpr
		if x.Insensitive {
			c = eqlCall("insensitiveIn", l.sx(x.X), param(list))
		} else {
			c = qlCall("in", l.sx(x.X), param(list))
		}
		if x.Not {
			c = qlCall("not", c)
		}
		return c
	case *Match:
		var out esdsl.ScriptExpr
		for _, p := range x.Patterns {
			var c esdsl.ScriptExpr
			switch x.Op {
			case Seq:
				c = eqlCall("seq", l.sx(x.X), param(p.Value()))
			case Like, LikeI:
				c = qlCall("regex", l.sx(x.X), param(likeRegex(p.Str)), param(x.Op == LikeI))
			default:
				c = qlCall("regex", l.sx(x.X), param(p.Str), param(x.Op == RegexI))
			}
			if out == nil {
				out = c
			} else {
				out = qlCall("or", out, c)
			}
		}
		return out
	case *Call:
		args := make([]esdsl.ScriptExpr, len(x.Args))
		for i, a := range x.Args {
			args[i] = l.sx(a)
		}
		if name, ok := scriptNames[x.Name]; ok {
			return &esdsl.ScriptCall{Func: name, Args: args}
		}
		ci := param(x.Insensitive)
		opt := func(i int) esdsl.ScriptExpr {
			if i < len(args) {
				return args[i]
			}
			return param(nil)
		}
		switch x.Name {
		case "between":
			greedy := opt(3)
			if len(args) < 4 {
				greedy = param(false)
			}
			return eqlCall("between", args[0], args[1], args[2], greedy, ci)
		case "endsWith", "startsWith", "stringContains":
			return eqlCall(x.Name, args[0], args[1], ci)
		case "indexOf":
			return eqlCall("indexOf", args[0], args[1], opt(2), ci)
		case "number":
			return eqlCall("number", args[0], opt(1))
		case "substring":
			return eqlCall("substring", args[0], args[1], opt(2))
		}
		return eqlCall(x.Name, args...)
	}
	l.fail(x.Pos(), "cannot translate [%s]", x)
	return param(nil)
}

// dataType is QL's name of a mapping type, as messages write it.
func dataType(t string) string {
	switch t {
	case "date":
		return "DATETIME"
	case "date_nanos":
		return "DATETIME_NANOS"
	}
	return strings.ToUpper(t)
}
