package kql

import "github.com/alecthomas/participle/v2/lexer"

// recognize reports whether the grammar (grammar.go) accepts the tokens
// as tokenLexer hands them to participle: a recursive descent on the
// token types, each choice decided by the next token as the grammar
// decides it, without participle's reflection. When it does not accept
// them, Parse asks participle, which decides and words the error; so a
// query participle refuses must never be accepted here
// (TestRecognize, FuzzParse).
func recognize(toks []token) bool {
	r := recognizer{l: tokenLexer{toks: toks}}
	r.advance()
	return r.or() && r.typ == lexer.EOF
}

type recognizer struct {
	l   tokenLexer
	typ lexer.TokenType // the type of the current token
}

func (r *recognizer) advance() {
	t, _ := r.l.Next() // tokenLexer never fails
	r.typ = t.Type
}

// or is gOr: ( Terms | gNot ) ( Conj ( Terms | gNot ) )*.
func (r *recognizer) or() bool {
	for {
		if r.typ == tokTerms {
			r.advance()
		} else if !r.not() {
			return false
		}
		if r.typ != tokConj {
			return true
		}
		r.advance()
	}
}

// not is gNot: Not? ( Field ( gValues | LBrace gOr RBrace ) | LParen gOr
// RParen | Terms | Lits ).
func (r *recognizer) not() bool {
	if r.typ == tokNot {
		r.advance()
	}
	switch r.typ {
	case tokField:
		r.advance()
		switch r.typ {
		case tokLParen:
			return r.values()
		case tokLBrace:
			r.advance()
			return r.or() && r.close(tokRBrace)
		}
		return false
	case tokLParen:
		r.advance()
		return r.or() && r.close(tokRParen)
	case tokTerms, tokLits:
		r.advance()
		return true
	}
	return false
}

// values is gValues: LParen ( Lits | gValues | Not ( Lits | gValues ) )
// ( Conj ( Lits | gValues | Not ( Lits | gValues ) ) )* RParen.
func (r *recognizer) values() bool {
	r.advance() // LParen
	for {
		if r.typ == tokNot {
			r.advance()
		}
		switch r.typ {
		case tokLits:
			r.advance()
		case tokLParen:
			if !r.values() {
				return false
			}
		default:
			return false
		}
		if r.typ != tokConj {
			return r.close(tokRParen)
		}
		r.advance()
	}
}

// close consumes the closing token typ.
func (r *recognizer) close(typ lexer.TokenType) bool {
	if r.typ != typ {
		return false
	}
	r.advance()
	return true
}
