// Package ast declares the types that represent a parsed KQL (Kibana Query
// Language) query: a typed syntax tree with source positions, a walker, an
// equality helper that ignores formatting, a canonical printer and the tree
// form Kibana itself builds.
//
// Trees are normally produced by [github.com/kqlrules/kqlrules/kql.Parse] and
// consumed by [github.com/kqlrules/kqlrules/eval.Compile]. As in go/ast, the
// node interfaces are sealed: only the types declared here implement them.
//
// There are two kinds of node. An [Expr] is a query: a boolean combination
// of field tests. A [Value] is what stands after "field:": one [Literal] or
// a parenthesised list of literals combined with and, or and not, kept as
// written so that the printer is faithful. Kibana distributes such a list
// over the field; [KibanaTree] does the same.
package ast

// Node is implemented by every node of a KQL syntax tree.
type Node interface {
	// Pos is the offset, in runes, of the node's first character.
	Pos() Pos
	// End is the offset, in runes, just past the node's last character.
	End() Pos
	// String prints the node in canonical KQL (see [Print]).
	String() string
}

// Expr is a query node: [*AndExpr], [*OrExpr], [*NotExpr], [*MatchExpr],
// [*RangeExpr], [*NestedExpr] or [*TextExpr].
type Expr interface {
	Node
	exprNode()
}

// Value is the value side of a [MatchExpr]: a [*Literal] or a value list
// made of [*AndValue], [*OrValue] and [*NotValue].
type Value interface {
	Node
	valueNode()
}

// AndExpr is a chain "a and b and c" written at one level. A parenthesised
// group inside the chain is an argument of its own, as in Kibana:
// "(a and b) and c" has two arguments, the first an *AndExpr.
type AndExpr struct {
	Args []Expr // two or more
}

// OrExpr is a chain "a or b or c" written at one level; see [AndExpr].
type OrExpr struct {
	Args []Expr // two or more
}

// NotExpr is "not x".
type NotExpr struct {
	Not Pos // position of the keyword
	X   Expr
}

// MatchExpr is "field:value", where the value may be a parenthesised value
// list. "field:*" (the bare wildcard) is Kibana's exists test; see
// [MatchExpr.IsExists].
type MatchExpr struct {
	Field *Literal
	Value Value
}

// RangeExpr is "field < value", "field <= value", "field > value" or
// "field >= value".
type RangeExpr struct {
	Field *Literal
	Op    RangeOp
	OpPos Pos
	Value *Literal
}

// NestedExpr is "path:{ query }": a query over the elements of a nested
// field. Field names inside X are relative to Path.
type NestedExpr struct {
	Path   *Literal
	Lbrace Pos
	X      Expr
	Rbrace Pos
}

// TextExpr is free text: a value with no field, matched against every field.
type TextExpr struct {
	Value *Literal
}

// AndValue is "a and b" inside a value list.
type AndValue struct {
	Args []Value // two or more
}

// OrValue is "a or b" inside a value list.
type OrValue struct {
	Args []Value // two or more
}

// NotValue is "not a" inside a value list.
type NotValue struct {
	Not Pos
	X   Value
}

// LitKind tells what a [Literal] holds.
type LitKind uint8

// The kinds of literal.
const (
	String   LitKind = iota // text, quoted or not
	Wildcard                // unquoted text with at least one unescaped '*'
	Bool                    // unquoted true or false
	Null                    // unquoted null
)

var litKindNames = [...]string{String: "string", Wildcard: "wildcard", Bool: "bool", Null: "null"}

// String returns the kind's name.
func (k LitKind) String() string {
	if int(k) < len(litKindNames) {
		return litKindNames[k]
	}
	return "LitKind(?)"
}

// Literal is a field name or a value as written in the query.
//
// Text is the unescaped text. For a [Wildcard] it is empty and Parts holds
// the literal pieces between the wildcards: "ba*" is ["ba", ""], "*" is
// ["", ""], "a*b*c" is ["a", "b", "c"]. An escaped or quoted '*' is an
// ordinary character in Text or in a piece.
type Literal struct {
	ValuePos Pos
	ValueEnd Pos
	Raw      string // the source text, as written (trimmed of outer spaces)
	Kind     LitKind
	Quoted   bool
	Bool     bool     // Bool: the value (beside Kind and Quoted: a literal takes 80 bytes, not 88)
	Text     string   // String: the unescaped text
	Parts    []string // Wildcard: the pieces around the wildcards
}

// RangeOp is a range operator.
type RangeOp uint8

// The range operators.
const (
	Lt  RangeOp = iota // <
	Lte                // <=
	Gt                 // >
	Gte                // >=
)

var rangeOps = [...]struct{ sym, name string }{
	Lt:  {"<", "lt"},
	Lte: {"<=", "lte"},
	Gt:  {">", "gt"},
	Gte: {">=", "gte"},
}

// String returns the operator as written: "<", "<=", ">" or ">=".
func (op RangeOp) String() string {
	if int(op) < len(rangeOps) {
		return rangeOps[op].sym
	}
	return "RangeOp(?)"
}

// Name returns Kibana's name of the operator: "lt", "lte", "gt" or "gte".
func (op RangeOp) Name() string {
	if int(op) < len(rangeOps) {
		return rangeOps[op].name
	}
	return "?"
}

// Pos and End implementations.

// Pos returns the position of the first argument.
func (x *AndExpr) Pos() Pos { return x.Args[0].Pos() }

// End returns the end of the last argument.
func (x *AndExpr) End() Pos { return x.Args[len(x.Args)-1].End() }

// Pos returns the position of the first argument.
func (x *OrExpr) Pos() Pos { return x.Args[0].Pos() }

// End returns the end of the last argument.
func (x *OrExpr) End() Pos { return x.Args[len(x.Args)-1].End() }

// Pos returns the position of the not keyword.
func (x *NotExpr) Pos() Pos { return x.Not }

// End returns the end of the negated query.
func (x *NotExpr) End() Pos { return x.X.End() }

// Pos returns the position of the field name.
func (x *MatchExpr) Pos() Pos { return x.Field.Pos() }

// End returns the end of the value.
func (x *MatchExpr) End() Pos { return x.Value.End() }

// Pos returns the position of the field name.
func (x *RangeExpr) Pos() Pos { return x.Field.Pos() }

// End returns the end of the value.
func (x *RangeExpr) End() Pos { return x.Value.End() }

// Pos returns the position of the path.
func (x *NestedExpr) Pos() Pos { return x.Path.Pos() }

// End returns the position just past the closing brace.
func (x *NestedExpr) End() Pos { return x.Rbrace + 1 }

// Pos returns the position of the value.
func (x *TextExpr) Pos() Pos { return x.Value.Pos() }

// End returns the end of the value.
func (x *TextExpr) End() Pos { return x.Value.End() }

// Pos returns the position of the first argument.
func (x *AndValue) Pos() Pos { return x.Args[0].Pos() }

// End returns the end of the last argument.
func (x *AndValue) End() Pos { return x.Args[len(x.Args)-1].End() }

// Pos returns the position of the first argument.
func (x *OrValue) Pos() Pos { return x.Args[0].Pos() }

// End returns the end of the last argument.
func (x *OrValue) End() Pos { return x.Args[len(x.Args)-1].End() }

// Pos returns the position of the not keyword.
func (x *NotValue) Pos() Pos { return x.Not }

// End returns the end of the negated value.
func (x *NotValue) End() Pos { return x.X.End() }

// Pos returns the position of the literal's first character.
func (x *Literal) Pos() Pos { return x.ValuePos }

// End returns the position just past the literal.
func (x *Literal) End() Pos { return x.ValueEnd }

func (*AndExpr) exprNode()    {}
func (*OrExpr) exprNode()     {}
func (*NotExpr) exprNode()    {}
func (*MatchExpr) exprNode()  {}
func (*RangeExpr) exprNode()  {}
func (*NestedExpr) exprNode() {}
func (*TextExpr) exprNode()   {}

func (*AndValue) valueNode() {}
func (*OrValue) valueNode()  {}
func (*NotValue) valueNode() {}
func (*Literal) valueNode()  {}

// IsExists reports whether x is Kibana's exists test "field:*": its value is
// the bare unquoted wildcard.
func (x *MatchExpr) IsExists() bool {
	lit, ok := x.Value.(*Literal)
	return ok && lit.IsStar()
}

// IsStar reports whether l is the bare unquoted wildcard "*" (or "**"...):
// a wildcard whose pieces are all empty.
func (l *Literal) IsStar() bool {
	if l == nil || l.Kind != Wildcard {
		return false
	}
	for _, p := range l.Parts {
		if p != "" {
			return false
		}
	}
	return true
}

// HasLeadingWildcard reports whether l is a wildcard that starts with '*'
// and has something after it. The bare "*" is not a leading wildcard (it
// is an exists test), as in Kibana.
func (l *Literal) HasLeadingWildcard() bool {
	return l != nil && l.Kind == Wildcard && l.Parts[0] == "" && !(len(l.Parts) == 2 && l.Parts[1] == "")
}

// IsMatchAll reports whether x is "*:*", the query Kibana builds for an
// empty query: it matches every document.
func IsMatchAll(x Expr) bool {
	m, ok := x.(*MatchExpr)
	return ok && m.Field.IsStar() && m.IsExists()
}

// MatchAll returns the tree of an empty query, "*:*", at offset pos.
func MatchAll(pos Pos) *MatchExpr {
	star := func() *Literal {
		return &Literal{ValuePos: pos, ValueEnd: pos, Kind: Wildcard, Parts: []string{"", ""}}
	}
	return &MatchExpr{Field: star(), Value: star()}
}
