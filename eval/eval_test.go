package eval

import (
	"encoding/json"
	"errors"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// testSchema adds to the default schema the fields the tests need whose
// types the default does not cover.
func testSchema() mapping.Schema {
	s := mapping.ECS()
	for k, v := range map[string]mapping.Type{
		"tags":             mapping.Keyword,
		"count":            mapping.Integer,
		"ratio":            mapping.Double,
		"small":            mapping.Byte,
		"flag":             mapping.Boolean,
		"items":            mapping.Nested,
		"items.name":       mapping.Keyword,
		"items.size":       mapping.Long,
		"body":             mapping.Text,
		"kw.const":         mapping.ConstantKeyword,
		"blob":             mapping.Flattened,
		"geo":              mapping.GeoPoint,
		"obj":              mapping.Object,
		"big":              mapping.UnsignedLong,
		"hf":               mapping.HalfFloat,
		"short":            mapping.Short,
		"sf":               mapping.ScaledFloat,
		"when":             mapping.Date,
		"file.hash.tlsh":   mapping.Keyword,
		"file.hash.ssdeep": mapping.Keyword,
	} {
		s[k] = v
	}
	return s
}

func compileT(t testing.TB, q string, opts ...Option) *Program {
	t.Helper()
	x, err := kql.Parse(q)
	if err != nil {
		t.Fatalf("parse %q: %v", q, err)
	}
	p, err := Compile(x, opts...)
	if err != nil {
		t.Fatalf("compile %q: %v", q, err)
	}
	return p
}

func decode(t testing.TB, js string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(js), &m); err != nil {
		t.Fatalf("bad test event %s: %v", js, err)
	}
	return m
}

func decodeNumber(t testing.TB, js string) map[string]any {
	t.Helper()
	d := json.NewDecoder(strings.NewReader(js))
	d.UseNumber()
	var m map[string]any
	if err := d.Decode(&m); err != nil {
		t.Fatalf("bad test event %s: %v", js, err)
	}
	return m
}

var fixedNow = time.Date(2024, 5, 15, 13, 45, 30, 0, time.UTC)

// TestMatchJSON runs each query on each event, decoded by encoding/json
// both with float64 and with json.Number numbers.
func TestMatchJSON(t *testing.T) {
	tests := []struct {
		name  string
		query string
		event string
		want  bool
	}{
		// Shapes: flat, nested, mixed, arrays at any level.
		{"flat", `source.ip:10.1.2.3`, `{"source.ip":"10.1.2.3"}`, true},
		{"nested", `source.ip:10.1.2.3`, `{"source":{"ip":"10.1.2.3"}}`, true},
		{"mixed", `source.geo.city_name:Paris`, `{"source":{"geo.city_name":"Paris"}}`, true},
		{"mixed2", `source.geo.city_name:Paris`, `{"source.geo":{"city_name":"Paris"}}`, true},
		{"both shapes, second holds", `source.port:22`, `{"source.port":21,"source":{"port":22}}`, true},
		{"array leaf", `event.category:network`, `{"event":{"category":["process","network"]}}`, true},
		{"array of objects", `user.name:bob`, `{"user":[{"name":"alice"},{"name":"bob"}]}`, true},
		{"nested arrays", `tags:x`, `{"tags":[["a"],["b",["x"]]]}`, true},
		{"array of objects miss", `user.name:carol`, `{"user":[{"name":"alice"},{"name":"bob"}]}`, false},
		{"missing", `user.name:bob`, `{"user.id":"bob"}`, false},
		{"null is missing", `user.name:*`, `{"user.name":null}`, false},
		{"empty array is missing", `user.name:*`, `{"user.name":[]}`, false},
		{"array of nulls is missing", `user.name:*`, `{"user.name":[null]}`, false},
		{"exists", `user.name:*`, `{"user":{"name":""}}`, true},
		{"exists number", `destination.port:*`, `{"destination.port":0}`, true},
		{"exists object", `obj:*`, `{"obj":{"a":1}}`, true},
		{"not missing", `not user.name:bob`, `{}`, true},
		{"not present", `not user.name:bob`, `{"user.name":"bob"}`, false},
		{"not other value", `not user.name:bob`, `{"user.name":"alice"}`, true},
		{"not on array", `not tags:a`, `{"tags":["b","a"]}`, false},
		{"match all", `*:*`, `{}`, true},

		// keyword family
		{"keyword exact", `network.transport:tcp`, `{"network.transport":"tcp"}`, true},
		{"keyword case", `network.transport:tcp`, `{"network.transport":"TCP"}`, false},
		{"keyword no substring", `user.name:bob`, `{"user.name":"bobby"}`, false},
		{"keyword wildcard", `process.name:power*.exe`, `{"process.name":"powershell.exe"}`, true},
		{"keyword wildcard whole value", `process.name:power*`, `{"process.name":"xpowershell"}`, false},
		{"keyword wildcard middle", `process.name:*shell*`, `{"process.name":"powershell.exe"}`, true},
		{"keyword wildcard pieces in order", `process.name:a*b*c`, `{"process.name":"acb"}`, false},
		{"keyword wildcard overlap", `process.name:ab*ba`, `{"process.name":"aba"}`, false},
		{"keyword wildcard overlap ok", `process.name:ab*ba`, `{"process.name":"abba"}`, true},
		{"keyword wildcard case", `process.name:POWER*`, `{"process.name":"powershell.exe"}`, false},
		{"keyword quoted star is literal", `process.name:"a*"`, `{"process.name":"abc"}`, false},
		{"keyword quoted star literal match", `process.name:"a*"`, `{"process.name":"a*"}`, true},
		{"keyword escaped star", `process.name:a\*`, `{"process.name":"a*"}`, true},
		{"keyword number value", `tags:21`, `{"tags":21}`, true},
		{"keyword bool value", `tags:true`, `{"tags":true}`, true},
		{"keyword true literal is text", `tags:true`, `{"tags":"true"}`, true},
		{"keyword quoted null is text", `tags:"null"`, `{"tags":"null"}`, true},
		{"keyword quoted null not missing", `tags:"null"`, `{}`, false},
		{"keyword big set", `tags:(a or b or c or d or e or f or g or h or i or j)`, `{"tags":"j"}`, true},
		{"keyword big set miss", `tags:(a or b or c or d or e or f or g or h or i or j)`, `{"tags":"k"}`, false},
		{"keyword set with glob", `tags:(a or b* or c)`, `{"tags":"bz"}`, true},
		{"constant_keyword", `kw.const:x`, `{"kw":{"const":"x"}}`, true},
		{"wildcard type", `url.original:*/admin*`, `{"url.original":"http://x/admin/login"}`, true},
		{"flattened leaf", `blob.a.b:v`, `{"blob":{"a":{"b":"v"}}}`, true},
		{"labels", `labels.env:prod`, `{"labels":{"env":"prod"}}`, true},

		// value lists
		{"list and, different elements", `tags:(a and b)`, `{"tags":["a","b"]}`, true},
		{"list and, one missing", `tags:(a and b)`, `{"tags":["a","c"]}`, false},
		{"list or", `tags:(a or b)`, `{"tags":["c","b"]}`, true},
		{"list not", `tags:(not a)`, `{"tags":["c","b"]}`, true},
		{"list not present", `tags:(not a)`, `{"tags":["a","b"]}`, false},
		{"list not missing", `tags:(not a)`, `{}`, true},
		{"list mixed", `tags:(a and (b or c) and not d)`, `{"tags":["a","c"]}`, true},
		{"list mixed not", `tags:(a and (b or c) and not d)`, `{"tags":["a","c","d"]}`, false},
		{"not list", `not tags:(a or b)`, `{"tags":["c"]}`, true},
		{"not list hit", `not tags:(a or b)`, `{"tags":["c","b"]}`, false},
		{"list with exists", `tags:(zzz or *)`, `{"tags":"q"}`, true},

		// text
		{"text term", `process.command_line.text:powershell`, `{"process.command_line":"C:\\Windows\\PowerShell.exe -enc AAA"}`, false},
		{"text token", `process.command_line.text:enc`, `{"process.command_line.text":"PowerShell.exe -Enc AAA"}`, true},
		{"text any term", `message:"error"`, `{"message":"An Error occurred"}`, true},
		{"text unquoted any term", `message:foo error`, `{"message":"An Error occurred"}`, true},
		{"text unquoted no term", `message:foo bar`, `{"message":"An Error occurred"}`, false},
		{"text phrase", `message:"error occurred"`, `{"message":"An Error occurred"}`, true},
		{"text phrase order", `message:"occurred error"`, `{"message":"An Error occurred"}`, false},
		{"text phrase gap", `message:"an occurred"`, `{"message":"An Error occurred"}`, false},
		{"text dotted token", `message:example.com`, `{"message":"see example.com now"}`, true},
		{"text dotted token split", `message:example`, `{"message":"see example.com now"}`, false},
		{"text wildcard", `message:err*`, `{"message":"An Error occurred"}`, true},
		{"text on array", `message:"b c"`, `{"message":["a b","c d"]}`, false},
		{"text multi-field on nested", `user.name.text:smith`, `{"user":{"name":{"text":"John Smith"}}}`, true},

		// numbers
		{"port int", `destination.port:21`, `{"destination.port":21}`, true},
		{"port float", `destination.port:21`, `{"destination.port":21.0}`, true},
		{"port string", `destination.port:21`, `{"destination.port":"21"}`, true},
		{"port list", `destination.port:(20 or 21)`, `{"destination":{"port":20}}`, true},
		{"port list miss", `destination.port:(20 or 21)`, `{"destination":{"port":22}}`, false},
		{"port literal 21.0", `destination.port:21.0`, `{"destination.port":21}`, true},
		{"port fractional literal matches nothing", `destination.port:21.5`, `{"destination.port":21.5}`, false},
		{"integer truncates event value", `destination.port:21`, `{"destination.port":21.7}`, true},
		{"port not text", `destination.port:21`, `{"destination.port":"twenty-one"}`, false},
		{"double exact", `ratio:0.5`, `{"ratio":0.5}`, true},
		{"double string", `ratio:0.5`, `{"ratio":"0.50"}`, true},
		{"number array", `destination.port:443`, `{"destination.port":[80,443]}`, true},
		{"range gt", `destination.bytes > 1000`, `{"destination.bytes":1001}`, true},
		{"range gt eq", `destination.bytes > 1000`, `{"destination.bytes":1000}`, false},
		{"range gte", `destination.bytes >= 1000`, `{"destination.bytes":"1000"}`, true},
		{"range lt", `destination.bytes < 10`, `{"destination.bytes":9.5}`, true},
		{"range lte", `destination.bytes <= 10`, `{"destination.bytes":11}`, false},
		{"range fractional bound on integer", `count > 1.5`, `{"count":2}`, true},
		{"range numeric, not text order", `destination.bytes > 9`, `{"destination.bytes":10}`, true},
		{"exponent literal", `destination.bytes:1e3`, `{"destination.bytes":1000}`, true},

		// ip
		{"ip equal", `source.ip:10.1.2.3`, `{"source.ip":"10.1.2.3"}`, true},
		{"ip cidr", `source.ip:10.0.0.0/8`, `{"source.ip":"10.1.2.3"}`, true},
		{"ip cidr miss", `source.ip:10.0.0.0/8`, `{"source.ip":"11.1.2.3"}`, false},
		{"ip v6 forms", `source.ip:"::1"`, `{"source.ip":"0:0:0:0:0:0:0:1"}`, true},
		{"ip v6 forms reverse", `source.ip:"0:0:0:0:0:0:0:1"`, `{"source.ip":"::1"}`, true},
		{"ip mapped in v4 cidr", `source.ip:10.0.0.0/8`, `{"source.ip":"::ffff:10.1.2.3"}`, true},
		{"ip mapped equal v4", `source.ip:10.1.2.3`, `{"source.ip":"::ffff:10.1.2.3"}`, true},
		{"ip upper hex cidr", `destination.ip:"FE80::/10"`, `{"destination.ip":"fe80::1"}`, true},
		{"ip upper hex cidr miss", `destination.ip:"FE80::/10"`, `{"destination.ip":"fe00::1"}`, false},
		{"ip upper hex event", `destination.ip:"fe80::/10"`, `{"destination.ip":"FE80::ABCD"}`, true},
		{"ip zone ignored", `destination.ip:"fe80::1"`, `{"destination.ip":"fe80::1%eth0"}`, true},
		{"ip expanded", `destination.ip:"2001:db8::1"`, `{"destination.ip":"2001:0db8:0000:0000:0000:0000:0000:0001"}`, true},
		{"ip array", `related.ip:192.168.0.0/16`, `{"related":{"ip":["8.8.8.8","192.168.1.1"]}}`, true},
		{"ip not an address in event", `source.ip:10.0.0.0/8`, `{"source.ip":"ten"}`, false},
		{"ip range", `source.ip >= 10.0.0.0`, `{"source.ip":"10.0.0.1"}`, true},
		{"ip range v6 above v4", `source.ip > 255.255.255.255`, `{"source.ip":"2001:db8::1"}`, true},
		{"ip range ::1 below v4", `source.ip < 0.0.0.0`, `{"source.ip":"::1"}`, true},
		{"ip list", `host.ip:(1.1.1.1 or 2.2.2.2)`, `{"host":{"ip":["3.3.3.3","2.2.2.2"]}}`, true},

		// boolean
		{"bool true", `flag:true`, `{"flag":true}`, true},
		{"bool true text", `flag:true`, `{"flag":"true"}`, true},
		{"bool false", `flag:false`, `{"flag":true}`, false},
		{"bool quoted", `flag:"false"`, `{"flag":false}`, true},

		// date
		{"date equal whole day", `@timestamp:2021-01-01`, `{"@timestamp":"2021-01-01T23:59:59.999Z"}`, true},
		{"date equal next day", `@timestamp:2021-01-01`, `{"@timestamp":"2021-01-02T00:00:00Z"}`, false},
		{"date equal exact", `@timestamp:"2021-01-01T10:00:00.000Z"`, `{"@timestamp":"2021-01-01T10:00:00Z"}`, true},
		{"date gt rounds up", `@timestamp > 2021-01-01`, `{"@timestamp":"2021-01-01T12:00:00Z"}`, false},
		{"date gt next day", `@timestamp > 2021-01-01`, `{"@timestamp":"2021-01-02T00:00:00Z"}`, true},
		{"date gte", `@timestamp >= 2021-01-01`, `{"@timestamp":"2021-01-01T00:00:00Z"}`, true},
		{"date lt", `@timestamp < 2021-01`, `{"@timestamp":"2020-12-31T23:59:59.999Z"}`, true},
		{"date lt month", `@timestamp < 2021-01`, `{"@timestamp":"2021-01-01T00:00:00Z"}`, false},
		// Elasticsearch rounds a partial "lte" bound up field by field
		// (JavaDateFormatter.defaultRoundUp): the missing day is the 1st,
		// the missing time 23:59:59.999, not the end of the month.
		{"date lte month", `@timestamp <= 2021-01`, `{"@timestamp":"2021-01-01T23:59:59.999Z"}`, true},
		{"date lte month not the month's end", `@timestamp <= 2021-01`, `{"@timestamp":"2021-01-31T23:00:00Z"}`, false},
		{"date epoch millis event", `@timestamp >= 2021-01-01`, `{"@timestamp":1609459200000}`, true},
		{"date epoch millis literal", `@timestamp:1609459200000`, `{"@timestamp":"2021-01-01T00:00:00Z"}`, true},
		{"date offset", `@timestamp:"2021-01-01T01:00:00.000+01:00"`, `{"@timestamp":"2021-01-01T00:00:00Z"}`, true},
		{"date now-1d/d", `@timestamp >= now-1d/d`, `{"@timestamp":"2024-05-14T00:00:00Z"}`, true},
		{"date now-1d/d before", `@timestamp >= now-1d/d`, `{"@timestamp":"2024-05-13T23:59:59Z"}`, false},
		{"date now/d equal", `@timestamp:now/d`, `{"@timestamp":"2024-05-15T01:00:00Z"}`, true},
		{"date anchored math", `@timestamp < "2021-01-01||+1M"`, `{"@timestamp":"2021-01-31T00:00:00Z"}`, true},
		{"date anchored math end", `@timestamp < "2021-01-01||+1M"`, `{"@timestamp":"2021-02-01T00:00:00Z"}`, false},
		{"date lte rounds up /M", `@timestamp <= "2021-01-15||/M"`, `{"@timestamp":"2021-01-31T12:00:00Z"}`, true},
		{"date not a date", `@timestamp >= 2021-01-01`, `{"@timestamp":"yesterday"}`, false},

		// nested
		{"nested one element", `items:{ name:a and size > 2 }`, `{"items":[{"name":"a","size":3},{"name":"b","size":1}]}`, true},
		{"nested across elements", `items:{ name:a and size > 2 }`, `{"items":[{"name":"a","size":1},{"name":"b","size":3}]}`, false},
		{"nested single object", `items:{ name:a }`, `{"items":{"name":"a"}}`, true},
		{"nested not", `items:{ not name:a }`, `{"items":[{"name":"a"},{"name":"b"}]}`, true},

		// free text and wildcard field names
		{"free text keyword", `powershell.exe`, `{"process":{"name":"powershell.exe"}}`, true},
		{"free text keyword exact", `powershell`, `{"process":{"name":"powershell.exe"}}`, false},
		{"free text text field", `occurred`, `{"message":"An Error occurred"}`, true},
		{"free text number", `443`, `{"destination.port":443}`, true},
		{"free text ip", `10.0.0.0/8`, `{"source.ip":"10.2.3.4"}`, true},
		{"free text unknown field", `hello`, `{"custom":{"x":"hello"}}`, true},
		{"free text wildcard", `power*`, `{"process.name":"powershell.exe"}`, true},
		{"wildcard field exists", `file.hash.*:*`, `{"file":{"hash":{"sha256":"abc"}}}`, true},
		{"wildcard field exists miss", `file.hash.*:*`, `{"file":{"name":"abc"}}`, false},
		{"wildcard field value", `file.hash.*:abc`, `{"file.hash.md5":"x","file.hash.sha1":"abc"}`, true},
		{"wildcard field ip", `*.ip:10.0.0.0/8`, `{"source.ip":"8.8.8.8","destination.ip":"10.0.0.1"}`, true},
		{"wildcard field list and", `file.hash.*:(a and b)`, `{"file.hash.md5":"a","file.hash.sha1":"b"}`, true},

		// unknown fields typed from literal and value
		{"unknown string", `custom.f:abc`, `{"custom.f":"abc"}`, true},
		{"unknown string case", `custom.f:abc`, `{"custom.f":"ABC"}`, false},
		{"unknown number", `custom.n:21`, `{"custom.n":21.0}`, true},
		{"unknown number literal 21.0", `custom.n:21.0`, `{"custom.n":21}`, true},
		{"unknown number text", `custom.n:21`, `{"custom.n":"21"}`, true},
		{"unknown ip", `custom.ip:10.0.0.0/8`, `{"custom.ip":"10.9.9.9"}`, true},
		{"unknown ip v6", `custom.ip:"::1"`, `{"custom.ip":"0:0:0:0:0:0:0:1"}`, true},
		{"unknown ip mapped", `custom.ip:10.0.0.0/8`, `{"custom.ip":"::ffff:10.1.2.3"}`, true},
		{"unknown bool", `custom.b:true`, `{"custom.b":true}`, true},
		{"unknown bool text", `custom.b:true`, `{"custom.b":"true"}`, true},
		{"unknown wildcard", `custom.f:ab*`, `{"custom.f":"abc"}`, true},
		{"unknown range number", `custom.n > 9`, `{"custom.n":10}`, true},
		{"unknown range text", `custom.s > b`, `{"custom.s":"c"}`, true},
		{"unknown range ip", `custom.ip < 10.0.0.1`, `{"custom.ip":"10.0.0.0"}`, true},
		{"unknown range date", `custom.d >= 2021-01-01`, `{"custom.d":"2021-06-01T00:00:00Z"}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compileT(t, tt.query, WithSchema(testSchema()), WithClock(func() time.Time { return fixedNow }))
			for _, ev := range []map[string]any{decode(t, tt.event), decodeNumber(t, tt.event)} {
				if got := p.Match(ev); got != tt.want {
					t.Errorf("%s on %s = %v, want %v\n%s", tt.query, tt.event, got, tt.want, p.Explain(ev))
				}
				if got := p.Explain(ev).Held; got != tt.want {
					t.Errorf("Explain(%s on %s).Held = %v, want %v", tt.query, tt.event, got, tt.want)
				}
			}
		})
	}
}

// TestMatchGoValues covers events built by Go code: typed numbers, typed
// slices, netip.Addr, net.IP and time.Time.
func TestMatchGoValues(t *testing.T) {
	tests := []struct {
		query string
		event map[string]any
		want  bool
	}{
		{`destination.port:21`, map[string]any{"destination.port": uint16(21)}, true},
		{`destination.port:21`, map[string]any{"destination.port": int64(21)}, true},
		{`destination.port:21`, map[string]any{"destination.port": float32(21)}, true},
		{`destination.port:(20 or 21)`, map[string]any{"destination": map[string]any{"port": []int{80, 20}}}, true},
		{`destination.port > 1024`, map[string]any{"destination.port": uint8(80)}, false},
		{`event.category:network`, map[string]any{"event.category": []string{"process", "network"}}, true},
		{`source.ip:10.0.0.0/8`, map[string]any{"source.ip": netip.MustParseAddr("::ffff:10.1.2.3")}, true},
		{`source.ip:10.0.0.0/8`, map[string]any{"source.ip": net.ParseIP("10.1.2.3")}, true},
		{`source.ip:10.0.0.0/8`, map[string]any{"source.ip": net.ParseIP("10.1.2.3").To4()}, true},
		{`@timestamp >= 2021-01-01`, map[string]any{"@timestamp": time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}, true},
		{`@timestamp < 2021-01-01`, map[string]any{"@timestamp": time.Date(2021, 1, 1, 0, 0, 0, 0, time.UTC)}, false},
		{`flag:true`, map[string]any{"flag": true}, true},
		{`tags:(a and b)`, map[string]any{"tags": []string{"b", "a"}}, true},
		{`user.name:bob`, map[string]any{"user": Map{"name": "bob"}}, true},
		{`user.name:bob`, map[string]any{"user": []map[string]any{{"name": "x"}, {"name": "bob"}}}, true},
		{`custom.n:21`, map[string]any{"custom.n": uint16(21)}, true},
		{`custom.ip:10.0.0.0/8`, map[string]any{"custom.ip": netip.MustParseAddr("10.0.0.1")}, true},
	}
	for _, tt := range tests {
		p := compileT(t, tt.query, WithSchema(testSchema()))
		if got := p.Match(tt.event); got != tt.want {
			t.Errorf("%s on %#v = %v, want %v\n%s", tt.query, tt.event, got, tt.want, p.Explain(tt.event))
		}
	}
}

// TestCompileErrors checks that what Elasticsearch would refuse is an
// error pointing at the literal.
func TestCompileErrors(t *testing.T) {
	tests := []struct {
		query   string
		lit     string // the literal the error points at
		field   string
		msgPart string
	}{
		{`source.ip:foo`, `foo`, "source.ip", "not a valid IP address"},
		{`source.ip:10.0.*`, `10.0.*`, "source.ip", "wildcard is not allowed on an ip field"},
		{`source.ip:"::ffff:10.0.0.0/104"`, `"::ffff:10.0.0.0/104"`, "source.ip", "CIDR notation is not allowed with IPv6-mapped IPv4 address"},
		{`source.ip:10.0.0.0/33`, `10.0.0.0/33`, "source.ip", "out of range"},
		{`source.ip:010.0.0.1`, `010.0.0.1`, "source.ip", "IP address"},
		{`source.ip > 10.0.0.0/8`, `10.0.0.0/8`, "source.ip", "IP address"},
		{`destination.port:http`, `http`, "destination.port", "not a number"},
		{`destination.port:2*`, `2*`, "destination.port", "wildcard is not allowed on a numeric"},
		{`destination.port > abc`, `abc`, "destination.port", "not a number"},
		{`destination.port:true`, `true`, "destination.port", "not a number"},
		{`small:300`, `300`, "small", "out of range for a byte"},
		{`flag:yes`, `yes`, "flag", "not a boolean"},
		// Kibana's grammar: unquoted null is buildLiteralNode(null); is.ts
		// sends {"term": {"tags": {"value": null}}}, and
		// BaseTermQueryBuilder refuses a null value.
		{`tags:null`, `null`, "tags", "value cannot be null"},
		{`tags:(a or null)`, `null`, "tags", "value cannot be null"},
		{`@timestamp:yesterday`, `yesterday`, "@timestamp", "failed to parse date"},
		{`@timestamp > now-1x`, `now-1x`, "@timestamp", "unknown unit"},
		{`@timestamp:2021*`, `2021*`, "@timestamp", "wildcard"},
		{`geo:1`, `1`, "geo", "geo_point"},
		{`items:{ size:big }`, `big`, "items.size", "not a number"},
		{`tags:a and (source.ip:bad or destination.ip:10.0.0.0/8)`, `bad`, "source.ip", "IP address"},
	}
	for _, tt := range tests {
		x, err := kql.Parse(tt.query)
		if err != nil {
			t.Fatalf("parse %q: %v", tt.query, err)
		}
		_, err = Compile(x, WithSchema(testSchema()))
		var ce *CompileError
		if !errors.As(err, &ce) {
			t.Errorf("%s: error %v, want a *CompileError", tt.query, err)
			continue
		}
		start := strings.Index(tt.query, tt.lit)
		if int(ce.Pos) != start || int(ce.End) != start+len(tt.lit) {
			t.Errorf("%s: error at [%d,%d), want [%d,%d) (%q)", tt.query, ce.Pos, ce.End, start, start+len(tt.lit), tt.lit)
		}
		if ce.Field != tt.field || !strings.Contains(ce.Msg, tt.msgPart) {
			t.Errorf("%s: error %q (field %s), want field %s and %q", tt.query, ce.Msg, ce.Field, tt.field, tt.msgPart)
		}
	}
}

func TestCompileErrorList(t *testing.T) {
	x, err := kql.Parse(`source.ip:a and destination.port:b`)
	if err != nil {
		t.Fatal(err)
	}
	_, err = Compile(x)
	var list ErrorList
	if !errors.As(err, &list) || len(list) != 2 {
		t.Fatalf("got %v, want an ErrorList of 2", err)
	}
	if list[0].Field != "source.ip" || list[1].Field != "destination.port" {
		t.Errorf("errors out of order: %v", err)
	}
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Field != "source.ip" {
		t.Errorf("errors.As finds %v, want the first error", ce)
	}
}

// TestAllowedOnAnyType: the exists test is fine on every type, and free
// text skips the fields a literal does not fit instead of failing, as
// Kibana's lenient multi_match does. (A wildcard field name is not
// lenient: see TestWildcardFieldNameErrors.)
func TestAllowedOnAnyType(t *testing.T) {
	for _, q := range []string{`source.ip:*`, `destination.port:*`, `@timestamp:*`, `geo:*`, `flag:*`, `foo`, `*.ip:10.0.0.1`} {
		x, err := kql.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Compile(x, WithSchema(testSchema())); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
}

func TestHandBuiltTree(t *testing.T) {
	lit := func(s string) *ast.Literal { return &ast.Literal{Kind: ast.String, Text: s, Raw: s} }
	x := &ast.AndExpr{Args: []ast.Expr{
		&ast.MatchExpr{Field: lit("network.transport"), Value: lit("tcp")},
		&ast.NotExpr{X: &ast.MatchExpr{Field: lit("destination.ip"), Value: &ast.OrValue{Args: []ast.Value{lit("10.0.0.0/8"), lit("::1")}}}},
	}}
	p, err := Compile(x)
	if err != nil {
		t.Fatal(err)
	}
	if !p.Match(map[string]any{"network": map[string]any{"transport": "tcp"}, "destination.ip": "8.8.8.8"}) {
		t.Error("hand-built tree did not match")
	}
	if p.Match(map[string]any{"network.transport": "tcp", "destination.ip": "0::1"}) {
		t.Error("hand-built tree matched ::1")
	}
	if _, err := Compile(nil); err == nil {
		t.Error("Compile(nil) did not fail")
	}
}

func TestNoSchema(t *testing.T) {
	// With an empty schema, destination.port is typed from the literal.
	p := compileT(t, `destination.port:21 and network.transport:tcp`, WithSchema(nil))
	if !p.Match(decode(t, `{"destination.port":21.0,"network.transport":"tcp"}`)) {
		t.Error("no match")
	}
	// and a non-IP on an unknown field is not an error.
	compileT(t, `source.ip:foo`, WithSchema(mapping.Schema{}))
}

func TestClockReadAtMatchTime(t *testing.T) {
	now := fixedNow
	p := compileT(t, `@timestamp >= now-1h`, WithClock(func() time.Time { return now }))
	ev := map[string]any{"@timestamp": "2024-05-15T13:00:00Z"}
	if !p.Match(ev) {
		t.Fatal("no match at first")
	}
	now = now.Add(2 * time.Hour)
	if p.Match(ev) {
		t.Fatal("still matches two hours later")
	}
}

func TestExplain(t *testing.T) {
	p := compileT(t, `network.transport:tcp and not destination.port:(20 or 21) and items:{ name:a }`, WithSchema(testSchema()))
	tr := p.Explain(decode(t, `{"network.transport":"udp","destination":{"port":21},"items":[{"name":"b"},{"name":"a"}]}`))
	want := `✗ and
  ✗ network.transport:tcp  values: "udp"
  ✗ not
    ✓ destination.port:(20 or 21)  values: 21
  ✓ items:{ name:a }
    ✗ element 0: name:a  values: "b"
    ✓ element 1: name:a  values: "a"
`
	if got := tr.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
	// Kibana refuses items.name:a outside items:{ ... }; sent as DSL, the
	// term query matches nothing.
	dsl, err := esdsl.ParseQuery([]byte(`{"bool":{"should":[{"term":{"items.name":"a"}},{"multi_match":{"type":"best_fields","query":"foo","lenient":true}}]}}`))
	if err != nil {
		t.Fatal(err)
	}
	p, err = CompileQuery(dsl, WithSchema(testSchema()))
	if err != nil {
		t.Fatal(err)
	}
	tr = p.Explain(decode(t, `{"x":"foo"}`))
	want = `✓ or
  ✗ {"term":{"items.name":{"value":"a"}}}  (items.name lies inside the nested field items: Elasticsearch matches it only inside items:{ ... })
  ✓ {"multi_match":{"type":"best_fields","query":"foo","lenient":true}}  values: x="foo"
`
	if got := tr.String(); got != want {
		t.Errorf("got\n%s\nwant\n%s", got, want)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

func parseForTest(q string) (ast.Expr, error) { return kql.Parse(q) }
