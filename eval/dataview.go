package eval

import (
	"reflect"
	"sync"

	"github.com/kqlrules/kqlrules/esdsl"
)

// DataView returns the Kibana data view of the schema's fields, for
// translating queries to Elasticsearch DSL as Kibana would
// ([esdsl.FromKQL]): each known field with its Elasticsearch type, nested
// paths and multi-field parents as [esdsl.FromTypes] derives them. Fields
// of Unknown type are left out.
func (s Schema) DataView() *esdsl.DataView {
	types := make(map[string]string, len(s))
	for name, t := range s {
		if t != Unknown {
			types[name] = t.String()
		}
	}
	return esdsl.FromTypes(types)
}

var (
	defaultDVOnce sync.Once
	defaultDV     *esdsl.DataView
)

// dataViewOf is s.DataView(), built once for the default schema.
func dataViewOf(s Schema) *esdsl.DataView {
	if reflect.ValueOf(s).UnsafePointer() == reflect.ValueOf(defaultSchema()).UnsafePointer() {
		defaultDVOnce.Do(func() { defaultDV = s.DataView() })
		return defaultDV
	}
	return s.DataView()
}
