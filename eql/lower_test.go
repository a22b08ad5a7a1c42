package eql_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/mapping"
)

// TestLower checks the DSL of event queries against what Elasticsearch's
// EQL planner builds (x-pack/plugin/eql/src/main/java/org/elasticsearch/
// xpack/eql/planner/QueryTranslator.java with QL's ExpressionTranslators;
// the optimizer's ReplaceNullChecks, LiteralsOnTheRight,
// BooleanFunctionEqualsElimination; x-pack/plugin/eql/src/test/resources/
// querytranslator_tests.txt for the shapes). The mapping has a text field
// with a keyword sub-field, so equality runs on the sub-field.
func TestLower(t *testing.T) {
	m := eql.NewMapping(mapping.Mapping{
		"event.category":    {Type: mapping.Keyword},
		"process.name":      {Type: mapping.Keyword},
		"process.pid":       {Type: mapping.Long},
		"file.name":         {Type: mapping.Text},
		"file.name.keyword": {Type: mapping.Keyword},
		"source.ip":         {Type: mapping.IP},
		"labels":            {Type: mapping.Flattened},
	})
	tests := []struct{ query, want string }{
		{`process where true`, `{"term":{"event.category":{"value":"process"}}}`},
		{`any where true`, `{"match_all":{}}`},
		{`any where labels.env == "prod"`, `{"term":{"labels.env":{"value":"prod"}}}`},
		{`process where false`, `{"bool":{"must":[{"term":{"event.category":{"value":"process"}}},{"bool":{"must_not":[{"match_all":{}}]}}]}}`},
		{`any where process.name == "cmd.exe"`, `{"term":{"process.name":{"value":"cmd.exe"}}}`},
		{`any where file.name == "a.exe"`, `{"term":{"file.name.keyword":{"value":"a.exe"}}}`},
		{`any where process.name != "cmd.exe"`, `{"bool":{"must_not":[{"term":{"process.name":{"value":"cmd.exe"}}}]}}`},
		{`any where process.name == null`, `{"bool":{"must_not":[{"exists":{"field":"process.name"}}]}}`},
		{`any where null != process.name`, `{"exists":{"field":"process.name"}}`},
		{`any where 1 < process.pid`, `{"range":{"process.pid":{"gt":1}}}`},
		{`any where process.name : "CMD.exe"`, `{"term":{"process.name":{"value":"CMD.exe","case_insensitive":true}}}`},
		{`any where process.name : ("a*", "b?")`, `{"bool":{"should":[{"wildcard":{"process.name":{"value":"a*","case_insensitive":true}}},{"wildcard":{"process.name":{"value":"b?","case_insensitive":true}}}]}}`},
		{`any where process.name : "C:\\*"`, `{"wildcard":{"process.name":{"value":"C:\\\\*","case_insensitive":true}}}`},
		{`any where process.name like "a*"`, `{"wildcard":{"process.name":{"value":"a*"}}}`},
		{`any where process.name like~ "a*"`, `{"wildcard":{"process.name":{"value":"a*","case_insensitive":true}}}`},
		{`any where process.name regex~ "a.*"`, `{"regexp":{"process.name":{"value":"a.*","flags_value":65535,"case_insensitive":true}}}`},
		{`any where process.pid in (1, 2, null)`, `{"terms":{"process.pid":[1,2]}}`},
		{`any where process.name not in ("a")`, `{"bool":{"must_not":[{"terms":{"process.name":["a"]}}]}}`},
		{`any where process.name in~ ("a")`, `{"term":{"process.name":{"value":"a","case_insensitive":true}}}`},
		{`any where cidrMatch(source.ip, "10.0.0.0/8", "::1/128")`, `{"terms":{"source.ip":["10.0.0.0/8","::1/128"]}}`},
		{`any where startsWith~(process.name, "cmd")`, `{"prefix":{"process.name":{"value":"cmd","case_insensitive":true}}}`},
		{`any where endsWith(process.name, ".exe")`, `{"wildcard":{"process.name":{"value":"*.exe"}}}`},
		{`any where stringContains(process.name, "md")`, `{"wildcard":{"process.name":{"value":"*md*"}}}`},
		{`any where not process.name == "a" or process.pid >= 4`, `{"bool":{"should":[{"bool":{"must_not":[{"term":{"process.name":{"value":"a"}}}]}},{"range":{"process.pid":{"gte":4}}}]}}`},
		{`any where ?nope == null`, `{"match_all":{}}`},
		{`any where ?nope == 1`, `{"script":{"script":{"source":"InternalQlScriptUtils.nullSafeFilter(InternalQlScriptUtils.eq(params.v0,params.v1))","lang":"painless","params":{"v0":null,"v1":1}}}}`},
		{`any where length(process.name) > 3`,
			`{"script":{"script":{"source":"InternalEqlScriptUtils.multiValueDocValues(doc,params.v0,X0 -> InternalQlScriptUtils.nullSafeFilter(InternalQlScriptUtils.gt(InternalEqlScriptUtils.length(X0),params.v1)))","lang":"painless","params":{"v0":"process.name","v1":3}}}}`},
		{`any where cidrMatch(source.ip, "10.0.0.0/8") == true`, `{"terms":{"source.ip":["10.0.0.0/8"]}}`},
		{`any where process.pid + 1 == 5`,
			`{"script":{"script":{"source":"InternalEqlScriptUtils.multiValueDocValues(doc,params.v0,X0 -> InternalQlScriptUtils.nullSafeFilter(InternalQlScriptUtils.eq(InternalQlScriptUtils.add(X0,params.v1),params.v2)))","lang":"painless","params":{"v0":"process.pid","v1":1,"v2":5}}}}`},
	}
	for _, tt := range tests {
		q, err := eql.Parse(tt.query)
		if err != nil {
			t.Errorf("%s: %v", tt.query, err)
			continue
		}
		dsl, err := eql.Lower(q, eql.Options{Fields: m})
		if err != nil {
			t.Errorf("%s: %v", tt.query, err)
			continue
		}
		b, err := dsl.MarshalJSON()
		if err != nil {
			t.Errorf("%s: %v", tt.query, err)
			continue
		}
		if string(b) != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.query, b, tt.want)
		}
	}
}

// TestLowerErrors checks the analyzer's errors Lower reports.
func TestLowerErrors(t *testing.T) {
	m := eql.NewMapping(mapping.Mapping{"message": {Type: mapping.Text}, "message.keyword": {Type: mapping.Keyword}, "n": {Type: mapping.Long}, "m": {Type: mapping.Long}, "plain": {Type: mapping.Text},
		"processes": {Type: mapping.Nested}, "processes.pid": {Type: mapping.Long}})
	tests := []struct{ query, want string }{
		// VerifierTests.testMissingColumn, testMisspelledColumn,
		// testMisspelledColumnWithMultipleOptions, testQueryCondition
		// (x-pack/plugin/eql/src/test/java/org/elasticsearch/xpack/eql/analysis/).
		{`any where xxx == 100`, `line 1:11: Unknown column [xxx]`},
		{`foo where true`, `line 1:1: Unknown column [event.category]`},
		{`any where mesage == "x"`, `line 1:11: Unknown column [mesage], did you mean [message]?`},
		{`any where mm == 1`, `line 1:11: Unknown column [mm], did you mean [m]?`},
		{`any where n`, `line 1:11: Condition expression needs to be boolean, found [LONG]`},
		{`any where n == 1 and x.message == "x"`, `line 1:22: Unknown column [x.message]`},
		{`any where processes == 0`, `line 1:11: Cannot use field [processes] type [nested] due to nested fields not being supported yet`},
		{`any where processes.pid == 0`, `line 1:11: Cannot use field [processes.pid] type [long] with unsupported nested type in hierarchy (field [processes])`},
		{`any where plain == "x"`, `line 1:11: No keyword/multi-field defined exact matches for [plain]`},
		{`any where n + 1`, `line 1:11: Condition expression needs to be boolean`},
		{`sequence [a where true] [b where true]`, `line 1:1: only event queries`},
		// QueryTranslatorFailTests.testPropertyEquationFilterUnsupported and
		// testPropertyEquationInClauseFilterUnsupported
		// (x-pack/plugin/eql/src/test/java/org/elasticsearch/xpack/eql/planner/).
		{`any where (n<9 and n >= 7) or (n == m)`, `line 1:37: Comparisons against fields are not (currently) supported; offender [m] in [==]`},
		{`any where n in (1,3) and n in (m, 2)`, `line 1:32: Comparisons against fields are not (currently) supported; offender [m] in [n in (m, 2)]`},
		{`any where length(message) > n`, `line 1:29: Comparisons against fields are not (currently) supported; offender [n] in [>]`},
	}
	for _, tt := range tests {
		q, err := eql.Parse(tt.query)
		if err != nil {
			t.Errorf("%s: %v", tt.query, err)
			continue
		}
		_, err = eql.Lower(q, eql.Options{Fields: m})
		var e *eql.Error
		if !errors.As(err, &e) || !strings.HasPrefix(e.Error(), tt.want) {
			t.Errorf("%s: got %v, want %s...", tt.query, err, tt.want)
		}
	}
}
