package ast

import (
	"iter"
	"strconv"
	"strings"
)

// FieldRef is one place where a query names a field, as yielded by
// [Fields].
type FieldRef struct {
	// Node is the query node that names the field: a *MatchExpr or a
	// *RangeExpr (its Field), a *NestedExpr (its Path), or a *TextExpr,
	// free text, which names no field and is matched against every field.
	Node Expr
	// Field is the field name as written: the Field of a match or a
	// range, the Path of a nested query; nil for free text.
	Field *Literal
	// Nested is the innermost nested query the node lies in, nil outside
	// any. For a *NestedExpr node it is the enclosing one, not the node.
	Nested *NestedExpr
	// Scope is the full path of the enclosing nested queries as written
	// ("items", "a.b.c" for "a:{ b.c:{ ... } }"), "" outside any: the
	// names inside a nested query are relative to it.
	Scope string
}

// Name returns the field's full name as written: Scope and the field name
// joined by a dot. A wildcard name keeps its '*' ("file.hash.*"); free
// text has the name "".
func (r FieldRef) Name() string {
	if r.Field == nil {
		return ""
	}
	n := nameText(r.Field)
	if r.Scope == "" {
		return n
	}
	return r.Scope + "." + n
}

// nameText returns the text of a field name literal, with '*' for each
// wildcard.
func nameText(l *Literal) string {
	switch l.Kind {
	case Wildcard:
		return strings.Join(l.Parts, "*")
	case Bool:
		return strconv.FormatBool(l.Bool)
	case Null:
		return "null"
	}
	return l.Text
}

// Fields returns an iterator over the field references of the query e, in
// depth-first preorder as [Inspect] visits them (a nested query comes
// before the references inside it), in the style of go/ast.Preorder. Every
// *MatchExpr (including the match-all "*:*" and "*:value"), *RangeExpr,
// *NestedExpr and *TextExpr gives one reference; value lists are not
// entered.
func Fields(e Expr) iter.Seq[FieldRef] {
	return func(yield func(FieldRef) bool) {
		fields(e, nil, "", yield)
	}
}

// fields yields the references of x inside the nested query nest (nil at
// top level) whose full path is scope; it returns false when yield asked
// to stop.
func fields(x Expr, nest *NestedExpr, scope string, yield func(FieldRef) bool) bool {
	switch x := x.(type) {
	case *AndExpr:
		for _, a := range x.Args {
			if !fields(a, nest, scope, yield) {
				return false
			}
		}
	case *OrExpr:
		for _, a := range x.Args {
			if !fields(a, nest, scope, yield) {
				return false
			}
		}
	case *NotExpr:
		return fields(x.X, nest, scope, yield)
	case *MatchExpr:
		return yield(FieldRef{Node: x, Field: x.Field, Nested: nest, Scope: scope})
	case *RangeExpr:
		return yield(FieldRef{Node: x, Field: x.Field, Nested: nest, Scope: scope})
	case *NestedExpr:
		ref := FieldRef{Node: x, Field: x.Path, Nested: nest, Scope: scope}
		if !yield(ref) {
			return false
		}
		return fields(x.X, x, ref.Name(), yield)
	case *TextExpr:
		return yield(FieldRef{Node: x, Nested: nest, Scope: scope})
	}
	return true
}
