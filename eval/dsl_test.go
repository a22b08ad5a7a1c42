package eval

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

func compileDSL(t *testing.T, js string, opts ...Option) *Program {
	t.Helper()
	q, err := esdsl.ParseQuery([]byte(js))
	if err != nil {
		t.Fatalf("parse %s: %v", js, err)
	}
	p, err := CompileQuery(q, opts...)
	if err != nil {
		t.Fatalf("compile %s: %v", js, err)
	}
	return p
}

// TestCompileQuery matches DSL read from JSON, as rule filters and
// exceptions hold it, with Elasticsearch's rules for each query kind.
func TestCompileQuery(t *testing.T) {
	tests := []struct {
		name, dsl, event string
		want             bool
	}{
		{"match_all", `{"match_all":{}}`, `{}`, true},
		{"empty bool", `{"bool":{}}`, `{}`, true},
		{"term keyword", `{"term":{"event.category":"network"}}`, `{"event":{"category":["process","network"]}}`, true},
		{"term keyword case", `{"term":{"event.category":"Network"}}`, `{"event":{"category":"network"}}`, false},
		{"term case_insensitive", `{"term":{"event.category":{"value":"Network","case_insensitive":true}}}`, `{"event":{"category":"network"}}`, true},
		{"term number", `{"term":{"destination.port":21}}`, `{"destination":{"port":"21"}}`, true},
		{"term ip cidr", `{"term":{"source.ip":"10.0.0.0/8"}}`, `{"source":{"ip":"10.1.2.3"}}`, true},
		{"terms", `{"terms":{"destination.port":[20,21]}}`, `{"destination.port":20}`, true},
		{"terms miss", `{"terms":{"destination.port":[20,21]}}`, `{"destination.port":22}`, false},
		{"wildcard", `{"wildcard":{"process.name":{"value":"power*.exe"}}}`, `{"process.name":"powershell.exe"}`, true},
		{"wildcard escaped star", `{"wildcard":{"process.name":{"value":"a\\*"}}}`, `{"process.name":"ab"}`, false},
		{"wildcard escaped star exact", `{"wildcard":{"process.name":{"value":"a\\*"}}}`, `{"process.name":"a*"}`, true},
		{"wildcard case_insensitive", `{"wildcard":{"process.name":{"value":"POWER*","case_insensitive":true}}}`, `{"process.name":"powershell.exe"}`, true},
		{"match text", `{"match":{"message":"error"}}`, `{"message":"An Error occurred"}`, true},
		{"term text not analysed", `{"term":{"message":"Error"}}`, `{"message":"An Error occurred"}`, false},
		{"term text token", `{"term":{"message":"error"}}`, `{"message":"An Error occurred"}`, true},
		{"term text two words", `{"term":{"message":"an error"}}`, `{"message":"An Error occurred"}`, false},
		{"wildcard text not normalised", `{"wildcard":{"message":{"value":"Err*"}}}`, `{"message":"An Error occurred"}`, false},
		{"wildcard text token", `{"wildcard":{"message":{"value":"err*"}}}`, `{"message":"An Error occurred"}`, true},
		{"match_phrase text", `{"match_phrase":{"message":"error occurred"}}`, `{"message":"An Error occurred"}`, true},
		{"match_phrase text order", `{"match_phrase":{"message":"occurred error"}}`, `{"message":"An Error occurred"}`, false},
		{"bool filter", `{"bool":{"filter":[{"term":{"network.transport":"tcp"}},{"term":{"destination.port":21}}]}}`, `{"network.transport":"tcp","destination.port":21}`, true},
		{"bool must_not", `{"bool":{"must_not":[{"term":{"network.transport":"tcp"}}]}}`, `{"network.transport":"udp"}`, true},
		{"bool should alone", `{"bool":{"should":[{"term":{"a":"x"}},{"term":{"a":"y"}}]}}`, `{"a":"y"}`, true},
		{"bool should with filter is optional", `{"bool":{"filter":[{"term":{"b":"z"}}],"should":[{"term":{"a":"x"}}]}}`, `{"b":"z"}`, true},
		{"minimum_should_match 2", `{"bool":{"should":[{"term":{"a":"x"}},{"term":{"b":"y"}},{"term":{"c":"z"}}],"minimum_should_match":2}}`, `{"a":"x","c":"z"}`, true},
		{"minimum_should_match 2 miss", `{"bool":{"should":[{"term":{"a":"x"}},{"term":{"b":"y"}},{"term":{"c":"z"}}],"minimum_should_match":2}}`, `{"a":"x"}`, false},
		{"range number", `{"range":{"destination.port":{"gte":20,"lt":22}}}`, `{"destination.port":21}`, true},
		{"range number out", `{"range":{"destination.port":{"gte":20,"lt":22}}}`, `{"destination.port":22}`, false},
		{"range date", `{"range":{"@timestamp":{"gte":"2021-01-01","lte":"2021-01-01"}}}`, `{"@timestamp":"2021-01-01T23:59:59Z"}`, true},
		{"range date format", `{"range":{"@timestamp":{"gt":"2021-01-01T00:00:00Z","format":"strict_date_optional_time"}}}`, `{"@timestamp":"2021-01-01T00:00:01Z"}`, true},
		{"exists", `{"exists":{"field":"process.name"}}`, `{"process.name":"x"}`, true},
		{"exists miss", `{"exists":{"field":"process.name"}}`, `{"process.pid":1}`, false},
		{"nested", `{"nested":{"path":"items","query":{"bool":{"filter":[{"term":{"items.name":"a"}},{"range":{"items.size":{"gt":2}}}]}}}}`, `{"items":[{"name":"a","size":3}]}`, true},
		{"nested across elements", `{"nested":{"path":"items","query":{"bool":{"filter":[{"term":{"items.name":"a"}},{"range":{"items.size":{"gt":2}}}]}}}}`, `{"items":[{"name":"a","size":1},{"name":"b","size":3}]}`, false},
		{"nested ignore_unmapped", `{"nested":{"path":"process.name","query":{"match_all":{}},"ignore_unmapped":true}}`, `{"process":{"name":"x"}}`, false},
		{"multi_match all fields", `{"multi_match":{"type":"best_fields","query":"443","lenient":true}}`, `{"destination.port":443}`, true},
		{"multi_match fields", `{"multi_match":{"type":"best_fields","query":"x","lenient":true,"fields":["process.*"]}}`, `{"file.name":"x"}`, false},
		{"multi_match fields hit", `{"multi_match":{"type":"best_fields","query":"x","lenient":true,"fields":["process.*"]}}`, `{"process.name":"x"}`, true},
		{"multi_match phrase", `{"multi_match":{"type":"phrase","query":"error occurred","lenient":true}}`, `{"message":"An Error occurred"}`, true},
		{"query_string no fields", `{"query_string":{"query":"power*"}}`, `{"process.name":"powershell.exe"}`, true},
		{"query_string two clauses", `{"query_string":{"fields":["process.command_line"],"query":"*cmd.exe \\/c*"}}`, `{"process.command_line":"/c whoami"}`, true},
		{"query_string text field", `{"query_string":{"fields":["message"],"query":"err* nothing"}}`, `{"message":"An Error occurred"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compileDSL(t, tt.dsl, WithSchema(testSchema()))
			ev := decode(t, tt.event)
			if got := p.Match(ev); got != tt.want {
				t.Errorf("%s on %s = %v, want %v\n%s", tt.dsl, tt.event, got, tt.want, p.Explain(ev))
			}
			if got := p.Explain(ev).Held; got != tt.want {
				t.Errorf("Explain(%s on %s).Held = %v, want %v", tt.dsl, tt.event, got, tt.want)
			}
		})
	}
}

// TestCompileQueryErrors: what Elasticsearch refuses, and what kqlrules
// cannot run, is an error naming the query.
func TestCompileQueryErrors(t *testing.T) {
	tests := []struct{ dsl, want string }{
		{`{"term":{"source.ip":"foo"}}`, `"foo" is not a valid IP address`},
		{`{"term":{"destination.port":"x"}}`, `is not a number`},
		{`{"wildcard":{"destination.port":{"value":"2*"}}}`, `a wildcard is not allowed on a numeric`},
		{`{"query_string":{"fields":["process.name"],"query":"a\\"}}`, `ends with a lone backslash`},
		{`{"query_string":{"fields":["process.command_line"],"query":"a AND (b)"}}`, `query_string syntax`},
		{`{"range":{"@timestamp":{"gte":"2021-01-01","time_zone":"Europe/Paris"}}}`, `time_zone "Europe/Paris" is not supported`},
		{`{"range":{"@timestamp":{"gte":"yesterday"}}}`, `failed to parse date`},
		{`{"nested":{"path":"process.name","query":{"match_all":{}}}}`, `a nested query needs a nested field`},
		{`{"script":{"script":{"source":"doc['a'].value > 1","lang":"painless","params":{}}}}`, `a script query is not supported`},
	}
	for _, tt := range tests {
		q, err := esdsl.ParseQuery([]byte(tt.dsl))
		if err != nil {
			t.Fatalf("parse %s: %v", tt.dsl, err)
		}
		_, err = CompileQuery(q, WithSchema(testSchema()))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.dsl, err, tt.want)
		}
	}
	if _, err := CompileQuery(nil); err == nil {
		t.Error("a nil query compiled")
	}
}

// TestQueryStringOnWildcardField: Kibana sends a wildcard value on a field
// that is not exactly keyword as query_string (is.ts), and Lucene's query
// parser splits "*cmd.exe /c*" at the space into two clauses OR'ed
// together (default_operator OR; QueryStringQueryParser). On the ECS
// wildcard field process.command_line, each clause tests the whole value
// (WildcardFieldMapper), so "/c whoami" matches though it has no cmd.exe,
// and the whole "C:\Windows\cmd.exe /c whoami" does not (it neither ends
// with cmd.exe nor starts with /c): the old compiler matched one pattern
// with the space, as on a keyword field. On a keyword field (esTypes
// exactly keyword) Kibana sends one wildcard query, keeping the space.
func TestQueryStringOnWildcardField(t *testing.T) {
	const q = `process.command_line:*cmd.exe /c*`
	x, err := kql.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	wild, err := Compile(x)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := wild.DSL().MarshalJSON(); !strings.Contains(string(got), `"query_string":{"fields":["process.command_line"],"query":"*cmd.exe \\/c*"}`) {
		t.Errorf("DSL %s, want a query_string", got)
	}
	kw := mapping.Schema{"process.command_line": mapping.Keyword}
	kwp, err := Compile(x, WithSchema(kw))
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := kwp.DSL().MarshalJSON(); !strings.Contains(string(got), `"wildcard":{"process.command_line":{"value":"*cmd.exe \\/c*"}}`) {
		t.Errorf("DSL %s, want a wildcard query", got)
	}
	for _, tc := range []struct {
		value          string
		onWild, onKeyw bool
	}{
		{`C:\Windows\cmd.exe /c whoami`, false, true},
		{`/c whoami`, true, false},          // the second clause alone
		{`C:\Windows\cmd.exe`, true, false}, // the first clause alone
		{`powershell -c x`, false, false},
	} {
		ev := map[string]any{"process": map[string]any{"command_line": tc.value}}
		if got := wild.Match(ev); got != tc.onWild {
			t.Errorf("wildcard field, %q: %v, want %v\n%s", tc.value, got, tc.onWild, wild.Explain(ev))
		}
		if got := kwp.Match(ev); got != tc.onKeyw {
			t.Errorf("keyword field, %q: %v, want %v\n%s", tc.value, got, tc.onKeyw, kwp.Explain(ev))
		}
	}
	tr := wild.Explain(map[string]any{"process.command_line": "/c whoami"}).String()
	want := `✓ or
  ✗ process.command_line:*cmd.exe /c* (clause *cmd.exe)  values: "/c whoami"
  ✓ process.command_line:*cmd.exe /c* (clause /c*)  values: "/c whoami"
`
	if tr != want {
		t.Errorf("Explain:\n%s\nwant\n%s", tr, want)
	}
}

// TestWildcardFieldNames: Kibana builds one clause per data view field a
// wildcard field name designates, whatever its type (is.ts), and
// Elasticsearch builds each: a match of a non-address on an ip field, of a
// non-number on a numeric field, a query_string wildcard on a date field
// all throw (not lenient: MatchQueryParser, QueryStringQueryParser), and
// the search fails, as kibana#149920 reports for "agent*: test-1". Where
// every field takes the value, Explain shows each field's clause.
func TestWildcardFieldNames(t *testing.T) {
	for _, tc := range []struct{ q, want string }{
		{`*.ip:foo`, `field client.ip: "foo" is not a valid IP address`},
		{`destination.*:tcp`, `"tcp" is not a valid IP address`},
		{`destination.*:tcp`, `"tcp" is not a number, and destination.port is a long field`},
		{`*:abc*`, `field @timestamp: a wildcard is not allowed on a date field`},
		{`items.name:a`, `items.name is a nested field, but is not in a nested group`},
	} {
		x, err := kql.Parse(tc.q)
		if err != nil {
			t.Fatal(err)
		}
		_, err = Compile(x, WithSchema(testSchema()))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error containing %q", tc.q, err, tc.want)
		}
	}
	// Kibana's own error points at the field name.
	x, _ := kql.Parse(`event.kind:x and items.name:a`)
	_, err := Compile(x, WithSchema(testSchema()))
	if ce := CompileErrors(err); len(ce) != 1 || ce[0].Field != "items.name" || ce[0].Pos != 17 || ce[0].End != 27 {
		t.Errorf("Kibana's nested error: %#v", ce)
	}
	p := compileT(t, `destination.*:10.0.0.1`, WithSchema(mapping.Schema{"destination.ip": mapping.IP, "destination.address": mapping.Keyword, "destination.domain": mapping.Keyword}))
	tr := p.Explain(map[string]any{"destination": map[string]any{"ip": "10.0.0.1", "domain": "x"}}).String()
	want := `✓ or
  ✗ destination.address:10.0.0.1  (no value)
  ✗ destination.domain:10.0.0.1  values: "x"
  ✓ destination.ip:10.0.0.1  values: "10.0.0.1"
`
	if tr != want {
		t.Errorf("Explain:\n%s\nwant\n%s", tr, want)
	}
}

// TestCompileFilters: a rule's query and its filters, ANDed as Kibana's
// buildEsQuery does; a negated filter in must_not.
func TestCompileFilters(t *testing.T) {
	x, err := kql.Parse(`event.category:network`)
	if err != nil {
		t.Fatal(err)
	}
	q, err := esdsl.FromKQL(x, testSchema().DataView(), esdsl.Config{})
	if err != nil {
		t.Fatal(err)
	}
	filter := func(js string, negate bool) esdsl.Filter {
		f, err := esdsl.ParseQuery([]byte(js))
		if err != nil {
			t.Fatal(err)
		}
		return esdsl.Filter{Query: f, Negate: negate}
	}
	p, err := CompileFilters(q, []esdsl.Filter{
		filter(`{"match_phrase":{"network.transport":"tcp"}}`, false),
		filter(`{"exists":{"field":"source.ip"}}`, false),
		filter(`{"range":{"destination.port":{"lt":1024}}}`, true),
		filter(`{"exists":{"field":"items.name"}}`, false), // nested: wrapped by buildEsQuery
	}, WithSchema(testSchema()))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		event string
		want  bool
	}{
		{`{"event.category":"network","network.transport":"tcp","source.ip":"10.0.0.1","destination.port":2000,"items":[{"name":"a"}]}`, true},
		{`{"event.category":"network","network.transport":"tcp","source.ip":"10.0.0.1","destination.port":21,"items":[{"name":"a"}]}`, false},
		{`{"event.category":"network","network.transport":"udp","source.ip":"10.0.0.1","destination.port":2000,"items":[{"name":"a"}]}`, false},
		{`{"event.category":"network","network.transport":"tcp","source.ip":"10.0.0.1","destination.port":2000}`, false},
		{`{"event.category":"process","network.transport":"tcp","source.ip":"10.0.0.1","destination.port":2000,"items":[{"name":"a"}]}`, false},
	} {
		ev := decode(t, tc.event)
		if got := p.Match(ev); got != tc.want {
			t.Errorf("%s: %v, want %v\n%s", tc.event, got, tc.want, p.Explain(ev))
		}
	}
	if _, err := CompileFilters(nil, nil); err != nil {
		t.Errorf("no query, no filter: %v", err)
	}
}

// TestKibanaConfig: case_insensitive from Kibana's settings reaches the
// term query.
func TestKibanaConfig(t *testing.T) {
	yes := true
	p := compileT(t, `process.name:PowerShell.EXE`, WithKibanaConfig(esdsl.Config{CaseInsensitive: &yes}))
	if !p.Match(map[string]any{"process.name": "powershell.exe"}) {
		t.Error("case_insensitive term did not match")
	}
	p = compileT(t, `@timestamp:2021-01-01`, WithKibanaConfig(esdsl.DetectionEngineConfig()), WithClock(func() time.Time { return fixedNow }))
	if !p.Match(map[string]any{"@timestamp": "2021-01-01T12:00:00Z"}) {
		t.Error("a date in the detection engine's Zulu time zone did not match")
	}
}

// TestSchemaView: the view Compile translates with gives the translation
// exactly what the schema's whole DataView gives: wildcard field names,
// nested groups, multi-fields, unknown fields.
func TestSchemaView(t *testing.T) {
	queries := []string{ftpQuery, "process.*:x*", "items:{ name:a }", "items.name:a", "labels.env:prod",
		"*:abc", "process.command_line.text:cmd", "nosuch.field:1", "destination.*:tcp", "x"}
	schema := testSchema()
	for _, q := range queries {
		x, err := kql.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		a, errA := esdsl.FromKQL(x, schema.DataView(), esdsl.Config{})
		b, errB := esdsl.FromKQL(x, schema.View(), esdsl.Config{})
		ja, _ := json.Marshal(a)
		jb, _ := json.Marshal(b)
		if fmt.Sprint(errA) != fmt.Sprint(errB) || string(ja) != string(jb) {
			t.Errorf("%s:\n DataView: %s %v\n View:     %s %v", q, ja, errA, jb, errB)
		}
	}
}
