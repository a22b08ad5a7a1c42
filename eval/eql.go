package eval

import (
	"fmt"
	"regexp"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/kqlrules/kqlrules/esdsl"
)

// The query kinds Elasticsearch's EQL QueryTranslator builds beside
// Kibana's: prefix, regexp, and script queries over the script utils,
// which run natively (eqlscript.go).

// prefixQuery is PrefixQueryBuilder: on keyword fields, the wildcard
// query of the escaped prefix followed by '*'.
func (c *compiler) prefixQuery(q *esdsl.Prefix) node {
	return c.query(&esdsl.Wildcard{Src: q.Src, Field: q.Field, Value: EscapeWildcard(q.Value) + "*", CaseInsensitive: q.CaseInsensitive})
}

// EscapeWildcard escapes the characters Lucene's wildcard syntax gives a
// meaning ('*', '?' and '\') so that s matches only itself.
func EscapeWildcard(s string) string {
	if !strings.ContainsAny(s, `*?\`) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if r == '*' || r == '?' || r == '\\' {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// regexpQuery is RegexpQueryBuilder with the default flags (ALL): the
// Lucene regular expression must match a whole indexed term (the value of
// a keyword field, each token of a text field).
func (c *compiler) regexpQuery(q *esdsl.Regexp) node {
	lbl := queryLabel(q, q.Field)
	ci := q.CaseInsensitive != nil && *q.CaseInsensitive
	re, err := LuceneRegexp(q.Value, ci)
	if err != nil {
		c.errorOf(q, q.Field, err)
		return &constNode{label: lbl}
	}
	f := c.fieldOf(q.Field)
	switch familyOf(f.typ) {
	case famText:
		return &leafNode{path: f.path, source: f.source, m: &regexpMatcher{re: re, f: &f.fm, text: true}, label: lbl}
	case famInt, famFloat, famDate, famIP, famBool:
		c.errorAt(q, q.Field, "Can only use regexp queries on keyword and text fields - not on [%s] which is of type [%s]", q.Field, f.typ)
		return &constNode{label: lbl}
	}
	return &leafNode{path: f.path, source: f.source, m: &regexpMatcher{re: re, f: &f.fm}, label: lbl}
}

type regexpMatcher struct {
	re   *regexp.Regexp
	f    *fieldMapping
	text bool // match each token of an analysed text
}

func (m *regexpMatcher) Visit(x any) bool {
	s, ok := x.(string)
	if !ok {
		if s, ok = KeywordText(x); !ok {
			return false
		}
	}
	if m.text {
		for _, t := range tokens(s) {
			if m.re.MatchString(t) {
				return true
			}
		}
		return false
	}
	return !m.f.tooLong(s) && m.re.MatchString(s)
}

func (m *regexpMatcher) nullValue() any { return m.f.nullValue() }

// LuceneRegexp compiles a Lucene regular expression (RegExp with the ALL
// flags Elasticsearch's regexp query uses by default) to an anchored Go
// regexp: '.', '*', '+', '?', '{n,m}', '|', groups, character classes,
// "quoted" literals, '\' escapes (and \d \s \w and their negations),
// '@' (any string) and '#' (the empty language). The complement '~', the
// intersection '&' and numeric intervals '<n-m>' are refused with an
// error wrapping [ErrUnsupported]. ci makes the match case-insensitive.
func LuceneRegexp(pattern string, ci bool) (*regexp.Regexp, error) {
	var b strings.Builder
	b.WriteString("^(?s")
	if ci {
		b.WriteString("i")
	}
	b.WriteString(":")
	rs := []rune(pattern)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch r {
		case '\\':
			if i+1 >= len(rs) {
				return nil, fmt.Errorf("regexp %q: expected a character after '\\'", pattern)
			}
			i++
			if strings.ContainsRune("dDsSwW", rs[i]) {
				b.WriteString(`\` + string(rs[i]))
			} else {
				b.WriteString(regexp.QuoteMeta(string(rs[i])))
			}
		case '"':
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("regexp %q: expected '\"' at position %d", pattern, len(rs))
			}
			b.WriteString("(?:" + regexp.QuoteMeta(string(rs[i+1:j])) + ")")
			i = j
		case '@':
			b.WriteString("(?:.*)")
		case '#':
			b.WriteString(`[^\x00-\x{10FFFF}]`)
		case '~', '&', '<':
			return nil, fmt.Errorf("regexp %q: the operator %q is %w", pattern, r, ErrUnsupported)
		case '[':
			j := i + 1
			if j < len(rs) && rs[j] == '^' {
				j++
			}
			var cls strings.Builder
			for ; j < len(rs) && rs[j] != ']'; j++ {
				if rs[j] == '\\' && j+1 < len(rs) {
					j++
					if strings.ContainsRune("dDsSwW", rs[j]) || rs[j] < utf8.RuneSelf && !isAlnum(rs[j]) {
						cls.WriteString(`\` + string(rs[j]))
						continue
					}
					cls.WriteRune(rs[j])
					continue
				}
				if rs[j] == '[' {
					cls.WriteString(`\[`)
					continue
				}
				cls.WriteRune(rs[j])
			}
			if j >= len(rs) {
				return nil, fmt.Errorf("regexp %q: expected ']' at position %d", pattern, len(rs))
			}
			if rs[i+1] == '^' {
				b.WriteString("[^" + cls.String() + "]")
			} else {
				b.WriteString("[" + cls.String() + "]")
			}
			i = j
		case '.', '*', '+', '?', '(', ')', '|', '{', '}', ',':
			b.WriteRune(r)
		default:
			if r >= '0' && r <= '9' {
				b.WriteRune(r)
				continue
			}
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(")$")
	re, err := regexp.Compile(b.String())
	if err != nil {
		return nil, fmt.Errorf("regexp %q: %v", pattern, err)
	}
	return re, nil
}

var lowerBufs = sync.Pool{New: func() any { b := make([]byte, 0, 256); return &b }}

// lowerNoAlloc is strings.ToLower without allocating for ASCII text: the
// lowercase text lives in a pooled buffer, buf, until releaseLower(buf).
// Text with other characters is lowered by strings.ToLower (buf is nil).
func lowerNoAlloc(s string) (low string, buf *[]byte) {
	upper := false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			return strings.ToLower(s), nil
		}
		upper = upper || 'A' <= c && c <= 'Z'
	}
	if !upper {
		return s, nil
	}
	bp := lowerBufs.Get().(*[]byte)
	b := (*bp)[:0]
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		b = append(b, c)
	}
	*bp = b
	return unsafe.String(unsafe.SliceData(b), len(b)), bp
}

// releaseLower returns lowerNoAlloc's buffer; the text is not to be used
// after.
func releaseLower(buf *[]byte) {
	if buf != nil {
		lowerBufs.Put(buf)
	}
}

func isAlnum(r rune) bool {
	return r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9'
}

func (m *foldMatcher) nullValue() any { return m.f.nullValue() }
