package rules_test

import (
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
)

// BenchmarkDetachWithTree detaches every rule of Elastic's tree with one
// Strings, as a worker of ruleset.Load does (the rules parsed
// beforehand, a fresh parse each round as detaching changes a rule).
func BenchmarkDetachWithTree(b *testing.B) {
	dir := corpus.Path(b, "detection-rules")
	type file struct {
		path string
		data []byte
	}
	var files []file
	rules.EachTreeTOML(b, dir, func(path string, data []byte) { files = append(files, file{path, data}) })
	rs := make([]*rules.Rule, len(files))
	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		for i, f := range files {
			if r, err := rules.Parse(f.path, f.data); err == nil {
				r.Note, r.Setup = "", "" // as ruleset.Load keeps a rule
				rs[i] = r
			}
		}
		b.StartTimer()
		var shared rules.Strings
		for _, r := range rs {
			if r != nil {
				r.DetachWith(&shared)
			}
		}
	}
}
