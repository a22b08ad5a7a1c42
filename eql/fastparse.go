package eql

import "github.com/alecthomas/participle/v2/lexer"

// fastParse builds the participle structs of the grammar (grammar.go)
// for a query that parses, by recursive descent over the tokens, in a
// fraction of the time participle's reflection takes. It makes the
// choices participle makes for an input that parses: alternatives and
// optional parts in the grammar's order, each chosen on its first one or
// two tokens. Whenever the input is not what it expects (a syntax error,
// or a form it leaves to participle, such as a process relationship) it
// returns nil and [Parse] asks participle, which gives the same tree or
// Elasticsearch's syntax error. TestFastParse and FuzzFastParse compare
// the two over every corpus query and the fuzz inputs.
func fastParse(toks []token) *gStatement {
	return new(fastParser).parse(toks)
}

// parse is fastParse with p's arenas, which it resets first: the structs
// of the last query p parsed are made again.
func (p *fastParser) parse(toks []token) *gStatement {
	p.reset()
	p.toks = toks
	g := p.statement()
	if p.bad {
		return nil
	}
	return g
}

type fastParser struct {
	toks []token
	i    int
	bad  bool // the input is not what the parser expects: participle decides
	// the structs of the precedence levels, of which a query has many
	// and which are garbage once converted, from arenas kept for the
	// next query ([parseScratch])
	ors     arena[gOr]
	ands    arena[gAnd]
	nots    arena[gNot]
	cmps    arena[gCompare]
	adds    arena[gAdd]
	muls    arena[gMul]
	unaries arena[gUnary]
	preds   arena[gPredicate]
	prims   arena[gPrimary]
	consts  arena[gConst]
	funcs   arena[gFunc]
	fields  arena[gField]
	segs    arena[gFieldSeg]
}

// reset makes p ready for another query: its arenas hand out their
// values again, zeroed.
func (p *fastParser) reset() {
	p.toks, p.i, p.bad = nil, 0, false
	p.ors.reset()
	p.ands.reset()
	p.nots.reset()
	p.cmps.reset()
	p.adds.reset()
	p.muls.reset()
	p.unaries.reset()
	p.preds.reset()
	p.prims.reset()
	p.consts.reset()
	p.funcs.reset()
	p.fields.reset()
	p.segs.reset()
}

// arena hands out zeroed values of T from chunks it keeps, so that
// parsing one query after another makes few new ones.
type arena[T any] struct {
	chunks [][]T
	k, n   int // the next value is chunks[k][n]
}

func (a *arena[T]) new() *T {
	if a.k < len(a.chunks) && a.n == len(a.chunks[a.k]) {
		a.k, a.n = a.k+1, 0
	}
	if a.k == len(a.chunks) {
		a.chunks = append(a.chunks, make([]T, 16<<min(a.k, 6)))
	}
	v := &a.chunks[a.k][a.n]
	a.n++
	return v
}

// len is the number of values handed out since the last reset.
func (a *arena[T]) len() int {
	n := 0
	for i := range min(a.k, len(a.chunks)) {
		n += len(a.chunks[i])
	}
	if a.k < len(a.chunks) {
		n += a.n
	}
	return n
}

// reset zeroes the values handed out, to hand them out again.
func (a *arena[T]) reset() {
	for i := range min(a.k, len(a.chunks)) {
		clear(a.chunks[i])
	}
	if a.k < len(a.chunks) {
		clear(a.chunks[a.k][:a.n])
	}
	a.k, a.n = 0, 0
}

func (p *fastParser) tok() *token { return &p.toks[p.i] }

// peek returns the token n after the current one (EOF past the end).
func (p *fastParser) peek(n int) *token { return &p.toks[min(p.i+n, len(p.toks)-1)] }

// is reports whether the current token's text is s. A keyword or
// punctuation literal of the grammar matches a token by its text, as
// participle's literals do.
func (p *fastParser) is(s string) bool { return p.toks[p.i].text == s && p.toks[p.i].typ != lexer.EOF }

func (p *fastParser) pos() lexer.Position {
	t := &p.toks[p.i]
	return lexer.Position{Offset: t.start, Line: t.line, Column: t.col}
}

// next consumes the current token and returns its text.
func (p *fastParser) next() string {
	t := p.toks[p.i].text
	if p.i < len(p.toks)-1 {
		p.i++
	}
	return t
}

// expect consumes the literal s, or marks the input bad.
func (p *fastParser) expect(s string) {
	if !p.is(s) {
		p.bad = true
		return
	}
	p.next()
}

// expectType consumes a token of one of the types and returns its text,
// or marks the input bad.
func (p *fastParser) expectType(types ...lexer.TokenType) string {
	for _, t := range types {
		if p.tok().typ == t {
			return p.next()
		}
	}
	p.bad = true
	return ""
}

func (p *fastParser) statement() *gStatement {
	g := &gStatement{Query: p.query()}
	for !p.bad && p.is("|") {
		g.Pipes = append(g.Pipes, p.pipe())
	}
	if p.tok().typ != lexer.EOF {
		p.bad = true
	}
	return g
}

func (p *fastParser) query() *gQuery {
	switch {
	case p.is("sequence"):
		return &gQuery{Sequence: p.sequence()}
	case p.is("sample"):
		return &gQuery{Sample: p.sample()}
	case p.is("join"):
		return &gQuery{Join: p.join()}
	}
	return &gQuery{Event: p.eventFilter()}
}

func (p *fastParser) sequence() *gSequence {
	g := &gSequence{Pos: p.pos()}
	p.next() // sequence
	switch {
	case p.is("by"):
		g.By = p.joinKeys()
		if p.is("with") {
			g.With = p.seqParams()
		}
	case p.is("with"):
		g.With2 = p.seqParams()
		if p.is("by") {
			g.By2 = p.joinKeys()
		}
	}
	g.Stages = p.stages()
	if p.is("until") {
		p.next()
		g.Until = p.stage()
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) sample() *gSample {
	g := &gSample{Pos: p.pos()}
	p.next() // sample
	if p.is("by") {
		g.By = p.joinKeys()
	}
	g.Stages = p.stages()
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) join() *gJoin {
	g := &gJoin{Pos: p.pos()}
	p.next() // join
	if p.is("by") {
		g.By = p.joinKeys()
	}
	g.Stages = p.stages()
	if p.is("until") {
		p.next()
		g.Until = p.stage()
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) seqParams() *gSeqParams {
	g := &gSeqParams{Pos: p.pos()}
	p.expect("with")
	p.expect("maxspan")
	p.expect("=")
	g.Value = p.expectType(tokInt, tokDecimal)
	if !p.bad && p.tok().typ == tokIdent {
		g.Unit = p.next()
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) joinKeys() *gJoinKeys {
	p.next() // by
	g := &gJoinKeys{Keys: []*gOr{p.or()}}
	for !p.bad && p.is(",") {
		p.next()
		g.Keys = append(g.Keys, p.or())
	}
	return g
}

// stages parses one or more sequence terms.
func (p *fastParser) stages() []*gSeqTerm {
	if !p.is("[") && !p.is("![") {
		p.bad = true
		return nil
	}
	var out []*gSeqTerm
	for !p.bad && (p.is("[") || p.is("![")) {
		out = append(out, p.stage())
	}
	return out
}

func (p *fastParser) stage() *gSeqTerm {
	g := &gSeqTerm{Pos: p.pos()}
	if !p.is("[") && !p.is("![") {
		p.bad = true
		return g
	}
	g.Open = p.next()
	g.Filter = p.eventFilter()
	p.expect("]")
	if !p.bad && p.is("by") {
		g.By = p.joinKeys()
	}
	if !p.bad && p.is("with") {
		p.next()
		g.WithKey = p.expectType(tokIdent)
		p.expect("=")
		g.WithVal = p.expectType(tokInt, tokDecimal)
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) eventFilter() *gEventFilter {
	g := &gEventFilter{Pos: p.pos()}
	if t := p.tok(); t.text == "any" && t.typ == tokKeyword || t.typ == tokString || t.typ == tokIdent {
		g.Category = p.next()
	} else {
		p.bad = true
		return g
	}
	p.expect("where")
	if p.bad {
		return g
	}
	g.Cond = p.or()
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) pipe() *gPipe {
	g := &gPipe{Pos: p.pos()}
	p.next() // |
	g.Name = p.expectType(tokIdent)
	if !p.bad && p.startsExpr() {
		g.Args = []*gOr{p.or()}
		for !p.bad && p.is(",") {
			p.next()
			g.Args = append(g.Args, p.or())
		}
	}
	g.EndPos = p.pos()
	return g
}

// startsExpr reports whether the current token may begin an expression.
func (p *fastParser) startsExpr() bool {
	t := p.tok()
	switch t.typ {
	case tokIdent, tokQIdent, tokTIdent, tokString, tokInt, tokDecimal:
		return true
	case tokKeyword:
		return t.text == "not" || t.text == "null" || t.text == "true" || t.text == "false"
	case tokPunct:
		return t.text == "-" || t.text == "+" || t.text == "?" || t.text == "("
	}
	return false
}

func (p *fastParser) or() *gOr {
	g := p.ors.new()
	g.Pos = p.pos()
	g.Head = p.and()
	for !p.bad && p.is("or") {
		p.next()
		g.Tail = append(g.Tail, p.and())
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) and() *gAnd {
	g := p.ands.new()
	g.Pos = p.pos()
	g.Head = p.not()
	for !p.bad && p.is("and") {
		p.next()
		g.Tail = append(g.Tail, p.not())
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) not() *gNot {
	g := p.nots.new()
	g.Pos = p.pos()
	switch {
	case p.bad:
		return g
	case p.is("not"):
		p.next()
		g.Not = p.not()
	case p.tok().typ == tokIdent && p.peek(1).text == "of" && p.peek(1).typ == tokKeyword:
		p.bad = true // a process relationship: participle's
		return g
	default:
		g.Value = p.compare()
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) compare() *gCompare {
	g := p.cmps.new()
	g.Pos = p.pos()
	g.Left = p.add()
	if !p.bad && p.tok().typ == tokPunct {
		switch t := p.tok().text; t {
		case "==", "!=", "<=", ">=", "<", ">":
			g.Op = p.next()
			g.Right = p.add()
		}
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) add() *gAdd {
	g := p.adds.new()
	g.Pos = p.pos()
	g.Head = p.mul()
	for !p.bad && (p.is("+") || p.is("-")) {
		op := &gAddOp{Op: p.next(), X: p.mul()}
		op.EndPos = p.pos()
		g.Tail = append(g.Tail, op)
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) mul() *gMul {
	g := p.muls.new()
	g.Pos = p.pos()
	g.Head = p.unary()
	for !p.bad && (p.is("*") || p.is("/") || p.is("%")) {
		op := &gMulOp{Op: p.next(), X: p.unary()}
		op.EndPos = p.pos()
		g.Tail = append(g.Tail, op)
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) unary() *gUnary {
	g := p.unaries.new()
	g.Pos = p.pos()
	if p.bad {
		return g
	}
	if p.is("-") || p.is("+") {
		g.Op = p.next()
		g.X = p.unary()
		g.EndPos = p.pos()
		return g
	}
	g.Prim = p.primary()
	if !p.bad && p.startsPredicate() {
		g.Pred = p.predicate()
	}
	g.EndPos = p.pos()
	return g
}

// startsPredicate reports whether the current token begins a predicate
// (in, like, regex, :). A "not" that is not "not in" is left to
// participle.
func (p *fastParser) startsPredicate() bool {
	switch t := p.tok(); t.text {
	case "not":
		if t.typ != tokKeyword {
			return false
		}
		if n := p.peek(1); n.typ != tokKeyword || n.text != "in" && n.text != "in~" {
			p.bad = true
			return false
		}
		return true
	case "in", "in~", "like", "like~", "regex", "regex~":
		return t.typ == tokKeyword
	case ":":
		return t.typ == tokPunct
	}
	return false
}

func (p *fastParser) predicate() *gPredicate {
	g := p.preds.new()
	g.Pos = p.pos()
	if p.is("not") || p.is("in") || p.is("in~") {
		if p.is("not") {
			p.next()
			g.Not = true
		}
		g.In = p.next()
		p.expect("(")
		if p.bad {
			return g
		}
		g.List = []*gOr{p.or()}
		for !p.bad && p.is(",") {
			p.next()
			g.List = append(g.List, p.or())
		}
		p.expect(")")
		g.EndPos = p.pos()
		return g
	}
	g.Op = p.next()
	if p.is("(") {
		p.next()
		g.Paren = true
		g.Patterns = []*gConst{p.constant()}
		for !p.bad && p.is(",") {
			p.next()
			g.Patterns = append(g.Patterns, p.constant())
		}
		p.expect(")")
	} else {
		g.Patterns = []*gConst{p.constant()}
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) startsConst() bool {
	switch t := p.tok(); t.typ {
	case tokInt, tokDecimal, tokString:
		return true
	case tokKeyword:
		return t.text == "null" || t.text == "true" || t.text == "false"
	}
	return false
}

func (p *fastParser) constant() *gConst {
	g := p.consts.new()
	g.Pos = p.pos()
	if p.bad || !p.startsConst() {
		p.bad = true
		return g
	}
	g.Text = p.next()
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) primary() *gPrimary {
	g := p.prims.new()
	g.Pos = p.pos()
	t := p.tok()
	switch {
	case p.startsConst():
		g.Const = p.constant()
	case (t.typ == tokIdent || t.typ == tokTIdent) && p.peek(1).text == "(" && p.peek(1).typ == tokPunct:
		g.Func = p.function()
	case t.typ == tokIdent || t.typ == tokQIdent || p.is("?"):
		g.Field = p.field()
	case p.is("("):
		p.next()
		g.Paren = p.or()
		p.expect(")")
	default:
		p.bad = true
		return g
	}
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) function() *gFunc {
	g := p.funcs.new()
	g.Pos = p.pos()
	g.Name = p.next()
	p.next() // (
	if p.startsExpr() {
		g.Args = []*gOr{p.or()}
		for !p.bad && p.is(",") {
			p.next()
			g.Args = append(g.Args, p.or())
		}
	}
	p.expect(")")
	g.EndPos = p.pos()
	return g
}

func (p *fastParser) field() *gField {
	g := p.fields.new()
	g.Pos = p.pos()
	if p.is("?") {
		p.next()
		g.Optional = true
	}
	g.Head = p.expectType(tokIdent, tokQIdent)
	for !p.bad {
		switch {
		case p.is("."):
			s := p.segs.new()
			s.Pos = p.pos()
			p.next()
			s.Name = p.expectType(tokIdent, tokQIdent)
			g.Tail = append(g.Tail, s)
			continue
		case p.is("[") && p.peek(1).typ == tokInt:
			s := p.segs.new()
			s.Pos = p.pos()
			p.next()
			for p.tok().typ == tokInt {
				s.Indexes = append(s.Indexes, p.next())
			}
			p.expect("]")
			g.Tail = append(g.Tail, s)
			continue
		}
		break
	}
	g.EndPos = p.pos()
	return g
}
