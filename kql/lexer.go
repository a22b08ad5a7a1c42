package kql

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"

	"github.com/kqlrules/kqlrules/ast"
)

// Token types of the KQL lexer. Kibana's grammar is scannerless (a PEG over
// characters); this lexer reproduces its decisions with one token of state:
// whether the previous token ended an operand. Only then can "or"/"and"
// between spaces be operators; everywhere else they start a literal
// ("f: or x" is the value "or x"), exactly as in Kibana. Whitespace between
// tokens is no token.
const (
	tokLParen lexer.TokenType = iota + 1
	tokRParen
	tokLBrace
	tokRBrace
	tokColon
	tokRange
	tokQuoted
	tokUnquoted
	tokOr
	tokAnd
	tokNot
	// what participle sees (see tokenLexer)
	tokLits  // literals joined by "or" or "and"
	tokTerms // simple operands joined by "or" or "and", a field or range among them
	tokField // a literal and ':' not followed by a literal
	tokConj  // "or" or "and"
)

// symbols names the token types for the grammar. It is a function, not a
// variable, because the grammar is built during package initialisation.
func symbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF":    lexer.EOF,
		"LParen": tokLParen,
		"RParen": tokRParen,
		"LBrace": tokLBrace,
		"RBrace": tokRBrace,
		"Colon":  tokColon,
		"Range":  tokRange,
		"Lits":   tokLits,
		"Terms":  tokTerms,
		"Field":  tokField,
		"Conj":   tokConj,
		"Or":     tokOr,
		"And":    tokAnd,
		"Not":    tokNot,
	}
}

// token is a lexed token with what the grammar's strings cannot carry: the
// rune offsets and, for literals, the decoded literal.
type token struct {
	typ        lexer.TokenType
	start, end int // rune offsets; end is exclusive
	raw        string
	lit        *ast.Literal // tokQuoted, tokUnquoted (set when lex ends)
}

// scanner turns a query into tokens.
type scanner struct {
	query    string
	runes    []rune // the query's runes when it is not all ASCII, else nil
	n        int    // the length of the query in runes
	i        int
	toks     []token
	maxDepth int
	depth    int
	lits     []ast.Literal // the literals, in the order of their tokens
}

// at returns the rune at rune offset i. An ASCII query is read as it is,
// without a copy as runes.
func (s *scanner) at(i int) rune {
	if s.runes == nil {
		return rune(s.query[i])
	}
	return s.runes[i]
}

// text returns the query text from rune offset start to end; a part of
// the query itself when it is ASCII, so that nothing is allocated.
func (s *scanner) text(start, end int) string {
	if s.runes == nil {
		return s.query[start:end]
	}
	return string(s.runes[start:end])
}

// literal adds l, the literal of the token about to be added, and returns
// a pointer to it that is valid until the next call (lex gives the tokens
// their literals when it ends).
func (s *scanner) literal(l ast.Literal) *ast.Literal {
	s.lits = append(s.lits, l)
	return &s.lits[len(s.lits)-1]
}

// tokenBuf holds the slices of lex for reuse by the next Parse: the tokens
// of a query are not needed once Parse returns, and a slice of them, full
// of pointers, costs more to allocate than to clear. Likewise the literals
// are gathered in lits, then copied to an array of their own, of the exact
// size, which the tree keeps.
type tokenBuf struct {
	toks []token
	lits []ast.Literal
}

var tokenBufs = sync.Pool{New: func() any { return new(tokenBuf) }}

// maxPooledTokens bounds the slices kept for reuse, so that one huge query
// does not hold its tokens' memory.
const maxPooledTokens = 1 << 14

// release clears the tokens (the literals they point to belong to the
// tree returned) and puts b back in the pool.
func (b *tokenBuf) release() {
	if cap(b.toks) > maxPooledTokens || cap(b.lits) > maxPooledTokens {
		return
	}
	clear(b.toks)
	clear(b.lits)
	b.toks, b.lits = b.toks[:0], b.lits[:0]
	tokenBufs.Put(b)
}

// lex returns the tokens of src, or a *Error. The tokens are in buf's
// slice, which stays valid until buf is released.
func lex(src string, maxDepth int, buf *tokenBuf) ([]token, error) {
	s := &scanner{query: src, n: len(src), maxDepth: maxDepth}
	if !isASCII(src) {
		s.runes = []rune(src)
		s.n = len(s.runes)
	}
	// a guess that rarely needs to grow (a token per 10 characters in
	// Elastic's rules)
	if n := s.n/8 + 2; cap(buf.toks) < n {
		buf.toks = make([]token, 0, n)
	}
	s.toks, s.lits = buf.toks[:0], buf.lits[:0]
	defer func() { buf.toks, buf.lits = s.toks, s.lits }()
	for s.i < s.n {
		if err := s.next(); err != nil {
			return nil, err
		}
	}
	s.toks = append(s.toks, token{typ: lexer.EOF, start: s.n, end: s.n})
	lits := make([]ast.Literal, len(s.lits))
	copy(lits, s.lits)
	k := 0
	for i := range s.toks {
		if t := s.toks[i].typ; t == tokQuoted || t == tokUnquoted {
			s.toks[i].lit = &lits[k]
			k++
		}
	}
	return s.toks, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func (s *scanner) emit(typ lexer.TokenType, start int) {
	s.toks = append(s.toks, token{typ: typ, start: start, end: s.i, raw: s.text(start, s.i)})
}

// afterOperand reports whether the last token ended an operand and
// whitespace stands between it and start: the only place an or/and
// operator can stand.
func (s *scanner) afterOperand(start int) bool {
	n := len(s.toks)
	if n == 0 || s.toks[n-1].end == start {
		return false
	}
	switch s.toks[n-1].typ {
	case tokQuoted, tokUnquoted, tokRParen, tokRBrace:
		return true
	}
	return false
}

func (s *scanner) errorf(at int, format string, args ...any) error {
	return errorAt(at, fmt.Sprintf(format, args...))
}

func (s *scanner) open(start int) error {
	s.depth++
	if s.depth > s.maxDepth {
		return s.errorf(start, "the query nests deeper than %d levels of parentheses and braces", s.maxDepth)
	}
	return nil
}

func (s *scanner) next() error {
	start := s.i
	r := s.at(s.i)
	switch {
	case ast.IsSpace(r):
		for s.i < s.n && ast.IsSpace(s.at(s.i)) {
			s.i++
		}
	case r == '(' || r == '{':
		if err := s.open(start); err != nil {
			return err
		}
		s.i++
		if r == '(' {
			s.emit(tokLParen, start)
		} else {
			s.emit(tokLBrace, start)
		}
	case r == ')' || r == '}':
		s.depth--
		s.i++
		if r == ')' {
			s.emit(tokRParen, start)
		} else {
			s.emit(tokRBrace, start)
		}
	case r == ':':
		s.i++
		s.emit(tokColon, start)
	case r == '<' || r == '>':
		s.i++
		if s.i < s.n && s.at(s.i) == '=' {
			s.i++
		}
		s.emit(tokRange, start)
	case r == '"':
		return s.quoted()
	default:
		if n := s.wordAt(s.i, "not"); n > 0 && s.spaceAt(s.i+n) {
			s.i += n
			s.emit(tokNot, start)
			return nil
		}
		if s.afterOperand(start) {
			for _, kw := range [...]struct {
				word string
				typ  lexer.TokenType
			}{{"or", tokOr}, {"and", tokAnd}} {
				if n := s.wordAt(s.i, kw.word); n > 0 && s.spaceAt(s.i+n) {
					s.i += n
					s.emit(kw.typ, start)
					return nil
				}
			}
		}
		return s.unquoted()
	}
	return nil
}

// specialASCII tells for each ASCII character whether it is special (see
// [ast.IsSpecial]), for the lexer's inner loops.
var specialASCII = func() (t [utf8.RuneSelf]bool) {
	for r := range t {
		t[r] = ast.IsSpecial(rune(r))
	}
	return t
}()

// isSpecial is [ast.IsSpecial], quicker for ASCII.
func isSpecial(r rune) bool {
	if r < utf8.RuneSelf {
		return specialASCII[r]
	}
	return ast.IsSpecial(r)
}

// wordAt returns len(word) when word (ASCII, any case) stands at i, else 0.
func (s *scanner) wordAt(i int, word string) int {
	if i+len(word) > s.n {
		return 0
	}
	for k := 0; k < len(word); k++ {
		r := s.at(i + k)
		if r >= 'A' && r <= 'Z' {
			r += 'a' - 'A'
		}
		if r != rune(word[k]) {
			return 0
		}
	}
	return len(word)
}

func (s *scanner) spaceAt(i int) bool { return i < s.n && ast.IsSpace(s.at(i)) }

// keywordAt reports whether Kibana's Keyword rule matches at i: a space,
// "or" or "and", a space; or "not" and a space. An unquoted literal ends
// there.
func (s *scanner) keywordAt(i int) bool {
	if r := s.at(i); r != 'n' && r != 'N' && !ast.IsSpace(r) {
		return false // the quick answer for most characters
	}
	if n := s.wordAt(i, "not"); n > 0 && s.spaceAt(i+n) {
		return true
	}
	if !s.spaceAt(i) {
		return false
	}
	if n := s.wordAt(i+1, "or"); n > 0 && s.spaceAt(i+1+n) {
		return true
	}
	n := s.wordAt(i+1, "and")
	return n > 0 && s.spaceAt(i+1+n)
}

// hex4 decodes four hex digits at i, or returns -1.
func (s *scanner) hex4(i int) rune {
	if i+4 > s.n {
		return -1
	}
	var v rune
	for k := i; k < i+4; k++ {
		r := s.at(k)
		switch {
		case r >= '0' && r <= '9':
			v = v<<4 | (r - '0')
		case r >= 'a' && r <= 'f':
			v = v<<4 | (r - 'a' + 10)
		case r >= 'A' && r <= 'F':
			v = v<<4 | (r - 'A' + 10)
		default:
			return -1
		}
	}
	return v
}

// textBuilder collects decoded characters, joining UTF-16 surrogate pairs
// written as two \u escapes, as JavaScript strings do. A lone surrogate
// becomes U+FFFD.
type textBuilder struct {
	b    strings.Builder
	high rune // a pending high surrogate, or 0
}

func (t *textBuilder) flush() {
	if t.high != 0 {
		t.b.WriteRune(utf8.RuneError)
		t.high = 0
	}
}

func (t *textBuilder) rune(r rune) {
	t.flush()
	t.b.WriteRune(r)
}

func (t *textBuilder) unit(u rune) {
	switch {
	case utf16.IsSurrogate(u) && u < 0xdc00:
		t.flush()
		t.high = u
	case utf16.IsSurrogate(u) && t.high != 0:
		t.b.WriteRune(utf16.DecodeRune(t.high, u))
		t.high = 0
	default:
		t.rune(u)
	}
}

func (t *textBuilder) String() string {
	t.flush()
	return t.b.String()
}

// quoted scans a quoted string. Only \" \\ \t \r \n and \uXXXX are escapes;
// any other backslash is kept as it is.
func (s *scanner) quoted() error {
	if s.plainQuoted() {
		return nil
	}
	start := s.i
	s.i++ // the opening quote
	var text textBuilder
	for {
		if s.i >= s.n {
			if s.i > start+1 && s.at(s.i-1) == '"' && s.at(s.i-2) == '\\' {
				return s.errorf(start, `the quoted value is not closed: its last quote is escaped by the backslash before it (write \\ for a backslash)`)
			}
			return s.errorf(start, `the quoted value is not closed: expected '"'`)
		}
		r := s.at(s.i)
		switch {
		case r == '"':
			s.i++
			raw := s.text(start, s.i)
			s.literal(ast.Literal{ValuePos: ast.Pos(start), ValueEnd: ast.Pos(s.i), Raw: raw,
				Kind: ast.String, Quoted: true, Text: text.String()})
			s.toks = append(s.toks, token{typ: tokQuoted, start: start, end: s.i, raw: raw})
			return nil
		case r == '\\' && s.i+1 < s.n:
			switch e := s.at(s.i + 1); e {
			case 't':
				text.rune('\t')
			case 'r':
				text.rune('\r')
			case 'n':
				text.rune('\n')
			case '\\', '"':
				text.rune(e)
			case 'u':
				if u := s.hex4(s.i + 2); u >= 0 {
					text.unit(u)
					s.i += 6
					continue
				}
				text.rune('\\')
				s.i++
				continue
			default:
				text.rune('\\')
				s.i++
				continue
			}
			s.i += 2
		default:
			text.rune(r)
			s.i++
		}
	}
}

// plainQuoted scans a closed quoted string without backslashes, the
// common case, whose text is its raw text unquoted. It returns false,
// having consumed nothing, for any other.
func (s *scanner) plainQuoted() bool {
	start := s.i
	for i := start + 1; i < s.n; i++ {
		switch s.at(i) {
		case '\\':
			return false
		case '"':
			s.i = i + 1
			raw := s.text(start, s.i)
			s.literal(ast.Literal{ValuePos: ast.Pos(start), ValueEnd: ast.Pos(s.i), Raw: raw,
				Kind: ast.String, Quoted: true, Text: raw[1 : len(raw)-1]})
			s.toks = append(s.toks, token{typ: tokQuoted, start: start, end: s.i, raw: raw})
			return true
		}
	}
	return false
}

// unquoted scans an unquoted literal as Kibana's UnquotedLiteral rule does:
// escapes first, then '*', then any character that is not special and does
// not start a keyword. The decoded text is trimmed at both ends.
func (s *scanner) unquoted() error {
	if s.plainUnquoted() {
		return nil
	}
	start := s.i
	var parts []string // the pieces before each unescaped '*'
	var text textBuilder
	for s.i < s.n {
		r := s.at(s.i)
		if r == '\\' {
			n, err := s.escape(&text)
			if err != nil {
				return err
			}
			s.i += n
			continue
		}
		if r == '*' {
			parts = append(parts, text.String())
			text = textBuilder{}
			s.i++
			continue
		}
		if isSpecial(r) || s.keywordAt(s.i) {
			break
		}
		text.rune(r)
		s.i++
	}
	parts = append(parts, text.String())
	parts[0] = strings.TrimLeftFunc(parts[0], ast.IsTrimSpace)
	parts[len(parts)-1] = strings.TrimRightFunc(parts[len(parts)-1], ast.IsTrimSpace)

	end := s.i
	for end > start && ast.IsTrimSpace(s.at(end-1)) {
		end--
	}
	lit := s.literal(ast.Literal{ValuePos: ast.Pos(start), ValueEnd: ast.Pos(end), Raw: s.text(start, end)})
	switch seq := parts[0]; {
	case len(parts) > 1:
		lit.Kind, lit.Parts = ast.Wildcard, parts
	case seq == "null":
		lit.Kind = ast.Null
	case seq == "true" || seq == "false":
		lit.Kind, lit.Bool = ast.Bool, seq == "true"
	default:
		lit.Kind, lit.Text = ast.String, seq
	}
	s.toks = append(s.toks, token{typ: tokUnquoted, start: start, end: s.i, raw: lit.Raw})
	return nil
}

// plainUnquoted scans an unquoted literal without escapes, the common case,
// whose text (or whose parts, split at each '*') is its raw text trimmed:
// no decoding needed.
// It returns false, having consumed nothing, for any other literal.
func (s *scanner) plainUnquoted() bool {
	start, i := s.i, s.i
	wildcard := false
	for ; i < s.n; i++ {
		r := s.at(i)
		if r == '\\' {
			return false
		}
		if r == '*' {
			wildcard = true
			continue
		}
		if isSpecial(r) || s.keywordAt(i) {
			break
		}
	}
	s.i = i
	end := i
	for end > start && ast.IsTrimSpace(s.at(end-1)) {
		end--
	}
	raw := s.text(start, end)
	lit := s.literal(ast.Literal{ValuePos: ast.Pos(start), ValueEnd: ast.Pos(end), Raw: raw})
	if wildcard {
		parts := strings.Split(raw, "*") // raw is trimmed at the end already
		parts[0] = strings.TrimLeftFunc(parts[0], ast.IsTrimSpace)
		lit.Kind, lit.Parts = ast.Wildcard, parts
		s.toks = append(s.toks, token{typ: tokUnquoted, start: start, end: s.i, raw: raw})
		return true
	}
	switch text := strings.TrimLeftFunc(raw, ast.IsTrimSpace); text {
	case "null":
		lit.Kind = ast.Null
	case "true", "false":
		lit.Kind, lit.Bool = ast.Bool, text == "true"
	default:
		lit.Kind, lit.Text = ast.String, text
	}
	s.toks = append(s.toks, token{typ: tokUnquoted, start: start, end: s.i, raw: raw})
	return true
}

// escape decodes the escape at s.i in an unquoted literal and returns its
// length in runes. The order is Kibana's: \t \r \n first (so "\not" is a
// newline and "ot"), then the special characters, then \uXXXX, then the
// keywords \or \and \not in any case.
func (s *scanner) escape(text *textBuilder) (int, error) {
	if s.i+1 >= s.n {
		return 0, s.errorf(s.i, `a backslash at the end of a value escapes nothing (write \\ for a backslash)`)
	}
	e := s.at(s.i + 1)
	switch {
	case e == 't':
		text.rune('\t')
		return 2, nil
	case e == 'r':
		text.rune('\r')
		return 2, nil
	case e == 'n':
		text.rune('\n')
		return 2, nil
	case ast.IsSpecial(e):
		text.rune(e)
		return 2, nil
	case e == 'u':
		if u := s.hex4(s.i + 2); u >= 0 {
			text.unit(u)
			return 6, nil
		}
	}
	for _, kw := range [...]string{"or", "and", "not"} {
		if n := s.wordAt(s.i+1, kw); n > 0 {
			for k := s.i + 1; k < s.i+1+n; k++ {
				text.rune(s.at(k))
			}
			return 1 + n, nil
		}
	}
	esc := s.text(s.i, s.i+2)
	if e == 'u' {
		return 0, s.errorf(s.i, `invalid escape %q in an unquoted value: \u must be followed by four hex digits`, esc+s.text(s.i+2, min(s.i+6, s.n)))
	}
	return 0, s.errorf(s.i, `invalid escape %q in an unquoted value: only \\ \( \) \: \< \> \" \* \{ \} \t \r \n \uXXXX \and \or \not are escapes (quote the value to keep a backslash)`, esc)
}

// tokenLexer hands the tokens to participle, with types that
// decide every choice of the grammar by themselves. A simple operand is a
// literal; a literal, ':' and a literal; a literal, ':' and a flat list of
// values (literals joined by "or" or "and" in parentheses, each but the
// first maybe after "not"); or a literal, a range operator and a literal. A
// run of simple operands joined by "or" or "and", each but the first maybe
// after "not", is one token: Lits when all are literals (free text in a
// query, values in a list), else Terms. (A run never starts with "not", so
// that "not" before a run stays a Not token and "not not" stays an error.)
// A literal followed by ':' and anything else is a Field token (the ':'
// included); "or" and "and" elsewhere are Conj. A run ends before a
// parenthesis, a brace or a Field. These runs are regular (no nesting), so
// the lexer can recognise them, and the
// grammar accepts the same queries as with the separate tokens; where it
// rejects one, the error is found on the tokens of lex (see translate). A
// token's Pos.Offset is the rune offset of its first token, which leads
// back to the tokens of lex.
type tokenLexer struct {
	toks []token
	i    int
}

func (l *tokenLexer) isLiteral(i int) bool {
	return l.toks[i].typ == tokQuoted || l.toks[i].typ == tokUnquoted
}

// operand returns the kind of the operand that starts with the literal at
// i (tokLits, tokTerms or tokField) and the index after it.
func (l *tokenLexer) operand(i int) (lexer.TokenType, int) {
	switch op := i + 1; l.toks[op].typ { // the EOF token is last
	case tokColon:
		v := op + 1
		if l.isLiteral(v) {
			return tokTerms, v + 1
		}
		if l.toks[v].typ == tokLParen {
			if end := l.literals(v + 1); end > v+1 && l.toks[end].typ == tokRParen {
				return tokTerms, end + 1
			}
		}
		return tokField, op + 1
	case tokRange:
		if v := op + 1; l.isLiteral(v) {
			return tokTerms, v + 1
		}
	}
	return tokLits, i + 1
}

// literals returns the index after the literals joined by "or" or "and",
// each but the first maybe after "not", that start at i (i when there is
// none).
func (l *tokenLexer) literals(i int) int {
	if !l.isLiteral(i) {
		return i
	}
	for {
		i++
		if t := l.toks[i].typ; t != tokOr && t != tokAnd {
			return i
		}
		v := l.notAt(i + 1)
		if !l.isLiteral(v) {
			return i
		}
		i = v
	}
}

// notAt returns the index after the "not" at i, or i.
func (l *tokenLexer) notAt(i int) int {
	if l.toks[i].typ == tokNot {
		return i + 1
	}
	return i
}

// run returns the type of the run that starts with the literal at i and
// the index after it.
func (l *tokenLexer) run(i int) (lexer.TokenType, int) {
	typ, next := l.operand(i)
	if typ == tokField {
		return typ, next
	}
	for {
		if t := l.toks[next].typ; t != tokOr && t != tokAnd {
			return typ, next
		}
		v := l.notAt(next + 1)
		if !l.isLiteral(v) {
			return typ, next
		}
		t, n := l.operand(v)
		if t == tokField {
			return typ, next
		}
		if t == tokTerms {
			typ = tokTerms
		}
		next = n
	}
}

func (l *tokenLexer) Next() (lexer.Token, error) {
	i := l.i
	t := l.toks[i]
	typ, next := t.typ, min(i+1, len(l.toks)-1)
	switch typ {
	case tokOr, tokAnd:
		typ = tokConj
	case tokQuoted, tokUnquoted:
		typ, next = l.run(i)
	}
	l.i = next
	// No Value: the grammar matches types only, and participle boxes a
	// captured or matched value unless it is "".
	return lexer.Token{Type: typ, Pos: lexer.Position{Offset: t.start}}, nil
}

// definition is a participle lexer.Definition over pre-lexed tokens: the
// lexing (with the state Kibana's grammar needs) happens in lex.
type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType { return symbols() }

func (definition) Lex(string, io.Reader) (lexer.Lexer, error) {
	return nil, fmt.Errorf("kql: the lexer reads only pre-lexed tokens")
}
