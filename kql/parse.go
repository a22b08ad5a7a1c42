// Package kql parses KQL, the Kibana Query Language, into the syntax tree of
// package [github.com/kqlrules/kqlrules/ast].
//
// The language accepted is exactly Kibana's (its grammar.peggy in
// kbn-es-query): every query Kibana accepts parses, every query it rejects
// fails with an [*Error] that says where and why, and the tree is the one
// Kibana builds (see [ast.KibanaTree]). The grammar is written for
// participle; a small stateful lexer reproduces the decisions Kibana's
// scannerless grammar makes about unquoted values, which may hold spaces
// and end where "or", "and" or "not" begin.
//
// Parse never panics: nesting depth and query length are limited (see
// [MaxDepth] and [MaxLength]), and both limits give an error.
package kql

import (
	"errors"
	"fmt"
	"sort"

	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"

	"github.com/kqlrules/kqlrules/ast"
)

// Default limits.
const (
	DefaultMaxDepth  = 1000    // levels of parentheses and braces
	DefaultMaxLength = 1 << 20 // bytes of query text
)

// LeadingWildcardMessage is Kibana's message for a value that starts with a
// wildcard when leading wildcards are disabled.
const LeadingWildcardMessage = "Leading wildcards are disabled. See query:allowLeadingWildcards in Advanced Settings."

type config struct {
	maxDepth, maxLength int
	noLeadingWildcards  bool
}

// Option changes how [Parse] works.
type Option func(*config)

// MaxDepth limits how deep parentheses and braces may nest (default
// [DefaultMaxDepth]). Deeper queries fail with an error, never with a stack
// overflow.
func MaxDepth(n int) Option { return func(c *config) { c.maxDepth = n } }

// MaxLength limits the length of the query in bytes (default
// [DefaultMaxLength]).
func MaxLength(n int) Option { return func(c *config) { c.maxLength = n } }

// DisallowLeadingWildcards rejects values that start with a wildcard, such
// as "f:*exe", with Kibana's message, as Kibana does when its advanced
// setting query:allowLeadingWildcards is off. The bare "f:*" (exists) is
// still allowed. Field names and range values are not checked, as in
// Kibana.
func DisallowLeadingWildcards() Option { return func(c *config) { c.noLeadingWildcards = true } }

// Parse parses a KQL query. An empty or blank query is Kibana's match-all
// query "*:*" (see [ast.IsMatchAll]). Errors are of type [*Error].
func Parse(src string, opts ...Option) (ast.Expr, error) {
	cfg := config{maxDepth: DefaultMaxDepth, maxLength: DefaultMaxLength}
	for _, o := range opts {
		o(&cfg)
	}
	if len(src) > cfg.maxLength {
		return nil, withSource(errorAt(0, fmt.Sprintf("the query is %d bytes long, more than the limit of %d", len(src), cfg.maxLength)), src)
	}
	toks, err := lex(src, cfg.maxDepth)
	if err != nil {
		return nil, withSource(err.(*Error), src)
	}
	g, err := grammar.ParseFromLexer(mustUpgrade(&tokenLexer{toks: toks}))
	if err != nil {
		return nil, withSource(translate(err, toks), src)
	}
	c := converter{toks: toks, cfg: &cfg}
	if g.Or == nil {
		return ast.MatchAll(0), nil
	}
	x := c.or(g.Or)
	if c.err != nil {
		return nil, withSource(c.err, src)
	}
	return x, nil
}

func mustUpgrade(l lexer.Lexer) *lexer.PeekingLexer {
	p, err := lexer.Upgrade(l)
	if err != nil { // tokenLexer never fails
		panic(err)
	}
	return p
}

// converter turns participle's structs into ast nodes.
type converter struct {
	toks []token
	cfg  *config
	err  *Error
}

// tok returns the token that starts at rune offset off.
func (c *converter) tok(off int) *token {
	return &c.toks[tokenAt(c.toks, off)]
}

func (c *converter) lit(g *gLit) *ast.Literal {
	return c.tok(g.Pos.Offset).lit
}

func (c *converter) value(g *gLit) *ast.Literal {
	l := c.lit(g)
	if c.cfg.noLeadingWildcards && l.HasLeadingWildcard() && c.err == nil {
		c.err = errorAt(int(l.Pos()), LeadingWildcardMessage)
	}
	return l
}

// chain converts the arguments of an or/and chain: one argument is itself,
// more make one n-ary node.
func chain[G, N any](args []G, conv func(G) N, node func([]N) N) N {
	if len(args) == 1 {
		return conv(args[0])
	}
	out := make([]N, len(args))
	for i, a := range args {
		out[i] = conv(a)
	}
	return node(out)
}

func (c *converter) or(g *gOr) ast.Expr {
	return chain(g.Args, c.and, func(xs []ast.Expr) ast.Expr { return &ast.OrExpr{Args: xs} })
}

func (c *converter) and(g *gAnd) ast.Expr {
	return chain(g.Args, c.not, func(xs []ast.Expr) ast.Expr { return &ast.AndExpr{Args: xs} })
}

func (c *converter) not(g *gNot) ast.Expr {
	var x ast.Expr
	if g.Sub.Group != nil {
		x = c.or(g.Sub.Group)
	} else {
		x = c.term(g.Sub.Term)
	}
	if g.Not {
		return &ast.NotExpr{Not: ast.Pos(g.Pos.Offset), X: x}
	}
	return x
}

func (c *converter) term(g *gTerm) ast.Expr {
	switch {
	case g.Colon != nil && g.Colon.Nested != nil:
		n := g.Colon.Nested
		return &ast.NestedExpr{Path: c.lit(g.Field), Lbrace: ast.Pos(n.Pos.Offset), X: c.or(n.X), Rbrace: ast.Pos(n.Rbrace.Pos.Offset)}
	case g.Colon != nil:
		return &ast.MatchExpr{Field: c.lit(g.Field), Value: c.list(g.Colon.Values)}
	case g.Range != nil:
		return &ast.RangeExpr{Field: c.lit(g.Field), Op: rangeOp(g.Range.Op), OpPos: ast.Pos(g.Range.Pos.Offset), Value: c.lit(g.Range.Value)}
	}
	return &ast.TextExpr{Value: c.value(g.Field)}
}

func rangeOp(s string) ast.RangeOp {
	switch s {
	case "<=":
		return ast.Lte
	case ">":
		return ast.Gt
	case ">=":
		return ast.Gte
	}
	return ast.Lt
}

func (c *converter) list(g *gList) ast.Value {
	if g.Value != nil {
		return c.value(g.Value)
	}
	return c.orValues(g.Group)
}

func (c *converter) orValues(g *gOrValues) ast.Value {
	return chain(g.Args, c.andValues, func(xs []ast.Value) ast.Value { return &ast.OrValue{Args: xs} })
}

func (c *converter) andValues(g *gAndValues) ast.Value {
	return chain(g.Args, c.notValues, func(xs []ast.Value) ast.Value { return &ast.AndValue{Args: xs} })
}

func (c *converter) notValues(g *gNotValues) ast.Value {
	x := c.list(g.X)
	if g.Not {
		return &ast.NotValue{Not: ast.Pos(g.Pos.Offset), X: x}
	}
	return x
}

// tokenAt returns the index of the first significant token at or after
// rune offset off (the EOF token at the latest).
func tokenAt(toks []token, off int) int {
	i := sort.Search(len(toks), func(i int) bool { return toks[i].start >= off })
	for i < len(toks)-1 && toks[i].typ == tokSpace {
		i++
	}
	return min(i, len(toks)-1)
}

// translate turns participle's error into an *Error in the user's words:
// what was expected after the previous token, and what was found. The
// place is the first token that cannot follow the one before it (the
// grammar is LL(1), so that is where the query went wrong); participle's
// own position, which may stand at the start of a repetition it backed out
// of, is the fallback.
func translate(err error, toks []token) *Error {
	k := firstBadToken(toks)
	if k < 0 {
		var perr participle.Error
		if !errors.As(err, &perr) {
			return errorAt(0, err.Error())
		}
		k = tokenAt(toks, perr.Position().Offset)
	}
	found := toks[k]
	prev, ctx := context(toks[:k])
	msg := fmt.Sprintf("expected %s but found %s", expectation(prev, ctx), describe(found))
	if found.typ == tokNot && prev != nil && prev.typ == tokUnquoted && prev.end == found.start {
		msg += ` ("not" and a space end an unquoted value, even inside a word: quote the value)`
	}
	return errorAt(found.start, msg)
}

// firstBadToken returns the index of the first significant token that
// cannot follow the one before it, or -1.
func firstBadToken(toks []token) int {
	var stack []int
	var prev *token
	field := false // prev is a literal in field position
	for i := range toks {
		t := &toks[i]
		if t.typ == tokSpace {
			continue
		}
		ctx := top(stack)
		operandStart := func() bool {
			switch t.typ {
			case tokQuoted, tokUnquoted, tokLParen:
				return true
			}
			return false
		}
		ok := false
		var prevTyp lexer.TokenType = -100 // the start of the query
		if prev != nil {
			prevTyp = prev.typ
		}
		switch prevTyp {
		case -100, tokLParen, tokLBrace, tokOr, tokAnd:
			ok = operandStart() || t.typ == tokNot
		case tokNot:
			ok = operandStart()
		case tokColon:
			ok = operandStart() || t.typ == tokLBrace
		case tokRange:
			ok = t.typ == tokQuoted || t.typ == tokUnquoted
		case tokQuoted, tokUnquoted, tokRParen, tokRBrace:
			switch t.typ {
			case tokOr, tokAnd:
				ok = true
			case tokColon, tokRange:
				ok = field
			case tokRParen:
				ok = ctx == inQuery || ctx == inValues
			case tokRBrace:
				ok = ctx == inBraces
			case lexer.EOF:
				ok = ctx == -1
			}
		}
		if !ok {
			return i
		}
		// a literal is a field name when it starts an operand in a query
		field = (t.typ == tokQuoted || t.typ == tokUnquoted) && ctx != inValues &&
			(prevTyp == -100 || prevTyp == tokLParen || prevTyp == tokLBrace || prevTyp == tokOr || prevTyp == tokAnd || prevTyp == tokNot)
		switch t.typ {
		case tokLParen:
			kind := inQuery
			if prevTyp == tokColon || ctx == inValues {
				kind = inValues
			}
			stack = append(stack, kind)
		case tokLBrace:
			stack = append(stack, inBraces)
		case tokRParen, tokRBrace:
			stack = stack[:len(stack)-1]
		}
		prev = t
	}
	return -1
}

// group kinds on the context stack
const (
	inQuery = iota
	inValues
	inBraces
)

// context returns the last significant token of toks and the kind of the
// innermost open group at its end.
func context(toks []token) (*token, int) {
	var stack []int
	var prev *token
	for i := range toks {
		t := &toks[i]
		switch t.typ {
		case tokSpace:
			continue
		case tokLParen:
			kind := inQuery
			if prev != nil && (prev.typ == tokColon || top(stack) == inValues) {
				kind = inValues
			}
			stack = append(stack, kind)
		case tokLBrace:
			stack = append(stack, inBraces)
		case tokRParen, tokRBrace:
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
		prev = t
	}
	return prev, top(stack)
}

func top(stack []int) int {
	if len(stack) == 0 {
		return -1
	}
	return stack[len(stack)-1]
}

func expectation(prev *token, ctx int) string {
	what := "a query"
	if ctx == inValues {
		what = "a value"
	}
	if prev == nil {
		return "a query"
	}
	switch prev.typ {
	case tokColon:
		return "a value after ':'"
	case tokRange:
		return fmt.Sprintf("a value after '%s'", prev.raw)
	case tokLParen, tokLBrace, tokOr, tokAnd, tokNot:
		return fmt.Sprintf("%s after %s", what, describe(*prev))
	}
	closer := "the end of the query"
	switch ctx {
	case inQuery, inValues:
		closer = "')'"
	case inBraces:
		closer = "'}'"
	}
	return fmt.Sprintf("'and', 'or' or %s after %s", closer, describe(*prev))
}

func describe(t token) string {
	switch t.typ {
	case lexer.EOF:
		return "the end of the query"
	case tokQuoted, tokUnquoted:
		s := []rune(t.raw)
		if len(s) > 40 {
			return fmt.Sprintf("'%s...'", string(s[:37]))
		}
		return fmt.Sprintf("'%s'", t.raw)
	}
	return fmt.Sprintf("'%s'", t.raw)
}
