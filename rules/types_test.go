package rules_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
)

// TestDetectionRulesTypedSettings loads every KQL rule file of Elastic's
// detection-rules repository and checks that each type's settings land in
// the model: threshold, new terms, indicator match, alert suppression,
// filters and the alert overrides.
func TestDetectionRulesTypedSettings(t *testing.T) {
	dir := corpus.Path(t, "detection-rules")
	types := map[rules.Type]int{}
	var suppressed, filtered, overridden int
	rules.EachTreeTOML(t, dir, func(path string, data []byte) {
		if !strings.Contains(path, "/rules") {
			return
		}
		r, derr := rules.Decode(path, data)
		if r == nil || r.Language != rules.LanguageKuery {
			return // not a rule, or not KQL
		}
		if derr != nil {
			t.Errorf("%v", derr)
			return
		}
		if _, err := rules.ParseTOML(path, data); err != nil {
			t.Errorf("%v", err)
			return
		}
		for _, w := range r.Source.Warnings {
			if w.Field != "rule.rule_id" {
				t.Errorf("%s: unexpected warning %v", path, w)
			}
		}
		types[r.Type]++
		switch r.Type {
		case rules.TypeThreshold:
			if r.Threshold == nil || r.Threshold.Value < 1 {
				t.Errorf("%s: threshold %+v", path, r.Threshold)
			}
		case rules.TypeNewTerms:
			if len(r.NewTermsFields) == 0 || !strings.HasPrefix(r.HistoryWindowStart, "now-") {
				t.Errorf("%s: new terms %v from %q", path, r.NewTermsFields, r.HistoryWindowStart)
			}
		case rules.TypeThreatMatch:
			if len(r.ThreatMapping) == 0 || len(r.ThreatIndex) == 0 || r.ThreatMapping[0].Entries[0].Type != "mapping" {
				t.Errorf("%s: threat mapping %+v, index %v", path, r.ThreatMapping, r.ThreatIndex)
			}
		}
		if r.AlertSuppression != nil {
			suppressed++
		}
		if len(r.Filters) > 0 {
			filtered++
			var m map[string]any
			if err := json.Unmarshal(r.Filters[0], &m); err != nil {
				t.Errorf("%s: filter %s: %v", path, r.Filters[0], err)
			}
		}
		if r.RuleNameOverride != "" || len(r.SeverityMapping) > 0 || len(r.RiskScoreMapping) > 0 {
			overridden++
		}
		for _, k := range []string{"threshold", "new_terms", "alert_suppression", "filters", "threat_mapping"} {
			if _, ok := r.Extra[k]; ok {
				t.Errorf("%s: %s left in Extra", path, k)
			}
		}
	})
	t.Logf("KQL rules by type %v; %d suppress alerts, %d carry filters, %d override name, severity or risk", types, suppressed, filtered, overridden)
	if types[rules.TypeThreshold] < 25 || types[rules.TypeNewTerms] < 200 || types[rules.TypeThreatMatch] < 5 || suppressed < 3 || filtered < 10 {
		t.Errorf("too few typed rules: %v, %d suppressed, %d filtered", types, suppressed, filtered)
	}
}

// A rule file with the typed settings in detection-rules' TOML and the same
// rule in Kibana's JSON decode to the same model, and the model's JSON reads
// back to it.
const typedTOML = `[metadata]
creation_date = "2024/01/02"
maturity = "production"
updated_date = "2024/01/03"

[rule]
author = ["Test"]
description = "A test rule."
index = ["logs-*"]
name = "Test rule"
risk_score = 21
rule_id = "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11"
severity = "low"
type = "new_terms"
query = "event.category:process"
building_block_type = "default"
rule_name_override = "message"
timestamp_override_fallback_disabled = true

[[rule.severity_mapping]]
field = "event.severity"
operator = "equals"
value = "9"
severity = "critical"

[[rule.risk_score_mapping]]
field = "event.risk_score"
operator = "equals"
value = ""

[[rule.filters]]
[rule.filters.meta]
negate = true
[rule.filters.query.match_phrase]
"host.name" = "a"

[rule.new_terms]
field = "new_terms_fields"
value = ["host.id", "user.name"]
[[rule.new_terms.history_window_start]]
field = "history_window_start"
value = "now-7d"

[rule.alert_suppression]
group_by = ["host.id"]
missing_fields_strategy = "doNotSuppress"
[rule.alert_suppression.duration]
unit = "m"
value = 30
`

const typedJSON = `{"rule_id": "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11", "name": "Test rule", "description": "A test rule.",
 "author": ["Test"], "index": ["logs-*"], "risk_score": 21, "severity": "low", "type": "new_terms",
 "query": "event.category:process", "building_block_type": "default", "rule_name_override": "message",
 "timestamp_override_fallback_disabled": true,
 "severity_mapping": [{"field": "event.severity", "operator": "equals", "value": "9", "severity": "critical"}],
 "risk_score_mapping": [{"field": "event.risk_score", "operator": "equals", "value": ""}],
 "filters": [{"meta": {"negate": true}, "query": {"match_phrase": {"host.name": "a"}}}],
 "new_terms_fields": ["host.id", "user.name"], "history_window_start": "now-7d",
 "alert_suppression": {"group_by": ["host.id"], "missing_fields_strategy": "doNotSuppress", "duration": {"value": 30, "unit": "m"}},
 "metadata": {"creation_date": "2024/01/02", "maturity": "production", "updated_date": "2024/01/03"}}`

func TestTypedSettingsTOMLAndJSON(t *testing.T) {
	tr, err := rules.ParseTOML("typed.toml", []byte(typedTOML))
	if err != nil {
		t.Fatal(err)
	}
	jr, err := rules.ParseJSON("typed.json", []byte(typedJSON))
	if err != nil {
		t.Fatal(err)
	}
	ignore := cmpopts.IgnoreFields(rules.Rule{}, "Source")
	if d := cmp.Diff(tr, jr, ignore); d != "" {
		t.Errorf("TOML and JSON differ (-toml +json):\n%s", d)
	}
	if tr.AlertSuppression.Duration.Duration() != 30*time.Minute || tr.NewTermsFields[1] != "user.name" || tr.HistoryWindowStart != "now-7d" {
		t.Errorf("decoded %+v", tr)
	}
	b, err := json.Marshal(tr)
	if err != nil {
		t.Fatal(err)
	}
	back, err := rules.ParseJSON("back.json", b)
	if err != nil {
		t.Fatalf("%v\n%s", err, b)
	}
	if d := cmp.Diff(tr, back, ignore); d != "" {
		t.Errorf("round trip (-toml +json):\n%s", d)
	}
	thr := strings.Replace(typedTOML, `type = "new_terms"`, `type = "threshold"`, 1)
	thr = thr[:strings.Index(thr, "[rule.new_terms]")] + "[rule.threshold]\nfield = \"host.id\"\nvalue = 3\n[[rule.threshold.cardinality]]\nfield = \"user.name\"\nvalue = 2\n"
	r, err := rules.ParseTOML("thr.toml", []byte(thr))
	if err != nil {
		t.Fatal(err)
	}
	want := &rules.Threshold{Field: []string{"host.id"}, Value: 3, Cardinality: []rules.Cardinality{{Field: "user.name", Value: 2}}}
	if d := cmp.Diff(want, r.Threshold); d != "" {
		t.Errorf("threshold (-want +got):\n%s", d)
	}
}

// TestTypedSettingsProblems: malformed typed settings are problems naming
// the field and saying why.
func TestTypedSettingsProblems(t *testing.T) {
	head := typedTOML[:strings.Index(typedTOML, "[rule.new_terms]")]
	for _, tc := range []struct {
		name, typ, tail, want string
	}{
		{"threshold missing", "threshold", "", "rule.threshold: required for a threshold rule"},
		{"threshold value 0", "threshold", "[rule.threshold]\nfield = []\nvalue = 0\n", "rule.threshold.value: must be at least 1, got 0"},
		{"threshold no value", "threshold", "[rule.threshold]\nfield = \"a\"\n", "rule.threshold.value: required"},
		{"threshold six fields", "threshold", "[rule.threshold]\nfield = [\"a\",\"b\",\"c\",\"d\",\"e\",\"f\"]\nvalue = 1\n", "at most 5 fields, got 6"},
		{"threshold field number", "threshold", "[rule.threshold]\nfield = 3\nvalue = 1\n", "rule.threshold.field: must be an array of strings, got integer 3"},
		{"cardinality without field", "threshold", "[rule.threshold]\nvalue = 1\n[[rule.threshold.cardinality]]\nvalue = 2\n", "rule.threshold.cardinality[0].field: required"},
		{"new terms missing", "new_terms", "", "rule.new_terms.value: required for a new_terms rule"},
		{"new terms four fields", "new_terms", "[rule.new_terms]\nfield = \"new_terms_fields\"\nvalue = [\"a\",\"b\",\"c\",\"d\"]\n[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\nvalue = \"now-7d\"\n", "at most 3 fields, got 4"},
		{"new terms bad start", "new_terms", "[rule.new_terms]\nfield = \"new_terms_fields\"\nvalue = [\"a\"]\n[[rule.new_terms.history_window_start]]\nfield = \"history_window_start\"\nvalue = \"7d\"\n", `rule.new_terms.history_window_start[0].value: must be date math`},
		{"new terms wrong field", "new_terms", "[rule.new_terms]\nfield = \"fields\"\nvalue = [\"a\"]\n", `rule.new_terms.field: must be "new_terms_fields", got "fields"`},
		{"suppression no group", "query", "[rule.alert_suppression]\nmissing_fields_strategy = \"suppress\"\n", "rule.alert_suppression.group_by: required: 1 to 3 fields"},
		{"suppression strategy", "query", "[rule.alert_suppression]\ngroup_by = [\"a\"]\nmissing_fields_strategy = \"drop\"\n", `missing_fields_strategy: must be one of suppress, doNotSuppress, got "drop"`},
		{"suppression unit", "query", "[rule.alert_suppression]\ngroup_by = [\"a\"]\n[rule.alert_suppression.duration]\nvalue = 5\nunit = \"d\"\n", `duration.unit: must be one of s, m, h, got "d"`},
		{"suppression threshold group_by", "threshold", "[rule.threshold]\nvalue = 1\n[rule.alert_suppression]\ngroup_by = [\"a\"]\n", "a threshold rule groups by threshold.field"},
		{"threat mapping type", "threat_match", "threat_index = [\"ti-*\"]\n[[rule.threat_mapping]]\n[[rule.threat_mapping.entries]]\nfield = \"a\"\nvalue = \"b\"\ntype = \"map\"\n", `rule.threat_mapping[0].entries[0].type: must be "mapping", got "map"`},
		{"threat match missing", "threat_match", "", "rule.threat_index: required for a threat_match rule"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := strings.Replace(head, `type = "new_terms"`, `type = "`+tc.typ+`"`, 1)
			if strings.HasPrefix(tc.tail, "threat_index") {
				src = strings.Replace(src, "[[rule.severity_mapping]]", tc.tail[:strings.Index(tc.tail, "\n")+1]+"\n[[rule.severity_mapping]]", 1)
				tc.tail = tc.tail[strings.Index(tc.tail, "\n")+1:]
			}
			_, err := rules.ParseTOML("bad.toml", []byte(src+tc.tail))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v\nwant it to contain %q", err, tc.want)
			}
		})
	}
}

// Kibana reads a threshold field "" as no field (normalizeThresholdField).
func TestThresholdEmptyField(t *testing.T) {
	r, err := rules.ParseJSON("t.json", []byte(`{"rule_id": "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11", "name": "n", "description": "d", "type": "threshold", "query": "a:1", "risk_score": 5, "severity": "low", "threshold": {"field": "", "value": 2}}`))
	if err != nil {
		t.Fatal(err)
	}
	if r.Threshold == nil || len(r.Threshold.Field) != 0 || r.Threshold.Value != 2 {
		t.Errorf("threshold %+v", r.Threshold)
	}
}
