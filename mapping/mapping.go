package mapping

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
)

// LoadMapping reads the JSON that Elasticsearch returns for
// GET <index>/_mapping: {"<index>": {"mappings": {"properties": {...}}}}
// for one or more indices. A bare {"mappings": ...} or {"properties": ...}
// object is accepted too, as is a pre-7.0 mapping with a type name level.
// Object and nested fields are walked through their "properties",
// multi-fields ("fields") become fields of their own
// ("process.command_line.text"), aliases take their target's type, and
// types kqlrules does not know are Unknown. When indices disagree on
// a field's type, the field is Unknown. It is [ReadMapping] without the
// mapping parameters.
func LoadMapping(r io.Reader) (Schema, error) {
	m, err := ReadMapping(r)
	if err != nil {
		return nil, err
	}
	return m.Schema(), nil
}

// ReadMapping reads the JSON of GET <index>/_mapping as [LoadMapping] does,
// keeping each field's mapping parameters: ignore_above,
// ignore_malformed, null_value, coerce, scaling_factor and format. When
// indices give one field the same type but different parameters, the
// first index (in name order) wins.
func ReadMapping(r io.Reader) (Mapping, error) {
	var doc map[string]json.RawMessage
	dec := json.NewDecoder(r)
	if err := dec.Decode(&doc); err != nil {
		return nil, fmt.Errorf("mapping: reading mapping JSON: %w", err)
	}
	l := mappingLoader{s: Mapping{}, aliases: map[string]string{}}
	switch {
	case doc["properties"] != nil:
		if err := l.properties("", doc["properties"]); err != nil {
			return nil, err
		}
	case doc["mappings"] != nil:
		if err := l.mappings(doc["mappings"]); err != nil {
			return nil, err
		}
	default:
		names := make([]string, 0, len(doc))
		for k := range doc {
			names = append(names, k)
		}
		sort.Strings(names)
		for _, index := range names {
			var idx struct {
				Mappings json.RawMessage `json:"mappings"`
			}
			if err := json.Unmarshal(doc[index], &idx); err != nil {
				return nil, fmt.Errorf("mapping: mapping of index %s: %w", index, err)
			}
			if idx.Mappings == nil {
				return nil, fmt.Errorf("mapping: mapping of index %s: no \"mappings\" key", index)
			}
			l.index = index
			if err := l.mappings(idx.Mappings); err != nil {
				return nil, err
			}
			l.commit()
		}
	}
	l.commit()
	return l.s, nil
}

type mappingLoader struct {
	s       Mapping
	cur     Mapping // the index being read
	aliases map[string]string
	index   string
}

func (l *mappingLoader) set(name string, f FieldMapping) {
	if l.cur == nil {
		l.cur = Mapping{}
	}
	l.cur[name] = f
}

// commit merges the index just read into the schema: a type that differs
// from another index's becomes Unknown.
func (l *mappingLoader) commit() {
	for from, to := range l.aliases {
		if f, ok := l.cur[to]; ok {
			l.set(from, f)
		}
	}
	clear(l.aliases)
	for name, f := range l.cur {
		if old, ok := l.s[name]; ok {
			if old.Type != f.Type {
				l.s[name] = FieldMapping{}
			}
			continue
		}
		l.s[name] = f
	}
	l.cur = nil
}

func (l *mappingLoader) where() string {
	if l.index == "" {
		return "mapping"
	}
	return "mapping of index " + l.index
}

func (l *mappingLoader) mappings(raw json.RawMessage) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		return fmt.Errorf("mapping: %s: \"mappings\": %w", l.where(), err)
	}
	if p, ok := m["properties"]; ok {
		return l.properties("", p)
	}
	// Before 7.0, a type name stood between "mappings" and "properties".
	for _, v := range m {
		var inner map[string]json.RawMessage
		if json.Unmarshal(v, &inner) == nil && inner["properties"] != nil {
			if err := l.properties("", inner["properties"]); err != nil {
				return err
			}
		}
	}
	return nil
}

type mappingField struct {
	Type            string                     `json:"type"`
	Path            string                     `json:"path"`
	Properties      json.RawMessage            `json:"properties"`
	Fields          map[string]json.RawMessage `json:"fields"`
	IgnoreAbove     int                        `json:"ignore_above"`
	IgnoreMalformed bool                       `json:"ignore_malformed"`
	NullValue       any                        `json:"null_value"`
	Coerce          *bool                      `json:"coerce"`
	ScalingFactor   float64                    `json:"scaling_factor"`
	Format          string                     `json:"format"`
}

// mapping returns the field's mapping, typed t.
func (f *mappingField) mapping(t Type) FieldMapping {
	return FieldMapping{
		Type:            t,
		IgnoreAbove:     f.IgnoreAbove,
		IgnoreMalformed: f.IgnoreMalformed,
		NullValue:       f.NullValue,
		NoCoerce:        f.Coerce != nil && !*f.Coerce,
		ScalingFactor:   f.ScalingFactor,
		Format:          f.Format,
	}
}

func (l *mappingLoader) properties(prefix string, raw json.RawMessage) error {
	var props map[string]json.RawMessage
	if err := json.Unmarshal(raw, &props); err != nil {
		return fmt.Errorf("mapping: %s: properties of %q: %w", l.where(), strings.TrimSuffix(prefix, "."), err)
	}
	for name, fraw := range props {
		full := prefix + name
		var f mappingField
		if err := json.Unmarshal(fraw, &f); err != nil {
			return fmt.Errorf("mapping: %s: field %s: %w", l.where(), full, err)
		}
		typ := f.Type
		if typ == "" && f.Properties != nil {
			typ = "object"
		}
		if typ == "alias" {
			l.aliases[full] = f.Path
			continue
		}
		t, _ := ParseType(typ)
		l.set(full, f.mapping(t))
		if f.Properties != nil {
			if err := l.properties(full+".", f.Properties); err != nil {
				return err
			}
		}
		for sub, sraw := range f.Fields {
			var sf mappingField
			if err := json.Unmarshal(sraw, &sf); err != nil {
				return fmt.Errorf("mapping: %s: field %s.%s: %w", l.where(), full, sub, err)
			}
			st, _ := ParseType(sf.Type)
			l.set(full+"."+sub, sf.mapping(st))
		}
	}
	return nil
}

// FieldMapping is the mapping of one field: its type and the mapping
// parameters that change what Elasticsearch indexes for a value. The zero
// value of each parameter is Elasticsearch's default for it.
type FieldMapping struct {
	Type Type
	// IgnoreAbove ("ignore_above") is, for keyword, wildcard and
	// flattened fields, the longest string that is indexed, counted as
	// Java's String.length counts (UTF-16 code units), as
	// KeywordFieldMapper.indexValue does. A longer string is kept in the
	// source but not indexed: no query, not even f:*, finds it. 0 means
	// no limit.
	IgnoreAbove int
	// IgnoreMalformed ("ignore_malformed") makes a numeric, ip, boolean
	// or date field skip a value it cannot parse instead of refusing the
	// whole document.
	IgnoreMalformed bool
	// NullValue ("null_value") is the value indexed in place of a JSON
	// null; nil means none. Queries on keyword, numeric and exists tests
	// see it where the event holds an explicit null (see eval.VisitNull).
	NullValue any
	// NoCoerce is "coerce": false on a numeric field: numeric text and,
	// on integer types, numbers with a fraction are refused instead of
	// converted.
	NoCoerce bool
	// ScalingFactor ("scaling_factor") of a scaled_float field: values
	// are indexed as the long Math.round(value*ScalingFactor). 0 is taken
	// as 1.
	ScalingFactor float64
	// Format ("format") of a date field, as written in the mapping; ""
	// is Elasticsearch's default, strict_date_optional_time||epoch_millis.
	Format string
}

// Mapping maps full dotted field names to their mappings: a [Schema] with
// the mapping parameters of each field. Build one in code, read one with
// [ReadMapping], or derive one from a Schema with [ECSMapping].
type Mapping map[string]FieldMapping

// Schema returns the types of m's fields.
func (m Mapping) Schema() Schema {
	s := make(Schema, len(m))
	for name, f := range m {
		s[name] = f.Type
	}
	return s
}

// Lookup returns the mapping of field. A field below a flattened field
// ("labels.env" under a flattened "labels") is a keyword with the
// flattened field's ignore_above. A field m does not know has type
// Unknown and no parameters.
func (m Mapping) Lookup(field string) FieldMapping {
	if f, ok := m[field]; ok {
		return f
	}
	for i := len(field) - 1; i > 0; i-- {
		if field[i] != '.' {
			continue
		}
		if f := m[field[:i]]; f.Type == Flattened {
			return FieldMapping{Type: Keyword, IgnoreAbove: f.IgnoreAbove}
		}
	}
	return FieldMapping{}
}
