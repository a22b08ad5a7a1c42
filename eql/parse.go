package eql

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/kqlrules/kqlrules/ast"
)

// Limits that keep Parse from running out of stack or memory.
const (
	MaxLength = 1 << 20 // bytes of query text
	MaxDepth  = 500     // nested brackets, parentheses and prefix operators
)

// Parse parses an EQL statement as Elasticsearch does (EqlParser with
// EqlBase.g4, then LogicalPlanBuilder's checks), and checks its function
// calls as Elasticsearch's analyzer does (names and numbers of
// arguments). A query Elasticsearch refuses is an [*Error] with
// Elasticsearch's message at its line and column.
//
// join is refused as Elasticsearch refuses it. Sequences and samples
// parse; only event queries run (see [Lower]).
func Parse(src string) (*Query, error) {
	if len(src) > MaxLength {
		return nil, withSource(errorf(0, "the query is %d bytes long, more than the limit of %d", len(src), MaxLength), src)
	}
	sc := scratchPool.Get().(*parseScratch)
	defer sc.release()
	return sc.parseQuery(src)
}

// parseQuery is Parse (of a query within the length limit) with sc's
// buffers.
func (sc *parseScratch) parseQuery(src string) (*Query, error) {
	toks, lerr := sc.lex.lexInto(src)
	if lerr != nil {
		lerr.Query = src
		return nil, lerr
	}
	if err := depthCheck(toks); err != nil {
		return nil, withSource(err, src)
	}
	c := converter{toks: toks}
	g := sc.parse.parse(toks)
	var err error
	if g == nil {
		g, err = participleParse(toks)
	} else {
		// the tree's literals, fields and their paths, each kind made in
		// one allocation of the number the parse made
		p := &sc.parse
		c.lits = make([]Literal, p.consts.len())
		c.fields = make([]Field, p.fields.len())
		c.path = make([]string, p.fields.len()+p.segs.len())
	}
	if err != nil {
		return nil, withSource(syntaxError(err, toks), src)
	}
	q := c.statement(g)
	if c.err == nil {
		c.check(q)
	}
	if c.err != nil {
		return nil, withSource(c.err, src)
	}
	q.src = src
	return q, nil
}

// parseScratch is what parsing a query uses and drops: the lexer's
// buffers and the parser's arenas, kept in scratchPool for the next
// query. The tree [Parse] returns points into none of it.
type parseScratch struct {
	lex   scanner
	parse fastParser
}

var scratchPool = sync.Pool{New: func() any { return new(parseScratch) }}

// release returns sc to the pool, holding nothing of the query.
func (sc *parseScratch) release() {
	clear(sc.lex.toks)
	sc.lex.text = ""
	sc.parse.reset()
	scratchPool.Put(sc)
}

func participleParse(toks []token) (*gStatement, error) {
	return grammar.ParseFromLexer(mustUpgrade(&tokenLexer{toks: toks}))
}

// MustParse is Parse for queries known to be valid, such as constants in
// tests and examples; it panics on error.
func MustParse(src string) *Query {
	q, err := Parse(src)
	if err != nil {
		panic(err)
	}
	return q
}

func mustUpgrade(l lexer.Lexer) *lexer.PeekingLexer {
	p, err := lexer.Upgrade(l)
	if err != nil { // tokenLexer never fails
		panic(err)
	}
	return p
}

func depthCheck(toks []token) *Error {
	depth, run := 0, 0
	for _, t := range toks {
		switch t.text {
		case "(", "[", "![":
			depth++
		case ")", "]":
			depth--
		}
		if t.typ == tokKeyword && t.text == "not" || t.typ == tokPunct && (t.text == "-" || t.text == "+") {
			run++
		} else {
			run = 0
		}
		if depth+run > MaxDepth {
			return errorf(ast.Pos(t.start), "the query nests more than %d levels deep", MaxDepth)
		}
	}
	return nil
}

// syntaxError words a participle error as ANTLR does in Elasticsearch's
// messages: "mismatched input 'x' expecting ..." or "extraneous input".
func syntaxError(err error, toks []token) *Error {
	var perr participle.Error
	if !errors.As(err, &perr) {
		return errorf(0, "%v", err)
	}
	off := perr.Position().Offset
	k := len(toks) - 1
	for i, t := range toks {
		if t.start >= off {
			k = i
			break
		}
	}
	t := toks[k]
	found := "'" + t.text + "'"
	if t.typ == lexer.EOF {
		found = "'<EOF>'"
	}
	msg := perr.Message()
	if i := strings.Index(msg, "(expected "); i >= 0 {
		exp := strings.TrimSuffix(msg[i+len("(expected "):], ")")
		return errorf(ast.Pos(t.start), "mismatched input %s expecting %s", found, strings.ReplaceAll(exp, "<eof>", "<EOF>"))
	}
	return errorf(ast.Pos(t.start), "mismatched input %s", found)
}

// converter builds the tree from the participle structs and applies
// LogicalPlanBuilder's and ExpressionBuilder's checks; the first error is
// kept.
type converter struct {
	toks []token
	err  *Error
	// room for the literals, fields and field paths still to make, when
	// the number is known (newLiteral, newField)
	lits   []Literal
	fields []Field
	path   []string
}

// newLiteral returns a zero literal, from c.lits while they last.
func (c *converter) newLiteral() *Literal {
	if len(c.lits) == 0 {
		return new(Literal)
	}
	l := &c.lits[0]
	c.lits = c.lits[1:]
	return l
}

// newField returns a zero field with a path of length 1 and capacity
// n, from c.fields and c.path while they last.
func (c *converter) newField(n int) *Field {
	f := new(Field)
	if len(c.fields) > 0 {
		f, c.fields = &c.fields[0], c.fields[1:]
	}
	if len(c.path) >= n {
		f.Path, c.path = c.path[:1:n], c.path[n:]
	} else {
		f.Path = make([]string, 1, n)
	}
	return f
}

// tokenAt returns the index of the token that starts at the rune offset
// off (the tokens are in order).
func (c *converter) tokenAt(off int) (int, bool) {
	k := sort.Search(len(c.toks), func(i int) bool { return c.toks[i].start >= off })
	return k, k < len(c.toks) && c.toks[k].start == off
}

// index is tokenAt's index, 0 when no token starts at off.
func (c *converter) index(off int) int {
	if k, ok := c.tokenAt(off); ok {
		return k
	}
	return 0
}

func (c *converter) fail(at ast.Pos, format string, args ...any) {
	if c.err == nil {
		c.err = errorf(at, format, args...)
		c.err.built = true
	}
}

// span is the extent from the token at start to the token before the one
// at next (participle's EndPos).
func (c *converter) span(start, next lexer.Position) Span {
	end := next.Offset
	if k, ok := c.tokenAt(next.Offset); ok && k > 0 {
		end = c.toks[k-1].end
	}
	return Span{From: ast.Pos(start.Offset), To: ast.Pos(end)}
}

func (c *converter) statement(g *gStatement) *Query {
	q := &Query{}
	switch {
	case g.Query.Sequence != nil:
		q.Body = c.sequence(g.Query.Sequence)
	case g.Query.Sample != nil:
		q.Body = c.sample(g.Query.Sample)
	case g.Query.Join != nil:
		j := g.Query.Join
		q.Body = &Join{Span: c.span(j.Pos, j.EndPos), By: c.keys(j.By), Stages: c.stages(j.Stages), Until: c.stage(j.Until)}
		c.fail(ast.Pos(j.Pos.Offset), "Queries using [join] are not supported")
	default:
		q.Body = c.filter(g.Query.Event)
	}
	q.Span = Span{From: q.Body.Pos(), To: q.Body.End()}
	for _, p := range g.Pipes {
		pipe := &Pipe{Span: c.span(p.Pos, p.EndPos), Name: p.Name, Args: c.exprs(p.Args)}
		q.Pipes = append(q.Pipes, pipe)
		q.To = pipe.To
	}
	return q
}

func (c *converter) filter(g *gEventFilter) *EventFilter {
	f := &EventFilter{Span: c.span(g.Pos, g.EndPos), Cond: c.or(g.Cond)}
	switch {
	case g.Category == "any" && c.toks[c.index(g.Pos.Offset)].typ == tokKeyword:
		f.Any = true
	case strings.HasPrefix(g.Category, `"`) || strings.HasPrefix(g.Category, "'") || strings.HasPrefix(g.Category, "?"):
		f.Category = c.unquote(g.Category, ast.Pos(g.Pos.Offset))
	default:
		f.Category = g.Category
	}
	return f
}

func (c *converter) keys(g *gJoinKeys) []Expr {
	if g == nil {
		return nil
	}
	return c.exprs(g.Keys)
}

func (c *converter) stages(gs []*gSeqTerm) []*Stage {
	out := make([]*Stage, len(gs))
	for i, g := range gs {
		out[i] = c.stage(g)
	}
	return out
}

func (c *converter) stage(g *gSeqTerm) *Stage {
	if g == nil {
		return nil
	}
	s := &Stage{Span: c.span(g.Pos, g.EndPos), Missing: g.Open == "![", Filter: c.filter(g.Filter), By: c.keys(g.By)}
	if g.WithKey != "" {
		at := ast.Pos(g.Pos.Offset)
		if g.WithKey != "runs" {
			c.fail(at, "Unrecognized option [%s], expecting [runs]", g.WithKey)
		}
		n, err := strconv.Atoi(g.WithVal)
		switch {
		case err != nil:
			c.fail(at, "A positive runs value greater than 1 is required; found [%s]", g.WithVal)
		case n < 1:
			c.fail(at, "A positive runs value greater than 1 is required; found [%d]", n)
		case n > 100:
			c.fail(at, "A query cannot be repeated more than 100 times; found [%d]", n)
		}
		s.Runs = n
	}
	return s
}

func (c *converter) sequence(g *gSequence) *Sequence {
	s := &Sequence{Span: c.span(g.Pos, g.EndPos), Stages: c.stages(g.Stages), Until: c.stage(g.Until)}
	with := g.With
	switch {
	case g.By != nil:
		s.By = c.keys(g.By)
	case g.With2 != nil:
		with = g.With2
		if g.By2 != nil {
			s.By = c.keys(g.By2)
			c.fail(s.From, "Please specify sequence [by] before [with] not after")
		}
	}
	if with != nil {
		s.MaxSpan = c.maxSpan(with)
	}
	return s
}

func (c *converter) sample(g *gSample) *Sample {
	return &Sample{Span: c.span(g.Pos, g.EndPos), By: c.keys(g.By), Stages: c.stages(g.Stages)}
}

// maxSpan is LogicalPlanBuilder.visitSequenceParams.
func (c *converter) maxSpan(g *gSeqParams) *MaxSpan {
	m := &MaxSpan{Span: c.span(g.Pos, g.EndPos), Value: g.Value, Unit: g.Unit}
	at := m.From + ast.Pos(len("with maxspan="))
	for k, t := range c.toks {
		if t.start == int(m.From) && k+3 < len(c.toks) {
			at = ast.Pos(c.toks[k+3].start) // the number
		}
	}
	v, err := strconv.ParseInt(g.Value, 10, 64)
	switch {
	case err != nil && strings.ContainsAny(g.Value, ".eE"):
		c.fail(at, "Decimal time interval [%s] not supported; please use an positive integer", g.Value)
		return m
	case err != nil:
		c.fail(at, "Number [%s] is too large", g.Value)
		return m
	case v <= 0:
		c.fail(at, "A positive maxspan value is required; found [%d]", v)
		return m
	}
	units := map[string]time.Duration{"ms": time.Millisecond, "s": time.Second, "m": time.Minute, "h": time.Hour, "d": 24 * time.Hour}
	switch u, ok := units[g.Unit]; {
	case g.Unit == "":
		c.fail(at, "No time unit specified, did you mean [s] as in [%ss]?", g.Value)
	case !ok:
		c.fail(at+ast.Pos(len(g.Value)), "Unrecognized time unit [%s] in [%s%s], please specify one of [ms, s, m, h, d]", g.Unit, g.Value, g.Unit)
	default:
		m.Duration = time.Duration(v) * u
	}
	return m
}

func (c *converter) exprs(gs []*gOr) []Expr {
	out := make([]Expr, len(gs))
	for i, g := range gs {
		out[i] = c.or(g)
	}
	return out
}

func binary(op Op, x, y Expr) Expr { return setBinary(new(Binary), op, x, y) }

// setBinary makes *b the node x op y and returns it.
func setBinary(b *Binary, op Op, x, y Expr) Expr {
	*b = Binary{Span: Span{From: x.Pos(), To: y.End()}, Op: op, X: x, Y: y}
	return b
}

// leftChain returns the left-deep chain x op next(t1) op next(t2) ... of
// the terms of tail, its nodes made in one allocation.
func leftChain[T any](op Op, x Expr, tail []T, next func(T) Expr) Expr {
	bs := make([]Binary, len(tail))
	for i, t := range tail {
		x = setBinary(&bs[i], op, x, next(t))
	}
	return x
}

func (c *converter) or(g *gOr) Expr { return leftChain(OpOr, c.and(g.Head), g.Tail, c.and) }

func (c *converter) and(g *gAnd) Expr { return leftChain(OpAnd, c.not(g.Head), g.Tail, c.not) }

func (c *converter) not(g *gNot) Expr {
	switch {
	case g.Not != nil:
		return &Not{Span: c.span(g.Pos, g.EndPos), X: c.not(g.Not)}
	case g.Relation != "":
		c.fail(ast.Pos(g.Pos.Offset), "Process relationships are not supported")
		return &Literal{Span: c.span(g.Pos, g.EndPos), Kind: Null, Raw: "null"}
	}
	return c.compare(g.Value)
}

var compareOps = map[string]Op{"==": OpEq, "!=": OpNeq, "<": OpLt, "<=": OpLte, ">": OpGt, ">=": OpGte}

func (c *converter) compare(g *gCompare) Expr {
	x := c.add(g.Left)
	if g.Op == "" {
		return x
	}
	return binary(compareOps[g.Op], x, c.add(g.Right))
}

func (c *converter) add(g *gAdd) Expr {
	x := c.mul(g.Head)
	for _, t := range g.Tail {
		op := OpAdd
		if t.Op == "-" {
			op = OpSub
		}
		x = binary(op, x, c.mul(t.X))
	}
	return x
}

func (c *converter) mul(g *gMul) Expr {
	x := c.unary(g.Head)
	for _, t := range g.Tail {
		op := map[string]Op{"*": OpMul, "/": OpDiv, "%": OpMod}[t.Op]
		x = binary(op, x, c.unary(t.X))
	}
	return x
}

func (c *converter) unary(g *gUnary) Expr {
	if g.Op != "" {
		x := c.unary(g.X)
		if g.Op == "+" {
			return x
		}
		return &Neg{Span: c.span(g.Pos, g.EndPos), X: x}
	}
	x := c.primary(g.Prim)
	if p := g.Pred; p != nil {
		sp := Span{From: x.Pos(), To: c.span(p.Pos, p.EndPos).To}
		if p.In != "" {
			return &In{Span: sp, X: x, Not: p.Not, Insensitive: p.In == "in~", List: c.exprs(p.List)}
		}
		m := &Match{Span: sp, X: x, Op: matchOpOf(p.Op)}
		if len(p.Patterns) > 0 {
			m.Patterns = make([]*Literal, len(p.Patterns))
		}
		for i, k := range p.Patterns {
			m.Patterns[i] = c.constant(k)
		}
		return m
	}
	return x
}

// matchOpOf is the operator written op (":", "like", "like~", "regex",
// "regex~"; the grammar allows no other).
func matchOpOf(op string) MatchOp {
	for i, t := range matchText {
		if t == op {
			return MatchOp(i)
		}
	}
	return Seq
}

func (c *converter) primary(g *gPrimary) Expr {
	switch {
	case g.Const != nil:
		return c.constant(g.Const)
	case g.Func != nil:
		f := g.Func
		call := &Call{Span: c.span(f.Pos, f.EndPos), Name: strings.TrimSuffix(f.Name, "~"), Insensitive: strings.HasSuffix(f.Name, "~"), Args: c.exprs(f.Args)}
		return call
	case g.Field != nil:
		return c.field(g.Field)
	}
	return c.or(g.Paren)
}

func (c *converter) field(g *gField) *Field {
	f := c.newField(1 + len(g.Tail))
	f.Span, f.Optional = c.span(g.Pos, g.EndPos), g.Optional
	f.Path[0] = unquoteIdent(g.Head)
	for _, s := range g.Tail {
		if s.Indexes != nil {
			c.fail(ast.Pos(s.Pos.Offset), "Array indexes are not supported")
			continue
		}
		f.Path = append(f.Path, unquoteIdent(s.Name))
	}
	f.Name = strings.Join(f.Path, ".")
	return f
}

func unquoteIdent(s string) string {
	if strings.HasPrefix(s, "`") {
		return strings.ReplaceAll(s[1:len(s)-1], "``", "`")
	}
	return s
}

// constant is ExpressionBuilder's visitNullLiteral, visitBooleanValue,
// visitIntegerLiteral (a long, or a double when too large),
// visitDecimalLiteral and visitString.
func (c *converter) constant(g *gConst) *Literal {
	l := c.newLiteral()
	l.Span, l.Raw = c.span(g.Pos, g.EndPos), g.Text
	at := l.From
	switch t := g.Text; {
	case t == "null":
		l.Kind = Null
	case t == "true" || t == "false":
		l.Kind, l.Bool = Bool, t == "true"
	case t[0] >= '0' && t[0] <= '9' || t[0] == '.':
		if n, err := strconv.ParseInt(t, 10, 64); err == nil {
			l.Kind, l.Int = Int, n
			break
		}
		f, err := strconv.ParseFloat(t, 64)
		if err != nil && !errors.Is(err, strconv.ErrRange) || math.IsInf(f, 0) {
			c.fail(at, "Number [%s] is too large", t)
		}
		l.Kind, l.Float = Decimal, f
	default:
		l.Kind, l.Str = String, c.unquote(t, at)
	}
	return l
}

// unquote is AbstractBuilder.unquoteString.
func (c *converter) unquote(text string, at ast.Pos) string {
	switch {
	case strings.HasPrefix(text, "?"):
		c.fail(at, `Use triple double quotes [""""""] to define unescaped string literals, not [?%c]`, text[1])
		return ""
	case strings.HasPrefix(text, `"""`):
		return text[3 : len(text)-3]
	case strings.HasPrefix(text, "'"):
		c.fail(at, `Use double quotes ["] to define string literals, not single quotes [']`)
		return ""
	}
	text = text[1 : len(text)-1]
	if strings.IndexByte(text, '\\') < 0 {
		return text // no escape: the text as it stands
	}
	var b strings.Builder
	b.Grow(len(text))
	for i := 0; i < len(text); {
		if text[i] != '\\' {
			b.WriteByte(text[i])
			i++
			continue
		}
		i++
		switch e := text[i]; e {
		case 't':
			b.WriteByte('\t')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 'u':
			end := strings.IndexByte(text[i:], '}') + i
			hex := text[i+2 : end]
			switch code, err := strconv.ParseUint(hex, 16, 32); {
			case len(hex) < 2 || len(hex) > 8:
				c.fail(at, "Unicode sequence should use [2-8] hex digits, [%s] has [%d]", text[i-1:end+1], len(hex))
			case err != nil || code > utf8.MaxRune:
				c.fail(at, "Invalid unicode character code [%s]", hex)
			case code >= 0xD800 && code <= 0xDFFF:
				c.fail(at, "Invalid unicode character code, [%s] is a surrogate code", hex)
			default:
				b.WriteRune(rune(code))
			}
			i = end
		default: // " ' \
			b.WriteByte(e)
		}
		i++
	}
	return b.String()
}

// check applies the checks LogicalPlanBuilder makes on the whole
// statement (stages, join keys, pipes) and the analyzer's on functions.
func (c *converter) check(q *Query) {
	switch b := q.Body.(type) {
	case *Sequence:
		// "with runs=N" repeats a stage N times before the count.
		n := 0
		for _, s := range b.Stages {
			n += max(s.Runs, 1)
		}
		if n < 2 {
			c.fail(b.From, "A sequence requires a minimum of 2 queries, found [%d]", n)
		}
		positive := false
		for _, s := range b.Stages {
			positive = positive || !s.Missing
		}
		if !positive {
			c.fail(b.From, "A sequence requires at least one positive event query; found none")
		}
		if b.Until != nil && b.Until.Missing {
			c.fail(b.Until.From, "A missing event query cannot be used in [until]")
		}
		c.keyCounts(append(append([]*Stage{}, b.Stages...), b.Until))
	case *Sample:
		if len(b.Stages) < 2 {
			c.fail(b.From, "A sample requires a minimum of 2 queries, found [%d]", len(b.Stages))
		}
		for _, s := range b.Stages {
			if s.Missing {
				c.fail(s.From, "Missing events are not supported in samples")
			}
			if s.Runs != 0 {
				c.fail(s.From, "Repeated queries are not supported in samples")
			}
		}
		c.keyCounts(b.Stages)
	}
	for _, p := range q.Pipes {
		switch p.Name {
		case "head", "tail":
			if len(p.Args) != 1 {
				c.fail(p.From, "Pipe [%s] expects exactly one argument but found [%d]", p.Name, len(p.Args))
				continue
			}
			if l, ok := p.Args[0].(*Literal); !ok || l.Kind != Int || l.Int < 0 || l.Int > math.MaxInt32 {
				c.fail(p.Args[0].Pos(), "Pipe [%s] expects a positive integer but found [%s]", p.Name, p.Args[0])
			}
		case "count", "filter", "sort", "unique", "unique_count":
			c.fail(p.From, "Pipe [%s] is not supported", p.Name)
		default:
			msg := fmt.Sprintf("Unrecognized pipe [%s]", p.Name) +
				didYouMean(findSimilar(p.Name, []string{"count", "filter", "head", "sort", "tail", "unique", "unique_count"}))
			c.fail(ast.Pos(c.toks[c.index(int(p.From))+1].start), "%s", msg)
		}
	}
	Inspect(q, func(n Node) bool {
		if call, ok := n.(*Call); ok && c.err == nil {
			if err := checkCall(call); err != "" {
				c.err = errorf(call.From, "%s", err) // the analyzer's, counted from 1
			}
		}
		return c.err == nil
	})
}

// keyCounts is LogicalPlanBuilder's check that every stage has as many
// join keys as the first.
func (c *converter) keyCounts(stages []*Stage) {
	want := -1
	for _, s := range stages {
		if s == nil {
			continue
		}
		if want < 0 {
			want = len(s.By)
			continue
		}
		if len(s.By) != want {
			c.fail(s.From, "Inconsistent number of join keys specified; expected [%d] but found [%d]", want, len(s.By))
		}
	}
}

// functions are the EQL functions (EqlFunctionRegistry): the number of
// arguments each takes (max -1: any number), and whether it has a
// case-insensitive "~" form.
var functions = map[string]struct {
	min, max    int
	insensitive bool
}{
	"add":            {2, 2, false},
	"between":        {3, 4, true},
	"cidrMatch":      {2, -1, false},
	"concat":         {1, -1, false},
	"divide":         {2, 2, false},
	"endsWith":       {2, 2, true},
	"indexOf":        {2, 3, true},
	"length":         {1, 1, false},
	"modulo":         {2, 2, false},
	"multiply":       {2, 2, false},
	"number":         {1, 2, false},
	"startsWith":     {2, 2, true},
	"string":         {1, 1, false},
	"stringContains": {2, 2, true},
	"substring":      {2, 3, false},
	"subtract":       {2, 2, false},
}

// FunctionName returns the name of the EQL function call calls as
// Elasticsearch's function registry knows it ("cidrMatch" for
// "cidrmatch": names are case-insensitive), or "" for none.
func FunctionName(call *Call) string {
	if _, ok := functions[call.Name]; ok {
		return call.Name
	}
	for name := range functions {
		if strings.EqualFold(name, call.Name) {
			return name
		}
	}
	return ""
}

// checkCall returns the analyzer's error about a call, or "".
func checkCall(call *Call) string {
	f, ok := functions[FunctionName(call)]
	name := call.Name
	if call.Insensitive {
		name += "~"
	}
	if !ok || call.Insensitive && !f.insensitive {
		var names []string
		for n := range functions {
			names = append(names, strings.ToLower(n))
		}
		sort.Strings(names)
		return fmt.Sprintf("Unknown function [%s]", name) + didYouMean(findSimilar(strings.ToLower(call.Name), names))
	}
	n := len(call.Args)
	if n < f.min || f.max >= 0 && n > f.max {
		switch {
		case f.max < 0:
			return fmt.Sprintf("error building [%s]: expects at least %d argument(s)", name, f.min)
		case f.min == f.max:
			return fmt.Sprintf("error building [%s]: expects exactly %d argument(s)", name, f.min)
		}
		return fmt.Sprintf("error building [%s]: expects %d to %d arguments", name, f.min, f.max)
	}
	return ""
}

// findSimilar is QL's StringUtils.findSimilar: the candidates whose
// Levenshtein similarity to name (Lucene's LevenshteinDistance, 1 minus
// the distance over the longer length) is at least 0.5, most similar
// first.
func findSimilar(name string, candidates []string) []string {
	type cand struct {
		name string
		sim  float64
	}
	var cs []cand
	for _, c := range candidates {
		longer := max(len([]rune(name)), len([]rune(c)))
		if longer == 0 {
			continue
		}
		if sim := 1 - float64(levenshtein(name, c))/float64(longer); sim >= 0.5 {
			cs = append(cs, cand{c, sim})
		}
	}
	sort.SliceStable(cs, func(i, j int) bool { return cs[i].sim > cs[j].sim })
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = c.name
	}
	return out
}

// didYouMean is the suffix Elasticsearch adds to an unknown name's
// message: ", did you mean [a]?" or ", did you mean any of [a, b]?".
func didYouMean(similar []string) string {
	switch len(similar) {
	case 0:
		return ""
	case 1:
		return ", did you mean [" + similar[0] + "]?"
	}
	return ", did you mean any of [" + strings.Join(similar, ", ") + "]?"
}

func levenshtein(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
