package kql

import (
	"fmt"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
)

// Error is a syntax error (or a limit exceeded) in a query. Offset, Line and
// Column count runes; Line and Column count from 1.
type Error struct {
	Query  string // the query text
	Offset int    // runes from the start of the query, from 0
	Line   int
	Column int
	Msg    string // what was expected and what was found
}

// Error returns "line L, col C: message".
func (e *Error) Error() string {
	return fmt.Sprintf("line %d, col %d: %s", e.Line, e.Column, e.Msg)
}

// Snippet returns the line of the query where the error is, with a caret
// under the spot. A long line is cut to the part around the spot; tabs are
// shown as spaces so that the caret lines up.
func (e *Error) Snippet() string {
	lines := strings.Split(e.Query, "\n")
	if e.Line < 1 || e.Line > len(lines) {
		return ""
	}
	line := []rune(strings.TrimRight(lines[e.Line-1], "\r"))
	col := e.Column - 1
	const width = 60
	prefix, suffix := "", ""
	if col > width {
		cut := col - width/2
		line, col, prefix = line[cut:], col-cut, "..."
	}
	if len(line) > col+width {
		line, suffix = line[:col+width], "..."
	}
	text := strings.ReplaceAll(prefix+string(line)+suffix, "\t", " ")
	return text + "\n" + strings.Repeat(" ", len([]rune(prefix))+col) + "^"
}

// withSource fills in the query and the line and column of e.
func withSource(e *Error, src string) *Error {
	e.Query = src
	p := ast.Pos(e.Offset).Position(src)
	e.Line, e.Column = p.Line, p.Column
	return e
}
