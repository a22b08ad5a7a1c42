package eval

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// FuzzMatch compiles a query and matches it against an arbitrary JSON
// event: neither may panic, Explain must agree with Match, and so must a
// match of the event whose strings and numbers come unboxed (as text, to
// the matchers' VisitString and VisitNumber), alone and through a Cache.
func FuzzMatch(f *testing.F) {
	seeds := []struct{ q, ev string }{
		{ftpQuery, `{"event.category":["network"],"network.transport":"tcp","destination.port":21,"source.ip":"10.1.2.3","destination.ip":"8.8.8.8"}`},
		{`source.ip:"::1"`, `{"source":{"ip":["0:0:0:0:0:0:0:1",null,{"x":1}]}}`},
		{`items:{ name:a and size > 2 }`, `{"items":[{"name":"a","size":"3"},7,null,[]]}`},
		{`@timestamp >= now-1d/d or @timestamp:2021-01`, `{"@timestamp":["2021-01-05",1609459200000,"x"]}`},
		{`message:"quick fox" or foo* or *.ip:10.0.0.0/8`, `{"message":"The quick, brown fox","a":{"b.ip":"10.0.0.1"}}`},
		{`tags:(a and not b) or not user.name:*`, `{"tags":[["a"],"c"],"user":{"name":[]}}`},
		{`destination.bytes < 1e3 and custom:true`, `{"destination.bytes":"999.5","custom":"true"}`},
	}
	for _, s := range seeds {
		f.Add(s.q, s.ev)
	}
	now := func() time.Time { return fixedNow }
	f.Fuzz(func(t *testing.T, q, js string) {
		x, err := kql.Parse(q)
		if err != nil {
			return
		}
		var ev map[string]any
		if json.Unmarshal([]byte(js), &ev) != nil {
			return
		}
		for _, s := range []mapping.Schema{testSchema(), {}} {
			p, err := Compile(x, WithSchema(s), WithClock(now))
			if err != nil {
				continue
			}
			m := p.Match(ev)
			if e := p.Explain(ev); e.Held != m {
				t.Fatalf("%s on %s: Match %v, Explain %v\n%s", q, js, m, e.Held, e)
			}
			checkUnboxed(t, p, q, js)
		}
	})
}

// FuzzCompileQuery compiles arbitrary DSL JSON (what esdsl.ParseQuery
// reads) and matches it against an event: neither may panic, Explain
// must agree with Match, and so must a match of the event whose strings
// and numbers come unboxed (as FuzzMatch checks).
func FuzzCompileQuery(f *testing.F) {
	seeds := []struct{ q, ev string }{
		{`{"bool":{"filter":[{"term":{"network.transport":"tcp"}},{"terms":{"destination.port":[20,21]}}],"must_not":[{"term":{"destination.ip":"10.0.0.0/8"}}]}}`, `{"network.transport":"tcp","destination.port":21,"destination.ip":"8.8.8.8"}`},
		{`{"bool":{"should":[{"wildcard":{"process.name":{"value":"a\\*b*","case_insensitive":true}}},{"query_string":{"fields":["process.command_line"],"query":"*x \\/y*"}}],"minimum_should_match":2}}`, `{"process":{"name":"A*BC","command_line":"/yz"}}`},
		{`{"nested":{"path":"items","query":{"range":{"items.size":{"gt":2,"lte":"5"}}},"ignore_unmapped":true}}`, `{"items":[{"size":3},null]}`},
		{`{"range":{"@timestamp":{"gte":"now-1d/d","lt":"2021-01","time_zone":"Z"}}}`, `{"@timestamp":["2021-01-05",1609459200000]}`},
		{`{"multi_match":{"type":"phrase","query":"quick fox","lenient":true,"fields":["message","*.ip"]}}`, `{"message":"the quick fox"}`},
		{`{"exists":{"field":"file.hash.*"}}`, `{"file":{"hash":{"md5":"x"}}}`},
		{`{"bool":{"should":[{"wildcard":{"file.path":{"value":"?:\\\\Windows\\\\Sys?????\\\\*","case_insensitive":true}}},{"query_string":{"fields":["body"],"query":"err?r *?\\?"}}]}}`, `{"file":{"path":"C:\\Windows\\SysWOW64\\x"},"body":"an error"}`},
	}
	for _, s := range seeds {
		f.Add(s.q, s.ev)
	}
	now := func() time.Time { return fixedNow }
	f.Fuzz(func(t *testing.T, q, js string) {
		dsl, err := esdsl.ParseQuery([]byte(q))
		if err != nil {
			return
		}
		var ev map[string]any
		if json.Unmarshal([]byte(js), &ev) != nil {
			return
		}
		for _, s := range []mapping.Schema{testSchema(), {}} {
			p, err := CompileQuery(dsl, WithSchema(s), WithClock(now))
			if err != nil {
				continue
			}
			m := p.Match(ev)
			if e := p.Explain(ev); e.Held != m {
				t.Fatalf("%s on %s: Match %v, Explain %v\n%s", q, js, m, e.Held, e)
			}
			checkUnboxed(t, p, q, js)
		}
	})
}
