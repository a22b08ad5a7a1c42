package eql_test

import (
	"testing"

	"github.com/kqlrules/kqlrules/eql"
)

// BenchmarkParseRules parses the EQL queries of detection-rules, one
// query per iteration.
func BenchmarkParseRules(b *testing.B) {
	var qs []string
	for _, q := range eqlRules(b) {
		qs = append(qs, q)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := eql.Parse(qs[i%len(qs)]); err != nil {
			b.Fatal(err)
		}
	}
}
