package main

import (
	"fmt"
	"slices"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/diff"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/lint"
	"github.com/kqlrules/kqlrules/mapping"
)

// ecsProbes are values that tell the field types apart by whether
// Elasticsearch accepts them: text for string fields only, a fraction
// for floating-point fields and dates (epoch_millis), an address for ip
// fields, true for booleans, a day for dates.
var ecsProbes = []string{`abc`, `1.5`, `1.2.3.4`, `true`, `2024-01-02`}

// TestECSTypesAgree walks the whole built-in ECS table and checks that
// check (lint), dsl (esdsl), match (eval) and diff, each with its
// default field types, type every ECS field as the table does: dsl's data
// view lists the field with its type, and for each probe value check,
// match and diff refuse "FIELD:VALUE" exactly when eval does with the ECS
// table given explicitly. Before one mapping owned the default, dsl,
// match and diff used a hand-picked subset: faas.name was unknown to them
// (dsl sent match, not term) and known to check.
func TestECSTypesAgree(t *testing.T) {
	ecs := mapping.ECS()
	dv, err := (&dslCmd{}).dataView() // dsl without --schema or --data-view
	if err != nil {
		t.Fatal(err)
	}
	checker := lint.NewChecker(nil) // check without --schema
	names := ecs.Fields()
	step := 1
	if raceEnabled || testing.Short() {
		step = 7 // every 7th field: the table in under a second
	}
	for i := 0; i < len(names); i += step {
		name, typ := names[i], ecs[names[i]]
		f := dv.Field(name)
		switch {
		case typ == mapping.Object && f != nil:
			t.Errorf("%s: dsl's data view lists the object field %s", name, name)
		case typ != mapping.Object && (f == nil || !slices.Equal(f.ESTypes, []string{typ.String()})):
			t.Errorf("%s: dsl's data view has %+v, ECS has %s", name, f, typ)
		}
		for _, v := range ecsProbes {
			q := fmt.Sprintf("%s:%s", name, v)
			x, err := kql.Parse(q)
			if err != nil {
				t.Fatal(err)
			}
			_, want := eval.Compile(x, eval.WithSchema(ecs))
			_, match := eval.Compile(x)
			_, dsl := esdsl.FromKQL(x, dv, esdsl.Config{AllowLeadingWildcards: true})
			_, dsl2 := esdsl.FromKQL(x, ecs.View(), esdsl.Config{AllowLeadingWildcards: true})
			check := slices.ContainsFunc(checker.Query(q), func(f lint.Finding) bool { return f.Severity == lint.Error })
			_, differr := diff.Queries(x, &ast.NotExpr{X: x})
			if (match != nil) != (want != nil) {
				t.Errorf("%s: match refuses it: %v; with the ECS table: %v", q, match, want)
			}
			if (dsl != nil) != (dsl2 != nil) {
				t.Errorf("%s: dsl: %v; with the ECS table: %v", q, dsl, dsl2)
			}
			if check != (want != nil) {
				t.Errorf("%s: check finds an error: %v; the ECS table refuses it: %v (%v)", q, check, want != nil, checker.Query(q))
			}
			if (differr != nil) != (want != nil) {
				t.Errorf("%s: diff refuses it: %v; with the ECS table: %v", q, differr, want)
			}
		}
	}
}
