package ast_test

import (
	"fmt"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
)

func TestMatchWildcard(t *testing.T) {
	for _, tc := range []struct {
		parts []string
		s     string
		want  bool
	}{
		{[]string{"", ""}, "", true},
		{[]string{"", ""}, "anything", true},
		{[]string{"ba", ""}, "bar", true},
		{[]string{"ba", ""}, "abar", false},
		{[]string{"", "exe"}, "cmd.exe", true},
		{[]string{"", "exe"}, "cmd.exe.txt", false},
		{[]string{"a", "a"}, "a", false}, // the pieces may not overlap
		{[]string{"a", "a"}, "aa", true},
		{[]string{"a", "b", "c"}, "abc", true},
		{[]string{"a", "b", "c"}, "axxbyyc", true},
		{[]string{"a", "b", "c"}, "acb", false},
		{[]string{"", "b", "b", ""}, "b", false},
		{[]string{"", "b", "b", ""}, "bxb", true},
		{[]string{"exact"}, "exact", true},
		{[]string{"exact"}, "Exact", false},
		{nil, "", true},
	} {
		if got := ast.MatchWildcard(tc.parts, tc.s); got != tc.want {
			t.Errorf("MatchWildcard(%q, %q) = %v, want %v", tc.parts, tc.s, got, tc.want)
		}
	}
}

func ExampleMatchWildcard() {
	parts := []string{`C:\Windows\`, `\cmd.exe`} // C:\Windows\*\cmd.exe
	fmt.Println(ast.MatchWildcard(parts, `C:\Windows\System32\cmd.exe`))
	fmt.Println(ast.MatchWildcard(parts, `C:\Temp\cmd.exe`))
	// Output:
	// true
	// false
}
