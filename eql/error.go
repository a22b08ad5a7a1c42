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
	// built is set for the errors Elasticsearch's AST builders raise after
	// the grammar accepted the query: their ParsingException adds one to
	// the column once more (Location and ParsingException both count from
	// 1), so Elasticsearch reports them one column to the right.
	built bool
}

// Error returns the message as Elasticsearch writes it: "line L:C: msg",
// with Elasticsearch's column (see [Error.ReportedColumn]).
func (e *Error) Error() string {
	return fmt.Sprintf("line %d:%d: %s", e.Line, e.ReportedColumn(), e.Msg)
}

// ReportedColumn is the column Elasticsearch reports: Column, or
// Column+1 for the errors its AST builders find (ParsingException counts
// the column from 1 twice: "process where name=='x'" fails at "line 1:22"
// for a string in column 21).
func (e *Error) ReportedColumn() int {
	if e.built {
		return e.Column + 1
	}
	return e.Column
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
