package schemas

import (
	"strings"
	"sync"

	"github.com/kqlrules/kqlrules/eval"
)

//go:generate go run ../internal/ecsgen -in ../../shared/ecs/ecs_fields.tsv -out ecs_table.go

// ECS returns the built-in schema: every field of the Elastic Common
// Schema (the release ECSVersion names), multi-fields such as
// process.command_line.text included, with its Elasticsearch type. It is
// generated from ECS's ecs_flat.yml (see internal/ecsgen) and is wider
// than [eval.DefaultSchema], which keeps the fields rules query most. The
// caller owns the returned map.
func ECS() eval.Schema {
	src := builtinECS()
	s := make(eval.Schema, len(src))
	for k, v := range src {
		s[k] = v
	}
	return s
}

// ECSVersion is where the built-in table comes from, such as
// "ECS 9.4.0, generated/ecs/ecs_flat.yml, Apache-2.0, elastic/ecs".
const ECSVersion = ecsProvenance

var builtinECS = sync.OnceValue(func() eval.Schema {
	s := eval.Schema{}
	typ := eval.Unknown
	for _, line := range strings.Split(ecsTable, "\n") {
		if line == "" {
			continue
		}
		if line[0] != '\t' {
			typ = typeOf(line)
			continue
		}
		for _, f := range strings.Fields(line) {
			s[f] = typ
		}
	}
	return s
})

// typeOf maps an Elasticsearch type name to the evaluator's type as
// detection-rules' kql package does (any named type makes the field
// known): a type the evaluator does not model (alias, text variants it
// lacks, range types...) is taken as keyword, which accepts any value.
func typeOf(name string) eval.Type {
	if t, ok := eval.ParseType(name); ok {
		return t
	}
	return eval.Keyword
}
