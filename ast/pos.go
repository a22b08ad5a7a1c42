package ast

import (
	"fmt"
	"strings"
)

// Pos is an offset into the query text, counted in runes from 0.
type Pos int

// Position is a human-readable place in a query: a rune offset, a line and
// a column, both counted from 1. Lines end at '\n'; columns count runes.
type Position struct {
	Offset int // runes from the start of the query, from 0
	Line   int // from 1
	Column int // runes from the start of the line, from 1
}

// String returns "line L, col C".
func (p Position) String() string {
	return fmt.Sprintf("line %d, col %d", p.Line, p.Column)
}

// Position returns the line and column of p in src, the text p was parsed
// from. An offset past the end of src is placed just past its last rune.
func (p Pos) Position(src string) Position {
	pos := Position{Offset: int(p), Line: 1, Column: 1}
	i := 0
	for _, r := range src {
		if i >= int(p) {
			break
		}
		if r == '\n' {
			pos.Line++
			pos.Column = 1
		} else {
			pos.Column++
		}
		i++
	}
	return pos
}

// Snippet returns line p.Line of src, the text p is a position in, with a
// caret under column p.Column, the two lines joined by "\n". A long line is
// cut to the part around the spot, marked with "..."; tabs are shown as
// spaces so that the caret lines up. It returns "" when p is not in src.
func (p Position) Snippet(src string) string {
	lines := strings.Split(src, "\n")
	if p.Line < 1 || p.Line > len(lines) || p.Column < 1 {
		return ""
	}
	line := []rune(strings.TrimRight(lines[p.Line-1], "\r"))
	col := min(p.Column-1, len(line))
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
