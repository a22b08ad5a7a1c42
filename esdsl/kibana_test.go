package esdsl

import (
	"encoding/json"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// stubDataView is Kibana's test data view: the fields of
// src/platform/packages/shared/kbn-es-query/src/filters/stubs/fields.mocks.ts,
// which every kuery function test runs on.
func stubDataView(t testing.TB) *mapping.DataView {
	t.Helper()
	data, err := os.ReadFile("testdata/kibana_stub_fields.json")
	if err != nil {
		t.Fatal(err)
	}
	dv, err := mapping.LoadDataView(data)
	if err != nil {
		t.Fatal(err)
	}
	return dv
}

func canonical(t *testing.T, data []byte) any {
	t.Helper()
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("invalid JSON %s: %v", data, err)
	}
	return v
}

func yes() *bool { b := true; return &b }

// kibanaCase is one expectation of Kibana's own tests. Kibana's tests build
// nodes with nodeTypes.function.buildNode; here the same node comes from
// the KQL text. Where a test builds a number literal (buildNode('range',
// 'bytes', 'gt', 1000)), the KQL grammar (grammar.peggy, UnquotedLiteral)
// can only build the string "1000", and the expectation says "1000".
type kibanaCase struct {
	test   string // file: test name
	kql    string
	noDV   bool   // "without an index pattern"
	nested string // the nested context the test passes
	cfg    Config
	want   string // JSON, compared after canonicalisation
	err    string // or an error containing this
	check  func(t *testing.T, q Query)
}

var kibanaCases = []kibanaCase{
	// src/platform/packages/shared/kbn-es-query/src/kuery/functions/is.test.ts
	{test: `is: should return an ES match_all query when fieldName and value are both "*"`,
		kql: `*:*`, want: `{"match_all":{}}`},
	{test: `is: should return an ES match_all query for * queries without an index pattern`,
		kql: `*:*`, noDV: true, want: `{"match_all":{}}`},
	{test: `is: should return an ES multi_match query using default_field when fieldName is null`,
		kql: `200`, want: `{"multi_match":{"query":"200","type":"best_fields","lenient":true}}`},
	{test: `is: should return an ES query_string query using default_field when fieldName is null and value contains a wildcard`,
		kql: `jpg*`, want: `{"query_string":{"query":"jpg*"}}`},
	{test: `is: should return an ES bool query with a sub-query for each field when fieldName is "*"`,
		kql: `*:200`, check: func(t *testing.T, q Query) {
			if b, ok := q.(*Bool); !ok || len(b.Should) != 12 {
				t.Errorf("want a bool with 12 should clauses (one a field), got %s", mustJSON(q))
			}
		}},
	{test: `is: should return an ES exists query when value is "*"`,
		kql: `extension:*`, want: `{"bool":{"should":[{"exists":{"field":"extension"}}],"minimum_should_match":1}}`},
	{test: `is: should return an ES match query when a concrete fieldName and value are provided`,
		kql: `extension:jpg`, want: `{"bool":{"should":[{"match":{"extension":"jpg"}}],"minimum_should_match":1}}`},
	{test: `is: should return an ES match query when a concrete fieldName and value are provided without an index pattern`,
		kql: `extension:jpg`, noDV: true, want: `{"bool":{"should":[{"match":{"extension":"jpg"}}],"minimum_should_match":1}}`},
	{test: `is: should support creation of phrase queries`,
		kql: `extension:"jpg"`, want: `{"bool":{"should":[{"match_phrase":{"extension":"jpg"}}],"minimum_should_match":1}}`},
	{test: `is: should create a query_string query for wildcard values`,
		kql: `extension:jpg*`, want: `{"bool":{"should":[{"query_string":{"fields":["extension"],"query":"jpg*"}}],"minimum_should_match":1}}`},
	{test: `is: should create a wildcard query for keyword fields`,
		kql: `machine.os.keyword:win*`, want: `{"bool":{"should":[{"wildcard":{"machine.os.keyword":{"value":"win*"}}}],"minimum_should_match":1}}`},
	{test: `is: should create a case-insensitive wildcard query for keyword fields`,
		kql: `machine.os.keyword:win*`, cfg: Config{CaseInsensitive: yes()},
		want: `{"bool":{"should":[{"wildcard":{"machine.os.keyword":{"value":"win*","case_insensitive":true}}}],"minimum_should_match":1}}`},
	{test: `is: should create a wildcard query with backslashes properly escaped`,
		kql: `machine.os.keyword:*\\*`, want: `{"bool":{"should":[{"wildcard":{"machine.os.keyword":{"value":"*\\\\*"}}}],"minimum_should_match":1}}`},
	{test: `is: should support scripted fields`,
		kql: `script string:foo`, check: func(t *testing.T, q Query) {
			if b, ok := q.(*Bool); !ok || len(b.Should) != 1 || !strings.HasPrefix(mustJSON(b.Should[0]), `{"script":{"script":{`) {
				t.Errorf("want a script query, got %s", mustJSON(q))
			}
		}},
	{test: `is: should support date fields without a dateFormat provided`,
		kql:  `@timestamp:"2018-04-03T19:04:17"`,
		want: `{"bool":{"should":[{"range":{"@timestamp":{"gte":"2018-04-03T19:04:17","lte":"2018-04-03T19:04:17"}}}],"minimum_should_match":1}}`},
	{test: `is: should support date fields with a dateFormat provided`,
		kql: `@timestamp:"2018-04-03T19:04:17"`, cfg: Config{DateFormatTZ: "America/Phoenix"},
		want: `{"bool":{"should":[{"range":{"@timestamp":{"gte":"2018-04-03T19:04:17","lte":"2018-04-03T19:04:17","time_zone":"America/Phoenix"}}}],"minimum_should_match":1}}`},
	{test: `is: should use a provided nested context to create a full field name`,
		kql: `extension:jpg`, nested: "nestedField",
		want: `{"bool":{"should":[{"match":{"nestedField.extension":"jpg"}}],"minimum_should_match":1}}`},
	{test: `is: should support wildcard field names`,
		kql: `ext*:jpg`, want: `{"bool":{"should":[{"match":{"extension":"jpg"}}],"minimum_should_match":1}}`},
	{test: `is: should automatically add a nested query when a wildcard field name covers a nested field`,
		kql:  `*doublyNested*:foo`,
		want: `{"bool":{"should":[{"nested":{"path":"nestedField.nestedChild","query":{"match":{"nestedField.nestedChild.doublyNestedChild":"foo"}},"score_mode":"none"}}],"minimum_should_match":1}}`},
	{test: `is: should allow to configure ignore_unmapped for a nested query`,
		kql: `*doublyNested*:foo`, cfg: Config{NestedIgnoreUnmapped: yes()},
		want: `{"bool":{"should":[{"nested":{"path":"nestedField.nestedChild","query":{"match":{"nestedField.nestedChild.doublyNestedChild":"foo"}},"score_mode":"none","ignore_unmapped":true}}],"minimum_should_match":1}}`},
	{test: `is: should use a term query for keyword fields`,
		kql:  `machine.os.keyword:Win 7`,
		want: `{"bool":{"should":[{"term":{"machine.os.keyword":{"value":"Win 7"}}}],"minimum_should_match":1}}`},
	{test: `is: should use a case-insensitive term query for keyword fields`,
		kql: `machine.os.keyword:Win 7`, cfg: Config{CaseInsensitive: yes()},
		want: `{"bool":{"should":[{"term":{"machine.os.keyword":{"value":"Win 7","case_insensitive":true}}}],"minimum_should_match":1}}`},

	// src/platform/packages/shared/kbn-es-query/src/kuery/functions/range.test.ts
	{test: `range: should return an ES range query for the node's field and params`,
		kql: `bytes > 1000`, want: `{"bool":{"should":[{"range":{"bytes":{"gt":"1000"}}}],"minimum_should_match":1}}`},
	{test: `range: should return an ES range query without an index pattern`,
		kql: `bytes > 1000`, noDV: true, want: `{"bool":{"should":[{"range":{"bytes":{"gt":"1000"}}}],"minimum_should_match":1}}`},
	{test: `range: should support wildcard field names`,
		kql: `byt* > 1000`, want: `{"bool":{"should":[{"range":{"bytes":{"gt":"1000"}}}],"minimum_should_match":1}}`},
	{test: `range: should support scripted fields`,
		kql: `script number > 1000`, check: func(t *testing.T, q Query) {
			if b, ok := q.(*Bool); !ok || len(b.Should) != 1 || !strings.HasPrefix(mustJSON(b.Should[0]), `{"script":{"script":{`) {
				t.Errorf("want a script query, got %s", mustJSON(q))
			}
		}},
	{test: `range: should support date fields without a dateFormat provided`,
		kql:  `@timestamp > "2018-01-03T19:04:17"`,
		want: `{"bool":{"should":[{"range":{"@timestamp":{"gt":"2018-01-03T19:04:17"}}}],"minimum_should_match":1}}`},
	{test: `range: should support date fields with a dateFormat provided`,
		kql: `@timestamp > "2018-01-03T19:04:17"`, cfg: Config{DateFormatTZ: "America/Phoenix"},
		want: `{"bool":{"should":[{"range":{"@timestamp":{"gt":"2018-01-03T19:04:17","time_zone":"America/Phoenix"}}}],"minimum_should_match":1}}`},
	{test: `range: should not add time_zone for epoch millisecond values even when dateFormat is provided`,
		kql: `@timestamp > 1776338120239`, cfg: Config{DateFormatTZ: "America/Phoenix"},
		want: `{"bool":{"should":[{"range":{"@timestamp":{"gt":"1776338120239"}}}],"minimum_should_match":1}}`},
	{test: `range: should not add time_zone for digit-only string epoch values even when dateFormat is provided`,
		kql: `@timestamp > "1776338120239"`, cfg: Config{DateFormatTZ: "America/Phoenix"},
		want: `{"bool":{"should":[{"range":{"@timestamp":{"gt":"1776338120239"}}}],"minimum_should_match":1}}`},
	{test: `range: should use a provided nested context to create a full field name`,
		kql: `bytes > 1000`, nested: "nestedField",
		want: `{"bool":{"should":[{"range":{"nestedField.bytes":{"gt":"1000"}}}],"minimum_should_match":1}}`},
	{test: `range: should automatically add a nested query when a wildcard field name covers a nested field`,
		kql:  `*doublyNested* < 8000`,
		want: `{"bool":{"should":[{"nested":{"path":"nestedField.nestedChild","query":{"range":{"nestedField.nestedChild.doublyNestedChild":{"lt":"8000"}}},"score_mode":"none"}}],"minimum_should_match":1}}`},
	{test: `range: should allow to configure ignore_unmapped for a nested query`,
		kql: `*doublyNested* < 8000`, cfg: Config{NestedIgnoreUnmapped: yes()},
		want: `{"bool":{"should":[{"nested":{"path":"nestedField.nestedChild","query":{"range":{"nestedField.nestedChild.doublyNestedChild":{"lt":"8000"}}},"score_mode":"none","ignore_unmapped":true}}],"minimum_should_match":1}}`},

	// src/platform/packages/shared/kbn-es-query/src/kuery/functions/and.test.ts
	{test: `and: should wrap subqueries in an ES bool query's filter clause`,
		kql:  `machine.os:osx and extension:jpg`,
		want: `{"bool":{"filter":[` + isMatchOSX + `,` + isMatchJPG + `]}}`},
	{test: `and: should wrap subqueries in an ES bool query's must clause for scoring if enabled`,
		kql: `machine.os:osx and extension:jpg`, cfg: Config{FiltersInMustClause: true},
		want: `{"bool":{"must":[` + isMatchOSX + `,` + isMatchJPG + `]}}`},
	// src/platform/packages/shared/kbn-es-query/src/kuery/functions/or.test.ts
	{test: `or: should wrap subqueries in an ES bool query's should clause; should require one of the clauses to match`,
		kql:  `machine.os:osx or extension:jpg`,
		want: `{"bool":{"should":[` + isMatchOSX + `,` + isMatchJPG + `],"minimum_should_match":1}}`},
	// src/platform/packages/shared/kbn-es-query/src/kuery/functions/not.test.ts
	{test: `not: should wrap a subquery in an ES bool query's must_not clause`,
		kql: `not extension:jpg`, want: `{"bool":{"must_not":` + isMatchJPG + `}}`},
	// src/platform/packages/shared/kbn-es-query/src/kuery/functions/nested.test.ts
	{test: `nested: should wrap subqueries in an ES nested query; should pass the nested path to subqueries so the full field name can be used`,
		kql:  `nestedField:{ child:foo }`,
		want: `{"nested":{"path":"nestedField","query":{"bool":{"should":[{"match":{"nestedField.child":"foo"}}],"minimum_should_match":1}},"score_mode":"none"}}`},

	// The errors of get_full_field_name_node.ts (its test file,
	// utils/get_full_field_name_node.test.ts, expects these messages).
	{test: `getFullFieldNameNode: should throw an error if a path is provided for a non-nested field`,
		kql: `os:foo`, nested: "machine",
		err: `machine.os is not a nested field but is in nested group "machine" in the KQL expression.`},
	{test: `getFullFieldNameNode: should throw an error if a nested field is not passed with a path`,
		kql: `nestedField.child:foo`,
		err: `nestedField.child is a nested field, but is not in a nested group in the KQL expression.`},
	{test: `getFullFieldNameNode: should throw an error if a nested field is passed with the wrong path`,
		kql: `nestedChild.doublyNestedChild:foo`, nested: "nestedField",
		err: `Nested field nestedField.nestedChild.doublyNestedChild is being queried with the incorrect nested path. The correct path is nestedField.nestedChild.`},
	{test: `getFullFieldNameNode: should skip error checking for wildcard names`,
		kql: `nested*:foo`, check: func(t *testing.T, q Query) {}},
	// grammar.peggy, Value: leading wildcards when disallowed.
	{test: `grammar: Leading wildcards are disabled`,
		kql: `extension:*jpg`, cfg: Config{AllowLeadingWildcards: false},
		err: `Leading wildcards are disabled. See query:allowLeadingWildcards in Advanced Settings.`},
}

const (
	isMatchOSX = `{"bool":{"should":[{"match":{"machine.os":"osx"}}],"minimum_should_match":1}}`
	isMatchJPG = `{"bool":{"should":[{"match":{"extension":"jpg"}}],"minimum_should_match":1}}`
)

func mustJSON(q Query) string {
	b, err := q.MarshalJSON()
	if err != nil {
		return "error: " + err.Error()
	}
	return string(b)
}

func TestKibanaFunctionTests(t *testing.T) {
	dv := stubDataView(t)
	for _, c := range kibanaCases {
		t.Run(c.test, func(t *testing.T) {
			x, err := kql.Parse(c.kql)
			if err != nil {
				t.Fatalf("parse %q: %v", c.kql, err)
			}
			cfg := c.cfg
			if c.test != `grammar: Leading wildcards are disabled` {
				cfg.AllowLeadingWildcards = true // the grammar's default; the tests call toElasticsearchQuery directly
			}
			b := builder{dv: dv, cfg: cfg}
			if c.noDV {
				b.dv = nil
			}
			if !cfg.AllowLeadingWildcards {
				err = leadingWildcard(x)
			}
			var q Query
			if err == nil {
				q, err = b.expr(x, c.nested)
			}
			if c.err != "" {
				if err == nil || err.Error() != c.err {
					t.Fatalf("%q: want error %q, got %v", c.kql, c.err, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("%q: %v", c.kql, err)
			}
			got := mustJSON(q)
			if c.check != nil {
				c.check(t, q)
				return
			}
			if !reflect.DeepEqual(canonical(t, []byte(got)), canonical(t, []byte(c.want))) {
				t.Errorf("%q:\n got %s\nwant %s", c.kql, got, c.want)
			}
		})
	}
}

// TestKeyOrder checks that the JSON is written in the key order of
// Kibana's object literals, byte for byte, on a few queries.
func TestKeyOrder(t *testing.T) {
	dv := stubDataView(t)
	for _, c := range []struct {
		kql  string
		cfg  Config
		want string
	}{
		// is.ts: type, query, lenient.
		{`200`, Config{}, `{"multi_match":{"type":"best_fields","query":"200","lenient":true}}`},
		{`"a b"`, Config{}, `{"multi_match":{"type":"phrase","query":"a b","lenient":true}}`},
		// is.ts: fields before query.
		{`extension:jpg*`, Config{}, `{"bool":{"should":[{"query_string":{"fields":["extension"],"query":"jpg*"}}],"minimum_should_match":1}}`},
		// is.ts date: gte, lte, time_zone.
		{`@timestamp:"2018-04-03"`, Config{DateFormatTZ: "Zulu"}, `{"bool":{"should":[{"range":{"@timestamp":{"gte":"2018-04-03","lte":"2018-04-03","time_zone":"Zulu"}}}],"minimum_should_match":1}}`},
		// nested.ts: path, query, score_mode, ignore_unmapped.
		{`nestedField:{ child:"x" }`, Config{NestedIgnoreUnmapped: new(bool)}, `{"nested":{"path":"nestedField","query":{"bool":{"should":[{"match_phrase":{"nestedField.child":"x"}}],"minimum_should_match":1}},"score_mode":"none","ignore_unmapped":false}}`},
		// term: value, case_insensitive (false is written: typeof === 'boolean').
		{`machine.os.keyword:(a or not b)`, Config{CaseInsensitive: new(bool)}, `{"bool":{"should":[{"bool":{"should":[{"term":{"machine.os.keyword":{"value":"a","case_insensitive":false}}}],"minimum_should_match":1}},{"bool":{"must_not":{"bool":{"should":[{"term":{"machine.os.keyword":{"value":"b","case_insensitive":false}}}],"minimum_should_match":1}}}}],"minimum_should_match":1}}`},
		// query_string escaping of each piece; whitespace is not escaped.
		{`extension:a+b c\:d\*e*`, Config{}, `{"bool":{"should":[{"query_string":{"fields":["extension"],"query":"a\\+b c\\:d\\*e*"}}],"minimum_should_match":1}}`},
		// JSON.stringify does not escape HTML characters.
		{`machine.os.keyword:"<a&b>"`, Config{}, `{"bool":{"should":[{"term":{"machine.os.keyword":{"value":"<a&b>"}}}],"minimum_should_match":1}}`},
	} {
		cfg := c.cfg
		cfg.AllowLeadingWildcards = true
		x, err := kql.Parse(c.kql)
		if err != nil {
			t.Fatal(err)
		}
		q, err := FromKQL(x, dv, cfg)
		if err != nil {
			t.Fatalf("%q: %v", c.kql, err)
		}
		if got := mustJSON(q); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.kql, got, c.want)
		}
	}
}

// TestScripts checks the scripts of getPhraseScript and getRangeScript
// (filters/build_filters/phrase_filter.ts and range_filter.ts) byte for byte.
func TestScripts(t *testing.T) {
	dv := stubDataView(t)
	for _, c := range []struct{ kql, want, err string }{
		{`script number:1234`, `{"bool":{"should":[{"script":{"script":{"source":"(1234) == value","lang":"expression","params":{"value":1234}}}}],"minimum_should_match":1}}`, ""},
		{`script string:foo`, `{"bool":{"should":[{"script":{"script":{"source":"boolean compare(Supplier s, def v) {if(s.get() instanceof List){List list = s.get(); for(def k : list){if(k==v){return true;}}return false;}else{return s.get() == v;}}compare(() -> { 1234 }, params.value);","lang":"painless","params":{"value":"foo"}}}}],"minimum_should_match":1}}`, ""},
		{`script number > 1000`, `{"bool":{"should":[{"script":{"script":{"source":"(1234)>gt","params":{"gt":1000},"lang":"expression"}}}],"minimum_should_match":1}}`, ""},
		{`script date <= "2020-01-01"`, `{"bool":{"should":[{"script":{"script":{"source":"boolean lte(Supplier s, def v) {return !s.get().toInstant().isAfter(Instant.parse(v))}lte(() -> { 1234 }, params.lte)","params":{"lte":"2020-01-01"},"lang":"painless"}}}],"minimum_should_match":1}}`, ""},
		// is.ts skips scripted fields for exists queries: an empty should.
		{`script string:*`, `{"bool":{"should":[],"minimum_should_match":1}}`, ""},
	} {
		x, err := kql.Parse(c.kql)
		if err != nil {
			t.Fatal(err)
		}
		q, err := FromKQL(x, dv, Config{})
		if err != nil {
			t.Fatalf("%q: %v", c.kql, err)
		}
		if got := mustJSON(q); got != c.want {
			t.Errorf("%q:\n got %s\nwant %s", c.kql, got, c.want)
		}
	}
}

// TestBuildQueryFromKuery follows es_query/from_kuery.test.ts and
// build_es_query.test.ts: the bool with must, filter, should and must_not,
// the queries in filter, match_all removed.
func TestBuildQueryFromKuery(t *testing.T) {
	dv := stubDataView(t)
	if got := mustJSON(BuildEsQuery(nil, nil, dv, Config{})); got != `{"bool":{"must":[],"filter":[],"should":[],"must_not":[]}}` {
		t.Errorf("should return the parameters of an Elasticsearch bool query: got %s", got)
	}
	x, _ := kql.Parse(`extension:jpg`)
	q, err := FromKQL(x, dv, Config{})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"bool":{"must":[],"filter":[` + isMatchJPG + `],"should":[],"must_not":[]}}`
	if got := mustJSON(BuildEsQuery(q, nil, dv, Config{})); got != want {
		t.Errorf("kuery query in filter:\n got %s\nwant %s", got, want)
	}
	all, _ := kql.Parse(``)
	q, _ = FromKQL(all, dv, Config{})
	neg, _ := ParseQuery([]byte(`{"match_phrase":{"extension":"png"}}`))
	want = `{"bool":{"must":[],"filter":[],"should":[],"must_not":[{"match_phrase":{"extension":"png"}}]}}`
	if got := mustJSON(BuildEsQuery(q, []Filter{{Query: neg, Negate: true}}, dv, Config{})); got != want {
		t.Errorf("match_all removed, negated filter in must_not:\n got %s\nwant %s", got, want)
	}
	// build_es_query.test.ts: should remove match_all clauses.
	all2, _ := ParseQuery([]byte(`{"match_all":{}}`))
	ab, _ := ParseQuery([]byte(`{"match":{"a":"b"}}`))
	if got, want := mustJSON(BuildEsQuery(nil, []Filter{{Query: all2}, {Query: ab}}, dv, Config{})), `{"bool":{"must":[],"filter":[{"match":{"a":"b"}}],"should":[],"must_not":[]}}`; got != want {
		t.Errorf("should remove match_all clauses:\n got %s\nwant %s", got, want)
	}
	// build_es_query.test.ts: should allow to use ignore_unmapped for nested fields.
	nx, _ := kql.Parse(`nestedField: { child: "something" }`)
	cfg := Config{NestedIgnoreUnmapped: yes()}
	nq, err := FromKQL(nx, dv, cfg)
	if err != nil {
		t.Fatal(err)
	}
	ex, _ := ParseQuery([]byte(`{"exists":{"field":"nestedField.child"}}`))
	want = `{"bool":{"must":[],"filter":[` +
		`{"nested":{"path":"nestedField","query":{"bool":{"should":[{"match_phrase":{"nestedField.child":"something"}}],"minimum_should_match":1}},"score_mode":"none","ignore_unmapped":true}},` +
		`{"nested":{"path":"nestedField","query":{"exists":{"field":"nestedField.child"}},"ignore_unmapped":true}}` +
		`],"should":[],"must_not":[]}}`
	if got := mustJSON(BuildEsQuery(nq, []Filter{{Query: ex}}, dv, cfg)); got != want {
		t.Errorf("should allow to use ignore_unmapped for nested fields:\n got %s\nwant %s", got, want)
	}
	if got := mustJSON(mustFromKQL(t, nil, dv)); got != `{"bool":{"filter":[]}}` {
		t.Errorf("no node: got %s", got)
	}
}

func mustFromKQL(t *testing.T, src *string, dv *mapping.DataView) Query {
	t.Helper()
	if src == nil {
		q, err := FromKQL(nil, dv, Config{})
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	x, err := kql.Parse(*src)
	if err != nil {
		t.Fatal(err)
	}
	q, err := FromKQL(x, dv, Config{AllowLeadingWildcards: true})
	if err != nil {
		t.Fatal(err)
	}
	return q
}

// TestLeadingWildcardFirst: Kibana's grammar rejects a leading wildcard
// while parsing, so that error wins over any translation error, and only
// values are checked (field names and range bounds are not).
func TestLeadingWildcardFirst(t *testing.T) {
	dv := stubDataView(t)
	for _, c := range []struct{ kql, err string }{
		{`nestedField.child:x or extension:(a or *b)`, msgLeadingWildcard},
		{`*b`, msgLeadingWildcard},
		{`*xt*:a and bytes > *1`, ""},
		{`extension:*`, ""},
	} {
		x, err := kql.Parse(c.kql)
		if err != nil {
			t.Fatal(err)
		}
		_, err = FromKQL(x, dv, Config{})
		if c.err == "" && err != nil || c.err != "" && (err == nil || err.Error() != c.err) {
			t.Errorf("%q: want error %q, got %v", c.kql, c.err, err)
		}
	}
}
