package eql

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/kqlrules/kqlrules/mapping"
)

// Mapping is the mapping of the searched indices as EQL sees it: each
// field's type and parameters, aliases and their targets, and the
// keyword sub-fields of text fields. It implements [Fields].
type Mapping struct {
	fields  mapping.Mapping
	aliases map[string]string
	formats map[string][]string // the date formats of each field, over all indices
}

// NewMapping returns the mapping m of eval (no aliases).
func NewMapping(m mapping.Mapping) *Mapping {
	if m == nil {
		m = mapping.Mapping{}
	}
	return &Mapping{fields: m, aliases: map[string]string{}}
}

// ReadMapping reads a mapping: a bare {"properties": ...} or
// {"mappings": ...} object, or the GET <indices>/_mapping shape keyed by
// index name, as [mapping.ReadMapping] does, keeping the targets of alias
// fields.
func ReadMapping(data []byte) (*Mapping, error) {
	m, err := mapping.ReadMapping(strings.NewReader(string(data)))
	if err != nil {
		return nil, err
	}
	out := NewMapping(m)
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("eql: reading mapping JSON: %w", err)
	}
	var walk func(prefix string, props json.RawMessage)
	walk = func(prefix string, props json.RawMessage) {
		var fields map[string]struct {
			Type       string          `json:"type"`
			Path       string          `json:"path"`
			Format     string          `json:"format"`
			Properties json.RawMessage `json:"properties"`
		}
		if json.Unmarshal(props, &fields) != nil {
			return
		}
		for name, f := range fields {
			full := prefix + name
			if f.Type == "alias" {
				out.aliases[full] = f.Path
			}
			if f.Format != "" && !slices.Contains(out.formats[full], f.Format) {
				if out.formats == nil {
					out.formats = map[string][]string{}
				}
				out.formats[full] = append(out.formats[full], f.Format)
			}
			if f.Properties != nil {
				walk(full+".", f.Properties)
			}
		}
	}
	mappings := func(raw json.RawMessage) {
		var m struct {
			Properties json.RawMessage `json:"properties"`
		}
		if json.Unmarshal(raw, &m) == nil && m.Properties != nil {
			walk("", m.Properties)
		}
	}
	switch {
	case doc["properties"] != nil:
		walk("", doc["properties"])
	case doc["mappings"] != nil:
		mappings(doc["mappings"])
	default:
		for _, idx := range doc {
			var i struct {
				Mappings json.RawMessage `json:"mappings"`
			}
			if json.Unmarshal(idx, &i) == nil && i.Mappings != nil {
				mappings(i.Mappings)
			}
		}
	}
	return out, nil
}

// Eval returns the field mappings for package eval.
func (m *Mapping) Eval() mapping.Mapping { return m.fields }

// Lookup implements [Fields]: aliases resolve to their target; a text
// field's exact field is its keyword sub-field (the first by name).
func (m *Mapping) Lookup(name string) (MappedField, bool) {
	target := name
	if t, ok := m.aliases[name]; ok {
		target = t
	}
	fm, ok := m.fields[target]
	if !ok {
		// A field below a flattened field is a keyword (eval's Lookup).
		if fm = m.fields.Lookup(target); fm.Type != mapping.Unknown {
			return MappedField{Type: fm.Type.String(), Name: target, Exact: target}, true
		}
		if _, isObj := m.objectPrefix(target); !isObj {
			return MappedField{}, false
		}
		return MappedField{Type: "object", Name: target, Exact: target}, true
	}
	f := MappedField{Type: fm.Type.String(), Name: target, Exact: target}
	for i := len(target) - 1; i > 0; i-- {
		if target[i] == '.' && m.fields[target[:i]].Type == mapping.Nested {
			f.Nested = target[:i]
		}
	}
	if fm.Type == mapping.Text || fm.Type == mapping.MatchOnlyText {
		f.Exact = ""
		var subs []string
		for sub, sm := range m.fields {
			if strings.HasPrefix(sub, target+".") && !strings.Contains(sub[len(target)+1:], ".") && sm.Type == mapping.Keyword {
				subs = append(subs, sub)
			}
		}
		sort.Strings(subs)
		if len(subs) > 0 {
			f.Exact = subs[0]
		}
	}
	return f, true
}

func (m *Mapping) objectPrefix(name string) (string, bool) {
	for f := range m.fields {
		if strings.HasPrefix(f, name+".") {
			return f, true
		}
	}
	return "", false
}

// dateDetection is the default dynamic_date_formats,
// strict_date_optional_time and "yyyy/MM/dd HH:mm:ss Z||yyyy/MM/dd Z",
// roughly: a date, optionally a time.
var dateDetection = regexp.MustCompile(`^\d{4}-\d{2}-\d{2}(T\d{2}(:\d{2}(:\d{2}([.,]\d{1,9})?)?)?)?(Z|[+-]\d{2}(:?\d{2})?)?$|^\d{4}/\d{2}/\d{2}( \d{2}:\d{2}:\d{2})?( [+-]\d{4}|Z)?$`)

// Dynamic maps the fields of source that the mapping does not know as
// Elasticsearch's dynamic mapping does on indexing: a string is a date
// when date detection recognises it, else text with a keyword sub-field
// (ignore_above 256); an integer is a long, another number a float,
// true and false a boolean, an object an object whose fields are mapped
// in turn; an array is mapped by its first non-null element; null maps
// nothing.
func (m *Mapping) Dynamic(source map[string]any) {
	m.dynamic("", source)
}

func (m *Mapping) dynamic(prefix string, obj map[string]any) {
	for k, v := range obj {
		name := prefix + k
		if _, ok := m.fields[name]; ok {
			continue
		}
		if _, ok := m.aliases[name]; ok {
			continue
		}
		m.dynamicValue(name, v)
	}
}

func (m *Mapping) dynamicValue(name string, v any) {
	switch v := v.(type) {
	case []any:
		for _, e := range v {
			if e != nil {
				m.dynamicValue(name, e)
				return
			}
		}
	case map[string]any:
		m.dynamic(name+".", v)
	case string:
		if dateDetection.MatchString(v) {
			m.fields[name] = mapping.FieldMapping{Type: mapping.Date}
			return
		}
		m.fields[name] = mapping.FieldMapping{Type: mapping.Text}
		m.fields[name+".keyword"] = mapping.FieldMapping{Type: mapping.Keyword, IgnoreAbove: 256}
	case bool:
		m.fields[name] = mapping.FieldMapping{Type: mapping.Boolean}
	case json.Number:
		if strings.ContainsAny(string(v), ".eE") {
			m.fields[name] = mapping.FieldMapping{Type: mapping.Float}
		} else {
			m.fields[name] = mapping.FieldMapping{Type: mapping.Long}
		}
	case float64:
		m.fields[name] = mapping.FieldMapping{Type: mapping.Float}
	}
}

// Names returns the names of the mapped fields and aliases, sorted, for
// "did you mean" suggestions.
func (m *Mapping) Names() []string {
	names := make([]string, 0, len(m.fields)+len(m.aliases))
	for n := range m.fields {
		names = append(names, n)
	}
	for n := range m.aliases {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// SchemaFields returns the fields of a schema (field types only, as
// package lint and the detection-rules schemas have them) as [Fields],
// without building a [Mapping]: a text field's exact field is its
// keyword sub-field (the first by name), a field below a flattened field
// a keyword.
func SchemaFields(s mapping.Schema) Fields { return schemaFields(s) }

type schemaFields mapping.Schema

func (s schemaFields) Lookup(name string) (MappedField, bool) {
	t := mapping.Schema(s).Lookup(name)
	if t == mapping.Unknown {
		return MappedField{}, false
	}
	f := MappedField{Type: t.String(), Name: name, Exact: name}
	if t == mapping.Text || t == mapping.MatchOnlyText {
		f.Exact = ""
		for sub, st := range s {
			rest, ok := strings.CutPrefix(sub, name+".")
			if ok && st == mapping.Keyword && !strings.Contains(rest, ".") && (f.Exact == "" || sub < f.Exact) {
				f.Exact = sub
			}
		}
	}
	for i := len(name) - 1; i > 0; i-- {
		if name[i] == '.' && s[name[:i]] == mapping.Nested {
			f.Nested = name[:i]
		}
	}
	return f, true
}
