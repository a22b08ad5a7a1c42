package esdsl_test

import (
	"fmt"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

func ExampleFromKQL() {
	x, err := kql.Parse(`process.name:cmd.exe and not user.name:admin*`)
	if err != nil {
		panic(err)
	}
	dv := mapping.ECS().View() // the built-in ECS table, as Kibana sees it
	q, err := esdsl.FromKQL(x, dv, esdsl.DetectionEngineConfig())
	if err != nil {
		panic(err)
	}
	b, _ := q.MarshalJSON()
	fmt.Println(string(b))
	// The first clause points back at the KQL it came from.
	fmt.Println(q.(*esdsl.Bool).Filter[0].Source())
	// Output:
	// {"bool":{"filter":[{"bool":{"should":[{"term":{"process.name":{"value":"cmd.exe"}}}],"minimum_should_match":1}},{"bool":{"must_not":{"bool":{"should":[{"wildcard":{"user.name":{"value":"admin*"}}}],"minimum_should_match":1}}}}]}}
	// process.name:cmd.exe
}

func ExampleParseQuery() {
	q, err := esdsl.ParseQuery([]byte(`{"bool":{"must_not":{"term":{"host.name":"dev"}}}}`))
	if err != nil {
		panic(err)
	}
	b, _ := q.MarshalJSON()
	fmt.Println(string(b))
	_, err = esdsl.ParseQuery([]byte(`{"bool":{"filter":[{"fuzzy":{"f":"v"}}]}}`))
	fmt.Println(err)
	// Output:
	// {"bool":{"must_not":{"term":{"host.name":{"value":"dev"}}}}}
	// query.bool.filter[0].fuzzy: unsupported query kind "fuzzy"
}
