package eval

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
)

func loadECS(t *testing.T) Schema {
	f, err := os.Open(corpus.Path(t, "ecs/ecs_fields.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := LoadECS(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestLoadECS(t *testing.T) {
	s := loadECS(t)
	if len(s) != 2725 {
		t.Errorf("%d fields, want 2725", len(s))
	}
	for f, want := range map[string]Type{
		"@timestamp":                Date,
		"source.ip":                 IP,
		"destination.port":          Long,
		"process.command_line":      Wildcard,
		"process.command_line.text": MatchOnlyText,
		"event.category":            Keyword,
		"threat.enrichments":        Nested,
		"dll.pe.imports":            Flattened,
		"source.geo.location":       GeoPoint,
	} {
		if got := s.Lookup(f); got != want {
			t.Errorf("%s: %v, want %v", f, got, want)
		}
	}
	if got := s.Lookup("dll.pe.imports.name"); got != Keyword {
		t.Errorf("a key under a flattened field is %v, want keyword", got)
	}
	// A field under a nested field queried outside "path:{...}" is
	// Kibana's error (get_full_field_name_node.ts); inside, it matches.
	x, err := kql.Parse(`threat.enrichments.indicator.ip:1.2.3.4`)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Compile(x, WithSchema(s)); err == nil || !strings.Contains(err.Error(), "is not in a nested group") {
		t.Errorf("nested subfield outside a nested query: %v, want Kibana's error", err)
	}
	ev := decode(t, `{"threat":{"enrichments":[{"indicator":{"ip":"1.2.3.4"}}]}}`)
	if !compileT(t, `threat.enrichments:{ indicator.ip:1.2.3.4 }`, WithSchema(s)).Match(ev) {
		t.Error("nested query did not match")
	}
}

// TestDefaultSchemaAgreesWithECS checks the built-in table against the ECS
// table: every field in it has its ECS type, and every ECS ip field is in
// it.
func TestDefaultSchemaAgreesWithECS(t *testing.T) {
	ecs := loadECS(t)
	def := DefaultSchema()
	if len(def) < 250 {
		t.Errorf("the default schema has only %d fields", len(def))
	}
	for f, typ := range def {
		if f == "labels" { // ECS object with keyword leaves; listed as flattened
			continue
		}
		if et, ok := ecs[f]; !ok {
			t.Errorf("%s is not an ECS field", f)
		} else if et != typ {
			t.Errorf("%s is %v in the default schema, %v in ECS", f, typ, et)
		}
	}
	for f, typ := range ecs {
		if typ == IP && def[f] != IP {
			t.Errorf("ECS ip field %s missing from the default schema", f)
		}
	}
	// DefaultSchema returns a copy.
	def["source.ip"] = Keyword
	if DefaultSchema()["source.ip"] != IP {
		t.Error("changing DefaultSchema's result changed the default")
	}
}

func TestLoadECSErrors(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"", "empty"},
		{"a\tb\n", "header"},
		{"name\ttype\tnormalize\nx\tnope\t\n", "line 2: field x: unknown type \"nope\""},
		{"name\ttype\tnormalize\nonlyname\n", "line 2"},
	} {
		_, err := LoadECS(strings.NewReader(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("LoadECS(%q) = %v, want an error with %q", tc.in, err, tc.want)
		}
	}
}

func TestLoadMapping(t *testing.T) {
	const mapping = `{
	  "logs-a": {"mappings": {"properties": {
	    "@timestamp": {"type": "date"},
	    "source": {"properties": {"ip": {"type": "ip"}, "port": {"type": "long"}}},
	    "process": {"properties": {"command_line": {"type": "wildcard", "fields": {"text": {"type": "match_only_text"}}}}},
	    "items": {"type": "nested", "properties": {"name": {"type": "keyword"}}},
	    "src": {"type": "alias", "path": "source.ip"},
	    "when": {"type": "date_nanos"},
	    "vec": {"type": "dense_vector"},
	    "conflict": {"type": "keyword"}
	  }}},
	  "logs-b": {"mappings": {"properties": {"conflict": {"type": "long"}, "other": {"type": "boolean"}}}}
	}`
	s, err := LoadMapping(strings.NewReader(mapping))
	if err != nil {
		t.Fatal(err)
	}
	want := Schema{
		"@timestamp": Date, "source": Object, "source.ip": IP, "source.port": Long,
		"process": Object, "process.command_line": Wildcard, "process.command_line.text": MatchOnlyText,
		"items": Nested, "items.name": Keyword, "src": IP, "when": DateNanos, "vec": Unknown,
		"conflict": Unknown, "other": Boolean,
	}
	for f, typ := range want {
		if got, ok := s[f]; !ok || got != typ {
			t.Errorf("%s: %v (present %v), want %v", f, got, ok, typ)
		}
	}
	if len(s) != len(want) {
		t.Errorf("schema has %d fields, want %d: %v", len(s), len(want), s.Fields())
	}
	// Bare forms.
	for _, in := range []string{
		`{"properties": {"a": {"type": "ip"}}}`,
		`{"mappings": {"properties": {"a": {"type": "ip"}}}}`,
		`{"idx": {"mappings": {"_doc": {"properties": {"a": {"type": "ip"}}}}}}`,
	} {
		s, err := LoadMapping(strings.NewReader(in))
		if err != nil || s["a"] != IP {
			t.Errorf("LoadMapping(%s) = %v, %v", in, s, err)
		}
	}
	for _, in := range []string{`nope`, `{"idx": {"settings": {}}}`, `{"properties": {"a": 1}}`} {
		if _, err := LoadMapping(strings.NewReader(in)); err == nil {
			t.Errorf("LoadMapping(%s) did not fail", in)
		}
	}
}

func TestTypeNames(t *testing.T) {
	for i := Unknown + 1; i <= GeoPoint; i++ {
		got, ok := ParseType(i.String())
		if !ok || got != i {
			t.Errorf("ParseType(%q) = %v, %v", i.String(), got, ok)
		}
	}
	if _, ok := ParseType("unknown"); ok {
		t.Error(`ParseType("unknown") is ok`)
	}
	if Type(200).String() != "Type(200)" {
		t.Error(Type(200).String())
	}
}

// TestEveryElasticRuleCompiles compiles each kuery rule of Elastic's
// detection-rules repository with the ECS schema and checks that Compile
// never panics; rules it refuses are logged with the reason.
func TestEveryElasticRuleCompiles(t *testing.T) {
	s := loadECS(t)
	f, err := os.Open(corpus.Path(t, "corpus/elastic_kuery_rules.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	var n, refused int
	for sc.Scan() {
		var r struct{ Query string }
		if err := jsonUnmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		x, err := parseForTest(r.Query)
		if err != nil {
			continue // the parser's tests deal with these
		}
		n++
		if _, err := Compile(x, WithSchema(s)); err != nil {
			refused++
			t.Logf("refused: %v", err)
		}
	}
	t.Logf("%d rules compiled, %d refused", n-refused, refused)
}
