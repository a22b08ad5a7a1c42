package kql

import (
	"github.com/alecthomas/participle/v2"
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
// The participle grammar below is this grammar, written for speed: it only
// recognises the query, every choice is decided by the next token, the most
// frequent choice is tried first, and nothing is captured but the
// sub-structs that recursion needs. The lexer (see tokenLexer) helps: it
// hands over a run of simple operands joined by "or" or "and" as one token,
// Terms (at least one of them a field and its value, a field and a flat
// list of values, or a range) or Lits (free text, or values), and any other
// literal followed by ':' as a Field; "or" and "and" elsewhere are both
// Conj. Those runs are regular, so the lexer recognises them by itself, and
// the grammar accepts exactly the queries it would accept on the separate
// tokens. An empty query never reaches the grammar.
//
// The converter (parse.go) then builds the tree from the tokens of lex
// alone, as the recognised query fixes which token comes where; the
// structs below are never read.

// gOr is OrQuery and AndQuery: NotQuery operands joined by "or" or "and".
// A run without "not" in front, the most frequent operand, is taken here.
type gOr struct {
	Args []*gNot `parser:"( Terms | @@ ) ( Conj ( Terms | @@ ) )*"`
}

// gNot is NotQuery, with SubQuery and Term inline, in the order of their
// frequency:
//
//	"not"? ( Field ( Values | "{" Nested "}" ) | "(" Group ")" | Terms | Lits )
type gNot struct {
	Values *gValues `parser:"Not? ( Field ( @@"`
	Nested *gOr     `parser:"| LBrace @@ RBrace )"`
	Group  *gOr     `parser:"| LParen @@ RParen | Terms | Lits )"`
}

// gValues is ListOfValues in parentheses, with OrValues, AndValues and
// NotValues inline: its operands are runs of literals and Groups. The
// rarer "not" is an alternative, not an optional token in front, which
// would be tried before every operand.
type gValues struct {
	Groups []*gValues `parser:"LParen ( Lits | @@ | Not ( Lits | @@ ) ) ( Conj ( Lits | @@ | Not ( Lits | @@ ) ) )* RParen"`
}

// grammar recognises a query that is not empty (Parse answers an empty
// one by itself).
var grammar = participle.MustBuild[gOr](
	participle.Lexer(definition{}),
)
