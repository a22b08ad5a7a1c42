package eval

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"math"
	"sort"
	"strings"
)

// Type is an Elasticsearch field mapping type.
type Type uint8

// The mapping types the evaluator knows. Unknown means the schema does not
// know the field: it is typed from the query literal and the event value.
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
	// epoch, from 1970-01-01T00:00:00Z to 2262-04-11T23:47:16.854775807Z
	// (see [ParseDateNanos]).
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
// is false for a name the evaluator does not know.
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

func (t Type) family() family {
	switch t {
	case Keyword, ConstantKeyword, Wildcard, Flattened, Version:
		return famKeyword
	case Text, MatchOnlyText:
		return famText
	case Long, Integer, Short, Byte, UnsignedLong:
		return famInt
	case Double, Float, HalfFloat, ScaledFloat:
		return famFloat
	case IP:
		return famIP
	case Boolean:
		return famBool
	case Date, DateNanos:
		return famDate
	case Object, Nested, GeoPoint:
		return famOther
	}
	return famUnknown
}

// Numeric reports whether t is one of Elasticsearch's numeric types (long,
// integer, short, byte, unsigned_long, double, float, half_float,
// scaled_float), whose values compare as numbers.
func (t Type) Numeric() bool {
	f := t.family()
	return f == famInt || f == famFloat
}

// IsDate reports whether t is one of Elasticsearch's date types, date
// and date_nanos, whose values compare as times.
func (t Type) IsDate() bool { return t.family() == famDate }

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

// Schema maps full dotted field names ("source.ip",
// "process.command_line.text") to their types. A nil or empty Schema knows
// no field. Build one in code, with [LoadECS] or [LoadMapping], or take
// [DefaultSchema].
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

// sourceField returns the field whose value field indexes. A multi-field
// ("process.command_line.text", a match_only_text field below the keyword
// process.command_line) has no value of its own in a document: Elasticsearch
// indexes its parent's value a second way, so the parent is returned.
// Any other field is its own source. A field is taken for a multi-field
// when the schema types both it and its parent, and the parent is a leaf
// (not an object, nested or flattened field).
func (s Schema) sourceField(field string) string {
	i := strings.LastIndexByte(field, '.')
	if i <= 0 {
		return field
	}
	if _, ok := s[field]; !ok {
		return field
	}
	switch s[field[:i]] {
	case Unknown, Object, Nested, Flattened:
		return field
	}
	return field[:i]
}

// nestedPrefix returns the longest proper prefix of field (ending at a dot)
// that s types as Nested, or "".
func (s Schema) nestedPrefix(field string) string {
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
			return nil, fmt.Errorf("eval: ECS table line %d: want the header \"name<TAB>type<TAB>normalize\", got %q", line, text)
		}
		if len(cols) < 2 || cols[0] == "" {
			return nil, fmt.Errorf("eval: ECS table line %d: want \"name<TAB>type[<TAB>normalize]\", got %q", line, text)
		}
		t, ok := ParseType(cols[1])
		if !ok {
			return nil, fmt.Errorf("eval: ECS table line %d: field %s: unknown type %q", line, cols[0], cols[1])
		}
		s[cols[0]] = t
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("eval: reading ECS table: %w", err)
	}
	if !header {
		return nil, fmt.Errorf("eval: ECS table is empty")
	}
	return s, nil
}

// LoadMapping reads the JSON that Elasticsearch returns for
// GET <index>/_mapping: {"<index>": {"mappings": {"properties": {...}}}}
// for one or more indices. A bare {"mappings": ...} or {"properties": ...}
// object is accepted too, as is a pre-7.0 mapping with a type name level.
// Object and nested fields are walked through their "properties",
// multi-fields ("fields") become fields of their own
// ("process.command_line.text"), aliases take their target's type, and
// types the evaluator does not know are Unknown. When indices disagree on
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
		return nil, fmt.Errorf("eval: reading mapping JSON: %w", err)
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
				return nil, fmt.Errorf("eval: mapping of index %s: %w", index, err)
			}
			if idx.Mappings == nil {
				return nil, fmt.Errorf("eval: mapping of index %s: no \"mappings\" key", index)
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
		return fmt.Errorf("eval: %s: \"mappings\": %w", l.where(), err)
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
		return fmt.Errorf("eval: %s: properties of %q: %w", l.where(), strings.TrimSuffix(prefix, "."), err)
	}
	for name, fraw := range props {
		full := prefix + name
		var f mappingField
		if err := json.Unmarshal(fraw, &f); err != nil {
			return fmt.Errorf("eval: %s: field %s: %w", l.where(), full, err)
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
				return fmt.Errorf("eval: %s: field %s.%s: %w", l.where(), full, sub, err)
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
	// see it where the event holds an explicit null (see [VisitNull]).
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

// ecsIgnoreAbove is the ignore_above the ECS templates set on keyword
// fields (elastic/ecs generated/elasticsearch/composable/component/*.json:
// "ignore_above": 1024 on every keyword field, 2083 on event.url). ECS
// sets none on wildcard, text or flattened fields.
const ecsIgnoreAbove = 1024

var ecsIgnoreAboveExceptions = map[string]int{"event.url": 2083}

// ECSMapping returns s with the mapping parameters the ECS index templates
// give its fields: ignore_above 1024 on keyword fields (2083 on
// event.url), Elasticsearch's defaults elsewhere. [Compile] uses it for a
// schema given by [WithSchema].
func ECSMapping(s Schema) Mapping {
	m := make(Mapping, len(s))
	for name, t := range s {
		m[name] = ecsField(name, t)
	}
	return m
}

// ecsField is the mapping the ECS templates give a field of type t.
func ecsField(name string, t Type) FieldMapping {
	f := FieldMapping{Type: t}
	if t == Keyword {
		f.IgnoreAbove = ecsIgnoreAbove
		if n, ok := ecsIgnoreAboveExceptions[name]; ok {
			f.IgnoreAbove = n
		}
	}
	return f
}

// mapper gives the mapping of a field: a Mapping, or a Schema read with
// the ECS templates' parameters (ecsSchema), which spares Compile building
// a Mapping for every query.
type mapper interface {
	lookup(field string) FieldMapping
}

func (m Mapping) lookup(field string) FieldMapping { return m.Lookup(field) }

// ecsSchema is a Schema with the parameters of [ECSMapping].
type ecsSchema Schema

func (s ecsSchema) lookup(field string) FieldMapping {
	t := Schema(s).Lookup(field)
	if _, ok := s[field]; !ok && t == Keyword {
		// a key under a flattened field: no ignore_above in ECS
		return FieldMapping{Type: t}
	}
	return ecsField(field, t)
}

// DefaultMapping returns [DefaultSchema] with the parameters of the ECS
// templates ([ECSMapping]): the mapping [Compile] uses without options.
func DefaultMapping() Mapping { return ECSMapping(DefaultSchema()) }
