package mapping

import (
	"encoding/json"
	"fmt"
	"iter"
	"maps"
	"slices"
)

// DataView is the part of a Kibana data view that the translation to the
// Query DSL reads: its fields. A nil *DataView is Kibana's "no data view":
// field names are taken as written and only match, match_phrase,
// query_string and range are built.
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

// Fields is what the translation to the Query DSL asks of a data view:
// the field with a name (nil when there is none), and every field in name
// order, for wildcard field names. *DataView is one; [Schema.View] gives
// another that reads a schema without copying it.
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
	for _, name := range slices.Sorted(maps.Keys(byName)) {
		f := byName[name]
		if f.Name == "" {
			f.Name = name
		}
		fields = append(fields, f)
	}
	return &DataView{Fields: fields}, nil
}

// DataView returns the Kibana data view of the schema's fields, sorted by
// name, as Kibana's field list has them: each field with its Elasticsearch
// type and its Kibana type ([KibanaType]), the multi-field parent
// ([Schema.MultiFieldParent]) and nested path ([Schema.NestedPath]) as
// its subType. Objects and fields of Unknown type are left out. The
// translation does not need it built: [Schema.View] reads the schema
// through the same rules field by field.
func (s Schema) DataView() *DataView {
	dv := &DataView{}
	for _, name := range s.Fields() {
		if f, ok := s.viewField(name); ok {
			dv.Fields = append(dv.Fields, f)
		}
	}
	return dv
}

// View returns the schema as the translation to the Query DSL reads a
// data view, without copying it: each field is made when it is asked for,
// exactly as it stands in [Schema.DataView]. A nil schema is a data view
// without fields, as its DataView is.
func (s Schema) View() Fields { return schemaView(s) }

// viewField returns the data-view field of name: ok is false for objects
// and fields the schema does not type, which a data view does not list.
func (s Schema) viewField(name string) (f Field, ok bool) {
	t := s[name]
	if t == Unknown || t == Object {
		return Field{}, false
	}
	es := t.String()
	f = Field{Name: name, Type: KibanaType(es), ESTypes: []string{es}}
	if parent := s.MultiFieldParent(name); parent != "" {
		f.SubType = &SubType{Multi: &struct {
			Parent string `json:"parent"`
		}{parent}}
	}
	if path := s.NestedPath(name); path != "" {
		if f.SubType == nil {
			f.SubType = &SubType{}
		}
		f.SubType.Nested = &struct {
			Path string `json:"path"`
		}{path}
	}
	return f, true
}

// IndexedView is [Schema.View] made once: every field of the data view
// built ahead, in name order, with an index by name, so that reading a
// field or walking them all (a wildcard field name) makes nothing. It is
// for a schema that no longer changes and that many translations read:
// the view does not see later changes to s. Field returns the view's own
// *Field, which the caller must not change (as [DataView.Field]'s).
func (s Schema) IndexedView() Fields {
	dv := s.DataView()
	v := &indexedView{fields: dv.Fields, byName: make(map[string]int, len(dv.Fields))}
	for i := range dv.Fields {
		v.byName[dv.Fields[i].Name] = i
	}
	return v
}

// indexedView is a schema's data view built once ([Schema.IndexedView]).
type indexedView struct {
	fields []Field
	byName map[string]int
}

func (v *indexedView) Field(name string) *Field {
	if i, ok := v.byName[name]; ok {
		return &v.fields[i]
	}
	return nil
}

func (v *indexedView) All() iter.Seq[*Field] {
	return func(yield func(*Field) bool) {
		for i := range v.fields {
			if !yield(&v.fields[i]) {
				return
			}
		}
	}
}

// schemaView is a Schema seen as a data view.
type schemaView Schema

func (v schemaView) Field(name string) *Field {
	f, ok := Schema(v).viewField(name)
	if !ok {
		return nil
	}
	return &f
}

func (v schemaView) All() iter.Seq[*Field] {
	return func(yield func(*Field) bool) {
		for _, name := range Schema(v).Fields() {
			if f := v.Field(name); f != nil && !yield(f) {
				return
			}
		}
	}
}
