package eql

import (
	"fmt"

	"github.com/kqlrules/kqlrules/ast"
)

// Error is an invalid query, as Elasticsearch's ParsingException or the
// verifier reports it: where (Line and Column count from 1, in runes) and
// Elasticsearch's message.
type Error struct {
	ast.Position
	Query string // the query text
	Msg   string // Elasticsearch's message
}

// Error returns the message as Elasticsearch writes it: "line L:C: msg".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d:%d: %s", e.Line, e.Column, e.Msg)
}

// Snippet returns the line of the query where the error is, with a caret
// under the spot (see [ast.Position.Snippet]).
func (e *Error) Snippet() string {
	return e.Position.Snippet(e.Query)
}

func pos(off, line, col int) ast.Position {
	return ast.Position{Offset: off, Line: line, Column: col}
}

// errorf is an error at rune offset off; withSource sets line and column.
func errorf(off ast.Pos, format string, args ...any) *Error {
	return &Error{Position: ast.Position{Offset: int(off)}, Msg: fmt.Sprintf(format, args...)}
}

func withSource(e *Error, src string) *Error {
	e.Query = src
	e.Position = ast.Pos(e.Offset).Position(src)
	return e
}
