package eval

import (
	"encoding/json"
	"math"
	"math/rand"
	"strconv"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/mapping"
)

// fidelityCase is a query on an event and what Elasticsearch answers.
type fidelityCase struct {
	name  string
	query string
	event string // JSON, decoded with json.Number
	want  bool
}

func runFidelity(t *testing.T, m mapping.Mapping, cases []fidelityCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := compileT(t, tc.query, WithMapping(m))
			for _, ev := range []map[string]any{decode(t, tc.event), decodeNumber(t, tc.event)} {
				if got := p.Match(ev); got != tc.want {
					t.Errorf("%s on %s: %v, want %v\n%s", tc.query, tc.event, got, tc.want, p.Explain(ev))
				}
			}
		})
	}
}

// TestExistsOnUnindexedValues: f:* is an exists query, true only where a
// value was indexed. Sources: elasticsearch server/.../index/mapper/
// NumberFieldMapper.java NumberType.parse / value() ("" is null with
// coerce; "Value [...] is out of range"), UnsignedLongFieldMapper.java
// parseCreateField, IpFieldMapper.java parseCreateField
// (InetAddresses.forString), BooleanFieldMapper.java parseCreateField with
// AbstractXContentParser.booleanValue and core/Booleans.parseBoolean (""
// is false, "yes" fails), DateFieldMapper.java parseCreateField.
func TestExistsOnUnindexedValues(t *testing.T) {
	m := mapping.Mapping{
		"n": {Type: mapping.Long}, "i": {Type: mapping.Integer}, "u": {Type: mapping.UnsignedLong}, "ip": {Type: mapping.IP},
		"b": {Type: mapping.Boolean}, "d": {Type: mapping.Date}, "k": {Type: mapping.Keyword, IgnoreAbove: 1024},
		"o": {Type: mapping.Object}, "items": {Type: mapping.Nested}, "nm": {Type: mapping.Long, IgnoreMalformed: true},
		"nc": {Type: mapping.Long, NoCoerce: true},
	}
	runFidelity(t, m, []fidelityCase{
		{"long number", `n:*`, `{"n":5}`, true},
		{"long numeric text", `n:*`, `{"n":"5"}`, true},
		{"long empty text is null", `n:*`, `{"n":""}`, false},
		{"long text that is no number", `n:*`, `{"n":"abc"}`, false},
		{"long out of range", `n:*`, `{"n":1e20}`, false},
		{"long out of range text", `n:*`, `{"n":"9223372036854775808"}`, false},
		{"long at its maximum", `n:*`, `{"n":"9223372036854775807"}`, true},
		{"integer out of range", `i:*`, `{"i":2147483648}`, false},
		{"long boolean", `n:*`, `{"n":true}`, false},
		{"long object", `n:*`, `{"n":{"a":1}}`, false},
		{"long no coerce text", `nc:*`, `{"nc":"5"}`, false},
		{"long no coerce fraction", `nc:*`, `{"nc":5.5}`, false},
		{"long ignore_malformed", `nm:*`, `{"nm":"abc"}`, false},
		{"unsigned negative", `u:*`, `{"u":-1}`, false},
		{"unsigned beyond 2^64-1", `u:*`, `{"u":18446744073709551616}`, false},
		{"unsigned at 2^64-1", `u:*`, `{"u":"18446744073709551615"}`, true},
		{"ip empty", `ip:*`, `{"ip":""}`, false},
		{"ip malformed", `ip:*`, `{"ip":"10.0.0.256"}`, false},
		{"ip good", `ip:*`, `{"ip":"10.0.0.1"}`, true},
		{"boolean yes", `b:*`, `{"b":"yes"}`, false},
		{"boolean empty is false", `b:*`, `{"b":""}`, true},
		{"boolean empty matches false", `b:false`, `{"b":""}`, true},
		{"boolean number", `b:*`, `{"b":1}`, false},
		{"date empty", `d:*`, `{"d":""}`, false},
		{"date malformed", `d:*`, `{"d":"yesterday"}`, false},
		{"date good", `d:*`, `{"d":"2024-01-02T03:04:05Z"}`, true},
		{"keyword object", `k:*`, `{"k":{"a":"b"}}`, false},
		{"keyword number", `k:*`, `{"k":5}`, true},
		{"object with a leaf", `o:*`, `{"o":{"a":{"b":1}}}`, true},
		{"object whose leaves are null", `o:*`, `{"o":{"a":null,"b":{"c":null},"d":[]}}`, false},
		{"nested field from the top", `items:*`, `{"items":[{"a":1}]}`, false},
		{"one good value in an array", `n:*`, `{"n":["abc",""]}`, false},
		{"array with a number", `n:*`, `{"n":["",7]}`, true},
	})
}

// TestRejects: the documents Elasticsearch refuses at index time.
func TestRejects(t *testing.T) {
	m := mapping.Mapping{"n": {Type: mapping.Long}, "k": {Type: mapping.Keyword}, "o": {Type: mapping.Object}, "nm": {Type: mapping.Long, IgnoreMalformed: true}, "g": {Type: mapping.GeoPoint}}
	for _, tc := range []struct {
		event string
		field string
	}{
		{`{"n":"abc"}`, "n"},
		{`{"n":1e20}`, "n"},
		{`{"n":""}`, ""},
		{`{"nm":"abc"}`, ""},
		{`{"k":{"a":"b"}}`, "k"},
		{`{"o":"text"}`, "o"},
		{`{"n":[1,"x"]}`, "n"},
		{`{"other":"x","n":3}`, ""},
		// a geo_point takes an object {lat, lon} (GeoPointFieldMapper's
		// parser): 1,310 Beats events hold source.geo.location so
		{`{"g":{"lat":1.5,"lon":2.5}}`, ""},
	} {
		field, ok := Rejects(m, Map(decode(t, tc.event)))
		if field != tc.field || ok != (tc.field != "") {
			t.Errorf("Rejects(%s) = %q, %v; want %q", tc.event, field, ok, tc.field)
		}
	}
	p := compileT(t, `n:*`, WithMapping(m))
	if f, ok := p.Rejects(decode(t, `{"n":"abc"}`)); !ok || f != "n" {
		t.Errorf("Program.Rejects = %q, %v", f, ok)
	}
	if note := p.Explain(decode(t, `{"n":"abc"}`)).Note; !strings.Contains(note, "refuses the document") {
		t.Errorf("Explain note %q does not say why", note)
	}
}

// TestIgnoreAbove: KeywordFieldMapper.indexValue skips a value whose
// String.length() (UTF-16 code units) exceeds ignore_above; ECS keyword
// fields have ignore_above 1024 (elastic/ecs generated/elasticsearch/
// composable/component/*.json), event.url 2083.
func TestIgnoreAbove(t *testing.T) {
	m := mapping.ECSMapping(mapping.Schema{"k": mapping.Keyword, "event.url": mapping.Keyword, "w": mapping.Wildcard})
	if m["k"].IgnoreAbove != 1024 || m["event.url"].IgnoreAbove != 2083 || m["w"].IgnoreAbove != 0 {
		t.Fatalf("ECSMapping: %+v", m)
	}
	for _, tc := range []struct {
		name string
		val  string
		want bool
	}{
		{"1024 ASCII", strings.Repeat("a", 1024), true},
		{"1025 ASCII", strings.Repeat("a", 1025), false},
		{"1024 two-byte characters", strings.Repeat("é", 1024), true},
		{"1025 two-byte characters", strings.Repeat("é", 1025), false},
		{"512 surrogate pairs", strings.Repeat("😀", 512), true},
		{"513 surrogate pairs", strings.Repeat("😀", 513), false},
	} {
		ev := map[string]any{"k": tc.val}
		for _, q := range []string{`k:*`, `k:` + tc.val[:4] + `*`, `k:"` + tc.val + `"`, `k >= a`} {
			x := compileT(t, q, WithMapping(m))
			if got := x.Match(ev); got != tc.want {
				t.Errorf("%s: %.20s...: %v, want %v", tc.name, q, got, tc.want)
			}
		}
	}
}

// TestIgnoreAboveBoundary is a property: a value of n characters is
// indexed exactly when n <= ignore_above, counting characters beyond
// U+FFFF twice.
func TestIgnoreAboveBoundary(t *testing.T) {
	seed := int64(20261201)
	rng := rand.New(rand.NewSource(seed))
	alphabet := []rune{'a', 'é', '中', '😀'}
	for i := 0; i < 200; i++ {
		limit := 1 + rng.Intn(40)
		var b strings.Builder
		units := 0
		for j := rng.Intn(50); j > 0; j-- {
			r := alphabet[rng.Intn(len(alphabet))]
			b.WriteRune(r)
			units++
			if r > 0xFFFF {
				units++
			}
		}
		f := &fieldMapping{Type: mapping.Keyword, IgnoreAbove: limit}
		if got, want := f.state(b.String()) == indexed, units <= limit; got != want {
			t.Fatalf("seed %d: %q (%d units) with ignore_above %d: indexed %v, want %v", seed, b.String(), units, limit, got, want)
		}
	}
}

// TestNumberPrecision: NumberFieldMapper indexes a float as a float32, a
// half_float through HalfFloatPoint (11 significant bits), longs and
// unsigned longs exactly; ScaledFloatFieldMapper indexes
// Math.round(value*scaling_factor); the query side rounds its literal
// alike (termQuery / rangeQuery of each NumberType).
func TestNumberPrecision(t *testing.T) {
	m := mapping.Mapping{
		"f": {Type: mapping.Float}, "h": {Type: mapping.HalfFloat}, "d": {Type: mapping.Double}, "n": {Type: mapping.Long},
		"u": {Type: mapping.UnsignedLong}, "s": {Type: mapping.ScaledFloat, ScalingFactor: 100}, "b": {Type: mapping.Boolean},
	}
	runFidelity(t, m, []fidelityCase{
		{"float 16777217 is 16777216", `f:16777216`, `{"f":16777217}`, true},
		{"float literal rounds too", `f:16777217`, `{"f":16777216}`, true},
		{"double keeps it", `d:16777216`, `{"d":16777217}`, false},
		{"float range on the rounded value", `f > 16777216`, `{"f":16777217}`, false},
		{"half_float 2049 is 2048", `h:2048`, `{"h":2049}`, true},
		{"half_float 2051 is 2052", `h:2052`, `{"h":2051}`, true},
		{"half_float beyond 65504", `h:*`, `{"h":70000}`, false},
		{"long beyond 2^53 exact", `n:9007199254740993`, `{"n":"9007199254740993"}`, true},
		{"long beyond 2^53 differs", `n:9007199254740992`, `{"n":"9007199254740993"}`, false},
		{"long range beyond 2^53", `n > 9007199254740992`, `{"n":"9007199254740993"}`, true},
		{"long range out of range value", `n > 5`, `{"n":1e20}`, false},
		{"long fraction literal matches nothing", `n:5.5`, `{"n":5}`, false},
		{"long fraction value truncated", `n:5`, `{"n":5.9}`, true},
		{"long range fraction bound", `n >= 4.5`, `{"n":4}`, false},
		{"long range negative fraction bound", `n >= -4.5`, `{"n":-4}`, true},
		{"unsigned exact", `u:18446744073709551615`, `{"u":"18446744073709551615"}`, true},
		{"unsigned ordering", `u > 9223372036854775807`, `{"u":"9223372036854775808"}`, true},
		{"unsigned negative term: no match", `u:-1`, `{"u":0}`, false},
		{"unsigned negative lower bound: all", `u > -5`, `{"u":0}`, true},
		{"unsigned negative upper bound: none", `u < -1`, `{"u":0}`, false},
		{"scaled_float rounds", `s:1.234`, `{"s":1.23}`, true},
		{"scaled_float distinct", `s:1.24`, `{"s":1.23}`, false},
		{"scaled_float range", `s > 1.234`, `{"s":1.235}`, true},
		{"scaled_float range excluded", `s > 1.23`, `{"s":1.234}`, false},
		{"boolean range", `b > false`, `{"b":true}`, true},
		{"boolean range excluded", `b < true`, `{"b":true}`, false},
	})
}

// TestFloatRoundingMonotonic is a property: rounding to float and to
// half_float never reverses the order of two values.
func TestFloatRoundingMonotonic(t *testing.T) {
	seed := int64(20261201)
	rng := rand.New(rand.NewSource(seed))
	for i := 0; i < 10000; i++ {
		a := (rng.Float64() - 0.5) * math.Pow(2, float64(rng.Intn(40)-20))
		b := a + rng.Float64()*math.Pow(2, float64(rng.Intn(40)-20))
		for _, typ := range []mapping.Type{mapping.Float, mapping.HalfFloat} {
			if ra, rb := roundFloat(typ, a), roundFloat(typ, b); ra > rb {
				t.Fatalf("seed %d: %s rounds %v > %v to %v > %v", seed, typ, a, b, ra, rb)
			}
		}
	}
	if got := roundHalf(65519); got != 65504 {
		t.Errorf("roundHalf(65519) = %v", got)
	}
	if got := roundHalf(65520); !math.IsInf(got, 1) {
		t.Errorf("roundHalf(65520) = %v, want +Inf", got)
	}
	if got := roundHalf(math.Ldexp(3, -26)); got != math.Ldexp(1, -24) {
		t.Errorf("roundHalf subnormal = %v", got)
	}
}

// TestFlattened: FlattenedFieldMapper indexes every leaf as a keyword of
// the root field and as "root.key"; a query on the root matches any leaf.
func TestFlattened(t *testing.T) {
	m := mapping.Mapping{"labels": {Type: mapping.Flattened}}
	runFidelity(t, m, []fidelityCase{
		{"root matches a leaf", `labels:prod`, `{"labels":{"env":"prod"}}`, true},
		{"root matches a deep leaf", `labels:prod`, `{"labels":{"a":{"env":["x","prod"]}}}`, true},
		{"root wildcard", `labels:pr*`, `{"labels":{"env":"prod"}}`, true},
		{"root no leaf", `labels:dev`, `{"labels":{"env":"prod"}}`, false},
		{"key", `labels.env:prod`, `{"labels":{"env":"prod"}}`, true},
		{"other key", `labels.team:prod`, `{"labels":{"env":"prod"}}`, false},
		{"root exists", `labels:*`, `{"labels":{"env":"prod"}}`, true},
		{"root all null", `labels:*`, `{"labels":{"env":null}}`, false},
	})
}

// TestReadMappingParams: ReadMapping keeps the mapping parameters.
func TestReadMappingParams(t *testing.T) {
	js := `{"idx":{"mappings":{"properties":{
		"k":{"type":"keyword","ignore_above":256},
		"n":{"type":"long","ignore_malformed":true,"coerce":false,"null_value":0},
		"s":{"type":"scaled_float","scaling_factor":100},
		"d":{"type":"date","format":"epoch_second"}}}}}`
	m, err := mapping.ReadMapping(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if m["k"].IgnoreAbove != 256 || !m["n"].IgnoreMalformed || !m["n"].NoCoerce || m["n"].NullValue == nil ||
		m["s"].ScalingFactor != 100 || m["d"].Format != "epoch_second" {
		t.Errorf("ReadMapping: %+v", m)
	}
	if s := m.Schema(); s["s"] != mapping.ScaledFloat || s["k"] != mapping.Keyword {
		t.Errorf("Schema: %v", s)
	}
}

// TestStandardTokenizer: Lucene's StandardTokenizer (StandardTokenizerImpl,
// UAX #29 word boundaries) as the standard analyzer runs it, then the
// lowercase filter; max_token_length 255 splits longer tokens.
func TestStandardTokenizer(t *testing.T) {
	long := strings.Repeat("a", 300)
	for _, tc := range []struct {
		in   string
		want []string
	}{
		{"Hello World", []string{"hello", "world"}},
		{"中文字", []string{"中", "文", "字"}},
		{"ひらがな", []string{"ひ", "ら", "が", "な"}},
		{"カタカナ", []string{"カタカナ"}},
		{"カタカナabc", []string{"カタカナ", "abc"}},
		{"ラーメン", []string{"ラーメン"}},
		{"abc中", []string{"abc", "中"}},
		{"1,000.5", []string{"1,000.5"}},
		{"don't", []string{"don't"}},
		{"don\u2019t", []string{"don\u2019t"}},
		{"a:b", []string{"a:b"}},
		{"1:2", []string{"1", "2"}},
		{"a,b", []string{"a", "b"}},
		{"a.1", []string{"a", "1"}},
		{"abc123_x", []string{"abc123_x"}},
		{"example.com.", []string{"example.com"}},
		{"한국어 text", []string{"한국어", "text"}},
		{"e\u0301te\u0301", []string{"e\u0301te\u0301"}},
		{long, []string{long[:255], long[255:]}},
	} {
		if got := tokens(tc.in); strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("tokens(%.40q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	runFidelity(t, mapping.Mapping{"message": {Type: mapping.MatchOnlyText}}, []fidelityCase{
		{"one ideograph", `message:中`, `{"message":"中文"}`, true},
		{"ideograph phrase", `message:"中文"`, `{"message":"我说中文"}`, true},
		{"katakana run", `message:カタ`, `{"message":"カタカナ"}`, false},
	})
}

// TestVersionField: the version type (x-pack mapper-version,
// VersionStringFieldMapper and VersionEncoder.encodeVersion).
func TestVersionField(t *testing.T) {
	if typ, ok := mapping.ParseType("version"); !ok || typ != mapping.Version {
		t.Fatalf("ParseType(version) = %v, %v", typ, ok)
	}
	order := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta.2", "1.0.0-beta.11",
		"1.0.0-rc.1", "1.0.0", "1.2.0", "1.9.0", "1.10.0", "2", "2.0.0", "10.0.0", "", "1.02", "abc"}
	for i := 1; i < len(order); i++ {
		a, b := appendVersion(nil, order[i-1]), appendVersion(nil, order[i])
		if string(a) >= string(b) {
			t.Errorf("version %q does not sort before %q", order[i-1], order[i])
		}
	}
	runFidelity(t, mapping.Mapping{"v": {Type: mapping.Version}}, []fidelityCase{
		{"term", `v:1.2.3`, `{"v":"1.2.3"}`, true},
		{"wildcard", `v:1.2.*`, `{"v":"1.2.3"}`, true},
		{"range numeric order", `v > 1.9.0`, `{"v":"1.10.0"}`, true},
		{"range prerelease", `v < 1.0.0`, `{"v":"1.0.0-rc.1"}`, true},
		{"range illegal after legal", `v > 99.0.0`, `{"v":"not-a-version"}`, true},
		{"range excluded", `v >= 2.0.0`, `{"v":"1.99.0"}`, false},
		{"exists", `v:*`, `{"v":"1.0"}`, true},
	})
}

// TestExactLongProperty is a property: a long literal matches exactly its
// own value, beyond 2^53 too, and not its neighbours (NumberFieldMapper
// indexes longs as LongPoint, no double round trip).
func TestExactLongProperty(t *testing.T) {
	seed := int64(20261201)
	rng := rand.New(rand.NewSource(seed))
	m := mapping.Mapping{"n": {Type: mapping.Long}, "u": {Type: mapping.UnsignedLong}}
	for i := 0; i < 200; i++ {
		n := rng.Int63() - rng.Int63()
		lit := strconv.FormatInt(n, 10)
		p := compileT(t, `n:`+lit, WithMapping(m))
		for d := int64(-1); d <= 1; d++ {
			if n+d < n && d > 0 || n+d > n && d < 0 {
				continue // wrapped
			}
			ev := map[string]any{"n": json.Number(strconv.FormatInt(n+d, 10))}
			if got := p.Match(ev); got != (d == 0) {
				t.Fatalf("seed %d: n:%s on %d: %v", seed, lit, n+d, got)
			}
		}
		u := rng.Uint64()
		ulit := strconv.FormatUint(u, 10)
		q := compileT(t, `u >= `+ulit, WithMapping(m))
		if !q.Match(map[string]any{"u": ulit}) || u > 0 && q.Match(map[string]any{"u": strconv.FormatUint(u-1, 10)}) {
			t.Fatalf("seed %d: u >= %s is not exact", seed, ulit)
		}
	}
}

// TestFidelityAllocs: the new matchers allocate nothing in Match.
func TestFidelityAllocs(t *testing.T) {
	m := mapping.Mapping{"n": {Type: mapping.Long}, "f": {Type: mapping.HalfFloat}, "k": {Type: mapping.Keyword, IgnoreAbove: 4},
		"labels": {Type: mapping.Flattened}, "v": {Type: mapping.Version}, "s": {Type: mapping.ScaledFloat, ScalingFactor: 10}}
	ev := decodeNumber(t, `{"n":"9007199254740993","f":2049,"k":"abcdefgh","labels":{"a":{"b":"x"}},"v":"1.10.0-rc.1","s":1.25}`)
	for _, q := range []string{`n:9007199254740993`, `n > 5`, `f:2048`, `f < 3000`, `k:*`, `k:abc*`,
		`labels:x`, `v > 1.9.0`, `s:1.3`, `s >= 1`} {
		p := compileT(t, q, WithMapping(m))
		if n := testing.AllocsPerRun(100, func() { p.Match(ev) }); n != 0 {
			t.Errorf("%s: %v allocations per Match, want 0", q, n)
		}
	}
}
