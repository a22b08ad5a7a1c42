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

type gQuery struct {
	Or *gOr `parser:"@@?"`
}

type gOr struct {
	Args []*gAnd `parser:"@@ ( Or @@ )*"`
}

type gAnd struct {
	Args []*gNot `parser:"@@ ( And @@ )*"`
}

type gNot struct {
	Pos lexer.Position
	Not bool  `parser:"@Not?"`
	Sub *gSub `parser:"@@"`
}

type gSub struct {
	Group *gOr   `parser:"  LParen @@ RParen"`
	Term  *gTerm `parser:"| @@"`
}

type gTerm struct {
	Field *gLit   `parser:"@@"`
	Colon *gColon `parser:"( Colon @@"`
	Range *gRange `parser:"| @@ )?"`
}

type gColon struct {
	Nested *gNested `parser:"  @@"`
	Values *gList   `parser:"| @@"`
}

type gNested struct {
	Pos    lexer.Position // the opening brace
	X      *gOr           `parser:"LBrace @@"`
	Rbrace *gPunct        `parser:"@@"`
}

type gPunct struct {
	Pos lexer.Position
	Tok string `parser:"@RBrace"`
}

type gRange struct {
	Pos   lexer.Position
	Op    string `parser:"@Range"`
	Value *gLit  `parser:"@@"`
}

type gList struct {
	Group *gOrValues `parser:"  LParen @@ RParen"`
	Value *gLit      `parser:"| @@"`
}

type gOrValues struct {
	Args []*gAndValues `parser:"@@ ( Or @@ )*"`
}

type gAndValues struct {
	Args []*gNotValues `parser:"@@ ( And @@ )*"`
}

type gNotValues struct {
	Pos lexer.Position
	Not bool   `parser:"@Not?"`
	X   *gList `parser:"@@"`
}

type gLit struct {
	Pos lexer.Position
	Raw string `parser:"@( Quoted | Unquoted )"`
}

var grammar = participle.MustBuild[gQuery](
	participle.Lexer(definition{}),
)
