package eql

import (
	"github.com/alecthomas/participle/v2"
	"github.com/alecthomas/participle/v2/lexer"
)

// The grammar, after EqlBase.g4 (elastic/elasticsearch
// x-pack/plugin/eql/src/main/antlr/EqlBase.g4), as participle structs.
// Each struct is one rule; Pos and EndPos (the start of the first token
// after the rule) give the positions the converter (parse.go) puts on
// the tree. ANTLR's left-recursive booleanExpression, valueExpression and
// operatorExpression are written as precedence levels: or, and, not,
// comparison, + and -, * / and %, unary - and +, then a primary with its
// predicate (in, like, regex, :).
//
//	statement      = query pipe*
//	query          = sequence | sample | join | eventFilter
//	sequence       = "sequence" (joinKeys sequenceParams? | sequenceParams joinKeys?)? sequenceTerm+ ("until" sequenceTerm)?
//	sample         = "sample" joinKeys? joinTerm+
//	join           = "join" joinKeys? joinTerm joinTerm+ ("until" joinTerm)?
//	sequenceParams = "with" "maxspan" "=" number IDENTIFIER?
//	sequenceTerm   = subquery joinKeys? ("with" IDENTIFIER "=" number)?
//	joinTerm       = subquery joinKeys?
//	subquery       = ("[" | "![") eventFilter "]"
//	eventFilter    = ("any" | STRING | IDENTIFIER) "where" expression
//	pipe           = "|" IDENTIFIER (expression ("," expression)*)?

type gStatement struct {
	Query *gQuery  `parser:"@@"`
	Pipes []*gPipe `parser:"@@* EOF"`
}

type gQuery struct {
	Sequence *gSequence    `parser:"  @@"`
	Sample   *gSample      `parser:"| @@"`
	Join     *gJoin        `parser:"| @@"`
	Event    *gEventFilter `parser:"| @@"`
}

type gSequence struct {
	Pos    lexer.Position
	By     *gJoinKeys  `parser:"'sequence' ( @@"`
	With   *gSeqParams `parser:"  @@?"`
	With2  *gSeqParams `parser:"| @@"`
	By2    *gJoinKeys  `parser:"  @@? )?"`
	Stages []*gSeqTerm `parser:"@@+"`
	Until  *gSeqTerm   `parser:"( 'until' @@ )?"`
	EndPos lexer.Position
}

type gSample struct {
	Pos    lexer.Position
	By     *gJoinKeys  `parser:"'sample' @@?"`
	Stages []*gSeqTerm `parser:"@@+"`
	EndPos lexer.Position
}

type gJoin struct {
	Pos    lexer.Position
	By     *gJoinKeys  `parser:"'join' @@?"`
	Stages []*gSeqTerm `parser:"@@+"`
	Until  *gSeqTerm   `parser:"( 'until' @@ )?"`
	EndPos lexer.Position
}

type gSeqParams struct {
	Pos    lexer.Position
	Value  string `parser:"'with' 'maxspan' '=' @(Int | Decimal)"`
	Unit   string `parser:"@Ident?"`
	EndPos lexer.Position
}

type gJoinKeys struct {
	Keys []*gOr `parser:"'by' @@ ( ',' @@ )*"`
}

type gSeqTerm struct {
	Pos     lexer.Position
	Open    string        `parser:"@( '[' | '![' )"`
	Filter  *gEventFilter `parser:"@@ ']'"`
	By      *gJoinKeys    `parser:"@@?"`
	WithPos lexer.Position
	WithKey string `parser:"( 'with' @Ident"`
	WithVal string `parser:"  '=' @(Int | Decimal) )?"`
	EndPos  lexer.Position
}

type gEventFilter struct {
	Pos      lexer.Position
	Category string `parser:"@( 'any' | String | Ident )"`
	Cond     *gOr   `parser:"'where' @@"`
	EndPos   lexer.Position
}

type gPipe struct {
	Pos    lexer.Position
	Name   string `parser:"'|' @Ident"`
	Args   []*gOr `parser:"( @@ ( ',' @@ )* )?"`
	EndPos lexer.Position
}

type gOr struct {
	Pos    lexer.Position
	Head   *gAnd   `parser:"@@"`
	Tail   []*gAnd `parser:"( 'or' @@ )*"`
	EndPos lexer.Position
}

type gAnd struct {
	Pos    lexer.Position
	Head   *gNot   `parser:"@@"`
	Tail   []*gNot `parser:"( 'and' @@ )*"`
	EndPos lexer.Position
}

type gNot struct {
	Pos      lexer.Position
	Not      *gNot     `parser:"  'not' @@"`
	Relation string    `parser:"| @Ident 'of'"`
	Sub      *gSeqTerm `parser:"  @@"`
	Value    *gCompare `parser:"| @@"`
	EndPos   lexer.Position
}

type gCompare struct {
	Pos    lexer.Position
	Left   *gAdd  `parser:"@@"`
	Op     string `parser:"( @( '==' | '!=' | '<=' | '>=' | '<' | '>' )"`
	Right  *gAdd  `parser:"  @@ )?"`
	EndPos lexer.Position
}

type gAdd struct {
	Pos    lexer.Position
	Head   *gMul     `parser:"@@"`
	Tail   []*gAddOp `parser:"@@*"`
	EndPos lexer.Position
}

type gAddOp struct {
	Op     string `parser:"@( '+' | '-' )"`
	X      *gMul  `parser:"@@"`
	EndPos lexer.Position
}

type gMul struct {
	Pos    lexer.Position
	Head   *gUnary   `parser:"@@"`
	Tail   []*gMulOp `parser:"@@*"`
	EndPos lexer.Position
}

type gMulOp struct {
	Op     string  `parser:"@( '*' | '/' | '%' )"`
	X      *gUnary `parser:"@@"`
	EndPos lexer.Position
}

type gUnary struct {
	Pos    lexer.Position
	Op     string      `parser:"  @( '-' | '+' )"`
	X      *gUnary     `parser:"  @@"`
	Prim   *gPrimary   `parser:"| @@"`
	Pred   *gPredicate `parser:"  @@?"`
	EndPos lexer.Position
}

// gPredicate is EqlBase.g4's predicate:
//
//	NOT? (IN | IN_INSENSITIVE) "(" expression ("," expression)* ")"
//	| (SEQ | LIKE | LIKE_INSENSITIVE | REGEX | REGEX_INSENSITIVE) constant
//	| (SEQ | LIKE | LIKE_INSENSITIVE | REGEX | REGEX_INSENSITIVE) "(" constant ("," constant)* ")"
type gPredicate struct {
	Pos      lexer.Position
	Not      bool      `parser:"(  @'not'?"`
	In       string    `parser:"   @( 'in' | 'in~' )"`
	List     []*gOr    `parser:"   '(' @@ ( ',' @@ )* ')'"`
	Op       string    `parser:"| @( ':' | 'like' | 'like~' | 'regex' | 'regex~' )"`
	Paren    bool      `parser:"  ( @'('"`
	Patterns []*gConst `parser:"    @@ ( ',' @@ )* ')' | @@ ) )"`
	EndPos   lexer.Position
}

type gPrimary struct {
	Pos    lexer.Position
	Const  *gConst `parser:"  @@"`
	Func   *gFunc  `parser:"| @@"`
	Field  *gField `parser:"| @@"`
	Paren  *gOr    `parser:"| '(' @@ ')'"`
	EndPos lexer.Position
}

type gConst struct {
	Pos    lexer.Position
	Text   string `parser:"@( 'null' | 'true' | 'false' | Int | Decimal | String )"`
	EndPos lexer.Position
}

type gFunc struct {
	Pos    lexer.Position
	Name   string `parser:"@( Ident | TIdent ) '('"`
	Args   []*gOr `parser:"( @@ ( ',' @@ )* )? ')'"`
	EndPos lexer.Position
}

type gField struct {
	Pos      lexer.Position
	Optional bool         `parser:"@'?'?"`
	Head     string       `parser:"@( Ident | QIdent )"`
	Tail     []*gFieldSeg `parser:"@@*"`
	EndPos   lexer.Position
}

type gFieldSeg struct {
	Pos     lexer.Position
	Name    string   `parser:"  '.' @( Ident | QIdent )"`
	Indexes []string `parser:"| '[' @Int+ ']'"`
}

var grammar = participle.MustBuild[gStatement](
	participle.Lexer(definition{}),
	participle.UseLookahead(4),
)
