package eval

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/kql"
)

// FuzzMatch compiles a query and matches it against an arbitrary JSON
// event: neither may panic, and Explain must agree with Match.
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
		for _, s := range []Schema{testSchema(), {}} {
			p, err := Compile(x, WithSchema(s), WithClock(now))
			if err != nil {
				continue
			}
			m := p.Match(ev)
			if e := p.Explain(ev); e.Held != m {
				t.Fatalf("%s on %s: Match %v, Explain %v\n%s", q, js, m, e.Held, e)
			}
		}
	})
}
