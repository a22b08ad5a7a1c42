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
// first, rules are written inline where that saves a node, and tokens are
// not captured. The lexer (see tokenLexer) helps:
//
//   - a Term is one or two tokens: Field (a literal and ':') followed by
//     its value, RangeTerm (a literal, an operator and a literal) or Lit
//     (free text; a value elsewhere);
//   - "or" and "and" are both Conj: OrQuery and AndQuery are one list of
//     operands joined by Conj, and so are OrValues and AndValues; the
//     converter groups the operands by their operators, "and" binding
//     tighter, as the two rules do.
//
// Each node keeps only the position of its first token and its
// sub-queries, in order; the converter (parse.go) reads the tokens from
// that position on, since the grammar fixes which token comes where.

type gQuery struct {
	Or *gOr `parser:"@@?"`
}

// gOr is OrQuery and AndQuery: NotQuery operands joined by "or" or "and".
type gOr struct {
	Args []*gNot `parser:"@@ ( Conj @@ )*"`
}

// gNot is NotQuery, with SubQuery and Term inline:
//
//	"not"? ( Field ( Lit | Values | "{" Nested "}" ) | Lit | RangeTerm | "(" Group ")" )
type gNot struct {
	Pos    lexer.Position // the first token: "not", "(" or the field
	Values *gValues       `parser:"Not? ( Field ( Lit | @@"`
	Nested *gOr           `parser:"| LBrace @@ RBrace )"`
	Group  *gOr           `parser:"| Lit | RangeTerm | LParen @@ RParen )"`
}

// gValues is ListOfValues in parentheses, with OrValues, AndValues and
// NotValues inline: its operands are literals and, in order, Groups. The
// rarer "not" is an alternative, not an optional token in front, which
// would be tried before every operand.
type gValues struct {
	Pos    lexer.Position // the opening parenthesis
	Groups []*gValues     `parser:"LParen ( Lit | @@ | Not ( Lit | @@ ) ) ( Conj ( Lit | @@ | Not ( Lit | @@ ) ) )* RParen"`
}

var grammar = participle.MustBuild[gQuery](
	participle.Lexer(definition{}),
)
