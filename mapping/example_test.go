package mapping_test

import (
	"fmt"

	"github.com/kqlrules/kqlrules/mapping"
)

func ExampleECS() {
	s := mapping.ECS()
	fmt.Println(s["faas.name"], s["source.ip"], s["process.command_line.text"])
	fmt.Println(s.MultiFieldParent("process.command_line.text"))
	fmt.Println(s.NestedPath("threat.enrichments.indicator.ip"))
	fmt.Println(s.LookupECS("host.name").IgnoreAbove)
	f := s.View().Field("process.command_line.text")
	fmt.Println(f.Type, f.ESTypes)
	// Output:
	// keyword ip match_only_text
	// process.command_line
	// threat.enrichments
	// 1024
	// string [match_only_text]
}
