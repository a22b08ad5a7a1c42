package events_test

import (
	"testing"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// TestLazyNullValue: Lazy hands a JSON null to eval.VisitNull, so a
// mapping's null_value is matched as on eval.Map.
func TestLazyNullValue(t *testing.T) {
	m := mapping.Mapping{"k": {Type: mapping.Keyword, NullValue: "NULL"}, "plain": {Type: mapping.Keyword}}
	tests := []struct {
		query, event string
		want         bool
	}{
		{`k:NULL`, `{"k": null}`, true},
		{`k:NULL`, `{"k": ["a", null]}`, true},
		{`k:*`, `{"k": []}`, false},
		{`k:*`, `{}`, false},
		{`plain:*`, `{"plain": null}`, false},
	}
	for _, tt := range tests {
		x, err := kql.Parse(tt.query)
		if err != nil {
			t.Fatal(err)
		}
		p, err := eval.Compile(x, eval.WithMapping(m))
		if err != nil {
			t.Fatal(err)
		}
		var l events.Lazy
		l.Reset([]byte(tt.event))
		if got := p.MatchEvent(&l); got != tt.want {
			t.Errorf("%s on %s: %v, want %v", tt.query, tt.event, got, tt.want)
		}
	}
}
