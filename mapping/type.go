package mapping

import (
	"fmt"
	"math"
)

// Type is an Elasticsearch field mapping type.
type Type uint8

// The mapping types kqlrules knows. Unknown means a schema does not know
// the field: the evaluator types it from the query literal and the event
// value.
const (
	Unknown Type = iota
	Keyword
	ConstantKeyword
	Wildcard
	Text
	MatchOnlyText
	Long
	Integer
	Short
	Byte
	UnsignedLong
	Double
	Float
	HalfFloat
	ScaledFloat
	IP
	Boolean
	Date
	Object
	Flattened
	Nested
	GeoPoint
	// Version is the version field type (VersionStringFieldMapper):
	// exact and wildcard matching like a keyword, ranges in software
	// version order (1.10.0 > 1.9.0, 1.0.0-alpha < 1.0.0).
	Version
	// DateNanos is the date_nanos field type (DateFieldMapper with
	// Resolution.NANOSECONDS): a date stored as nanoseconds since the
	// epoch, from 1970-01-01T00:00:00Z to 2262-04-11T23:47:16.854775807Z.
	DateNanos
)

var typeNames = [...]string{
	Unknown:         "unknown",
	Keyword:         "keyword",
	ConstantKeyword: "constant_keyword",
	Wildcard:        "wildcard",
	Text:            "text",
	MatchOnlyText:   "match_only_text",
	Long:            "long",
	Integer:         "integer",
	Short:           "short",
	Byte:            "byte",
	UnsignedLong:    "unsigned_long",
	Double:          "double",
	Float:           "float",
	HalfFloat:       "half_float",
	ScaledFloat:     "scaled_float",
	IP:              "ip",
	Boolean:         "boolean",
	Date:            "date",
	Object:          "object",
	Flattened:       "flattened",
	Nested:          "nested",
	GeoPoint:        "geo_point",
	Version:         "version",
	DateNanos:       "date_nanos",
}

// String returns the Elasticsearch name of the type ("keyword", "ip"...),
// or "unknown".
func (t Type) String() string {
	if int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("Type(%d)", int(t))
}

// ParseType returns the Type named name, as Elasticsearch spells it. ok
// is false for a name kqlrules does not know.
func ParseType(name string) (t Type, ok bool) {
	switch name {
	case "unknown", "":
		return Unknown, false
	}
	for i, n := range typeNames {
		if n == name {
			return Type(i), true
		}
	}
	return Unknown, false
}

// Numeric reports whether t is one of Elasticsearch's numeric types (long,
// integer, short, byte, unsigned_long, double, float, half_float,
// scaled_float), whose values compare as numbers.
func (t Type) Numeric() bool {
	switch t {
	case Long, Integer, Short, Byte, UnsignedLong, Double, Float, HalfFloat, ScaledFloat:
		return true
	}
	return false
}

// IsDate reports whether t is one of Elasticsearch's date types, date
// and date_nanos, whose values compare as times.
func (t Type) IsDate() bool { return t == Date || t == DateNanos }

// IntRange returns the values an integer type holds, as Elasticsearch's
// NumberFieldMapper bounds them (a long is [-2^63, 2^63-1], an
// unsigned_long [0, 2^64-1]); ok is false for the other types.
func (t Type) IntRange() (lo, hi float64, ok bool) {
	switch t {
	case Byte:
		return math.MinInt8, math.MaxInt8, true
	case Short:
		return math.MinInt16, math.MaxInt16, true
	case Integer:
		return math.MinInt32, math.MaxInt32, true
	case Long:
		return math.MinInt64, math.MaxInt64, true
	case UnsignedLong:
		return 0, math.MaxUint64, true
	}
	return 0, 0, false
}

// leaf reports whether a field of type t holds a value of its own, so
// that a typed field below it is one of its multi-fields: not Unknown,
// and not an object, nested or flattened field, whose sub-fields are
// fields of their own.
func (t Type) leaf() bool {
	switch t {
	case Unknown, Object, Nested, Flattened:
		return false
	}
	return true
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
