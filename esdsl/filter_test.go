package esdsl

import (
	"strings"
	"testing"
)

func TestParseFilters(t *testing.T) {
	in := `[
	 {"meta":{"negate":false,"disabled":false,"key":"a"},"query":{"match_phrase":{"a":"x"}},"$state":{"store":"appState"}},
	 {"meta":{"negate":true},"exists":{"field":"b"}},
	 {"meta":{"disabled":true},"query":{"term":{"c":"y"}}},
	 {"range":{"d":{"gte":1,"lt":5}}},
	 {"meta":{},"query":{"bool":{"should":[{"term":{"e":"z"}}],"minimum_should_match":1}}}
	]`
	fs, err := ParseFilters([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []struct {
		json   string
		negate bool
	}{
		{`{"match_phrase":{"a":"x"}}`, false},
		{`{"exists":{"field":"b"}}`, true},
		{`{"range":{"d":{"gte":1,"lt":5}}}`, false},
		{`{"bool":{"should":[{"term":{"e":{"value":"z"}}}],"minimum_should_match":1}}`, false},
	}
	if len(fs) != len(want) {
		t.Fatalf("%d filters, want %d", len(fs), len(want))
	}
	for i, w := range want {
		if got := mustJSON(fs[i].Query); got != w.json || fs[i].Negate != w.negate {
			t.Errorf("filter %d: %s negate %v, want %s negate %v", i, got, fs[i].Negate, w.json, w.negate)
		}
	}
	for _, c := range []struct{ in, want string }{
		{`{}`, "filters: want a JSON array"},
		{`[1]`, "filters[0]: want a JSON object"},
		{`[{"meta":{}}]`, "filters[0]: no query"},
		{`[{"exists":{"field":"a"},"range":{"b":{}}}]`, "filters[0]: 2 query keys"},
		{`[{"meta":{"negate":"yes"},"exists":{"field":"a"}}]`, "filters[0].meta"},
		{`[{"query":{"fuzzy":{"a":"b"}}}]`, "filters[0].query"},
	} {
		_, err := ParseFilters([]byte(c.in))
		if err == nil || !strings.HasPrefix(err.Error(), c.want) {
			t.Errorf("%s: %v, want an error starting %q", c.in, err, c.want)
		}
	}
	if _, disabled, err := ParseFilter([]byte(`{"meta":{"disabled":true},"exists":{"field":"a"}}`)); err != nil || !disabled {
		t.Errorf("ParseFilter: disabled %v, %v", disabled, err)
	}
}
