package ast

import (
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// equalOpts ignore what formatting changes: positions and the raw source
// text of literals. Quoting, kinds, unescaped text and the tree shape count.
var equalOpts = cmp.Options{
	cmpopts.IgnoreTypes(Pos(0)),
	cmpopts.IgnoreFields(Literal{}, "Raw"),
	cmpopts.EquateEmpty(),
}

// Equal reports whether a and b are the same tree, ignoring positions and
// the raw spelling of literals: two queries that differ only in formatting
// (spacing, keyword case, redundant parentheses, escapes that give the same
// text) give equal trees.
func Equal(a, b Node) bool {
	return cmp.Equal(a, b, equalOpts)
}

// Diff returns a human-readable difference between a and b as [Equal] sees
// them, or "" when they are equal. It is meant for test failures.
func Diff(a, b Node) string {
	return cmp.Diff(a, b, equalOpts)
}
