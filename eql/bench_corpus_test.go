package eql_test

import (
	"testing"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
)

// BenchmarkCorpus matches the 11,042 decoded Beats events (one pass per
// iteration) with an EQL event query and with the KQL query of the same
// meaning, on the same path (DSL compiled by eval), and with an EQL query
// that runs a script (a function over a field):
//
//	go test -run '^$' -bench Corpus -benchtime 20x ./eql
func BenchmarkCorpus(b *testing.B) {
	var evs []map[string]any
	for rec, err := range events.ReadFiles([]string{corpus.Path(b, "corpus/beats_events.ndjson")}, nil) {
		if err != nil {
			b.Fatal(err)
		}
		evs = append(evs, rec.Fields)
	}
	compileEQL := func(src string) *eval.Program {
		dsl, err := eql.Lower(eql.MustParse(src), eql.Options{})
		if err != nil {
			b.Fatal(err)
		}
		p, err := eval.CompileQuery(dsl)
		if err != nil {
			b.Fatal(err)
		}
		return p
	}
	x, err := kql.Parse(`event.category:network and destination.port:(20 or 21) and not source.ip:10.0.0.0/8`)
	if err != nil {
		b.Fatal(err)
	}
	kp, err := eval.Compile(x)
	if err != nil {
		b.Fatal(err)
	}
	progs := []struct {
		name string
		p    *eval.Program
	}{
		{"KQL", kp},
		{"EQL", compileEQL(`network where destination.port in (20, 21) and not cidrMatch(source.ip, "10.0.0.0/8")`)},
		{"EQLScript", compileEQL(`any where length(process.name) > 12`)},
	}
	for _, pr := range progs {
		b.Run(pr.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for i := 0; i < b.N; i++ {
				for _, ev := range evs {
					if pr.p.Match(ev) {
						n++
					}
				}
			}
			b.ReportMetric(float64(n)/float64(b.N), "matches/pass")
		})
	}
}
