package eval_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/mapping"
)

var yes = true

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	var m map[string]any
	if err := dec.Decode(&m); err != nil {
		t.Fatal(err)
	}
	return m
}

var eqlMapping = mapping.Mapping{
	"process.name":         {Type: mapping.Keyword, IgnoreAbove: 1024},
	"process.command_line": {Type: mapping.Wildcard},
	"process.pid":          {Type: mapping.Long},
	"source.ip":            {Type: mapping.IP},
	"message":              {Type: mapping.Text},
	"event.code":           {Type: mapping.Keyword},
	"short":                {Type: mapping.Keyword, IgnoreAbove: 5},
	"nulled":               {Type: mapping.Keyword, NullValue: "NONE"},
}

// TestEQLQueries checks the query kinds Elasticsearch's EQL QueryTranslator
// builds beside Kibana's (x-pack/plugin/eql/.../planner/QueryTranslator.java):
// prefix (QL's Scalars.doKnownTranslate for startsWith), regexp (QL's
// Likes for regex and regex~, RegexpQueryBuilder with the ALL flags) and
// case-insensitive terms and wildcards.
func TestEQLQueries(t *testing.T) {
	ev := decode(t, `{"process": {"name": "PowerShell.EXE", "command_line": "powershell -enc AAA", "pid": 42}, "message": "Hello World", "source": {"ip": "10.1.2.3"},
		"event": {"code": 4624}, "short": "ABCDEF", "nulled": null}`)
	tests := []struct {
		name string
		q    esdsl.Query
		want bool
	}{
		{"prefix", &esdsl.Prefix{Field: "process.name", Value: "Power"}, true},
		{"prefix case-sensitive", &esdsl.Prefix{Field: "process.name", Value: "power"}, false},
		{"prefix case_insensitive", &esdsl.Prefix{Field: "process.name", Value: "power", CaseInsensitive: &yes}, true},
		{"prefix escapes wildcards", &esdsl.Prefix{Field: "process.name", Value: "P*"}, false},
		{"regexp whole value", &esdsl.Regexp{Field: "process.name", Value: "Power.*"}, true},
		{"regexp anchored", &esdsl.Regexp{Field: "process.name", Value: "Shell"}, false},
		{"regexp case_insensitive", &esdsl.Regexp{Field: "process.name", Value: "powershell\\.exe", CaseInsensitive: &yes}, true},
		{"regexp class and repeat", &esdsl.Regexp{Field: "process.command_line", Value: "powershell -enc [A]{3}"}, true},
		{"regexp lazy is optional", &esdsl.Regexp{Field: "process.command_line", Value: ".*?enc.*?"}, true},
		{"regexp quoted literal", &esdsl.Regexp{Field: "process.command_line", Value: `"powershell -enc "A+`}, true},
		{"regexp @ any string", &esdsl.Regexp{Field: "process.command_line", Value: "power@"}, true},
		{"regexp # empty language", &esdsl.Regexp{Field: "process.command_line", Value: "#|x"}, false},
		{"regexp on text matches tokens", &esdsl.Regexp{Field: "message", Value: "wor.d"}, true},
		{"term case_insensitive", &esdsl.Term{Field: "process.name", Value: "powershell.exe", CaseInsensitive: &yes}, true},
		{"wildcard case_insensitive", &esdsl.Wildcard{Field: "process.name", Value: "*shell.exe", CaseInsensitive: &yes}, true},
		{"wildcard ? is one character", &esdsl.Wildcard{Field: "process.name", Value: "?owerShell.EXE"}, true},
		// A keyword field indexes a number as its text; case_insensitive
		// compares that text too.
		{"term case_insensitive on a number", &esdsl.Term{Field: "event.code", Value: "4624", CaseInsensitive: &yes}, true},
		{"wildcard case_insensitive on a number", &esdsl.Wildcard{Field: "event.code", Value: "46*", CaseInsensitive: &yes}, true},
		{"term case_insensitive beyond ignore_above", &esdsl.Term{Field: "short", Value: "abcdef", CaseInsensitive: &yes}, false},
		{"term case_insensitive on null_value", &esdsl.Term{Field: "nulled", Value: "none", CaseInsensitive: &yes}, true},
	}
	for _, tt := range tests {
		p, err := eval.CompileQuery(tt.q, eval.WithMapping(eqlMapping))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if got := p.Match(ev); got != tt.want {
			t.Errorf("%s: Match = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestLuceneRegexpErrors(t *testing.T) {
	for _, p := range []string{"a~b", "a&b", "<1-10>", "[abc", `"abc`, `abc\`} {
		if _, err := eval.LuceneRegexp(p, false); err == nil {
			t.Errorf("LuceneRegexp(%q): no error", p)
		}
	}
	if _, err := eval.CompileQuery(&esdsl.Regexp{Field: "process.pid", Value: "4.*"}, eval.WithMapping(eqlMapping)); err == nil {
		t.Errorf("regexp on a long field: no error")
	}
}

// TestEQLMatchAllocs keeps the common EQL matchers allocation-free on
// decoded events.
func TestEQLMatchAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("skipped under the race detector: its sync.Pool drops items, so allocation counts do not hold")
	}
	ev := decode(t, `{"process": {"name": "PowerShell.EXE", "command_line": "powershell -enc AAA", "pid": 42}}`)
	for name, q := range map[string]esdsl.Query{
		"term":               &esdsl.Term{Field: "process.name", Value: "cmd.exe"},
		"term ci":            &esdsl.Term{Field: "process.name", Value: "powershell.exe", CaseInsensitive: &yes},
		"wildcard ci":        &esdsl.Wildcard{Field: "process.name", Value: "*shell.exe", CaseInsensitive: &yes},
		"prefix":             &esdsl.Prefix{Field: "process.name", Value: "Power"},
		"regexp":             &esdsl.Regexp{Field: "process.command_line", Value: ".*?enc.*?"},
		"terms":              &esdsl.Terms{Field: "process.pid", Values: []any{json.Number("1"), json.Number("42")}},
		"range":              &esdsl.Range{Field: "process.pid", Bounds: []esdsl.Bound{{Op: "gt", Value: json.Number("4")}}},
		"exists and bool":    &esdsl.Bool{Must: []esdsl.Query{&esdsl.Exists{Field: "process.pid"}}, MustNot: []esdsl.Query{&esdsl.Exists{Field: "user.name"}}},
		"wildcard ci, lower": &esdsl.Wildcard{Field: "process.command_line", Value: "*-ENC*", CaseInsensitive: &yes},
		// length(process.name) > 12, as MultiValueAwareScriptQuery runs it
		"script": &esdsl.ScriptQuery{MultiValue: true, Expr: &esdsl.ScriptCall{Func: "InternalQlScriptUtils.gt", Args: []esdsl.ScriptExpr{
			&esdsl.ScriptCall{Func: "InternalEqlScriptUtils.length", Args: []esdsl.ScriptExpr{&esdsl.ScriptField{Name: "process.name"}}},
			&esdsl.ScriptParam{Value: int64(12)}}}},
		// startsWith~(process.name, "power") and process.pid % 2 == 0 over two fields
		"script two fields": &esdsl.ScriptQuery{Expr: &esdsl.ScriptCall{Func: "InternalQlScriptUtils.and", Args: []esdsl.ScriptExpr{
			&esdsl.ScriptCall{Func: "InternalEqlScriptUtils.startsWith", Args: []esdsl.ScriptExpr{&esdsl.ScriptField{Name: "process.name"}, &esdsl.ScriptParam{Value: "power"}, &esdsl.ScriptParam{Value: true}}},
			&esdsl.ScriptCall{Func: "InternalQlScriptUtils.eq", Args: []esdsl.ScriptExpr{
				&esdsl.ScriptCall{Func: "InternalQlScriptUtils.mod", Args: []esdsl.ScriptExpr{&esdsl.ScriptField{Name: "process.pid"}, &esdsl.ScriptParam{Value: int64(2)}}},
				&esdsl.ScriptParam{Value: int64(0)}}}}}},
	} {
		p, err := eval.CompileQuery(q, eval.WithMapping(eqlMapping))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n := testing.AllocsPerRun(200, func() { p.Match(ev) }); n != 0 {
			t.Errorf("%s: Match allocates %v times per event", name, n)
		}
	}
}
