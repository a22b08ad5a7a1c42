package eval

import (
	"sync"

	"github.com/kqlrules/kqlrules/mapping"
)

// family groups types that compare alike.
type family uint8

const (
	famUnknown family = iota
	famKeyword
	famText
	famInt
	famFloat
	famIP
	famBool
	famDate
	famOther // object, nested, geo_point: only exists makes sense
)

// familyOf returns the family of t.
func familyOf(t mapping.Type) family {
	switch t {
	case mapping.Keyword, mapping.ConstantKeyword, mapping.Wildcard, mapping.Flattened, mapping.Version:
		return famKeyword
	case mapping.Text, mapping.MatchOnlyText:
		return famText
	case mapping.Long, mapping.Integer, mapping.Short, mapping.Byte, mapping.UnsignedLong:
		return famInt
	case mapping.Double, mapping.Float, mapping.HalfFloat, mapping.ScaledFloat:
		return famFloat
	case mapping.IP:
		return famIP
	case mapping.Boolean:
		return famBool
	case mapping.Date, mapping.DateNanos:
		return famDate
	case mapping.Object, mapping.Nested, mapping.GeoPoint:
		return famOther
	}
	return famUnknown
}

// fieldMapping is a field's mapping with what eval derives from it: how a
// value is indexed (values.go) and matched (matchers.go).
type fieldMapping mapping.FieldMapping

// mapper gives the mapping of a field: a [mapping.Mapping], or a
// [mapping.Schema] read with the ECS templates' parameters (ecsSchema),
// which spares Compile building a Mapping for every query.
type mapper interface {
	lookup(field string) fieldMapping
}

// fullMapping is a mapping.Mapping as a mapper.
type fullMapping mapping.Mapping

func (m fullMapping) lookup(field string) fieldMapping {
	return fieldMapping(mapping.Mapping(m).Lookup(field))
}

// ecsSchema is a Schema with the parameters of [mapping.ECSMapping].
type ecsSchema mapping.Schema

func (s ecsSchema) lookup(field string) fieldMapping {
	return fieldMapping(mapping.Schema(s).LookupECS(field))
}

// defaultSchema is the schema [Compile] uses without [WithSchema] or
// [WithMapping]: [mapping.ECS], copied once.
var defaultSchema = sync.OnceValue(mapping.ECS)
