package mapping

import (
	"maps"
	"strings"
	"sync"
)

//go:generate go run ../internal/ecsgen -in ../../shared/ecs/ecs_fields.tsv -out ecs_table.go

// ECS returns the built-in schema: every field of the Elastic Common
// Schema (the release [ECSVersion] names), multi-fields such as
// process.command_line.text included, with its Elasticsearch type, as a
// Kibana data view over ECS-mapped indices has them. It is generated from
// ECS's ecs_flat.yml (see internal/ecsgen), and it is the default field
// table of every command and of eval.Compile, which read it with the
// mapping parameters of the ECS templates ([Schema.LookupECS]). The
// caller owns the returned map.
func ECS() Schema { return maps.Clone(builtinECS()) }

// ECSVersion is where the built-in table comes from, such as
// "ECS 9.4.0, generated/ecs/ecs_flat.yml, Apache-2.0, elastic/ecs".
const ECSVersion = ecsProvenance

// builtinECS parses the generated table once. Every type in it is one
// ParseType knows (TestECSTable checks it); were one not, its fields
// would be Unknown.
var builtinECS = sync.OnceValue(func() Schema {
	s := Schema{}
	typ := Unknown
	for _, line := range strings.Split(ecsTable, "\n") {
		if line == "" {
			continue
		}
		if line[0] != '\t' {
			typ, _ = ParseType(line)
			continue
		}
		for _, f := range strings.Fields(line) {
			s[f] = typ
		}
	}
	return s
})

// ecsIgnoreAbove is the ignore_above the ECS templates set on keyword
// fields (elastic/ecs generated/elasticsearch/composable/component/*.json:
// "ignore_above": 1024 on every keyword field, 2083 on event.url). ECS
// sets none on wildcard, text or flattened fields.
const ecsIgnoreAbove = 1024

var ecsIgnoreAboveExceptions = map[string]int{"event.url": 2083}

// ECSMapping returns s with the mapping parameters the ECS index templates
// give its fields: ignore_above 1024 on keyword fields (2083 on
// event.url), Elasticsearch's defaults elsewhere. Field by field, it is
// [Schema.LookupECS].
func ECSMapping(s Schema) Mapping {
	m := make(Mapping, len(s))
	for name, t := range s {
		m[name] = ecsField(name, t)
	}
	return m
}

// LookupECS returns the mapping of field as the ECS index templates would
// give it for its type in s: [ECSMapping] of s, one field at a time,
// without building the Mapping. A key under a flattened field is a
// keyword without ignore_above (ECS sets none on flattened fields).
func (s Schema) LookupECS(field string) FieldMapping {
	t := s.Lookup(field)
	if _, ok := s[field]; !ok && t == Keyword {
		return FieldMapping{Type: t}
	}
	return ecsField(field, t)
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
