package mapping

import (
	"bufio"
	"fmt"
	"io"
	"sort"
	"strings"
)

// Schema maps full dotted field names ("source.ip",
// "process.command_line.text") to their types. A nil or empty Schema knows
// no field. Build one in code, read one with [LoadECS] or [LoadMapping], or
// take [ECS].
type Schema map[string]Type

// Lookup returns the type of field. A field below a flattened field
// ("labels.env" under a flattened "labels") is Keyword, as Elasticsearch
// indexes every leaf of a flattened object as a keyword. A field the
// schema does not know is Unknown.
func (s Schema) Lookup(field string) Type {
	if t, ok := s[field]; ok {
		return t
	}
	for i := len(field) - 1; i > 0; i-- {
		if field[i] != '.' {
			continue
		}
		if s[field[:i]] == Flattened {
			return Keyword
		}
	}
	return Unknown
}

// MultiFieldParent returns the field of which field is a multi-field, or
// "" when it is none. A multi-field ("process.command_line.text", a
// match_only_text field below the wildcard process.command_line) has no
// value of its own in a document: Elasticsearch indexes its parent's value
// a second way. A field is taken for a multi-field when the schema has it
// and types its parent as a leaf (not Unknown, and not an object, nested
// or flattened field, whose sub-fields are fields of their own). Kibana's
// data view gives such a field the subType multi (see [Schema.View]).
func (s Schema) MultiFieldParent(field string) string {
	i := strings.LastIndexByte(field, '.')
	if i <= 0 {
		return ""
	}
	if _, ok := s[field]; !ok || !s[field[:i]].leaf() {
		return ""
	}
	return field[:i]
}

// NestedPath returns the nested object holding field: the longest proper
// prefix of field (ending at a dot) that s types as Nested, or "". Kibana's
// data view gives such a field the subType nested, and a query on it must
// be inside a nested query on that path.
func (s Schema) NestedPath(field string) string {
	for i := len(field) - 1; i > 0; i-- {
		if field[i] == '.' && s[field[:i]] == Nested {
			return field[:i]
		}
	}
	return ""
}

// Fields returns the schema's field names, sorted.
func (s Schema) Fields() []string {
	out := make([]string, 0, len(s))
	for f := range s {
		out = append(out, f)
	}
	sort.Strings(out)
	return out
}

// LoadECS reads the ECS field table format (ecs_fields.tsv): optional
// '#' comment lines, a header "name<TAB>type<TAB>normalize", then one row
// per field with its full dotted name and its Elasticsearch type. An
// unknown type or a malformed row is an error naming the line.
func LoadECS(r io.Reader) (Schema, error) {
	s := Schema{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	line, header := 0, false
	for sc.Scan() {
		line++
		text := strings.TrimRight(sc.Text(), "\r")
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		cols := strings.Split(text, "\t")
		if !header {
			header = true
			if len(cols) >= 2 && cols[0] == "name" && cols[1] == "type" {
				continue
			}
			return nil, fmt.Errorf("mapping: ECS table line %d: want the header \"name<TAB>type<TAB>normalize\", got %q", line, text)
		}
		if len(cols) < 2 || cols[0] == "" {
			return nil, fmt.Errorf("mapping: ECS table line %d: want \"name<TAB>type[<TAB>normalize]\", got %q", line, text)
		}
		t, ok := ParseType(cols[1])
		if !ok {
			return nil, fmt.Errorf("mapping: ECS table line %d: field %s: unknown type %q", line, cols[0], cols[1])
		}
		s[cols[0]] = t
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("mapping: reading ECS table: %w", err)
	}
	if !header {
		return nil, fmt.Errorf("mapping: ECS table is empty")
	}
	return s, nil
}
