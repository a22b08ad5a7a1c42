package esdsl

import (
	"encoding/json"
	"fmt"
	"iter"
	"strings"
)

// DataView is the part of a Kibana data view that the translation reads:
// its fields. A nil *DataView is Kibana's "no data view": field names are
// taken as written and only match, match_phrase, query_string and range
// are built.
type DataView struct {
	Fields []Field `json:"fields"`
}

// Field is one field of a data view, in the shape of Kibana's field list
// (DataViewFieldBase): name, Kibana type ("string", "number", "date",
// "ip", "boolean"...), the Elasticsearch types behind it, its nested path
// or multi-field parent, and the script of a scripted field.
type Field struct {
	Name     string   `json:"name"`
	Type     string   `json:"type"`
	ESTypes  []string `json:"esTypes,omitempty"`
	SubType  *SubType `json:"subType,omitempty"`
	Scripted bool     `json:"scripted,omitempty"`
	Script   string   `json:"script,omitempty"`
	Lang     string   `json:"lang,omitempty"`
}

// SubType is a field's nested path or multi-field parent.
type SubType struct {
	Nested *struct {
		Path string `json:"path"`
	} `json:"nested,omitempty"`
	Multi *struct {
		Parent string `json:"parent"`
	} `json:"multi,omitempty"`
}

// NestedPath returns the path of the nested object holding f, or "".
func (f *Field) NestedPath() string {
	if f.SubType == nil || f.SubType.Nested == nil {
		return ""
	}
	return f.SubType.Nested.Path
}

// Fields is what the translation asks of a data view: the field with a
// name (nil when there is none), and every field in name order, for
// wildcard field names. *DataView is one; eval's schemas give another
// that reads the schema without copying it.
type Fields interface {
	Field(name string) *Field
	All() iter.Seq[*Field]
}

// Field returns the field named name, or nil.
func (dv *DataView) Field(name string) *Field {
	if dv == nil {
		return nil
	}
	for i := range dv.Fields {
		if dv.Fields[i].Name == name {
			return &dv.Fields[i]
		}
	}
	return nil
}

// All yields the data view's fields in their order.
func (dv *DataView) All() iter.Seq[*Field] {
	return func(yield func(*Field) bool) {
		if dv == nil {
			return
		}
		for i := range dv.Fields {
			if !yield(&dv.Fields[i]) {
				return
			}
		}
	}
}

// LoadDataView reads a data view's fields from JSON: Kibana's field list
// (an array of fields), an object with such an array under "fields", or a
// data view spec whose "fields" is an object keyed by field name.
func LoadDataView(data []byte) (*DataView, error) {
	var fields []Field
	if err := json.Unmarshal(data, &fields); err == nil {
		return &DataView{Fields: fields}, nil
	}
	var obj struct {
		Fields json.RawMessage `json:"fields"`
	}
	if err := json.Unmarshal(data, &obj); err != nil {
		return nil, fmt.Errorf("data view: want a JSON array of fields or an object with \"fields\": %w", err)
	}
	if len(obj.Fields) == 0 {
		return nil, fmt.Errorf("data view: the object has no \"fields\"")
	}
	if err := json.Unmarshal(obj.Fields, &fields); err == nil {
		return &DataView{Fields: fields}, nil
	}
	var byName map[string]Field
	if err := json.Unmarshal(obj.Fields, &byName); err != nil {
		return nil, fmt.Errorf("data view: \"fields\" is neither an array nor an object of fields: %w", err)
	}
	for _, name := range sortedKeys(byName) {
		f := byName[name]
		if f.Name == "" {
			f.Name = name
		}
		fields = append(fields, f)
	}
	return &DataView{Fields: fields}, nil
}

// KibanaType returns the Kibana field type of an Elasticsearch mapping
// type, as Kibana's castEsToKbnFieldTypeName does ("keyword" → "string",
// "long" → "number"...); "unknown" for a type Kibana does not know.
func KibanaType(esType string) string {
	switch esType {
	case "keyword", "text", "match_only_text", "wildcard", "constant_keyword", "version", "flattened", "string":
		return "string"
	case "long", "integer", "short", "byte", "unsigned_long", "double", "float", "half_float", "scaled_float", "token_count":
		return "number"
	case "date", "date_nanos":
		return "date"
	case "ip", "boolean", "geo_point", "geo_shape", "nested", "object", "murmur3", "attachment", "histogram", "_source", "conflict":
		return esType
	}
	return "unknown"
}

// FromTypes builds a data view from field names and their Elasticsearch
// mapping types ("source.ip": "ip"). As Kibana's field list does, it
// leaves object fields out, gives each field below a "nested" field that
// nested path (the innermost one), and gives a field whose parent is a
// typed leaf (process.command_line.text below the keyword
// process.command_line; not below object, nested or flattened fields)
// that multi-field parent. Fields come out sorted by name.
func FromTypes(types map[string]string) *DataView {
	dv := &DataView{}
	for _, name := range sortedKeys(types) {
		if f, ok := FieldOf(name, func(n string) string { return types[n] }); ok {
			dv.Fields = append(dv.Fields, f)
		}
	}
	return dv
}

// FieldOf returns the data-view field that FromTypes makes of name, given
// the Elasticsearch type of each field name ("" for none): its Kibana
// type, a multi-field parent (a field below a leaf field) and the nested
// path (the nearest nested object above it). ok is false for objects and
// unknown names, which a data view does not list.
func FieldOf(name string, esType func(string) string) (f Field, ok bool) {
	es := esType(name)
	if es == "object" || es == "" {
		return Field{}, false
	}
	f = Field{Name: name, Type: KibanaType(es), ESTypes: []string{es}}
	if i := strings.LastIndexByte(name, '.'); i > 0 {
		switch t := esType(name[:i]); t {
		case "", "object", "nested", "flattened":
		default:
			f.SubType = &SubType{Multi: &struct {
				Parent string `json:"parent"`
			}{name[:i]}}
		}
	}
	for i := len(name) - 1; i > 0; i-- {
		if name[i] == '.' && esType(name[:i]) == "nested" {
			if f.SubType == nil {
				f.SubType = &SubType{}
			}
			f.SubType.Nested = &struct {
				Path string `json:"path"`
			}{name[:i]}
			break
		}
	}
	return f, true
}
