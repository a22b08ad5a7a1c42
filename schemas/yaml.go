package schemas

import (
	"fmt"
	"strings"
)

// readYAML reads the subset of YAML that detection-rules' etc/
// stack-schema-map.yaml and packages.yaml use for what this package needs:
// top-level keys, each holding a mapping whose scalar entries are kept
// (top key → key → value). Comments, blank lines, list items and anything
// nested deeper are skipped; quotes around keys and values are removed.
// A line it cannot read is an error naming the line.
func readYAML(name string, data []byte) (map[string]map[string]string, error) {
	out := map[string]map[string]string{}
	var top string
	childIndent := -1
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, " \t\r")
		text := strings.TrimLeft(line, " ")
		if text == "" || text[0] == '#' || text == "---" {
			continue
		}
		indent := len(line) - len(text)
		if strings.HasPrefix(text, "- ") || text == "-" {
			continue // list items: not used here
		}
		key, value, ok := strings.Cut(text, ":")
		if !ok {
			return nil, fmt.Errorf("%s:%d: want key: value, got %q", name, i+1, text)
		}
		key = unquote(strings.TrimSpace(key))
		value = strings.TrimSpace(value)
		if j := strings.Index(value, " #"); j >= 0 {
			value = strings.TrimSpace(value[:j])
		}
		switch {
		case indent == 0:
			top, childIndent = key, -1
			if out[top] == nil {
				out[top] = map[string]string{}
			}
		case top == "":
			return nil, fmt.Errorf("%s:%d: indented line before any top-level key", name, i+1)
		default:
			if childIndent < 0 {
				childIndent = indent
			}
			if indent == childIndent && value != "" {
				out[top][key] = unquote(value)
			}
		}
	}
	return out, nil
}

func unquote(s string) string {
	if len(s) >= 2 && (s[0] == '"' || s[0] == '\'') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1]
	}
	return s
}
