package ast_test

import (
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
)

func TestSnippet(t *testing.T) {
	long := strings.Repeat("a", 100) + "X" + strings.Repeat("b", 100)
	for _, tt := range []struct {
		name, src string
		off       int // rune offset of the spot
		want      string
	}{
		{"first line", "f:(a or )", 8, "f:(a or )\n        ^"},
		{"second line, CRLF", "f:a and\r\n  g:(b or )", 19, "  g:(b or )\n          ^"},
		{"tabs as spaces", "f:a\tand\t)", 8, "f:a and )\n        ^"},
		{"end of text", "f:", 2, "f:\n  ^"},
		{"long line cut both sides", long, 100, "..." + strings.Repeat("a", 30) + "X" + strings.Repeat("b", 59) + "...\n" + strings.Repeat(" ", 33) + "^"},
		{"wide runes count once", "é:ü or )", 7, "é:ü or )\n       ^"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := ast.Pos(tt.off).Position(tt.src)
			if got := p.Snippet(tt.src); got != tt.want {
				t.Errorf("Snippet at %v:\n%s\nwant\n%s", p, got, tt.want)
			}
		})
	}
	for _, p := range []ast.Position{{}, {Line: 3, Column: 1}, {Line: 1, Column: 0}} {
		if got := p.Snippet("f:a\nb"); got != "" {
			t.Errorf("Snippet of %+v outside the text = %q, want \"\"", p, got)
		}
	}
}
