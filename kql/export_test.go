package kql

import "github.com/alecthomas/participle/v2/lexer"

// Recognized reports whether src lexes to a query that is not empty, and
// then whether the fast recognizer and participle's grammar accept its
// tokens.
func Recognized(src string) (lexed, fast, participle bool) {
	toks, err := lex(src, DefaultMaxDepth, &tokenBuf{})
	if err != nil || toks[0].typ == lexer.EOF {
		return false, false, false
	}
	_, perr := grammar.ParseFromLexer(mustUpgrade(&tokenLexer{toks: toks}))
	return true, recognize(toks), perr == nil
}
