package ast

import "slices"

// Equal reports whether a and b are the same tree, ignoring positions and
// the raw spelling of literals: two queries that differ only in formatting
// (spacing, keyword case, redundant parentheses, escapes that give the same
// text) give equal trees.
//
// Node types, the tree shape, range operators and, in literals, the kind,
// quoting, unescaped text, wildcard pieces and boolean value count. A nil
// and an empty list are equal; a nil node equals only a nil node of the
// same type.
func Equal(a, b Node) bool {
	if a == nil || b == nil {
		return a == nil && b == nil
	}
	switch a := a.(type) {
	case *AndExpr:
		b, ok := b.(*AndExpr)
		return ok && (a == b || a != nil && b != nil && equalList(a.Args, b.Args))
	case *OrExpr:
		b, ok := b.(*OrExpr)
		return ok && (a == b || a != nil && b != nil && equalList(a.Args, b.Args))
	case *NotExpr:
		b, ok := b.(*NotExpr)
		return ok && (a == b || a != nil && b != nil && Equal(a.X, b.X))
	case *MatchExpr:
		b, ok := b.(*MatchExpr)
		return ok && (a == b || a != nil && b != nil &&
			Equal(a.Field, b.Field) && Equal(a.Value, b.Value))
	case *RangeExpr:
		b, ok := b.(*RangeExpr)
		return ok && (a == b || a != nil && b != nil && a.Op == b.Op &&
			Equal(a.Field, b.Field) && Equal(a.Value, b.Value))
	case *NestedExpr:
		b, ok := b.(*NestedExpr)
		return ok && (a == b || a != nil && b != nil &&
			Equal(a.Path, b.Path) && Equal(a.X, b.X))
	case *TextExpr:
		b, ok := b.(*TextExpr)
		return ok && (a == b || a != nil && b != nil && Equal(a.Value, b.Value))
	case *AndValue:
		b, ok := b.(*AndValue)
		return ok && (a == b || a != nil && b != nil && equalList(a.Args, b.Args))
	case *OrValue:
		b, ok := b.(*OrValue)
		return ok && (a == b || a != nil && b != nil && equalList(a.Args, b.Args))
	case *NotValue:
		b, ok := b.(*NotValue)
		return ok && (a == b || a != nil && b != nil && Equal(a.X, b.X))
	case *Literal:
		b, ok := b.(*Literal)
		return ok && (a == b || a != nil && b != nil &&
			a.Kind == b.Kind && a.Quoted == b.Quoted && a.Text == b.Text &&
			a.Bool == b.Bool && slices.Equal(a.Parts, b.Parts))
	}
	return false
}

// equalList compares lists of arguments element by element.
func equalList[N Node](a, b []N) bool {
	return slices.EqualFunc(a, b, func(x, y N) bool { return Equal(x, y) })
}
