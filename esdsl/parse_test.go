package esdsl

import (
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
)

func TestParseQuery(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		// Short forms are read and written in Kibana's form.
		{`{"term":{"f":"v"}}`, `{"term":{"f":{"value":"v"}}}`},
		{`{"term":{"f":{"value":21,"case_insensitive":true}}}`, `{"term":{"f":{"value":21,"case_insensitive":true}}}`},
		{`{"match_phrase":{"f":"v"}}`, `{"match_phrase":{"f":"v"}}`},
		{`{"match_phrase":{"f":{"query":"v"}}}`, `{"match_phrase":{"f":"v"}}`},
		{`{"match":{"f":{"query":"v","type":"phrase"}}}`, `{"match_phrase":{"f":"v"}}`},
		{`{"wildcard":{"f":"a*"}}`, `{"wildcard":{"f":{"value":"a*"}}}`},
		{`{"terms":{"f":["a",1,true]}}`, `{"terms":{"f":["a",1,true]}}`},
		{`{"range":{"f":{"lte":"now","gte":"now-6m","format":"strict_date_optional_time"}}}`, `{"range":{"f":{"lte":"now","gte":"now-6m","format":"strict_date_optional_time"}}}`},
		{`{"bool":{"minimum_should_match":1,"should":[{"exists":{"field":"a"}}]}}`, `{"bool":{"minimum_should_match":1,"should":[{"exists":{"field":"a"}}]}}`},
		{`{"bool":{"must_not":{"exists":{"field":"a"}}}}`, `{"bool":{"must_not":{"exists":{"field":"a"}}}}`},
		{`{"bool":{"must":[],"filter":[],"should":[],"must_not":[]}}`, `{"bool":{"must":[],"filter":[],"should":[],"must_not":[]}}`},
		{`{"nested":{"path":"p","query":{"match_all":{}},"score_mode":"none","ignore_unmapped":true}}`, `{"nested":{"path":"p","query":{"match_all":{}},"score_mode":"none","ignore_unmapped":true}}`},
		{`{"multi_match":{"type":"phrase","query":"a b","lenient":true}}`, `{"multi_match":{"type":"phrase","query":"a b","lenient":true}}`},
		{`{"query_string":{"fields":["f"],"query":"a\\*"}}`, `{"query_string":{"fields":["f"],"query":"a\\*"}}`},
		{`{"script":{"script":{"source":"x","params":{"gt":1},"lang":"painless"}}}`, `{"script":{"script":{"source":"x","params":{"gt":1},"lang":"painless"}}}`},
	} {
		q, err := ParseQuery([]byte(c.in))
		if err != nil {
			t.Errorf("%s: %v", c.in, err)
			continue
		}
		if got := mustJSON(q); got != c.want {
			t.Errorf("%s:\n got %s\nwant %s", c.in, got, c.want)
		}
	}
}

func TestParseQueryErrors(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"fuzzy":{"f":"v"}}`, `query.fuzzy: unsupported query kind "fuzzy"`},
		{`{"bool":{"filter":[{"term":{"f":"v"}},{"regexp":{"f":"v.*"}}]}}`, `query.bool.filter[1].regexp: unsupported query kind "regexp"`},
		{`{"term":{"f":{"value":"v","boost":2}}}`, `query.term.f: unsupported option "boost"`},
		{`{"term":{"f":"v"},"match":{"f":"v"}}`, `query: want one query kind, got 2 keys [term match]`},
		{`[]`, `query: want a JSON object, got an array`},
		{`{"range":{"f":"v"}}`, `query.range.f: want a JSON object, got a string`},
		{`{"bool":{"must":"x"}}`, `query.bool.must: want a query or an array of queries, got a string`},
		{`{"exists":{}}`, `query.exists: no "field"`},
		{`{"term":{"a":"v","b":"w"}}`, `query.term: want one field, got 2 keys`},
	} {
		_, err := ParseQuery([]byte(c.in))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: want error %q, got %v", c.in, c.want, err)
		}
	}
}

// TestNoDataViewNested is get_full_field_name_node.test.ts: "should skip
// error checking if no index pattern is passed in".
func TestNoDataViewNested(t *testing.T) {
	b := builder{cfg: Config{AllowLeadingWildcards: true}}
	q, err := b.is(nil, lit("os"), lit("x"), "machine")
	if err != nil {
		t.Fatal(err)
	}
	if got := mustJSON(q); got != `{"bool":{"should":[{"match":{"machine.os":"x"}}],"minimum_should_match":1}}` {
		t.Errorf("got %s", got)
	}
}

func lit(s string) *ast.Literal { return &ast.Literal{Text: s, Raw: s} }
