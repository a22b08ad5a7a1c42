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
	buf := tokenBufs.Get().(*tokenBuf)
	defer buf.release()
	toks, err := lex(src, cfg.maxDepth, buf)
	if err != nil {
		return nil, withSource(err.(*Error), src)
	}
	if toks[0].typ == lexer.EOF {
		return ast.MatchAll(0), nil
	}
	if !recognize(toks) {
		if _, err := grammar.ParseFromLexer(mustUpgrade(&tokenLexer{toks: toks})); err != nil {
			return nil, withSource(translate(err, toks), src)
		}
	}
	c := converter{toks: toks, cfg: &cfg}
	x, _ := c.or(0)
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

// converter builds the ast nodes from the tokens of a query the grammar
// has recognised, reading them in the order the grammar fixes. Each method
// takes the index of an operand's first token and returns the node and the
// index of the token after the operand.
type converter struct {
	toks []token
	cfg  *config
	err  *Error
}

// next returns the index of the token after the one at i.
func (c *converter) next(i int) int {
	return min(i+1, len(c.toks)-1)
}

// value returns the literal at i as a value, checking for a leading
// wildcard.
func (c *converter) value(i int) *ast.Literal {
	l := c.toks[i].lit
	if c.cfg.noLeadingWildcards && l.HasLeadingWildcard() && c.err == nil {
		c.err = errorAt(int(l.Pos()), LeadingWildcardMessage)
	}
	return l
}

// joiner groups operands joined by "or" and "and" as Kibana's OrQuery and
// AndQuery (and OrValues and AndValues) do: "and" binds tighter, a chain
// of one operand is that operand, a longer one is one n-ary node.
type joiner[N any] struct {
	ors, ands []N
	and, or   func([]N) N
}

// add adds the next operand; or tells whether "or" stands before it.
func (j *joiner[N]) add(x N, or bool) {
	if or {
		j.ors = append(j.ors, one(j.ands, j.and))
		if len(j.ands) == 1 {
			j.ands = j.ands[:0] // no node keeps it
		} else {
			j.ands = nil
		}
	}
	j.ands = append(j.ands, x)
}

// result returns the tree of the operands added.
func (j *joiner[N]) result() N {
	j.ors = append(j.ors, one(j.ands, j.and))
	return one(j.ors, j.or)
}

func one[N any](xs []N, node func([]N) N) N {
	if len(xs) == 1 {
		return xs[0]
	}
	return node(xs)
}

// or converts OrQuery: operands joined by "or" and "and" up to a closing
// bracket or the end of the query, whose index it returns.
func (c *converter) or(i int) (ast.Expr, int) {
	j := joiner[ast.Expr]{
		and: func(xs []ast.Expr) ast.Expr { return &ast.AndExpr{Args: xs} },
		or:  func(xs []ast.Expr) ast.Expr { return &ast.OrExpr{Args: xs} },
	}
	or := false
	for {
		var x ast.Expr
		x, i = c.not(i)
		j.add(x, or)
		switch c.toks[i].typ {
		case tokOr:
			or = true
		case tokAnd:
			or = false
		default:
			return j.result(), i
		}
		i = c.next(i)
	}
}

// not converts NotQuery.
func (c *converter) not(i int) (ast.Expr, int) {
	if c.toks[i].typ != tokNot {
		return c.sub(i)
	}
	x, next := c.sub(c.next(i))
	return &ast.NotExpr{Not: ast.Pos(c.toks[i].start), X: x}, next
}

// sub converts SubQuery.
func (c *converter) sub(i int) (ast.Expr, int) {
	if c.toks[i].typ == tokLParen {
		x, end := c.or(c.next(i))
		return x, c.next(end)
	}
	field := c.toks[i].lit
	op := c.next(i)
	switch c.toks[op].typ {
	case tokColon:
		v := c.next(op)
		switch c.toks[v].typ {
		case tokLBrace:
			x, end := c.or(c.next(v))
			return &ast.NestedExpr{Path: field, Lbrace: ast.Pos(c.toks[v].start), X: x, Rbrace: ast.Pos(c.toks[end].start)}, c.next(end)
		case tokLParen:
			x, end := c.values(v)
			return &ast.MatchExpr{Field: field, Value: x}, c.next(end)
		}
		return &ast.MatchExpr{Field: field, Value: c.value(v)}, c.next(v)
	case tokRange:
		v := c.next(op)
		return &ast.RangeExpr{Field: field, Op: rangeOp(c.toks[op].raw), OpPos: ast.Pos(c.toks[op].start), Value: c.toks[v].lit}, c.next(v)
	}
	return &ast.TextExpr{Value: c.value(i)}, op
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

// values converts the ListOfValues in the parentheses that open at i:
// operands, each a literal or a parenthesised ListOfValues and maybe
// negated, joined by "or" and "and" up to the closing parenthesis, whose
// index it returns.
func (c *converter) values(i int) (ast.Value, int) {
	j := joiner[ast.Value]{
		and: func(xs []ast.Value) ast.Value { return &ast.AndValue{Args: xs} },
		or:  func(xs []ast.Value) ast.Value { return &ast.OrValue{Args: xs} },
	}
	i = c.next(i) // the first operand
	or := false
	for {
		not := -1
		if c.toks[i].typ == tokNot {
			not, i = i, c.next(i)
		}
		var x ast.Value
		if c.toks[i].typ == tokLParen {
			x, i = c.values(i)
		} else {
			x = c.value(i)
		}
		if not >= 0 {
			x = &ast.NotValue{Not: ast.Pos(c.toks[not].start), X: x}
		}
		j.add(x, or)
		i = c.next(i)
		switch c.toks[i].typ {
		case tokOr:
			or = true
		case tokAnd:
			or = false
		default: // the closing parenthesis
			return j.result(), i
		}
		i = c.next(i)
	}
}

// tokenAt returns the index of the first token at or after rune offset
// off (the EOF token at the latest).
func tokenAt(toks []token, off int) int {
	i := sort.Search(len(toks), func(i int) bool { return toks[i].start >= off })
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

// firstBadToken returns the index of the first token that
// cannot follow the one before it, or -1.
func firstBadToken(toks []token) int {
	var stack []int
	var prev *token
	field := false // prev is a literal in field position
	for i := range toks {
		t := &toks[i]
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

// context returns the last token of toks and the kind of the
// innermost open group at its end.
func context(toks []token) (*token, int) {
	var stack []int
	var prev *token
	for i := range toks {
		t := &toks[i]
		switch t.typ {
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
