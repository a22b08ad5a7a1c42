package rules

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
)

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

var (
	tomlHeader = regexp.MustCompile(`^\s*(\[\[?)\s*([^\[\]]+?)\s*\]\]?\s*(#.*)?$`)
	tomlKey    = regexp.MustCompile(`^\s*([A-Za-z0-9_-]+|"[^"]*"|'[^']*')\s*=\s*(.*)$`)
)

// tomlLines maps the field paths of a TOML document that decoded without
// error to their lines: table headers ("rule", "rule.threat[1]",
// "rule.threat[1].technique[0]") and keys at the start of a line
// ("rule.risk_score"). Keys inside multi-line strings are skipped. Dotted
// keys and inline tables are recorded under their dotted name as written.
func tomlLines(data []byte) map[string]int {
	lines := map[string]int{}
	section := ""              // resolved path of the current table
	arrays := map[string]int{} // resolved array-table path → index of its last element
	inString := ""             // the delimiter of an open multi-line string
	for i, text := range strings.Split(string(data), "\n") {
		n := i + 1
		if inString != "" {
			if closesString(text, inString) {
				inString = ""
			}
			continue
		}
		if m := tomlHeader.FindStringSubmatch(text); m != nil && !strings.Contains(m[2], "=") {
			path := resolveTable(m[2], arrays, m[1] == "[[")
			section = path
			if _, seen := lines[path]; !seen {
				lines[path] = n
			}
			continue
		}
		if m := tomlKey.FindStringSubmatch(text); m != nil {
			key := strings.Trim(m[1], `"'`)
			path := key
			if section != "" {
				path = section + "." + key
			}
			if _, seen := lines[path]; !seen {
				lines[path] = n
			}
			inString = opensString(m[2])
			continue
		}
		inString = opensString(text)
	}
	return lines
}

// resolveTable turns a header name such as "rule.threat.technique" into a
// path with array indices, "rule.threat[1].technique[0]", and for an array
// table ([[...]]) opens a new element.
func resolveTable(name string, arrays map[string]int, array bool) string {
	parts := strings.Split(name, ".")
	path := ""
	for i, p := range parts {
		p = strings.Trim(strings.TrimSpace(p), `"'`)
		if path != "" {
			path += "."
		}
		path += p
		if i == len(parts)-1 && array {
			idx := 0
			if last, ok := arrays[path]; ok {
				idx = last + 1
			}
			arrays[path] = idx
			return fmt.Sprintf("%s[%d]", path, idx)
		}
		if last, ok := arrays[path]; ok {
			path = fmt.Sprintf("%s[%d]", path, last)
		}
	}
	return path
}

// opensString returns the delimiter of a multi-line string that the line
// opens and does not close, or "".
func opensString(s string) string {
	for i := 0; i+3 <= len(s); i++ {
		switch s[i] {
		case '#':
			return ""
		case '"', '\'':
			if s[i:i+3] == `"""` || s[i:i+3] == `'''` {
				delim := s[i : i+3]
				if strings.Contains(s[i+3:], delim) {
					i += 3 + strings.Index(s[i+3:], delim) + 2
					continue
				}
				return delim
			}
			// a one-line string: skip to its end
			q := s[i]
			j := i + 1
			for j < len(s) && s[j] != q {
				if q == '"' && s[j] == '\\' {
					j++
				}
				j++
			}
			i = j
		}
	}
	return ""
}

func closesString(s, delim string) bool {
	return strings.Contains(s, delim)
}

// jsonLines maps the field paths of a JSON document that decoded without
// error to the lines of their keys, in TOML terms: the keys of a flat rule
// object become "rule.<key>", keys of "metadata" and "rule" objects keep
// their names, and metadata keys given flat are recorded under
// "metadata.<key>" too. Array elements are "<path>[i]".
func jsonLines(data []byte) map[string]int {
	lines := map[string]int{}
	dec := json.NewDecoder(bytes.NewReader(data))
	var walk func(path string, depth int) bool
	walk = func(path string, depth int) bool {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		delim, ok := tok.(json.Delim)
		if !ok {
			return true
		}
		switch delim {
		case '{':
			for dec.More() {
				kt, err := dec.Token()
				if err != nil {
					return false
				}
				key, _ := kt.(string)
				line := lineOfOffset(data, int(dec.InputOffset()))
				var p string
				switch {
				case depth == 0:
					p = key
				default:
					p = path + "." + key
				}
				if _, seen := lines[p]; !seen {
					lines[p] = line
				}
				if !walk(p, depth+1) {
					return false
				}
			}
		case '[':
			for i := 0; dec.More(); i++ {
				p := fmt.Sprintf("%s[%d]", path, i)
				if _, seen := lines[p]; !seen {
					lines[p] = lineOfOffset(data, nextToken(data, int(dec.InputOffset())))
				}
				if !walk(p, depth+1) {
					return false
				}
			}
		}
		_, err = dec.Token() // the closing delimiter
		return err == nil
	}
	walk("", 0)
	// Express the paths in TOML terms.
	out := map[string]int{}
	nested := false
	if _, ok := lines["rule"]; ok {
		nested = true
	}
	for p, n := range lines {
		switch {
		case nested || p == "metadata" || strings.HasPrefix(p, "metadata.") || p == "history" || strings.HasPrefix(p, "history["):
			out[p] = n
		default:
			out["rule."+p] = n
			top := p
			if i := strings.IndexAny(p, ".["); i >= 0 {
				top = p[:i]
			}
			for _, mk := range metadataFields {
				if top == mk {
					out["metadata."+p] = n
				}
			}
		}
	}
	return out
}

// nextToken skips whitespace, commas and colons from off.
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
