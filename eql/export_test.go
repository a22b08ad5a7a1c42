package eql

import (
	"github.com/alecthomas/participle/v2/lexer"
	"github.com/google/go-cmp/cmp"
)

// FastParseDiff parses src with fastParse and with participle and returns
// how their structs differ: "" when fastParse leaves the query to
// participle (it does not parse, or is a form fastParse does not take)
// or both give the same structs; "fast parse accepts a query participle
// refuses: ..." when only fastParse parses it.
func FastParseDiff(src string) (diff string, fast bool) {
	toks, lerr := lex(src)
	if lerr != nil || depthCheck(toks) != nil {
		return "", false
	}
	f := fastParse(toks)
	if f == nil {
		return "", false
	}
	g, err := participleParse(toks)
	if err != nil {
		return "fast parse accepts a query participle refuses: " + err.Error(), true
	}
	return cmp.Diff(g, f, cmp.Comparer(func(a, b lexer.Position) bool { return a == b })), true
}

// ParseFresh is Parse with buffers of its own, not the pool's.
func ParseFresh(src string) (*Query, error) {
	return new(parseScratch).parseQuery(src)
}
