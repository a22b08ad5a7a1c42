package mapping

import (
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
)

func loadSharedECS(t *testing.T) Schema {
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
	s := loadSharedECS(t)
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

// TestECSTable: the built-in table is the shared ECS table, every type in
// it is one ParseType knows, and ECS returns a copy.
func TestECSTable(t *testing.T) {
	for _, line := range strings.Split(ecsTable, "\n") {
		if line != "" && line[0] != '\t' {
			if _, ok := ParseType(line); !ok {
				t.Errorf("the generated table has the type %q, which ParseType does not know", line)
			}
		}
	}
	s := ECS()
	for f, want := range map[string]Type{
		"data_stream.dataset":       ConstantKeyword,
		"process.command_line":      Wildcard,
		"process.command_line.text": MatchOnlyText,
		"source.ip":                 IP,
		"@timestamp":                Date,
		"faas.coldstart":            Boolean,
		"faas.name":                 Keyword,
		"labels":                    Object,
	} {
		if got := s[f]; got != want {
			t.Errorf("ECS()[%s] = %v, want %v", f, got, want)
		}
	}
	if !strings.HasPrefix(ECSVersion, "ECS 9.4.0,") {
		t.Errorf("ECSVersion = %q", ECSVersion)
	}
	s["x"] = Keyword
	if _, ok := ECS()["x"]; ok {
		t.Error("ECS() returns a shared map")
	}
	shared := loadSharedECS(t)
	if len(shared) != len(ECS()) {
		t.Errorf("built in: %d fields, shared ecs_fields.tsv: %d (run go generate ./mapping)", len(ECS()), len(shared))
	}
	for f, typ := range shared {
		if got, ok := ECS()[f]; !ok || got != typ {
			t.Errorf("%s: built in %v (%v), shared table %v", f, got, ok, typ)
		}
	}
}

func TestLookupECS(t *testing.T) {
	s := Schema{"k": Keyword, "event.url": Keyword, "w": Wildcard, "f": Flattened, "n": Long}
	m := ECSMapping(s)
	if m["k"].IgnoreAbove != 1024 || m["event.url"].IgnoreAbove != 2083 || m["w"].IgnoreAbove != 0 || m["n"].IgnoreAbove != 0 {
		t.Fatalf("ECSMapping: %+v", m)
	}
	for _, name := range []string{"k", "event.url", "w", "f", "n", "f.leaf", "missing"} {
		if got, want := s.LookupECS(name), m.Lookup(name); got != want {
			t.Errorf("LookupECS(%s) = %+v, ECSMapping's Lookup %+v", name, got, want)
		}
	}
	if got := s.LookupECS("f.leaf"); got != (FieldMapping{Type: Keyword}) {
		t.Errorf("a key under a flattened field: %+v, want a keyword without ignore_above", got)
	}
}

func TestMultiFieldAndNested(t *testing.T) {
	s := Schema{
		"process.command_line": Wildcard, "process.command_line.text": MatchOnlyText,
		"labels": Flattened, "labels.env": Keyword,
		"host": Object, "host.name": Keyword,
		"items": Nested, "items.name": Keyword, "items.sub": Nested, "items.sub.x": Long,
		"items.name.text": Text, "vague": Unknown, "vague.x": Keyword,
	}
	for _, tc := range []struct{ field, parent, nested string }{
		{"process.command_line.text", "process.command_line", ""},
		{"process.command_line", "", ""},
		{"labels.env", "", ""}, // below a flattened field: a field of its own
		{"host.name", "", ""},  // below an object
		{"items.name", "", "items"},
		{"items.sub", "", "items"},
		{"items.sub.x", "", "items.sub"},
		{"items.name.text", "items.name", "items"},
		{"vague.x", "", ""},                    // below a field the schema does not type
		{"process.command_line.other", "", ""}, // not in the schema
		{"x", "", ""},
	} {
		if got := s.MultiFieldParent(tc.field); got != tc.parent {
			t.Errorf("MultiFieldParent(%s) = %q, want %q", tc.field, got, tc.parent)
		}
		if got := s.NestedPath(tc.field); got != tc.nested {
			t.Errorf("NestedPath(%s) = %q, want %q", tc.field, got, tc.nested)
		}
	}
}

func TestDataView(t *testing.T) {
	s := Schema{
		"process.command_line":      Wildcard,
		"process.command_line.text": MatchOnlyText,
		"labels":                    Flattened,
		"labels.env":                Keyword,
		"items":                     Nested,
		"items.name":                Keyword,
		"items.sub":                 Nested,
		"items.sub.x":               Long,
		"host":                      Object,
		"host.name":                 Keyword,
		"@timestamp":                DateNanos,
		"vague":                     Unknown,
	}
	dv := s.DataView()
	b, err := json.Marshal(dv)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"fields":[` +
		`{"name":"@timestamp","type":"date","esTypes":["date_nanos"]},` +
		`{"name":"host.name","type":"string","esTypes":["keyword"]},` +
		`{"name":"items","type":"nested","esTypes":["nested"]},` +
		`{"name":"items.name","type":"string","esTypes":["keyword"],"subType":{"nested":{"path":"items"}}},` +
		`{"name":"items.sub","type":"nested","esTypes":["nested"],"subType":{"nested":{"path":"items"}}},` +
		`{"name":"items.sub.x","type":"number","esTypes":["long"],"subType":{"nested":{"path":"items.sub"}}},` +
		`{"name":"labels","type":"string","esTypes":["flattened"]},` +
		`{"name":"labels.env","type":"string","esTypes":["keyword"]},` +
		`{"name":"process.command_line","type":"string","esTypes":["wildcard"]},` +
		`{"name":"process.command_line.text","type":"string","esTypes":["match_only_text"],"subType":{"multi":{"parent":"process.command_line"}}}]}`
	if string(b) != want {
		t.Errorf("got  %s\nwant %s", b, want)
	}
	// The views read the same fields without building the data view (or
	// built once), in the same order.
	for kind, view := range map[string]Fields{"View": s.View(), "IndexedView": s.IndexedView()} {
		var n int
		for f := range view.All() {
			got, _ := json.Marshal(f)
			wantF, _ := json.Marshal(dv.Fields[n])
			if string(got) != string(wantF) {
				t.Errorf("%s field %d = %s, DataView %s", kind, n, got, wantF)
			}
			if byName, _ := json.Marshal(view.Field(f.Name)); string(byName) != string(wantF) {
				t.Errorf("%s.Field(%s) = %s, DataView %s", kind, f.Name, byName, wantF)
			}
			n++
		}
		if n != len(dv.Fields) {
			t.Errorf("%s has %d fields, DataView %d", kind, n, len(dv.Fields))
		}
		for _, name := range []string{"host", "vague", "missing", "labels.other"} {
			if f := view.Field(name); f != nil {
				t.Errorf("%s.Field(%s) = %+v, want nil", kind, name, f)
			}
		}
	}
	if Schema(nil).View().Field("a") != nil || Schema(nil).IndexedView().Field("a") != nil || len(Schema(nil).DataView().Fields) != 0 {
		t.Error("a nil schema has fields")
	}
}

func TestLoadDataView(t *testing.T) {
	for _, in := range []string{
		`[{"name":"a","type":"string","esTypes":["keyword"]}]`,
		`{"fields":[{"name":"a","type":"string","esTypes":["keyword"]}]}`,
		`{"title":"x","fields":{"a":{"type":"string","esTypes":["keyword"]}}}`,
	} {
		dv, err := LoadDataView([]byte(in))
		if err != nil {
			t.Errorf("%s: %v", in, err)
			continue
		}
		if f := dv.Field("a"); f == nil || len(f.ESTypes) != 1 || f.ESTypes[0] != "keyword" {
			t.Errorf("%s: field a not read: %+v", in, dv)
		}
	}
	for _, in := range []string{`"x"`, `{"title":"x"}`, `{"fields":3}`} {
		if _, err := LoadDataView([]byte(in)); err == nil {
			t.Errorf("%s: want an error", in)
		}
	}
	var none *DataView
	if none.Field("a") != nil {
		t.Error("a nil data view has a field")
	}
	for range none.All() {
		t.Error("a nil data view yields a field")
	}
}

func TestLoadMapping(t *testing.T) {
	const js = `{
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
	s, err := LoadMapping(strings.NewReader(js))
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

// TestReadMappingParams: ReadMapping keeps the mapping parameters.
func TestReadMappingParams(t *testing.T) {
	js := `{"idx":{"mappings":{"properties":{
		"k":{"type":"keyword","ignore_above":256},
		"n":{"type":"long","ignore_malformed":true,"coerce":false,"null_value":0},
		"s":{"type":"scaled_float","scaling_factor":100},
		"d":{"type":"date","format":"epoch_second"}}}}}`
	m, err := ReadMapping(strings.NewReader(js))
	if err != nil {
		t.Fatal(err)
	}
	if m["k"].IgnoreAbove != 256 || !m["n"].IgnoreMalformed || !m["n"].NoCoerce || m["n"].NullValue == nil ||
		m["s"].ScalingFactor != 100 || m["d"].Format != "epoch_second" {
		t.Errorf("ReadMapping: %+v", m)
	}
	if s := m.Schema(); s["s"] != ScaledFloat || s["k"] != Keyword {
		t.Errorf("Schema: %v", s)
	}
}

func TestTypeNames(t *testing.T) {
	for i := Unknown + 1; i <= DateNanos; i++ {
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
	for _, tc := range []struct {
		t                      Type
		numeric, date, integer bool
	}{
		{Long, true, false, true}, {UnsignedLong, true, false, true}, {ScaledFloat, true, false, false},
		{HalfFloat, true, false, false}, {Date, false, true, false}, {DateNanos, false, true, false},
		{Keyword, false, false, false}, {Unknown, false, false, false},
	} {
		_, _, isInt := tc.t.IntRange()
		if tc.t.Numeric() != tc.numeric || tc.t.IsDate() != tc.date || isInt != tc.integer {
			t.Errorf("%v: Numeric %v IsDate %v IntRange %v", tc.t, tc.t.Numeric(), tc.t.IsDate(), isInt)
		}
	}
}
