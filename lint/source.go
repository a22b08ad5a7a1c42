package lint

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Quoting is how a rule file spells a string value.
type Quoting string

// The ways a query can be quoted in a rule file.
const (
	MultiLineLiteral Quoting = "'''"  // TOML '''...'''
	Literal          Quoting = "'"    // TOML '...'
	MultiLineBasic   Quoting = `"""`  // TOML """..."""
	Basic            Quoting = `"`    // TOML or JSON "..." with escapes
	Whole            Quoting = "file" // a .kql file: the whole file is the query
)

// QuerySource is a query as written in a file: where its value stands, how
// it is quoted, and where each of its characters comes from, so that a
// position in the query can be told as a line and column of the file and
// the value can be rewritten in place.
type QuerySource struct {
	// Key is the value's key, such as "rule.query" or "history[7].query".
	Key string
	// Start and End are the byte offsets of the value in the file,
	// delimiters included.
	Start, End int
	// Quoting is the value's quoting.
	Quoting Quoting
	// Text is the query, unescaped.
	Text string
	// TrimmedNewline tells that a multi-line TOML string opened with a
	// newline, which TOML drops from the value.
	TrimmedNewline bool

	data []byte
	offs []int // offs[i]: byte offset in data of rune i of Text; len = runes+1
}

// Position returns the 1-based line and column (in runes) in the file of
// the query's rune offset off.
func (q *QuerySource) Position(off int) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off >= len(q.offs) {
		off = len(q.offs) - 1
	}
	b := q.offs[off]
	line = 1 + bytes.Count(q.data[:b], []byte{'\n'})
	start := bytes.LastIndexByte(q.data[:b], '\n') + 1
	col = 1 + utf8.RuneCount(q.data[start:b])
	return line, col
}

// File returns the text of the whole file.
func (q *QuerySource) File() string {
	return string(q.data)
}

// WholeFile returns the QuerySource of a file that holds nothing but the
// query (a .kql file).
func WholeFile(data []byte) *QuerySource {
	q := &QuerySource{Key: "", Start: 0, End: len(data), Quoting: Whole, Text: string(data), data: data}
	for i := range string(data) {
		q.offs = append(q.offs, i)
	}
	q.offs = append(q.offs, len(data))
	return q
}

// FindTOMLQuery locates the value of key (such as "rule.query", "query" or
// "history[7].query"; array tables are counted from 0) in a TOML document.
// It reads the document's structure itself (tables, arrays of tables,
// dotted keys, the four kinds of string, multi-line arrays and inline
// tables) so that the value can be rewritten without touching the rest of
// the file. It returns an error when the key is absent or is not a string.
func FindTOMLQuery(data []byte, key string) (*QuerySource, error) {
	s := &tomlScanner{data: data, counts: map[string]int{}}
	for {
		k, start, err := s.next()
		if err != nil {
			return nil, err
		}
		if start < 0 {
			return nil, fmt.Errorf("no %s string in the file", key)
		}
		if k != key {
			if err := s.skipValue(); err != nil {
				return nil, err
			}
			continue
		}
		q, err := s.str(start)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", key, err)
		}
		q.Key = key
		return q, nil
	}
}

type tomlScanner struct {
	data   []byte
	pos    int
	table  string
	counts map[string]int // array-of-tables name → entries so far
}

func (s *tomlScanner) errorf(format string, args ...any) error {
	line := 1 + bytes.Count(s.data[:min(s.pos, len(s.data))], []byte{'\n'})
	return fmt.Errorf("line %d: %s", line, fmt.Sprintf(format, args...))
}

// next advances to the next key/value pair and returns its full key and
// the offset of its value; start is -1 at the end of the document.
func (s *tomlScanner) next() (key string, start int, err error) {
	d := s.data
	for s.pos < len(d) {
		c := d[s.pos]
		switch {
		case c == ' ' || c == '\t' || c == '\r' || c == '\n' || (c == 0xEF && bytes.HasPrefix(d[s.pos:], []byte("\ufeff"))):
			if c == 0xEF {
				s.pos += 3
			} else {
				s.pos++
			}
		case c == '#':
			s.skipComment()
		case c == '[':
			array := bytes.HasPrefix(d[s.pos:], []byte("[["))
			if array {
				s.pos += 2
			} else {
				s.pos++
			}
			name, err := s.keyPath(']')
			if err != nil {
				return "", 0, err
			}
			if array {
				if !bytes.HasPrefix(d[s.pos:], []byte("]]")) {
					return "", 0, s.errorf("unclosed table header")
				}
				s.pos += 2
				n := s.counts[name]
				s.counts[name] = n + 1
				s.table = name + "[" + strconv.Itoa(n) + "]"
			} else {
				if s.pos >= len(d) || d[s.pos] != ']' {
					return "", 0, s.errorf("unclosed table header")
				}
				s.pos++
				s.table = s.resolve(name)
			}
		default:
			k, err := s.keyPath('=')
			if err != nil {
				return "", 0, err
			}
			if s.pos >= len(d) || d[s.pos] != '=' {
				return "", 0, s.errorf("expected '=' after key %s", k)
			}
			s.pos++
			s.skipSpace()
			if s.table != "" {
				k = s.table + "." + k
			}
			return k, s.pos, nil
		}
	}
	return "", -1, nil
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
			if n, ok := s.counts[strings.Join(parts[:i+1], ".")]; ok {
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
			q, err := s.str(s.pos)
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

// skipValue skips a value: a string, or anything up to the end of the line
// outside brackets, braces and strings.
func (s *tomlScanner) skipValue() error {
	depth := 0
	for s.pos < len(s.data) {
		switch c := s.data[s.pos]; c {
		case '"', '\'':
			if _, err := s.str(s.pos); err != nil {
				return err
			}
		case '[', '{':
			depth++
			s.pos++
		case ']', '}':
			depth--
			s.pos++
		case '#':
			s.skipComment()
		case '\n':
			if depth <= 0 {
				return nil
			}
			s.pos++
		default:
			s.pos++
		}
	}
	return nil
}

// str reads the string that starts at start and leaves pos after it.
func (s *tomlScanner) str(start int) (*QuerySource, error) {
	d := s.data
	q := &QuerySource{Start: start, data: d}
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
		text.WriteRune(r)
		q.offs = append(q.offs, off)
	}
	basic := q.Quoting == Basic || q.Quoting == MultiLineBasic
	for {
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
			q.offs = append(q.offs, i)
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

// FindJSONQuery locates the "query" string of a JSON rule whose key stands
// on line keyLine (as rules.Source.Line reports it; 0 for the first
// "query" key of the file).
func FindJSONQuery(data []byte, keyLine int) (*QuerySource, error) {
	off := 0
	for {
		i := bytes.Index(data[off:], []byte(`"query"`))
		if i < 0 {
			return nil, fmt.Errorf("no \"query\" key in the file")
		}
		i += off
		off = i + len(`"query"`)
		if keyLine > 0 && 1+bytes.Count(data[:i], []byte{'\n'}) != keyLine {
			continue
		}
		j := off
		for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\r' || data[j] == '\n') {
			j++
		}
		if j >= len(data) || data[j] != ':' {
			continue
		}
		j++
		for j < len(data) && (data[j] == ' ' || data[j] == '\t' || data[j] == '\r' || data[j] == '\n') {
			j++
		}
		if j >= len(data) || data[j] != '"' {
			return nil, fmt.Errorf("the \"query\" value is not a string")
		}
		s := &tomlScanner{data: data}
		q, err := s.str(j)
		if err != nil {
			return nil, err
		}
		q.Key = "query"
		return q, nil
	}
}

// Encode returns text as a value for q's place in the file: in q's
// quoting when text can be spelled in it, else in a TOML (or JSON) basic
// string, which can spell anything. A multi-line string keeps its opening
// newline.
func (q *QuerySource) Encode(text string) (string, Quoting) {
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
func (q *QuerySource) Replace(value string) []byte {
	out := make([]byte, 0, len(q.data)-(q.End-q.Start)+len(value))
	out = append(out, q.data[:q.Start]...)
	out = append(out, value...)
	return append(out, q.data[q.End:]...)
}
