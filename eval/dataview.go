package eval

import (
	"iter"

	"github.com/kqlrules/kqlrules/esdsl"
)

// DataView returns the Kibana data view of the schema's fields, for
// translating queries to Elasticsearch DSL as Kibana would
// ([esdsl.FromKQL]): each known field with its Elasticsearch type, nested
// paths and multi-field parents as [esdsl.FromTypes] derives them. Fields
// of Unknown type are left out. Compile does not build it: it reads the
// schema through the same rules field by field ([Schema.View]).
func (s Schema) DataView() *esdsl.DataView {
	types := make(map[string]string, len(s))
	for name, t := range s {
		if t != Unknown {
			types[name] = t.String()
		}
	}
	return esdsl.FromTypes(types)
}

// View returns the schema as the translation to DSL reads a data view
// ([esdsl.Fields]), without copying it: each field is made when it is
// asked for, exactly as it stands in [Schema.DataView]. A nil schema is a
// data view without fields, as its DataView is.
func (s Schema) View() esdsl.Fields { return schemaFields(s) }

// schemaFields is a Schema seen as a data view.
type schemaFields Schema

func (s schemaFields) esType(name string) string {
	if t := s[name]; t != Unknown {
		return t.String()
	}
	return ""
}

func (s schemaFields) Field(name string) *esdsl.Field {
	f, ok := esdsl.FieldOf(name, s.esType)
	if !ok {
		return nil
	}
	return &f
}

func (s schemaFields) All() iter.Seq[*esdsl.Field] {
	return func(yield func(*esdsl.Field) bool) {
		for _, name := range Schema(s).Fields() {
			if f := s.Field(name); f != nil && !yield(f) {
				return
			}
		}
	}
}
