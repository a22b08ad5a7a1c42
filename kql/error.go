package kql

import (
	"github.com/kqlrules/kqlrules/ast"
)

// Error is a syntax error (or a limit exceeded) in a query. Its Position
// (Offset, Line and Column) counts runes; Line and Column count from 1.
type Error struct {
	ast.Position
	Query string // the query text
	Msg   string // what was expected and what was found
}

// Error returns "line L, col C: message".
func (e *Error) Error() string {
	return e.Position.String() + ": " + e.Msg
}

// Snippet returns the line of the query where the error is, with a caret
// under the spot (see [ast.Position.Snippet]).
func (e *Error) Snippet() string {
	return e.Position.Snippet(e.Query)
}

// errorAt returns an error at the rune offset off; withSource fills in the
// rest.
func errorAt(off int, msg string) *Error {
	return &Error{Position: ast.Position{Offset: off}, Msg: msg}
}

// withSource fills in the query and the line and column of e.
func withSource(e *Error, src string) *Error {
	e.Query = src
	e.Position = ast.Pos(e.Offset).Position(src)
	return e
}
