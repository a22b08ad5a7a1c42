package eval

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Text fields (text, match_only_text) are analysed with Elasticsearch's
// standard analyzer: Lucene's StandardTokenizer (Unicode word
// segmentation, UAX #29, as StandardTokenizerImpl.jflex implements it),
// then the lowercase filter. A token is a run of letters, digits, marks
// and connector punctuation ('_'); MidLetter and MidNumLet characters
// ('.', '\'', ':', U+2019...) join two letters, MidNum and MidNumLet
// characters ('.', ',', ';', '\''...) join two digits ("example.com",
// "don't", "1,000.5"). Each Han ideograph and each Hiragana character is a
// token of its own; a run of Katakana is one token, apart from letters.
// A token longer than 255 UTF-16 code units (max_token_length) is split
// every 255. Everything else separates tokens. Not modelled: emoji
// tokens, Hebrew and Southeast Asian specifics, WB4 marks at the start of
// a token.

// maxTokenLength is the standard analyzer's max_token_length.
const maxTokenLength = 255

// wordClass is a rune's role in word segmentation.
type wordClass uint8

const (
	wbNone     wordClass = iota
	wbLetter             // ALetter (Hangul included)
	wbDigit              // Numeric
	wbKatakana           // Katakana
	wbIdeo               // Han and Hiragana: one token each
	wbExtend             // marks: part of the preceding character (WB4)
	wbConnect            // ExtendNumLet: '_' and other connectors
)

func classOf(r rune) wordClass {
	switch {
	case r < 0x80:
		switch {
		case r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z':
			return wbLetter
		case r >= '0' && r <= '9':
			return wbDigit
		case r == '_':
			return wbConnect
		}
		return wbNone
	case unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r):
		return wbIdeo
	case unicode.Is(unicode.Katakana, r) || r == 0x30FC: // U+30FC the prolonged sound mark
		return wbKatakana
	case unicode.IsLetter(r):
		return wbLetter
	case unicode.IsDigit(r):
		return wbDigit
	case unicode.IsMark(r):
		return wbExtend
	case unicode.Is(unicode.Pc, r):
		return wbConnect
	}
	return wbNone
}

// joinsAfter reports whether a rune of class next continues a token whose
// last character is of class prev (WB8-WB13b).
func joinsAfter(prev, next wordClass) bool {
	switch next {
	case wbExtend:
		return true
	case wbConnect:
		return prev != wbIdeo
	case wbLetter, wbDigit:
		return prev == wbLetter || prev == wbDigit || prev == wbConnect
	case wbKatakana:
		return prev == wbKatakana || prev == wbConnect
	}
	return false
}

// midKind tells which runs a separator joins: MidLetter (letters),
// MidNum (digits), MidNumLet (both).
func midKind(r rune) (letters, digits bool) {
	switch r {
	case '.', '\'', 0x2018, 0x2019, 0x2024, 0xFE52, 0xFF07, 0xFF0E:
		return true, true // MidNumLet and Single_Quote
	case ':', 0x00B7, 0x0387, 0x05F4, 0x2027, 0xFE13, 0xFE55, 0xFF1A:
		return true, false // MidLetter
	case ',', ';', 0x037E, 0x0589, 0x060C, 0x060D, 0x066C, 0x07F8, 0x2044, 0xFE10, 0xFE14, 0xFE50, 0xFE54, 0xFF0C, 0xFF1B:
		return false, true // MidNum
	}
	return false, false
}

// nextToken returns the bounds of the first token of s at or after i, or
// start == -1 when there is none.
func nextToken(s string, i int) (start, end int) {
	start = -1
	var prev wordClass
	for i < len(s) {
		r, w := utf8.DecodeRuneInString(s[i:])
		if c := classOf(r); c != wbNone {
			start, prev = i, c
			i += w
			break
		}
		i += w
	}
	if start < 0 {
		return -1, len(s)
	}
	first, _ := utf8.DecodeRuneInString(s[start:])
	units := utf16Len(first)
	if prev == wbExtend {
		prev = wbLetter
	}
	for i < len(s) && units < maxTokenLength {
		r, w := utf8.DecodeRuneInString(s[i:])
		c := classOf(r)
		if prev != wbIdeo && joinsAfter(prev, c) || prev == wbIdeo && c == wbExtend {
			if c != wbExtend {
				prev = c
			}
			units += utf16Len(r)
			i += w
			continue
		}
		if (prev == wbLetter || prev == wbDigit) && i+w < len(s) {
			next, nw := utf8.DecodeRuneInString(s[i+w:])
			letters, digits := midKind(r)
			nc := classOf(next)
			if nc == prev && (letters && prev == wbLetter || digits && prev == wbDigit) && units+2 <= maxTokenLength {
				units += utf16Len(r) + utf16Len(next)
				i += w + nw
				continue
			}
		}
		break
	}
	return start, i
}

func utf16Len(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
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
