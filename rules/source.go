package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/kqlrules/kqlrules/ast"
)

// This file is the one reader of a rule file's layout: where each key and
// its value stand, and for a string value where each of its characters
// comes from. Validation takes problem lines from it, lint tells query
// positions as file lines and columns with it, and "kqlrules fmt -w"
// rewrites a query in place with it.

// Quoting is how a rule file spells a string value.
type Quoting string

// The ways a string value can be quoted in a rule file.
const (
	MultiLineLiteral Quoting = "'''"  // TOML '''...'''
	Literal          Quoting = "'"    // TOML '...'
	MultiLineBasic   Quoting = `"""`  // TOML """..."""
	Basic            Quoting = `"`    // TOML or JSON "..." with escapes
	Whole            Quoting = "file" // a .kql file: the whole file is the query
)

// Span is where a key and its value stand in a rule file.
type Span struct {
	// Key is the field path in TOML terms, such as "rule.risk_score",
	// "rule.threat[1].tactic" or "history[7].query"; arrays (of tables)
	// are counted from 0. The keys of a flat JSON rule are given as
	// "rule.<key>" (and metadata keys as "metadata.<key>" too).
	Key string
	// Line is the 1-based line of the key, or of the table header.
	Line int
	// Start and End are the byte offsets of the value in the file,
	// delimiters included; of the header for a table.
	Start, End int
	// Quoting is the quoting of a string value; "" for other values.
	Quoting Quoting
}

// Value is a string value as written in a file: its span, its text, and
// where each of its characters comes from, so that a position in the text
// can be told as a line and column of the file and the value can be
// rewritten in place.
type Value struct {
	Span
	// Text is the value, unescaped.
	Text string
	// TrimmedNewline tells that a multi-line TOML string opened with a
	// newline, which TOML drops from the value.
	TrimmedNewline bool

	data []byte
	offs []int // offs[i]: byte offset in data of rune i of Text; len = runes+1
}

// Position returns the place in the file of the text's rune offset off:
// the rune offset from the start of the file, and the 1-based line and
// column (in runes). An offset out of the text is clamped to it.
func (v *Value) Position(off int) ast.Position {
	off = min(max(off, 0), len(v.offs)-1)
	b := v.offs[off]
	start := bytes.LastIndexByte(v.data[:b], '\n') + 1
	return ast.Position{
		Offset: utf8.RuneCount(v.data[:b]),
		Line:   lineOfOffset(v.data, b),
		Column: 1 + utf8.RuneCount(v.data[start:b]),
	}
}

// File returns the text of the whole file the value is in.
func (v *Value) File() string {
	return string(v.data)
}

// WholeFile returns the Value of a file that holds nothing but the query
// (a .kql file).
func WholeFile(data []byte) *Value {
	v := &Value{Span: Span{Line: 1, End: len(data), Quoting: Whole}, Text: string(data), data: data}
	for i := range string(data) {
		v.offs = append(v.offs, i)
	}
	v.offs = append(v.offs, len(data))
	return v
}

// lineOfOffset returns the 1-based line of byte offset off in data.
func lineOfOffset(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return bytes.Count(data[:off], []byte{'\n'}) + 1
}

// colOfOffset returns the 1-based column (in bytes) of offset off.
func colOfOffset(data []byte, off int) int {
	off = min(max(off, 0), len(data))
	return off - (bytes.LastIndexByte(data[:off], '\n') + 1) + 1
}

// Value returns the string value of key (a field path, as in [Span]) in
// the file the rule was read from. It returns an error when the rule was
// not read from a file, or the key is absent or not a string.
func (s Source) Value(key string) (*Value, error) {
	if s.data == nil {
		return nil, fmt.Errorf("%s: the rule was not read from a file", key)
	}
	return FindValue(s.data, s.Format, key)
}

// FindValue returns the string value of key in a rule file of the given
// format ([FormatTOML], or [FormatJSON] and [FormatExtract] for JSON).
func FindValue(data []byte, format, key string) (*Value, error) {
	var spans []Span
	var err error
	if format == FormatTOML {
		spans, err = ScanTOML(data)
	} else {
		spans, err = ScanJSON(data)
	}
	if err != nil {
		return nil, err
	}
	for _, sp := range spans {
		if sp.Key != key {
			continue
		}
		if sp.Quoting == "" {
			return nil, fmt.Errorf("line %d: %s: the value is not a string", sp.Line, key)
		}
		s := &tomlScanner{data: data}
		v, err := s.str(sp.Start, true)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		v.Key, v.Line = key, sp.Line
		return v, nil
	}
	return nil, fmt.Errorf("no %s string in the file", key)
}

// lineMap maps each key of spans to the line where the file first gives it.
func lineMap(spans []Span) map[string]int {
	lines := make(map[string]int, len(spans))
	for _, sp := range spans {
		if _, seen := lines[sp.Key]; !seen {
			lines[sp.Key] = sp.Line
		}
	}
	return lines
}

// ScanTOML returns the spans of the table headers and keys of a TOML
// document, in file order. It reads the document's structure itself
// (tables, arrays of tables, dotted and quoted keys, the four kinds of
// string, multi-line arrays and inline tables, whose inner keys it does not
// list), exactly, so that a value can be rewritten without touching the
// rest of the file. It expects a document that decodes; its errors are
// for one that does not.
func ScanTOML(data []byte) ([]Span, error) {
	s := &tomlScanner{data: data, counts: map[string]int{}}
	spans := make([]Span, 0, 64)
	for {
		sp, ok, err := s.next()
		if err != nil || !ok {
			return spans, err
		}
		spans = append(spans, sp)
	}
}

type tomlScanner struct {
	data   []byte
	pos    int
	table  string
	counts map[string]int // array-of-tables name → entries so far
	// line is the line of offset lineOff: lines are counted on from
	// there, as the scanner moves forward
	line, lineOff int
	span          Value // what str returns without the text
}

// lineAt returns the 1-based line of offset off.
func (s *tomlScanner) lineAt(off int) int {
	if off < s.lineOff {
		return lineOfOffset(s.data, off)
	}
	if s.line == 0 {
		s.line = 1
	}
	s.line += bytes.Count(s.data[s.lineOff:off], []byte{'\n'})
	s.lineOff = off
	return s.line
}

func (s *tomlScanner) errorf(format string, args ...any) error {
	return fmt.Errorf("line %d: %s", lineOfOffset(s.data, s.pos), fmt.Sprintf(format, args...))
}

// next reads the next table header or key/value pair and returns its span;
// ok is false at the end of the document.
func (s *tomlScanner) next() (sp Span, ok bool, err error) {
	d := s.data
	for s.pos < len(d) {
		c := d[s.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n':
			s.pos++
		case c == 0xEF && bytes.HasPrefix(d[s.pos:], []byte("\ufeff")):
			s.pos += 3
		case c == '#':
			s.skipComment()
		case c == '[':
			start := s.pos
			array := bytes.HasPrefix(d[s.pos:], []byte("[["))
			if array {
				s.pos += 2
			} else {
				s.pos++
			}
			name, err := s.keyPath(']')
			if err != nil {
				return Span{}, false, err
			}
			if array {
				if !bytes.HasPrefix(d[s.pos:], []byte("]]")) {
					return Span{}, false, s.errorf("unclosed table header")
				}
				s.pos += 2
				path := s.resolve(name)
				n := s.counts[path]
				s.counts[path] = n + 1
				s.table = path + "[" + strconv.Itoa(n) + "]"
			} else {
				if s.pos >= len(d) || d[s.pos] != ']' {
					return Span{}, false, s.errorf("unclosed table header")
				}
				s.pos++
				s.table = s.resolve(name)
			}
			return Span{Key: s.table, Line: s.lineAt(start), Start: start, End: s.pos}, true, nil
		default:
			line := s.lineAt(s.pos)
			k, err := s.keyPath('=')
			if err != nil {
				return Span{}, false, err
			}
			s.pos++ // '='
			s.skipSpace()
			if s.table != "" {
				k = s.table + "." + k
			}
			sp := Span{Key: k, Line: line, Start: s.pos}
			if s.pos < len(d) && (d[s.pos] == '"' || d[s.pos] == '\'') {
				v, err := s.str(s.pos, false)
				if err != nil {
					return Span{}, false, fmt.Errorf("%s: %w", k, err)
				}
				sp.End, sp.Quoting = v.End, v.Quoting
			} else {
				if sp.End, err = s.skipValue(); err != nil {
					return Span{}, false, fmt.Errorf("%s: %w", k, err)
				}
			}
			return sp, true, nil
		}
	}
	return Span{}, false, nil
}

// resolve turns a table name into its path with the array-of-tables
// indexes of its parents: "rule.threat.tactic" → "rule.threat[1].tactic".
func (s *tomlScanner) resolve(name string) string {
	parts := strings.Split(name, ".")
	out := ""
	for i, p := range parts {
		if i > 0 {
			out += "."
		}
		out += p
		if i < len(parts)-1 {
			if n, ok := s.counts[out]; ok {
				out += "[" + strconv.Itoa(n-1) + "]"
			}
		}
	}
	return out
}

func (s *tomlScanner) skipSpace() {
	for s.pos < len(s.data) && (s.data[s.pos] == ' ' || s.data[s.pos] == '\t') {
		s.pos++
	}
}

func (s *tomlScanner) skipComment() {
	for s.pos < len(s.data) && s.data[s.pos] != '\n' {
		s.pos++
	}
}

// keyPath reads a dotted key up to (not including) the stop byte.
func (s *tomlScanner) keyPath(stop byte) (string, error) {
	var parts []string
	for {
		s.skipSpace()
		if s.pos >= len(s.data) {
			return "", s.errorf("unexpected end of file in a key")
		}
		switch c := s.data[s.pos]; {
		case c == '"' || c == '\'':
			q, err := s.str(s.pos, true)
			if err != nil {
				return "", err
			}
			parts = append(parts, q.Text)
		default:
			st := s.pos
			for s.pos < len(s.data) && isBareKey(s.data[s.pos]) {
				s.pos++
			}
			if s.pos == st {
				return "", s.errorf("unexpected %q in a key", c)
			}
			parts = append(parts, string(s.data[st:s.pos]))
		}
		s.skipSpace()
		if s.pos < len(s.data) && s.data[s.pos] == '.' {
			s.pos++
			continue
		}
		if s.pos < len(s.data) && s.data[s.pos] == stop {
			return strings.Join(parts, "."), nil
		}
		return "", s.errorf("unexpected character in a key")
	}
}

func isBareKey(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// skipValue skips a value other than a string: anything up to the end of
// the line outside brackets, braces and strings. It returns the offset just
// past the value's last byte, trailing white space and comments left out.
func (s *tomlScanner) skipValue() (end int, err error) {
	depth := 0
	end = s.pos
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case '"', '\'':
			if _, err := s.str(s.pos, false); err != nil {
				return 0, err
			}
			end = s.pos
			continue
		case '#':
			s.skipComment()
			continue
		case '\n':
			if depth <= 0 {
				return end, nil
			}
		case '[', '{':
			depth++
		case ']', '}':
			depth--
		}
		s.pos++
		if c := s.data[s.pos-1]; c != ' ' && c != '\t' && c != '\r' && c != '\n' {
			end = s.pos
		}
	}
	return end, nil
}

// str reads the string that starts at start and leaves pos after it. The
// Value has its Text and character offsets when withText is true, else
// only its span, and is valid until the next call.
func (s *tomlScanner) str(start int, withText bool) (*Value, error) {
	d := s.data
	var q *Value
	if withText {
		q = &Value{Span: Span{Start: start}, data: d}
	} else { // a span alone: the scanner's own Value, valid until the next
		s.span = Value{Span: Span{Start: start}, data: d}
		q = &s.span
	}
	var delim string
	switch {
	case bytes.HasPrefix(d[start:], []byte("'''")):
		q.Quoting, delim = MultiLineLiteral, "'''"
	case bytes.HasPrefix(d[start:], []byte(`"""`)):
		q.Quoting, delim = MultiLineBasic, `"""`
	case bytes.HasPrefix(d[start:], []byte("'")):
		q.Quoting, delim = Literal, "'"
	case bytes.HasPrefix(d[start:], []byte(`"`)):
		q.Quoting, delim = Basic, `"`
	default:
		s.pos = start
		return nil, s.errorf("the value is not a string")
	}
	i := start + len(delim)
	multi := len(delim) == 3
	if multi {
		if bytes.HasPrefix(d[i:], []byte("\r\n")) {
			i += 2
			q.TrimmedNewline = true
		} else if i < len(d) && d[i] == '\n' {
			i++
			q.TrimmedNewline = true
		}
	}
	var text strings.Builder
	add := func(r rune, off int) {
		if withText {
			text.WriteRune(r)
			q.offs = append(q.offs, off)
		}
	}
	basic := q.Quoting == Basic || q.Quoting == MultiLineBasic
	// without the text, the bytes but the delimiter, escapes and newlines
	// are skipped in one go
	stops := "'\n"
	if basic {
		stops = "\"\\\n"
	}
	for {
		if !withText {
			if k := nextStop(d[i:], stops); k < 0 {
				i = len(d)
			} else {
				i += k
			}
		}
		if i >= len(d) {
			s.pos = start
			return nil, s.errorf("unclosed string")
		}
		if bytes.HasPrefix(d[i:], []byte(delim)) {
			end := i + len(delim)
			if multi { // up to two more quotes belong to the text
				for k := 0; k < 2 && end < len(d) && d[end] == delim[0]; k++ {
					add(rune(delim[0]), i)
					i++
					end++
				}
			}
			if withText {
				q.offs = append(q.offs, i)
			}
			q.End, s.pos = end, end
			q.Text = text.String()
			return q, nil
		}
		c := d[i]
		if c == '\n' && !multi {
			s.pos = start
			return nil, s.errorf("newline in a single-line string")
		}
		if c == '\\' && basic {
			r, n, skip, err := unescape(d[i:], multi)
			if err != nil {
				s.pos = i
				return nil, s.errorf("%v", err)
			}
			if !skip {
				add(r, i)
			}
			i += n
			continue
		}
		r, n := utf8.DecodeRune(d[i:])
		add(r, i)
		i += n
	}
}

// nextStop returns the offset of the first byte of b that is one of the
// ASCII bytes stops, or -1: one fast IndexByte each, over what is left.
func nextStop(b []byte, stops string) int {
	found := -1
	for i := 0; i < len(stops); i++ {
		if k := bytes.IndexByte(b, stops[i]); k >= 0 {
			b, found = b[:k], k
		}
	}
	return found
}

// unescape reads the escape at the start of b (b[0] is '\'). skip tells a
// line-ending backslash, which drops itself and the white space after it.
func unescape(b []byte, multi bool) (r rune, n int, skip bool, err error) {
	if len(b) < 2 {
		return 0, 0, false, fmt.Errorf("unfinished escape")
	}
	switch b[1] {
	case 'b':
		return '\b', 2, false, nil
	case 't':
		return '\t', 2, false, nil
	case 'n':
		return '\n', 2, false, nil
	case 'f':
		return '\f', 2, false, nil
	case 'r':
		return '\r', 2, false, nil
	case 'e':
		return 0x1b, 2, false, nil
	case '"':
		return '"', 2, false, nil
	case '\\':
		return '\\', 2, false, nil
	case '/':
		return '/', 2, false, nil
	case 'u', 'U':
		w := 4
		if b[1] == 'U' {
			w = 8
		}
		if len(b) < 2+w {
			return 0, 0, false, fmt.Errorf("short \\%c escape", b[1])
		}
		v, perr := strconv.ParseUint(string(b[2:2+w]), 16, 32)
		if perr != nil {
			return 0, 0, false, fmt.Errorf("bad \\%c escape", b[1])
		}
		return rune(v), 2 + w, false, nil
	}
	if multi {
		j := 1
		for j < len(b) && (b[j] == ' ' || b[j] == '\t') {
			j++
		}
		if j < len(b) && (b[j] == '\n' || b[j] == '\r') {
			for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r') {
				j++
			}
			return 0, j, true, nil
		}
	}
	return 0, 0, false, fmt.Errorf("unknown escape \\%c", b[1])
}

// Encode returns text as a value for q's place in the file: in q's
// quoting when text can be spelled in it, else in a TOML (or JSON) basic
// string, which can spell anything. A multi-line string keeps its opening
// newline.
func (q *Value) Encode(text string) (string, Quoting) {
	nl := ""
	if q.TrimmedNewline {
		nl = "\n"
	}
	switch q.Quoting {
	case Whole:
		return text, Whole
	case MultiLineLiteral:
		if !strings.Contains(text, "'''") && !strings.HasSuffix(text, "'") && literalSafe(text, true) {
			return "'''" + nl + text + "'''", MultiLineLiteral
		}
		return `"""` + nl + escapeBasic(text, true) + `"""`, MultiLineBasic
	case Literal:
		if !strings.Contains(text, "'") && literalSafe(text, false) {
			return "'" + text + "'", Literal
		}
	case MultiLineBasic:
		return `"""` + nl + escapeBasic(text, true) + `"""`, MultiLineBasic
	}
	return `"` + escapeBasic(text, false) + `"`, Basic
}

// literalSafe reports whether text has no control character a TOML literal
// string cannot hold (tab always can; newlines only in a multi-line one).
func literalSafe(text string, multi bool) bool {
	for _, r := range text {
		if r == '\t' || (multi && r == '\n') {
			continue
		}
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}

// escapeBasic escapes text for a TOML basic string (also valid JSON for a
// single-line one): backslash, quote and control characters; a multi-line
// one keeps its newlines.
func escapeBasic(text string, multi bool) string {
	var b strings.Builder
	for _, r := range text {
		switch {
		case r == '\\':
			b.WriteString(`\\`)
		case r == '"':
			b.WriteString(`\"`)
		case r == '\n' && multi:
			b.WriteByte('\n')
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\t':
			b.WriteString(`\t`)
		case r == '\r':
			b.WriteString(`\r`)
		case r < 0x20 || r == 0x7f:
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// Replace returns a copy of the file with q's value replaced by value, as
// Encode returns it; the rest of the file is unchanged byte for byte.
func (q *Value) Replace(value string) []byte {
	out := make([]byte, 0, len(q.data)-(q.End-q.Start)+len(value))
	out = append(out, q.data[:q.Start]...)
	out = append(out, value...)
	return append(out, q.data[q.End:]...)
}

// ScanJSON returns the spans of the keys and array elements of a JSON rule
// that decodes, in file order, in TOML terms: the keys of a flat rule
// object become "rule.<key>" (metadata keys given flat are listed as
// "metadata.<key>" too), keys of "metadata", "rule" and "history" keep
// their paths, and array elements are "<path>[i]".
func ScanJSON(data []byte) ([]Span, error) {
	var spans []Span
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func(path string, depth int) error
	walk = func(path string, depth int) error {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		delim, ok := tok.(json.Delim)
		if !ok {
			return nil
		}
		switch delim {
		case '{':
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return err
				}
				key, _ := kt.(string)
				line := lineOfOffset(data, int(dec.InputOffset()))
				p := key
				if depth > 0 {
					p = path + "." + key
				}
				if err := value(dec, data, &spans, Span{Key: p, Line: line}, func() error { return walk(p, depth+1) }); err != nil {
					return err
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				p := fmt.Sprintf("%s[%d]", path, i)
				line := lineOfOffset(data, nextToken(data, int(dec.InputOffset())))
				if err := value(dec, data, &spans, Span{Key: p, Line: line}, func() error { return walk(p, depth+1) }); err != nil {
					return err
				}
			}
		}
		_, err = dec.Token() // the closing delimiter
		return err
	}
	if err := walk("", 0); err != nil {
		return nil, fmt.Errorf("JSON: %w", err)
	}
	// Express the paths in TOML terms.
	nested := slices.ContainsFunc(spans, func(sp Span) bool { return sp.Key == "rule" })
	out := make([]Span, 0, len(spans))
	for _, sp := range spans {
		p := sp.Key
		if nested || p == "metadata" || strings.HasPrefix(p, "metadata.") || p == "history" || strings.HasPrefix(p, "history[") {
			out = append(out, sp)
			continue
		}
		sp.Key = "rule." + p
		out = append(out, sp)
		top := p
		if i := strings.IndexAny(p, ".["); i >= 0 {
			top = p[:i]
		}
		if slices.Contains(metadataFields, top) {
			sp.Key = "metadata." + p
			out = append(out, sp)
		}
	}
	return out, nil
}

// value records the span of the JSON value that walk reads: it starts at
// the next token and ends where the decoder stops after it.
func value(dec *json.Decoder, data []byte, spans *[]Span, sp Span, walk func() error) error {
	sp.Start = nextToken(data, int(dec.InputOffset()))
	if sp.Start < len(data) && data[sp.Start] == '"' {
		sp.Quoting = Basic
	}
	i := len(*spans)
	*spans = append(*spans, sp)
	if err := walk(); err != nil {
		return err
	}
	(*spans)[i].End = int(dec.InputOffset())
	return nil
}

// nextToken skips white space, commas and colons from off.
func nextToken(data []byte, off int) int {
	for off < len(data) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',', ':':
			off++
		default:
			return off
		}
	}
	return off
}
