package eql

import (
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/alecthomas/participle/v2/lexer"
)

// Token types of the EQL lexer, after EqlBaseLexer
// (elastic/elasticsearch x-pack/plugin/eql/src/main/antlr/EqlBase.g4).
const (
	tokKeyword lexer.TokenType = iota + 1 // and, any, by, ..., in~, like~, regex~
	tokIdent                              // IDENTIFIER: (LETTER | '_' | '@') (LETTER | DIGIT | '_')*
	tokQIdent                             // QUOTED_IDENTIFIER: '`' (~'`' | '``')* '`'
	tokTIdent                             // TILDE_IDENTIFIER: a function name ending in '~'
	tokString                             // STRING (all its forms; the builder refuses some)
	tokInt                                // INTEGER_VALUE
	tokDecimal                            // DECIMAL_VALUE
	tokPunct                              // operators and brackets
)

// symbols names the token types for the grammar. It is a function, not a
// variable, because the grammar is built during package initialisation.
func symbols() map[string]lexer.TokenType {
	return map[string]lexer.TokenType{
		"EOF":     lexer.EOF,
		"Keyword": tokKeyword,
		"Ident":   tokIdent,
		"QIdent":  tokQIdent,
		"TIdent":  tokTIdent,
		"String":  tokString,
		"Int":     tokInt,
		"Decimal": tokDecimal,
		"Punct":   tokPunct,
	}
}

// keywords are EqlBase.g4's reserved words. A keyword is never a field
// name unless backquoted.
var keywords = map[string]bool{
	"and": true, "any": true, "by": true, "false": true, "in": true, "in~": true,
	"join": true, "like": true, "like~": true, "maxspan": true, "not": true,
	"null": true, "of": true, "or": true, "regex": true, "regex~": true,
	"sample": true, "sequence": true, "true": true, "until": true,
	"where": true, "with": true,
}

// token is one token with its rune offsets.
type token struct {
	typ        lexer.TokenType
	text       string // the source text
	start, end int    // rune offsets
	line, col  int    // of start, from 1
}

// scanner splits a query into tokens as EqlBaseLexer does: the longest
// match wins, and on a tie the rule written first (keywords before
// identifiers). Whitespace and comments are skipped.
type scanner struct {
	src  []rune
	text string // src as given; when ascii, a rune offset is a byte offset in it
	// ascii: src has no multi-byte character, so a token's text is a
	// substring of text, not a copy
	ascii bool
	i     int
	line  int
	col   int
	toks  []token
}

func isLetter(r rune) bool { return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' }
func isDigit(r rune) bool  { return r >= '0' && r <= '9' }
func isHex(r rune) bool    { return isDigit(r) || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F' }

func (s *scanner) at(i int) rune {
	if i < len(s.src) {
		return s.src[i]
	}
	return -1
}

// advance moves to rune offset j, keeping line and column.
func (s *scanner) advance(j int) {
	for ; s.i < j; s.i++ {
		if s.src[s.i] == '\n' {
			s.line++
			s.col = 1
		} else {
			s.col++
		}
	}
}

func (s *scanner) emit(typ lexer.TokenType, j int) {
	s.toks = append(s.toks, token{typ: typ, text: s.str(s.i, j), start: s.i, end: j, line: s.line, col: s.col})
	s.advance(j)
}

// str returns the text of the runes i to j.
func (s *scanner) str(i, j int) string {
	if s.ascii {
		return s.text[i:j]
	}
	return string(s.src[i:j])
}

func isASCII(src string) bool {
	for i := 0; i < len(src); i++ {
		if src[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// lex returns the tokens of src, ending with an EOF token, or the
// lexer's error: ANTLR's "token recognition error at: '...'".
func lex(src string) ([]token, *Error) {
	s := &scanner{src: []rune(src), text: src, ascii: isASCII(src), line: 1, col: 1}
	s.toks = make([]token, 0, len(src)/8+4)
	return s.run()
}

// lexInto is lex into the buffers of s (a scanner of an earlier query, or
// a new one), which it reuses: the tokens are valid until s lexes again.
func (s *scanner) lexInto(src string) ([]token, *Error) {
	clear(s.toks) // the strings of the last query
	runes, toks := s.src[:0], s.toks[:0]
	// made to the query's size at once rather than grown, and at least
	// doubled, so that queries ever longer (a scratch the pool dropped at
	// a collection is new again) make few
	if cap(runes) < len(src) {
		runes = make([]rune, 0, max(len(src), 2*cap(runes)))
	}
	if n := len(src)/8 + 4; cap(toks) < n {
		toks = make([]token, 0, max(n, 2*cap(toks)))
	}
	for _, r := range src {
		runes = append(runes, r)
	}
	*s = scanner{src: runes, text: src, ascii: isASCII(src), line: 1, col: 1, toks: toks}
	return s.run()
}

// run lexes s.src from its start.
func (s *scanner) run() ([]token, *Error) {
	for {
		if err := s.skip(); err != nil {
			return nil, err
		}
		if s.i >= len(s.src) {
			s.toks = append(s.toks, token{typ: lexer.EOF, start: s.i, end: s.i, line: s.line, col: s.col})
			return s.toks, nil
		}
		if err := s.next(); err != nil {
			return nil, err
		}
	}
}

// skip passes whitespace and comments (LINE_COMMENT, BRACKETED_COMMENT,
// which nests).
func (s *scanner) skip() *Error {
	for s.i < len(s.src) {
		switch r := s.src[s.i]; {
		case r == ' ' || r == '\t' || r == '\r' || r == '\n':
			s.advance(s.i + 1)
		case r == '/' && s.at(s.i+1) == '/':
			j := s.i + 2
			for j < len(s.src) && s.src[j] != '\n' && s.src[j] != '\r' {
				j++
			}
			s.advance(j)
		case r == '/' && s.at(s.i+1) == '*':
			depth, j := 0, s.i
			for {
				if j >= len(s.src) {
					// Not a comment: ANTLR falls back to '/' then '*'.
					return nil
				}
				if s.src[j] == '/' && s.at(j+1) == '*' {
					depth++
					j += 2
					continue
				}
				if s.src[j] == '*' && s.at(j+1) == '/' {
					depth--
					j += 2
					if depth == 0 {
						break
					}
					continue
				}
				j++
			}
			s.advance(j)
		default:
			return nil
		}
	}
	return nil
}

func (s *scanner) errorAt(j int) *Error {
	text := s.str(s.i, min(j, len(s.src)))
	return &Error{Position: pos(s.i, s.line, s.col), Msg: fmt.Sprintf("token recognition error at: '%s'", text)}
}

func (s *scanner) next() *Error {
	r := s.src[s.i]
	switch {
	case isLetter(r) || r == '_' || r == '@':
		j := s.i + 1
		for j < len(s.src) && (isLetter(s.src[j]) || isDigit(s.src[j]) || s.src[j] == '_') {
			j++
		}
		word := s.str(s.i, j)
		if s.at(j) == '~' && isLetter(r) {
			// TILDE_IDENTIFIER and the ~ keywords are longer matches.
			if keywords[word+"~"] {
				s.emit(tokKeyword, j+1)
			} else {
				s.emit(tokTIdent, j+1)
			}
			return nil
		}
		if keywords[word] {
			s.emit(tokKeyword, j)
		} else {
			s.emit(tokIdent, j)
		}
		return nil
	case isDigit(r) || r == '.' && isDigit(s.at(s.i+1)):
		return s.number()
	case r == '`':
		j := s.i + 1
		for {
			if j >= len(s.src) {
				return s.errorAt(j)
			}
			if s.src[j] == '`' {
				if s.at(j+1) == '`' {
					j += 2
					continue
				}
				break
			}
			j++
		}
		s.emit(tokQIdent, j+1)
		return nil
	case r == '"' || r == '\'' || r == '?' && (s.at(s.i+1) == '"' || s.at(s.i+1) == '\''):
		return s.string()
	}
	if n := punctLen(r, s.at(s.i+1)); n > 0 {
		s.emit(tokPunct, s.i+n)
		return nil
	}
	return s.errorAt(s.i + 1)
}

// punctLen returns the length in runes of the punctuation token that
// starts with r then next: "![", "==", "!=", "<=", ">=" before ":", "=",
// "<", ">", "+", "-", "*", "/", "%", ".", ",", "[", "]", "(", ")", "|",
// "?" (the longest first); 0 for none.
func punctLen(r, next rune) int {
	switch r {
	case '!':
		if next == '[' || next == '=' {
			return 2
		}
		return 0
	case '=', '<', '>':
		if next == '=' {
			return 2
		}
		return 1
	case ':', '+', '-', '*', '/', '%', '.', ',', '[', ']', '(', ')', '|', '?':
		return 1
	}
	return 0
}

// number scans INTEGER_VALUE or DECIMAL_VALUE.
func (s *scanner) number() *Error {
	j := s.i
	for isDigit(s.at(j)) {
		j++
	}
	typ := tokInt
	if s.at(j) == '.' {
		typ = tokDecimal
		j++
		for isDigit(s.at(j)) {
			j++
		}
	}
	if e := s.at(j); e == 'e' || e == 'E' {
		k := j + 1
		if s.at(k) == '+' || s.at(k) == '-' {
			k++
		}
		if isDigit(s.at(k)) {
			for isDigit(s.at(k)) {
				k++
			}
			typ, j = tokDecimal, k
		}
	}
	s.emit(typ, j)
	return nil
}

// string scans one STRING: "..." with escapes \b \t \n \f \r \" \' \\
// and \u{hex}, """raw""" (optionally followed by one or two more quotes),
// and the forms the builder refuses with a message: '...', ?"...", ?'...'.
func (s *scanner) string() *Error {
	r := s.src[s.i]
	j := s.i
	switch {
	case r == '"' && s.at(j+1) == '"' && s.at(j+2) == '"':
		k := j + 3
		for ; k < len(s.src); k++ {
			if s.src[k] == '\r' || s.src[k] == '\n' {
				break
			}
			if s.src[k] == '"' && s.at(k+1) == '"' && s.at(k+2) == '"' {
				k += 3
				for n := 0; n < 2 && s.at(k) == '"'; n++ {
					k++
				}
				s.emit(tokString, k)
				return nil
			}
		}
		// No closing """: the empty string "" is the longest STRING.
		s.emit(tokString, j+2)
		return nil
	case r == '"' || r == '\'':
		k := j + 1
		for {
			c := s.at(k)
			switch {
			case c == -1 || c == '\r' || c == '\n':
				return s.errorAt(k)
			case c == r:
				s.emit(tokString, k+1)
				return nil
			case c == '\\':
				n := s.at(k + 1)
				switch {
				case strings.ContainsRune(`btnfr"'\`, n):
					k += 2
				case r == '"' && n == 'u':
					// UNICODE_ESCAPE: \u{HEX+}; the error text runs to the
					// first character that does not fit, as ANTLR's does.
					if s.at(k+2) != '{' {
						return s.errorAt(k + 3)
					}
					m := k + 3
					for isHex(s.at(m)) {
						m++
					}
					if m == k+3 || s.at(m) != '}' {
						return s.errorAt(m + 1)
					}
					k = m + 1
				default:
					return s.errorAt(k + 2)
				}
			default:
				k++
			}
		}
	default: // ?" or ?'
		q := s.at(j + 1)
		k := j + 2
		for {
			c := s.at(k)
			switch {
			case c == -1 || c == '\r' || c == '\n':
				return s.errorAt(k)
			case c == '\\' && s.at(k+1) == q:
				k += 2
			case c == q:
				s.emit(tokString, k+1)
				return nil
			default:
				k++
			}
		}
	}
}

// tokenLexer feeds the tokens to participle.
type tokenLexer struct {
	toks []token
	i    int
}

func (l *tokenLexer) Next() (lexer.Token, error) {
	t := l.toks[min(l.i, len(l.toks)-1)]
	l.i++
	return lexer.Token{Type: t.typ, Value: t.text, Pos: lexer.Position{Offset: t.start, Line: t.line, Column: t.col}}, nil
}

type definition struct{}

func (definition) Symbols() map[string]lexer.TokenType { return symbols() }

func (definition) Lex(string, io.Reader) (lexer.Lexer, error) {
	return nil, fmt.Errorf("eql: use Parse")
}
