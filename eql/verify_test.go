package eql_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
)

// verifyMapping holds the fields of Elasticsearch's
// x-pack/plugin/eql/src/test/resources/mapping-default.json that
// VerifierTests uses, plus an ip, a text field without a keyword
// sub-field (mapping-multi-field.json's multi_field.english) and a
// boolean.
const verifyMapping = `{"properties": {
	"@timestamp": {"type": "date"},
	"pid": {"type": "long"}, "opcode": {"type": "long"},
	"md5": {"type": "keyword"}, "command_line": {"type": "keyword"}, "process_name": {"type": "keyword"},
	"hostname": {"type": "text", "fields": {"keyword": {"type": "keyword"}}},
	"user_domain": {"type": "keyword"},
	"source_address": {"type": "ip"},
	"bool": {"type": "boolean"},
	"path": {"type": "wildcard"},
	"multi_field": {"properties": {"english": {"type": "text"}}}
}}`

func TestVerify(t *testing.T) {
	m, err := eql.ReadMapping([]byte(verifyMapping))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		query string
		want  string // "line:col: message", errors joined by "\n"; "" for none
	}{
		// VerifierTests.testQueryOk: comparisons accept any types
		{`process where pid == "abcdef"`, ""},
		{`process where pid < 4 and source_address == 0`, ""}, // testIP: ip_addr == 0
		{`file where pid - 1 == 81 and pid % 40 == 2`, ""},
		{`file where ?foo == 123 and concat(?foo, "test", ?bar) == "onetest!"`, ""},
		{`process where length(path) > 3 and path : "C:\\*"`, ""},          // a wildcard field is a keyword
		{`process where hostname : "x" and startsWith(hostname, "a")`, ""}, // text with a keyword sub-field
		// VerifierTests.testQueryCondition
		{`any where bool`, ""},
		{`any where pid`, "1:11: Condition expression needs to be boolean, found [LONG]"},
		{`any where @timestamp`, "1:11: Condition expression needs to be boolean, found [DATETIME]"},
		{`any where command_line`, "1:11: Condition expression needs to be boolean, found [KEYWORD]"},
		{`any where source_address`, "1:11: Condition expression needs to be boolean, found [IP]"},
		// VerifierTests.testMixedSet (In.resolveType)
		{`foo where pid in (1, "string")`, `1:11: 2nd argument of [pid in (1, "string")] must be [long], found value ["string"] type [keyword]`},
		{`foo where md5 in ("a", 1)`, `1:11: 2nd argument of [md5 in ("a", 1)] must be [keyword], found value [1] type [integer]`},
		{`foo where md5 in ("a", "a", 1)`, `1:11: 2nd argument of [md5 in ("a", "a", 1)] must be [keyword], found value [1] type [integer]`}, // the list without repeats
		// VerifierTests.testIncorrectUsageOfStringEquals
		{`foo where pid : 123`, "1:11: first argument of [:] must be [string], found value [pid] type [long]; consider using [==] instead"},
		// the second argument of ':' (Elasticsearch's message for
		// "event.code : 4697" on a keyword is quoted, up to its first
		// part, in SigmaHQ/pySigma-backend-elasticsearch#103; the hint is
		// added to either side by InsensitiveBinaryComparison, whose
		// regularOperatorSymbol InsensitiveWildcardEquals gives as "==")
		{`foo where md5 : 4697`, "1:11: second argument of [:] must be [string], found value [4697] type [integer]; consider using [==] instead"},
		// VerifierTests.testStringFunctionWithText (TypeResolutions.isExact):
		// errors are at the start of the refusing expression, the call
		// here, not at its argument
		{`process where string(multi_field.english) == "foo"`, "1:15: [string(multi_field.english)] cannot operate on first argument field of data type [text]: No keyword/multi-field defined exact matches for [english]; define one or use MATCH/QUERY instead"},
		// CIDRMatch.resolveType: isIPAndExact, then constant strings
		{`network where cidrMatch(source_address, "10.0.0.0/8", "192.168.0.0/16")`, ""},
		{`network where cidrMatch(md5, "10.0.0.0/8")`, `1:15: first argument of [cidrMatch(md5, "10.0.0.0/8")] must be [ip], found value [md5] type [keyword]`},
		{`network where cidrMatch(source_address, 10)`, `1:15: argument of [cidrMatch(source_address, 10)] must be [string], found value [10] type [integer]`},
		// the string functions: isStringAndExact, Length with DEFAULT
		{`process where length(pid) > 1`, "1:15: argument of [length(pid)] must be [string], found value [pid] type [long]"},
		{`process where startsWith(pid, "1")`, `1:15: first argument of [startsWith(pid, "1")] must be [string], found value [pid] type [long]`},
		{`process where endsWith(md5, 1)`, "1:15: second argument of [endsWith(md5, 1)] must be [string], found value [1] type [integer]"},
		{`process where stringContains(source_address, "1")`, `1:15: first argument of [stringContains(source_address, "1")] must be [string], found value [source_address] type [ip]`},
		{`process where substring(md5, "a") == "b"`, `1:15: second argument of [substring(md5, "a")] must be [integer], found value ["a"] type [keyword]`},
		{`process where indexOf(md5, "a", 1.5) == 1`, "1:15: third argument of [indexOf(md5, \"a\", 1.5)] must be [integer], found value [1.5] type [double]"},
		{`process where between(md5, "a", "b", 1) == "x"`, `1:15: fourth argument of [between(md5, "a", "b", 1)] must be [boolean], found value [1] type [integer]`},
		{`process where number(pid) == 1`, "1:15: first argument of [number(pid)] must be [string], found value [pid] type [long]"},
		// arithmetic: QL's ArithmeticOperation, isNumeric
		{`process where md5 + 1 == 2`, "1:15: first argument of [md5 + 1] must be [numeric], found value [md5] type [keyword]"},
		{`process where add(pid, "1") == 2`, `1:15: second argument of [add(pid, "1")] must be [numeric], found value ["1"] type [keyword]`},
		{`process where -md5 == 2`, "1:15: argument of [-md5] must be [numeric], found value [md5] type [keyword]"},
		// like and regex: a string field (QL's RegexMatch)
		{`process where pid like "1*"`, `1:15: argument of [pid like "1*"] must be [string], found value [pid] type [long]`},
		// VerifierTests.testKeysWithDifferentTypes, testKeysWithDifferentButCompatibleTypes, testKeysWithSimilarYetDifferentTypes
		{`sequence [process where true] by pid [process where true] by md5`, "1:62: Sequence key [md5] type [keyword] is incompatible with key [pid] type [long]"},
		{`sequence [process where true] by hostname [process where true] by user_domain`, ""},
		{`sequence [process where true] by @timestamp [process where true] by opcode`, "1:69: Sequence key [opcode] type [long] is incompatible with key [@timestamp] type [date]"},
		// every error is reported, in the order of the query; stages too
		{"sequence by md5\n [process where length(pid) > 1]\n [file where pid : \"x\"]", "2:17: argument of [length(pid)] must be [string], found value [pid] type [long]\n3:14: first argument of [:] must be [string], found value [pid] type [long]; consider using [==] instead"},
		// an unknown field is left to the field check
		{`process where length(nosuch) > 1 and cidrMatch(nosuch, "10.0.0.0/8")`, ""},
	} {
		q, err := eql.Parse(tc.query)
		if err != nil {
			t.Errorf("%s: %v", tc.query, err)
			continue
		}
		var got []string
		for _, e := range eql.Verify(q, m) {
			got = append(got, fmt.Sprintf("%d:%d: %s", e.Line, e.Column, e.Msg))
		}
		if strings.Join(got, "\n") != tc.want {
			t.Errorf("%s:\n got %q\nwant %q", tc.query, strings.Join(got, "\n"), tc.want)
		}
	}
}

// TestVerifySpec: every query of Elasticsearch's spec tests
// (../shared/eql-spec) runs on Elasticsearch, so Verify refuses none of
// them with its entry's mapping.
func TestVerifySpec(t *testing.T) {
	dir := filepath.Dir(corpusPath(t, "eql-spec/cases.jsonl"))
	n := 0
	for _, c := range specCases(t) {
		data, err := os.ReadFile(filepath.Join(dir, "data", c.Mapping))
		if err != nil {
			t.Fatal(err)
		}
		m, err := eql.ReadMapping(data)
		if err != nil {
			t.Fatal(err)
		}
		q, err := eql.Parse(c.Query)
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		n++
		for _, e := range eql.Verify(q, m) {
			t.Errorf("%s: %s\n%s", c.ID, c.Query, e)
		}
	}
	t.Logf("%d spec queries verified", n)
	if n < 400 {
		t.Errorf("only %d spec queries", n)
	}
}
