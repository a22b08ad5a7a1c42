package schemas

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
)

// The ranges are those of the shared integration-manifests.json.gz; the
// expectations follow detection-rules' _parse_clause
// (detection_rules/integrations.py).
func TestKibanaRange(t *testing.T) {
	tests := []struct {
		req   string
		stack string
		want  bool
	}{
		{"^8.13.0 || ^9.0.0", "9.5.0", true},
		{"^8.13.0 || ^9.0.0", "8.12.9", false},
		{"^8.13.0 || ^9.0.0", "10.0.0", false},
		{"~8.19.10 || ~9.1.10 || ^9.2.4", "8.19.10", true},
		{"~8.19.10 || ~9.1.10 || ^9.2.4", "8.19.9", false},
		{"~8.19.10 || ~9.1.10 || ^9.2.4", "9.2.0", false},
		{"~8.19.10 || ~9.1.10 || ^9.2.4", "9.6.0", true},
		{">=8.0.0 <9.0.0", "8.19.0", true},
		{">=8.0.0 <9.0.0", "9.0.0", false},
		{"<=8.1.0", "8.1.0", true},
		{">8.1.0", "8.1.0", false},
		{"=8.1.0", "8.1.0", true},
		{"8.1.0", "8.1.1", false},
	}
	for _, tt := range tests {
		c, err := parseKibanaRange(tt.req)
		if err != nil {
			t.Errorf("parseKibanaRange(%q): %v", tt.req, err)
			continue
		}
		v, _ := parseVersion(tt.stack)
		if got := satisfies(v, c); got != tt.want {
			t.Errorf("%s satisfies %q = %v, want %v", tt.stack, tt.req, got, tt.want)
		}
	}
	for _, bad := range []string{"^x.1", "!8.0.0", "^8.0.0 || ~"} {
		if _, err := parseKibanaRange(bad); err == nil {
			t.Errorf("parseKibanaRange(%q): no error", bad)
		}
	}
}

func TestReadYAML(t *testing.T) {
	src := "# comment\n\"8.19.0\":\n  beats: \"8.18.3\"\n  ecs: '8.17.0' # max ECS\n\n## 9\n\"9.3.0\":\n  ecs: 9.3.0\n  nested:\n    deep: x\n  - item\npackage:\n  name: '9.6'\n"
	got, err := readYAML("m.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]string{
		"8.19.0":  {"beats": "8.18.3", "ecs": "8.17.0"},
		"9.3.0":   {"ecs": "9.3.0"},
		"package": {"name": "9.6"},
	}
	if len(got) != len(want) {
		t.Fatalf("got %v, want %v", got, want)
	}
	for k, m := range want {
		for kk, v := range m {
			if got[k][kk] != v {
				t.Errorf("%s.%s = %q, want %q", k, kk, got[k][kk], v)
			}
		}
	}
	for _, bad := range []string{"  ecs: x\n", "\"9.3.0\"\n  no colon\n"} {
		if _, err := readYAML("bad.yaml", []byte(bad)); err == nil || !strings.Contains(err.Error(), "bad.yaml:") {
			t.Errorf("readYAML(%q): error %v, want one naming the line", bad, err)
		}
	}
}

// writeCheckout writes a small detection-rules checkout: files whose name
// ends in .gz are gzipped.
func writeCheckout(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, text := range files {
		path := filepath.Join(dir, etcDir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		data := []byte(text)
		if strings.HasSuffix(name, ".gz") {
			var b bytes.Buffer
			z := gzip.NewWriter(&b)
			z.Write(data)
			z.Close()
			data = b.Bytes()
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

var fixture = map[string]string{
	"stack-schema-map.yaml": `"8.19.0":
  beats: "8.18.3"
  ecs: "8.17.0"
"9.5.0":
  beats: "9.5.0"
  ecs: "9.5.0"
"9.6.0":
  beats: "9.5.0"
  ecs: "9.5.0"
`,
	"packages.yaml": "package:\n  name: '9.5'\n",
	"ecs_schemas/9.5.0/ecs_flat.json.gz": `{"event.dataset": {"type": "keyword"}, "host.name": {"type": "keyword"},
		"process.name": {"type": "keyword", "multi_fields": [{"name": "text", "type": "match_only_text"}]}}`,
	"ecs_schemas/9.4.0/ecs_flat.json.gz": `{"event.dataset": {"type": "keyword"}, "old.field": {"type": "keyword"}}`,
	"integration-manifests.json.gz": `{
		"aws": {"3.0.0": {"conditions": {"kibana": {"version": "^9.4.0"}}},
		        "2.0.0": {"conditions": {"kibana": {"version": "^8.13.0 || ^9.0.0"}}},
		        "1.0.0": {"conditions": {"kibana": {"version": "^8.0.0"}}}},
		"okta": {"1.0.0": {"conditions": {"kibana": {"version": "^8.0.0 || ^9.0.0"}}}},
		"zeek": {"1.0.0": {"conditions": {"kibana": {"version": "^8.0.0 || ^9.0.0"}}}},
		"endpoint": {"8.0.0": {"conditions": {"kibana": {"version": "^8.0.0 || ^9.0.0"}}}}}`,
	"integration-schemas.json.gz": `{
		"aws": {"2.0.0": {"cloudtrail": {"aws.cloudtrail.new": "keyword", "process.name": "text"}},
		        "1.0.0": {"cloudtrail": {"aws.cloudtrail.old": "keyword"}}},
		"okta": {"1.0.0": {"system": {"okta.event_type": "keyword", "okta.debug.*": "object"}}},
		"endpoint": {"8.0.0": {"process": {"process.Ext.token": "keyword"}, "file": {"file.Ext.x": "keyword"}}}}`,
	"non-ecs-schema.json": `{"logs-aws*": {"aws": {"extra": "long"}}, "winlogbeat-*": {"winlog": {"x": "keyword"}}}`,
	"beats_schemas/v9.5.0.json.gz": `{"winlogbeat": {"folders": {
		"_meta": {"files": {"fields.common.yml": [{"key": "winlog", "fields": [{"name": "winlog", "type": "group", "fields": [{"name": "api"}, {"name": "size", "type": "long"}]}]}]}},
		"module": {"folders": {"sysmon": {"folders": {"_meta": {"files": {"fields.yml": [{"name": "sysmon", "type": "group", "fields": [{"name": "tag", "type": "keyword", "multi_fields": [{"name": "text", "type": "text"}]}]}]}}}}}}}}}`,
}

func rule(query string, index []string, integ ...string) *rules.Rule {
	return &rules.Rule{Type: rules.TypeQuery, Language: rules.LanguageKuery, Query: query, Index: index,
		Metadata: rules.Metadata{Maturity: rules.MaturityProduction, Integration: integ}}
}

func TestTargets(t *testing.T) {
	dir := writeCheckout(t, fixture)
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	withMin := rule("event.dataset:aws.cloudtrail", []string{"logs-aws*"}, "aws")
	withMin.Metadata.MinStackVersion = "9.5.0"
	deprecated := rule("host.name:x", nil)
	deprecated.Metadata.Maturity = rules.MaturityDeprecated
	noValidation := rule("host.name:x", nil)
	noValidation.Metadata.Extra = map[string]any{"query_schema_validation": false}
	beta := rule("event.dataset:aws.cloudtrail", nil)
	beta.Metadata.Maturity = rules.MaturityBeta
	related := rule("process.Ext.token:x", nil)
	related.Extra = map[string]any{"related_integrations": []any{map[string]any{"package": "endpoint", "version": "^8.2.0"}}}
	eql := rule("process where true", nil)
	eql.Language = rules.LanguageEQL
	tests := []struct {
		name string
		rule *rules.Rule
		// want: per target, its name and some fields: "f" known, "-f" unknown
		want []string
		// missing: the Missing entries of the first target
		missing []string
	}{
		{"no package: stack targets, ECS of 8.17.0 absent falls back to the newest",
			rule("host.name:x", []string{"logs-*"}), []string{
				"stack 9.5.0, ECS 9.5.0: host.name process.name.text -old.field"}, nil},
		{"data set of a package: the newest compatible version the schemas hold (2.0.0 for 3.0.0)",
			withMin, []string{
				"integration aws.cloudtrail 2.0.0; stack 9.5.0, ECS 9.5.0: aws.cloudtrail.new aws.extra host.name -aws.cloudtrail.old"}, nil},
		{"ECS over the package's fields", rule("data_stream.dataset:aws.cloudtrail", nil), []string{
			"integration aws.cloudtrail 2.0.0; stack 9.5.0, ECS 9.5.0: process.name"}, nil},
		{"a package without data set, star fields", rule("event.dataset:okta and x:y", nil), []string{
			"integration okta 1.0.0; stack 9.5.0, ECS 9.5.0: okta.event_type okta.debug.*"}, nil},
		{"a package the schemas lack", rule("event.dataset:zeek.conn", nil), []string{
			"integration (none found); stack 9.5.0, ECS 9.5.0: host.name"}, []string{"zeek.conn (not in integration-schemas.json.gz)"}},
		{"a metadata package needing no data set", rule("process.Ext.token:x", nil, "endpoint"), []string{
			"integration endpoint 8.0.0; stack 9.5.0, ECS 9.5.0: process.Ext.token file.Ext.x"}, nil},
		{"endpoint.events.process is endpoint's process", rule("event.dataset:endpoint.events.process", nil, "endpoint"), []string{
			"integration endpoint.process 8.0.0; stack 9.5.0, ECS 9.5.0: process.Ext.token -file.Ext.x"}, nil},
		{"beats indices add stack targets with Beats fields under ECS",
			rule("event.module:sysmon and event.dataset:aws.cloudtrail", []string{"winlogbeat-*"}), []string{
				"integration aws.cloudtrail 2.0.0; stack 9.5.0, ECS 9.5.0: aws.cloudtrail.new -winlog.api",
				"stack 9.5.0, ECS 9.5.0, beats winlogbeat: winlog.api winlog.size winlog.x sysmon.tag sysmon.tag.text -aws.cloudtrail.new"}, nil},
		{"related_integrations when the metadata names none", related, []string{
			"integration endpoint 8.0.0; stack 9.5.0, ECS 9.5.0: process.Ext.token"}, nil},
		{"deprecated: not validated", deprecated, nil, nil},
		{"query_schema_validation = false", noValidation, nil, nil},
		{"a package rule not in production", beta, nil, nil},
		{"EQL", eql, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ts, err := r.Targets(tt.rule, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(ts) != len(tt.want) {
				var names []string
				for _, x := range ts {
					names = append(names, x.Name)
				}
				t.Fatalf("targets %q, want %d", names, len(tt.want))
			}
			for i, w := range tt.want {
				name, fields, _ := strings.Cut(w, ": ")
				if ts[i].Name != name {
					t.Errorf("target %d: name %q, want %q", i, ts[i].Name, name)
				}
				for _, f := range strings.Fields(fields) {
					_, has := ts[i].Schema[strings.TrimPrefix(f, "-")]
					if has != !strings.HasPrefix(f, "-") {
						t.Errorf("target %d (%s): has %s = %v", i, name, f, has)
					}
				}
			}
			if len(ts) > 0 && !slices.Equal(ts[0].Missing, tt.missing) {
				t.Errorf("Missing = %q, want %q", ts[0].Missing, tt.missing)
			}
		})
	}
	ts, _ := r.Targets(withMin, nil)
	if ts[0].Schema["aws.extra"] != mapping.Long || ts[0].Schema["process.name"] != mapping.Keyword {
		t.Errorf("types: aws.extra %v, process.name %v", ts[0].Schema["aws.extra"], ts[0].Schema["process.name"])
	}
}

func TestOpenFind(t *testing.T) {
	dir := writeCheckout(t, fixture)
	sub := filepath.Join(dir, "rules", "aws")
	if err := os.MkdirAll(sub, 0o755); err != nil {
		t.Fatal(err)
	}
	got, ok := Find(filepath.Join(sub, "x.toml"))
	if !ok || got != dir {
		t.Errorf("Find = %q, %v; want %q", got, ok, dir)
	}
	if _, ok := Find(t.TempDir()); ok {
		t.Error("Find outside a checkout: found one")
	}
	if _, err := Open(filepath.Join(dir, etcDir)); err != nil {
		t.Errorf("Open(etc folder): %v", err)
	}
	if _, err := Open(t.TempDir()); err == nil || !strings.Contains(err.Error(), "not a detection-rules checkout") {
		t.Errorf("Open(empty folder): %v", err)
	}
	bad := writeCheckout(t, map[string]string{"stack-schema-map.yaml": "\"x.y\":\n  ecs: 1\n"})
	if _, err := Open(bad); err == nil || !strings.Contains(err.Error(), "stack-schema-map.yaml") {
		t.Errorf("Open(bad map): %v", err)
	}
	broken := map[string]string{}
	for k, v := range fixture {
		broken[k] = v
	}
	broken["ecs_schemas/9.5.0/ecs_flat.json.gz"] = "{"
	r, err := Open(writeCheckout(t, broken))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Targets(rule("host.name:x", nil), nil); err == nil || !strings.Contains(err.Error(), "ecs_flat.json.gz") {
		t.Errorf("Targets with a broken ECS file: %v", err)
	}
}
