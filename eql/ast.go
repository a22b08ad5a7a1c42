package eql

import (
	"time"

	"github.com/kqlrules/kqlrules/ast"
)

// Node is a node of an EQL syntax tree. Positions are rune offsets into the
// query text, as in package ast (see [ast.Pos.Position] for line and
// column); String prints the node in canonical EQL.
type Node interface {
	Pos() ast.Pos
	End() ast.Pos
	String() string
}

// Span is the extent of a node in the query text. It is embedded in every
// node.
type Span struct {
	From, To ast.Pos
}

// Pos returns the offset of the node's first rune.
func (s Span) Pos() ast.Pos { return s.From }

// End returns the offset just past the node's last rune.
func (s Span) End() ast.Pos { return s.To }

// Query is a whole EQL statement: an event query, a sequence, a sample or
// a join, and its pipes.
type Query struct {
	Span
	Body  Body
	Pipes []*Pipe
	src   string // the text parsed, for the positions of later errors
}

// Body is what a query searches for: an [*EventFilter] (an event query),
// a [*Sequence], a [*Sample] or a [*Join]. The interface is sealed.
type Body interface {
	Node
	bodyNode()
}

// EventFilter is "category where condition", or "any where condition"
// when Any is set (Category is then "").
type EventFilter struct {
	Span
	Any      bool
	Category string // the category as written, unquoted
	Cond     Expr
}

// Sequence is "sequence [by keys] [with maxspan=N] stages [until stage]".
type Sequence struct {
	Span
	By      []Expr
	MaxSpan *MaxSpan // nil when not given
	Stages  []*Stage
	Until   *Stage // nil when not given
}

// Sample is "sample [by keys] stages".
type Sample struct {
	Span
	By     []Expr
	Stages []*Stage
}

// Join is "join [by keys] stages [until stage]". Elasticsearch parses it
// and refuses it; so does [Parse].
type Join struct {
	Span
	By     []Expr
	Stages []*Stage
	Until  *Stage
}

// Stage is one bracketed event filter of a sequence, sample or join, with
// its own join keys: "[filter] by keys with runs=N", or "![filter]" for a
// missing event.
type Stage struct {
	Span
	Missing bool
	Filter  *EventFilter
	By      []Expr
	Runs    int // "with runs=N"; 0 when not given
}

// MaxSpan is "with maxspan=N unit".
type MaxSpan struct {
	Span
	Value    string // the number as written
	Unit     string // ms, s, m, h or d
	Duration time.Duration
}

// Pipe is "| name args".
type Pipe struct {
	Span
	Name string
	Args []Expr
}

// Expr is an expression: [*Binary], [*Not], [*Neg], [*In], [*Match],
// [*Call], [*Field] or [*Literal]. The interface is sealed.
type Expr interface {
	Node
	exprNode()
}

// Op is a binary operator.
type Op int

// The binary operators, from the loosest to the tightest.
const (
	OpOr Op = iota
	OpAnd
	OpEq
	OpNeq
	OpLt
	OpLte
	OpGt
	OpGte
	OpAdd
	OpSub
	OpMul
	OpDiv
	OpMod
)

var opText = [...]string{"or", "and", "==", "!=", "<", "<=", ">", ">=", "+", "-", "*", "/", "%"}

// String returns the operator as written in EQL.
func (o Op) String() string { return opText[o] }

// IsComparison reports ==, !=, <, <=, > and >=.
func (o Op) IsComparison() bool { return o >= OpEq && o <= OpGte }

// IsArithmetic reports +, -, *, / and %.
func (o Op) IsArithmetic() bool { return o >= OpAdd }

// Binary is "X op Y".
type Binary struct {
	Span
	Op   Op
	X, Y Expr
}

// Not is "not X".
type Not struct {
	Span
	X Expr
}

// Neg is unary "-X". A unary "+X" is X, as Elasticsearch's
// ExpressionBuilder.visitArithmeticUnary builds it.
type Neg struct {
	Span
	X Expr
}

// In is "X in (list)", "X in~ (list)", "X not in (list)".
type In struct {
	Span
	X           Expr
	Not         bool
	Insensitive bool
	List        []Expr
}

// MatchOp is the operator of a [*Match].
type MatchOp int

// The pattern operators.
const (
	Seq    MatchOp = iota // ':', case-insensitive equality with '*' wildcards
	Like                  // like: '*' and '?' wildcards
	LikeI                 // like~
	Regex                 // regex: a Lucene regular expression
	RegexI                // regex~
)

var matchText = [...]string{":", "like", "like~", "regex", "regex~"}

// String returns the operator as written in EQL.
func (o MatchOp) String() string { return matchText[o] }

// Match is "X op pattern" or "X op (pattern, ...)": ':', like, like~,
// regex, regex~ against constants.
type Match struct {
	Span
	X        Expr
	Op       MatchOp
	Patterns []*Literal
}

// Call is a function call "name(args)", or "name~(args)" when Insensitive.
type Call struct {
	Span
	Name        string
	Insensitive bool
	Args        []Expr
}

// Field is a field reference, "a.b.c", "`a b`.c", or "?a.b" (Optional):
// Name is the dotted name.
type Field struct {
	Span
	Optional bool
	Path     []string // the segments, unquoted
	Name     string   // the segments joined by "."
}

// LitKind is the kind of a [*Literal].
type LitKind int

// The literal kinds.
const (
	Null LitKind = iota
	Bool
	Int     // an integer that fits a long
	Decimal // a decimal, or an integer too large for a long
	String
)

// Literal is a constant.
type Literal struct {
	Span
	Kind  LitKind
	Raw   string // the text as written
	Str   string // String: the value
	Bool  bool
	Int   int64
	Float float64 // Decimal
}

// Value returns the literal's value: nil, a bool, an int64, a float64
// or a string.
func (l *Literal) Value() any {
	switch l.Kind {
	case Bool:
		return l.Bool
	case Int:
		return l.Int
	case Decimal:
		return l.Float
	case String:
		return l.Str
	}
	return nil
}

func (*EventFilter) bodyNode() {}
func (*Sequence) bodyNode()    {}
func (*Sample) bodyNode()      {}
func (*Join) bodyNode()        {}

// IsEventQuery reports whether q is an event query ("category where
// condition", with or without pipes): one search of events, not a
// sequence or a sample.
func (q *Query) IsEventQuery() bool {
	_, ok := q.Body.(*EventFilter)
	return ok
}

func (*Binary) exprNode()  {}
func (*Not) exprNode()     {}
func (*Neg) exprNode()     {}
func (*In) exprNode()      {}
func (*Match) exprNode()   {}
func (*Call) exprNode()    {}
func (*Field) exprNode()   {}
func (*Literal) exprNode() {}
