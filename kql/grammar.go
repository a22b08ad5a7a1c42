package kql

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar, after Kibana's grammar.peggy (kbn-es-query). Whitespace is
// handled by the lexer: Kibana allows it between any two tokens, requires
// it around or/and and after not, and keeps it inside unquoted literals.
//
//	Query     = OrQuery? EOF
//	OrQuery   = AndQuery ( "or" AndQuery )*
//	AndQuery  = NotQuery ( "and" NotQuery )*
//	NotQuery  = "not"? SubQuery
//	SubQuery  = "(" OrQuery ")" | Term
//	Term      = Literal ( ":" ( "{" OrQuery "}" | ListOfValues ) | RangeOp Literal )?
//	ListOfValues = "(" OrValues ")" | Literal
//	OrValues  = AndValues ( "or" AndValues )*
//	AndValues = NotValues ( "and" NotValues )*
//	NotValues = "not"? ListOfValues
//
// A Term with neither ":" nor an operator is free text.
//
// The participle grammar below is this grammar, written for speed: every
// choice is decided by the next token, the most frequent choice is tried
// first, SubQuery, Term and ListOfValues are written inline, and tokens are
// not captured. The lexer (see tokenLexer) makes a Term one or two tokens:
// Field (a literal and ':') followed by its value, RangeTerm (a literal, an
// operator and a literal) or Lit (free text; a value elsewhere). Each node
// keeps only the position of its first token and its sub-queries; the
// converter (parse.go) reads the tokens from that position on, since the
// grammar fixes which token comes where.

type gQuery struct {
	Or *gOr `parser:"@@?"`
}

type gOr struct {
	Args []*gAnd `parser:"@@ ( Or @@ )*"`
}

type gAnd struct {
	Args []*gNot `parser:"@@ ( And @@ )*"`
}

// gNot is NotQuery, with SubQuery, Term and ListOfValues inline.
type gNot struct {
	Pos    lexer.Position // the first token: "not", "(" or the field
	Values *gOrValues     `parser:"Not? ( Field ( Lit | LParen @@ RParen"`
	Nested *gOr           `parser:"                   | LBrace @@ RBrace )"`
	Group  *gOr           `parser:"       | Lit | RangeTerm | LParen @@ RParen )"`
}

type gOrValues struct {
	Args []*gAndValues `parser:"@@ ( Or @@ )*"`
}

type gAndValues struct {
	Args []*gNotValues `parser:"@@ ( And @@ )*"`
}

// gNotValues is NotValues, with ListOfValues inline.
type gNotValues struct {
	Pos   lexer.Position // the first token: "not", "(" or the value
	Group *gOrValues     `parser:"Not? ( Lit | LParen @@ RParen )"`
}

var grammar = participle.MustBuild[gQuery](
	participle.Lexer(definition{}),
)
