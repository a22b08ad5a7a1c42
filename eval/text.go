package eval

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text fields (text, match_only_text) are analysed. This is a close
// approximation of Elasticsearch's standard analyzer (Unicode word
// segmentation, UAX #29, then lowercasing): a token is a run of letters,
// digits, marks and '_'; '.' and '\'' join two letters or two digits
// ("example.com", "don't", "1.5"), ':' joins two letters, ',' and ';' join
// two digits ("1,000"). Everything else separates tokens.

func isWordRune(r rune) bool {
	return r == '_' || unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r)
}

// nextToken returns the bounds of the first token of s at or after i, or
// start == -1 when there is none.
func nextToken(s string, i int) (start, end int) {
	start = -1
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if isWordRune(r) {
			start = i
			i += w
			break
		}
		i += w
	}
	if start < 0 {
		return -1, len(s)
	}
	prev, _ := utf8.DecodeRuneInString(s[start:])
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if isWordRune(r) {
			prev = r
			i += w
			continue
		}
		if (r == '.' || r == '\'' || r == ':' || r == ',' || r == ';') && i+w < len(s) {
			next, nw := utf8.DecodeRuneInString(s[i+w:])
			if joins(prev, r, next) {
				prev = next
				i += w + nw
				continue
			}
		}
		break
	}
	return start, i
}

func joins(prev, sep, next rune) bool {
	letters := unicode.IsLetter(prev) && unicode.IsLetter(next)
	digits := unicode.IsDigit(prev) && unicode.IsDigit(next)
	switch sep {
	case '.', '\'':
		return letters || digits
	case ':':
		return letters
	default: // ',' ';'
		return digits
	}
}

// tokens returns the lowercased tokens of s (used at compile time only).
func tokens(s string) []string {
	var out []string
	for i := 0; ; {
		start, end := nextToken(s, i)
		if start < 0 {
			return out
		}
		out = append(out, strings.ToLower(s[start:end]))
		i = end
	}
}

// textQuery is one literal on a text field: a set of terms any of which
// may match (unquoted), a phrase whose terms must follow each other
// (quoted), or a '*' pattern matched against each token.
type textQuery struct {
	terms  []string // lowercased
	phrase bool
	glob   *glob // lowercased pieces
}

// textMatcher matches analysed text against one or more textQuery.
type textMatcher struct{ qs []textQuery }

func (m *textMatcher) Visit(x any) bool {
	if s, ok := x.(string); ok {
		return m.matchString(s)
	}
	var buf [64]byte
	b, ok := appendText(buf[:0], x)
	return ok && m.matchString(string(b))
}

func (m *textMatcher) matchString(s string) bool {
	for i := range m.qs {
		q := &m.qs[i]
		switch {
		case q.glob != nil:
			if anyToken(s, func(tok string) bool { return q.glob.match(strings.ToLower(tok)) }) {
				return true
			}
		case q.phrase:
			if hasPhrase(s, q.terms) {
				return true
			}
		default:
			if anyToken(s, func(tok string) bool { return hasTerm(q.terms, tok) }) {
				return true
			}
		}
	}
	return false
}

func anyToken(s string, f func(string) bool) bool {
	for i := 0; ; {
		start, end := nextToken(s, i)
		if start < 0 {
			return false
		}
		if f(s[start:end]) {
			return true
		}
		i = end
	}
}

func hasTerm(terms []string, tok string) bool {
	for _, t := range terms {
		if strings.EqualFold(tok, t) {
			return true
		}
	}
	return false
}

// hasPhrase reports whether the tokens of s contain terms consecutively.
// An empty phrase (a quoted value with no tokens) matches nothing, as
// Elasticsearch's match_phrase with no terms matches no document.
func hasPhrase(s string, terms []string) bool {
	if len(terms) == 0 {
		return false
	}
	for i := 0; ; {
		start, end := nextToken(s, i)
		if start < 0 {
			return false
		}
		if strings.EqualFold(s[start:end], terms[0]) && phraseAt(s, end, terms[1:]) {
			return true
		}
		i = end
	}
}

func phraseAt(s string, i int, rest []string) bool {
	for _, t := range rest {
		start, end := nextToken(s, i)
		if start < 0 || !strings.EqualFold(s[start:end], t) {
			return false
		}
		i = end
	}
	return true
}
