package rules

import (
	"bytes"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
	"unsafe"

	"github.com/BurntSushi/toml"
)

// decodeTOML decodes a TOML document into the map BurntSushi/toml's
// Decode gives, normalized (normalize: an array of tables is a []any);
// its strings are substrings of one copy of data's text,
// which a kept rule keeps (a file's text, bounded by FileLimit). A rule file is read by a fast decoder of
// the part of TOML rule files use (tables and arrays of tables with dotted
// headers, bare and quoted keys, the four kinds of string, decimal
// integers, booleans, arrays, inline tables); anything else, and every
// error, goes to toml.Decode, so that the answers and the errors are
// toml.Decode's.
func decodeTOML(data []byte) (map[string]any, error) {
	if m, ok := fastTOML(data); ok {
		return m, nil
	}
	m := map[string]any{}
	if _, err := toml.Decode(string(data), &m); err != nil {
		return nil, err
	}
	return normalize(m).(map[string]any), nil
}

// fastTOML decodes data, or reports false when it holds something the fast
// decoder leaves to toml.Decode: an error, bytes that are not UTF-8, a
// carriage return, a byte order
// mark, dotted keys in a key/value pair, floats, dates,
// integers that are not plain decimals, escapes TOML 1.0 lacks.
func fastTOML(data []byte) (map[string]any, bool) {
	if !utf8.Valid(data) || bytes.IndexByte(data, '\r') >= 0 || bytes.HasPrefix(data, []byte("\ufeff")) {
		return nil, false
	}
	// The keys and string values are substrings of the text, read in
	// place: data does not change once given to Parse or Decode (their
	// contract), so the text is data itself rather than a copy.
	p := &fastParser{s: unsafe.String(unsafe.SliceData(data), len(data)), root: map[string]any{}}
	p.cur = p.root
	if !p.lines(p) {
		return nil, false
	}
	return p.root, true
}

// lineParser reads a table header or a key/value pair at the start of a
// line: the fast decoder's into its maps, the direct decoder's
// (directTOML) into the rule.
type lineParser interface {
	header() bool
	keyValue() bool
}

// lines reads the document line by line, each header and key/value pair
// by lp, and normalizes the maps at its end; it reports false where it
// leaves the document to toml.Decode.
func (p *fastParser) lines(lp lineParser) bool {
	for {
		p.skipSpace()
		if p.i >= len(p.s) {
			p.normalize()
			return true
		}
		var ok bool
		switch p.s[p.i] {
		case '\n':
			p.i++
			continue
		case '#':
			ok = p.comment()
		case '[':
			ok = lp.header()
		default:
			ok = lp.keyValue()
		}
		if !ok || !p.endOfLine() {
			return false
		}
	}
}

// normalize makes each array of tables of the maps a []any.
func (p *fastParser) normalize() {
	for _, a := range p.arrays {
		ts := a.t[a.k].([]map[string]any)
		out := make([]any, len(ts))
		for i, t := range ts {
			out[i] = t
		}
		a.t[a.k] = out
	}
}

type fastParser struct {
	s    string
	i    int
	root map[string]any
	cur  map[string]any // the table key/values go into
	// curPath is its path: keys joined by dots, array indexes, in a
	// buffer each header rewrites (a string only when a map keeps it)
	curPath []byte
	// The paths of the tables a header defined, and of inline tables,
	// which no header may open. A path may spell two tables ("a.b" of
	// the key "a.b" and of the keys a and b): that costs only a document
	// left to toml.Decode. Both are made on the first table they hold.
	defined pathSet
	inline  pathSet
	items   []any // the values of the arrays being read (array)
	// arrays are where the arrays of tables are: a []map[string]any
	// while the document is read, which tells them from an array value
	arrays []tableArray
	// skip: multiBasic checks a string's text and escapes without
	// making the string, and gives "" (directParser.direct)
	skip bool
	// checkOnly: the values read are checked as TOML and not made, each
	// given as checked{} (a table no rule keeps: directParser.header);
	// keys holds the keys of the inline tables being read
	checkOnly bool
	keys      []string
	// spare, when not nil, is the empty map the next table a header
	// makes is (newTable), which the caller gives for a table no value
	// decoded keeps (directParser.header)
	spare map[string]any
}

// tableArray is the key of an array of tables in its table.
type tableArray struct {
	t map[string]any
	k string
}

// pathSet is a set of table paths: a list while it is short (a rule
// file has a few tables), a map once it is long.
type pathSet struct {
	list []string
	m    map[string]bool
}

// maxPathList is the longest list a pathSet searches.
const maxPathList = 16

func (s *pathSet) add(path string) {
	if s.m == nil && len(s.list) < maxPathList {
		s.list = append(s.list, path)
		return
	}
	if s.m == nil {
		s.m = make(map[string]bool, 2*maxPathList)
		for _, p := range s.list {
			s.m[p] = true
		}
		s.list = nil
	}
	s.m[path] = true
}

func (s *pathSet) has(path []byte) bool {
	if s.m != nil {
		return s.m[string(path)]
	}
	for _, p := range s.list {
		if p == string(path) {
			return true
		}
	}
	return false
}

// define records that a header defined the table at path.
func (p *fastParser) define(path string) { p.defined.add(path) }

// keysAhead counts the lines from p.i to the next table header that
// start as a key/value pair does: the size to make the header's table
// with, so that it does not grow while it is filled. The count may be
// off (a line of a multi-line string that looks like a pair, or like a
// header); it is only a hint.
func (p *fastParser) keysAhead() int {
	n := 0
	for i := p.i; i < len(p.s); {
		j := i
		for j < len(p.s) && isBareKey(p.s[j]) {
			j++
		}
		if j < len(p.s) && p.s[j] == '[' && j == i {
			break
		}
		if j > i && (strings.HasPrefix(p.s[j:], " =") || strings.HasPrefix(p.s[j:], "=")) {
			n++
		}
		nl := strings.IndexByte(p.s[j:], '\n')
		if nl < 0 {
			break
		}
		i = j + nl + 1
	}
	return n
}

func (p *fastParser) skipSpace() {
	for p.i < len(p.s) && (p.s[p.i] == ' ' || p.s[p.i] == '\t') {
		p.i++
	}
}

// comment skips a comment, which may not hold control characters.
func (p *fastParser) comment() bool {
	for p.i++; p.i < len(p.s) && p.s[p.i] != '\n'; p.i++ {
		if c := p.s[p.i]; c < 0x20 && c != '\t' || c == 0x7f {
			return false
		}
	}
	return true
}

// endOfLine reads the rest of a line: space, a comment, the newline.
func (p *fastParser) endOfLine() bool {
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '#' && !p.comment() {
		return false
	}
	if p.i >= len(p.s) {
		return true
	}
	if p.s[p.i] == '\n' {
		p.i++
		return true
	}
	return false
}

// key reads one bare or quoted key.
func (p *fastParser) key() (string, bool) {
	if p.i >= len(p.s) {
		return "", false
	}
	switch p.s[p.i] {
	case '"':
		if strings.HasPrefix(p.s[p.i:], `"""`) {
			return "", false
		}
		k, ok := p.basic()
		return k, ok
	case '\'':
		if strings.HasPrefix(p.s[p.i:], "'''") {
			return "", false
		}
		k, ok := p.literal()
		return k, ok
	}
	start := p.i
	for p.i < len(p.s) && isBareKey(p.s[p.i]) {
		p.i++
	}
	return p.s[start:p.i], p.i > start
}

// header reads [a.b] or [[a.b]] and makes its table the current one.
func (p *fastParser) header() bool {
	var buf [4]string // the keys of the headers of rule files
	array, parts, ok := p.headerKeys(buf[:0])
	return ok && p.open(array, parts, true)
}

// headerKeys reads [a.b] or [[a.b]]: whether it is an array of tables,
// and its keys, appended to parts.
func (p *fastParser) headerKeys(parts []string) (array bool, _ []string, ok bool) {
	array = strings.HasPrefix(p.s[p.i:], "[[")
	if array {
		p.i += 2
	} else {
		p.i++
	}
	for {
		p.skipSpace()
		k, ok := p.key()
		if !ok {
			return false, nil, false
		}
		parts = append(parts, k)
		p.skipSpace()
		if p.i < len(p.s) && p.s[p.i] == '.' {
			p.i++
			continue
		}
		break
	}
	closing := "]"
	if array {
		closing = "]]"
	}
	if !strings.HasPrefix(p.s[p.i:], closing) {
		return false, nil, false
	}
	p.i += len(closing)
	return array, parts, true
}

// open makes the table of a header's keys (array: an array of tables'
// next table) the current one; sized makes a new table with room for
// the keys ahead.
func (p *fastParser) open(array bool, parts []string, sized bool) bool {
	t, path := p.root, p.curPath[:0]
	for _, k := range parts[:len(parts)-1] {
		path = append(append(path, '.'), k...)
		if p.inline.has(path) {
			return false
		}
		switch v := t[k].(type) {
		case nil:
			if _, exists := t[k]; exists {
				return false
			}
			sub := map[string]any{}
			t[k] = sub
			t = sub
		case map[string]any:
			t = v
		case []map[string]any:
			path = appendIndex(path, len(v)-1)
			t = v[len(v)-1]
		default:
			return false
		}
	}
	last := parts[len(parts)-1]
	path = append(append(path, '.'), last...)
	if p.inline.has(path) {
		return false
	}
	var sub map[string]any
	switch v := t[last].(type) {
	case nil:
		if _, exists := t[last]; exists {
			return false
		}
		sub = p.newTable(sized)
		if array {
			path = appendIndex(path, 0)
			t[last] = []map[string]any{sub}
			p.arrays = append(p.arrays, tableArray{t, last})
		} else {
			t[last] = sub
			p.define(string(path))
		}
	case map[string]any:
		if array || p.defined.has(path) {
			return false // a table defined twice, or an array of tables over a table
		}
		p.define(string(path))
		sub = v
	case []map[string]any:
		if !array {
			return false
		}
		path = appendIndex(path, len(v))
		sub = p.newTable(sized)
		t[last] = append(v, sub)
	default:
		return false
	}
	p.cur, p.curPath = sub, path
	return true
}

// newTable makes a header's table, sized: with room for the keys ahead.
func (p *fastParser) newTable(sized bool) map[string]any {
	if t := p.spare; t != nil {
		p.spare = nil
		return t
	}
	if sized {
		return make(map[string]any, p.keysAhead())
	}
	return map[string]any{}
}

// appendIndex appends "[i]" to a table path.
func appendIndex(path []byte, i int) []byte {
	return append(strconv.AppendInt(append(path, '['), int64(i), 10), ']')
}

// keyValue reads key = value into the current table.
func (p *fastParser) keyValue() bool {
	k, ok := p.key()
	if !ok {
		return false
	}
	p.skipSpace()
	if p.i >= len(p.s) || p.s[p.i] != '=' {
		return false // a dotted key, or no value
	}
	p.i++
	p.skipSpace()
	if _, exists := p.cur[k]; exists {
		return false
	}
	table := p.i < len(p.s) && p.s[p.i] == '{' // an inline table (value)
	v, ok := p.value()
	if !ok {
		return false
	}
	if table {
		p.inline.add(string(p.curPath) + "." + k)
	}
	p.cur[k] = v
	return true
}

// inlineTable reads { k = v, ... } (TOML 1.0: on one line but for the
// values, no trailing comma). In check mode it makes no table: the keys
// go on p.keys, to find one given twice, and its value is checked{}.
func (p *fastParser) inlineTable() (any, bool) {
	p.i++
	var t map[string]any
	var table any = checked{}
	base := len(p.keys)
	if p.checkOnly {
		defer func() { clear(p.keys[base:]); p.keys = p.keys[:base] }()
	} else {
		t = map[string]any{}
		table = t
	}
	p.skipSpace()
	if p.i < len(p.s) && p.s[p.i] == '}' {
		p.i++
		return table, true
	}
	for {
		p.skipSpace()
		k, ok := p.key()
		if !ok {
			return nil, false
		}
		p.skipSpace()
		if p.i >= len(p.s) || p.s[p.i] != '=' {
			return nil, false
		}
		p.i++
		p.skipSpace()
		if _, exists := t[k]; exists || p.checkOnly && slices.Contains(p.keys[base:], k) {
			return nil, false
		}
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		if p.checkOnly {
			p.keys = append(p.keys, k)
		} else {
			t[k] = v
		}
		p.skipSpace()
		if p.i >= len(p.s) {
			return nil, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case '}':
			p.i++
			return table, true
		default:
			return nil, false
		}
	}
}

// checked is the value of every value read in check mode.
type checked struct{}

// value reads a string, a decimal integer, a boolean, an array or an
// inline table.
func (p *fastParser) value() (any, bool) {
	if p.i >= len(p.s) {
		return nil, false
	}
	rest := p.s[p.i:]
	switch c := rest[0]; {
	case p.checkOnly && (c == '"' || c == '\''):
		skip := p.skip
		p.skip = true // multiBasic checks without making the string
		_, ok := p.str()
		p.skip = skip
		return checked{}, ok
	case c == '"' || c == '\'':
		return p.str()
	case c == '[':
		return p.array()
	case c == '{':
		return p.inlineTable()
	case strings.HasPrefix(rest, "true"):
		p.i += 4
		return true, p.delimited()
	case strings.HasPrefix(rest, "false"):
		p.i += 5
		return false, p.delimited()
	case c == '+' || c == '-' || '0' <= c && c <= '9':
		return p.integer()
	}
	return nil, false
}

// str reads a string of any of the four kinds.
func (p *fastParser) str() (string, bool) {
	rest := p.s[p.i:]
	switch {
	case strings.HasPrefix(rest, `"""`):
		return p.multiBasic()
	case strings.HasPrefix(rest, "'''"):
		return p.multiLiteral()
	case strings.HasPrefix(rest, `"`):
		return p.basic()
	case strings.HasPrefix(rest, "'"):
		return p.literal()
	}
	return "", false
}

// delimited reports whether the value just read ends there.
func (p *fastParser) delimited() bool {
	if p.i >= len(p.s) {
		return true
	}
	switch p.s[p.i] {
	case ' ', '\t', '\n', ',', ']', '}', '#':
		return true
	}
	return false
}

// integer reads [+-]?(0|[1-9](_?[0-9])*).
func (p *fastParser) integer() (any, bool) {
	start := p.i
	if c := p.s[p.i]; c == '+' || c == '-' {
		p.i++
	}
	digits := p.i
	for p.i < len(p.s) {
		c := p.s[p.i]
		if '0' <= c && c <= '9' {
			p.i++
			continue
		}
		if c == '_' && p.i > digits && p.i+1 < len(p.s) && '0' <= p.s[p.i+1] && p.s[p.i+1] <= '9' && p.s[p.i-1] != '_' {
			p.i++
			continue
		}
		break
	}
	text := p.s[digits:p.i]
	if text == "" || text[0] == '0' && len(text) > 1 || !p.delimited() {
		return nil, false // a leading zero, a float, a date, hex...
	}
	n, err := strconv.ParseInt(strings.ReplaceAll(p.s[start:p.i], "_", ""), 10, 64)
	return n, err == nil
}

// array reads [ v, v, ... ], over lines, with comments and a trailing
// comma.
func (p *fastParser) array() (any, bool) {
	p.i++
	// the values are gathered on p.items, a stack nested arrays share,
	// and copied into a slice of their number
	base := len(p.items)
	defer func() { p.items = p.items[:base] }()
	done := func() (any, bool) {
		if p.checkOnly {
			return checked{}, true
		}
		out := make([]any, len(p.items)-base)
		copy(out, p.items[base:])
		clear(p.items[base:])
		return out, true
	}
	for {
		if !p.skipBlank() {
			return nil, false
		}
		if p.i >= len(p.s) {
			return nil, false
		}
		if p.s[p.i] == ']' {
			p.i++
			return done()
		}
		v, ok := p.value()
		if !ok {
			return nil, false
		}
		if !p.checkOnly {
			p.items = append(p.items, v)
		}
		if !p.skipBlank() || p.i >= len(p.s) {
			return nil, false
		}
		switch p.s[p.i] {
		case ',':
			p.i++
		case ']':
			p.i++
			return done()
		default:
			return nil, false
		}
	}
}

// skipBlank skips space, newlines and comments inside an array.
func (p *fastParser) skipBlank() bool {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\n':
			p.i++
		case '#':
			if !p.comment() {
				return false
			}
		default:
			return true
		}
	}
	return true
}

// control reports whether c may not appear in a TOML string as it is:
// control characters but tab (and newline, in a multi-line string).
func control(c byte, multi bool) bool {
	return c < 0x20 && c != '\t' && !(multi && c == '\n') || c == 0x7f
}

// plainInMulti holds the bytes a multi-line string passes over as they
// are: neither a control character it refuses, nor a quote, an
// apostrophe or a backslash. multiBasic and multiLiteral skip runs of
// them with one look each (the text of a rule is mostly such runs: its
// description, query, investigation guide).
var plainInMulti = func() (t [256]bool) {
	for c := range t {
		t[c] = !control(byte(c), true) && c != '"' && c != '\'' && c != '\\'
	}
	return t
}()

// literal reads '...'.
func (p *fastParser) literal() (string, bool) {
	start := p.i + 1
	for j := start; j < len(p.s); j++ {
		switch c := p.s[j]; {
		case c == '\'':
			p.i = j + 1
			return p.s[start:j], true
		case control(c, false):
			return "", false
		}
	}
	return "", false
}

// multiLiteral reads ”'...”': a newline right after the opening
// delimiter is dropped; one or two quotes may end the text.
func (p *fastParser) multiLiteral() (string, bool) {
	start := p.i + 3
	if start < len(p.s) && p.s[start] == '\n' {
		start++
	}
	for j := start; j < len(p.s); j++ {
		c := p.s[j]
		if plainInMulti[c] {
			continue
		}
		if c == '\'' {
			n := quotes(p.s[j:], '\'')
			if n < 3 {
				j += n - 1
				continue
			}
			if n > 5 {
				return "", false
			}
			p.i = j + n
			return p.s[start : j+n-3], true
		}
		if control(c, true) {
			return "", false
		}
	}
	return "", false
}

// quotes counts the quote characters q that s starts with.
func quotes(s string, q byte) int {
	n := 0
	for n < len(s) && s[n] == q {
		n++
	}
	return n
}

// basic reads "...", with escapes.
func (p *fastParser) basic() (string, bool) {
	start := p.i + 1
	for j := start; j < len(p.s); j++ {
		switch c := p.s[j]; {
		case c == '"':
			p.i = j + 1
			return p.s[start:j], true
		case c == '\\':
			return p.basicEscaped(start)
		case control(c, false):
			return "", false
		}
	}
	return "", false
}

// basicEscaped reads "..." that holds an escape, from its text at start.
func (p *fastParser) basicEscaped(start int) (string, bool) {
	var b strings.Builder
	from := start // the text not yet written
	for j := start; j < len(p.s); {
		c := p.s[j]
		switch {
		case c == '"':
			b.WriteString(p.s[from:j])
			p.i = j + 1
			return b.String(), true
		case c == '\\':
			b.WriteString(p.s[from:j])
			n, ok := p.escape(&b, j)
			if !ok {
				return "", false
			}
			j += n
			from = j
			continue
		case control(c, false):
			return "", false
		}
		j++
	}
	return "", false
}

// escape writes the value of the escape at s[j] and returns its length.
func (p *fastParser) escape(b *strings.Builder, j int) (int, bool) {
	if j+1 >= len(p.s) {
		return 0, false
	}
	switch p.s[j+1] {
	case 'b':
		b.WriteByte('\b')
	case 't':
		b.WriteByte('\t')
	case 'n':
		b.WriteByte('\n')
	case 'f':
		b.WriteByte('\f')
	case 'r':
		b.WriteByte('\r')
	case '"':
		b.WriteByte('"')
	case '\\':
		b.WriteByte('\\')
	case 'u', 'U':
		n := 4
		if p.s[j+1] == 'U' {
			n = 8
		}
		if j+2+n > len(p.s) {
			return 0, false
		}
		r, err := strconv.ParseUint(p.s[j+2:j+2+n], 16, 32)
		if err != nil || !utf8.ValidRune(rune(r)) || strings.ContainsAny(p.s[j+2:j+2+n], "+-_") {
			return 0, false
		}
		b.WriteRune(rune(r))
		return 2 + n, true
	default:
		return 0, false
	}
	return 2, true
}

// multiBasic reads """...""", with escapes and line-ending backslashes.
// Text without them is a slice of the document.
func (p *fastParser) multiBasic() (string, bool) {
	j := p.i + 3
	if j < len(p.s) && p.s[j] == '\n' {
		j++
	}
	var b strings.Builder
	escaped := false
	from := j // the text not yet written
	for j < len(p.s) {
		c := p.s[j]
		if plainInMulti[c] {
			j++
			continue
		}
		switch {
		case c == '"':
			n := quotes(p.s[j:], '"')
			if n < 3 {
				j += n
				continue
			}
			if n > 5 {
				return "", false
			}
			p.i = j + n
			if p.skip {
				return "", true
			}
			if !escaped {
				return p.s[from : j+n-3], true
			}
			b.WriteString(p.s[from : j+n-3])
			return b.String(), true
		case c == '\\':
			escaped = true
			if !p.skip { // skipping, b holds only the escapes' few bytes
				b.WriteString(p.s[from:j])
			}
			// a line-ending backslash: the newline and the white space
			// after it go
			k := j + 1
			for k < len(p.s) && (p.s[k] == ' ' || p.s[k] == '\t') {
				k++
			}
			if k < len(p.s) && p.s[k] == '\n' {
				for k < len(p.s) && (p.s[k] == ' ' || p.s[k] == '\t' || p.s[k] == '\n') {
					k++
				}
				j, from = k, k
				continue
			}
			n, ok := p.escape(&b, j)
			if !ok {
				return "", false
			}
			j += n
			from = j
			continue
		case control(c, true):
			return "", false
		}
		j++
	}
	return "", false
}
