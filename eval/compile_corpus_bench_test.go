package eval_test

import (
	"bufio"
	"encoding/json"
	"os"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// BenchmarkCompileElasticRules compiles the 792 queries of the shared
// corpus (parsed beforehand) against the full ECS table: the cost of
// loading a rule set, parsing left out. One op compiles all of them.
func BenchmarkCompileElasticRules(b *testing.B) {
	ecs, err := os.Open(corpus.Path(b, "ecs/ecs_fields.tsv"))
	if err != nil {
		b.Fatal(err)
	}
	schema, err := mapping.LoadECS(ecs)
	ecs.Close()
	if err != nil {
		b.Fatal(err)
	}
	f, err := os.Open(corpus.Path(b, "corpus/elastic_kuery_rules.jsonl"))
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	var xs []ast.Expr
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct{ Query string }
		if err := json.Unmarshal(sc.Bytes(), &line); err != nil {
			b.Fatal(err)
		}
		x, err := kql.Parse(line.Query)
		if err != nil {
			b.Fatal(err)
		}
		xs = append(xs, x)
	}
	b.ReportAllocs()
	for b.Loop() {
		for _, x := range xs {
			if _, err := eval.Compile(x, eval.WithSchema(schema)); err != nil {
				b.Fatal(err)
			}
		}
	}
}
