package kql_test

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
)

// elasticQueries reads the queries of Elastic's published detection rules
// from the shared corpus, or skips tb when it is absent.
func elasticQueries(tb testing.TB) []string {
	tb.Helper()
	f, err := os.Open(corpus.Path(tb, "corpus/elastic_kuery_rules.jsonl"))
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 16<<20)
	var qs []string
	for sc.Scan() {
		var r struct{ Query string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("line %d: %v", len(qs)+1, err)
		}
		qs = append(qs, r.Query)
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return qs
}

// BenchmarkParseElasticRules parses all of Elastic's published KQL
// queries (792) in one op.
func BenchmarkParseElasticRules(b *testing.B) {
	qs := elasticQueries(b)
	b.ReportAllocs()
	for b.Loop() {
		for _, q := range qs {
			if _, err := kql.Parse(q); err != nil {
				b.Fatal(err)
			}
		}
	}
}
