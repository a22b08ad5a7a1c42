package rules

import (
	"fmt"
	"slices"
	"strings"
)

// Limits of Kibana's rule schemas
// (common/api/detection_engine/model/rule_schema).
const (
	maxThresholdFields = 5
	maxNewTermsFields  = 3
)

// validateTypes checks the type-specific settings and the alert overrides:
// that each type has what it needs and that values are in Kibana's range.
func (r *Rule) validateTypes(ps *problems) {
	toml := r.Source.Format == FormatTOML
	name := func(kibana, tomlName string) string {
		if toml {
			return tomlName
		}
		return kibana
	}
	if t := r.Threshold; t != nil {
		if len(t.Field) > maxThresholdFields {
			ps.add("rule.threshold.field", "at most %d fields, got %d", maxThresholdFields, len(t.Field))
		}
		for i, f := range t.Field {
			if strings.TrimSpace(f) == "" {
				ps.add(fmt.Sprintf("rule.threshold.field[%d]", i), "empty field name")
			}
		}
		if t.Value < 1 && !ps.has("rule.threshold.value") {
			ps.add("rule.threshold.value", "must be at least 1, got %d", t.Value)
		}
		if len(t.Cardinality) > 1 {
			ps.add("rule.threshold.cardinality", "at most one cardinality condition, got %d", len(t.Cardinality))
		}
		for i, c := range t.Cardinality {
			cf := fmt.Sprintf("rule.threshold.cardinality[%d]", i)
			if strings.TrimSpace(c.Field) == "" && !ps.has(cf+".field") {
				ps.add(cf+".field", "required")
			}
			if c.Value < 0 {
				ps.add(cf+".value", "must not be negative, got %d", c.Value)
			}
		}
	} else if r.Type == TypeThreshold && !ps.has("rule.threshold") {
		ps.add("rule.threshold", "required for a threshold rule")
	}

	fieldsName := name("rule.new_terms_fields", "rule.new_terms.value")
	startName := name("rule.history_window_start", "rule.new_terms.history_window_start[0].value")
	if r.Type == TypeNewTerms {
		switch n := len(r.NewTermsFields); {
		case n == 0 && !ps.has(fieldsName):
			ps.add(fieldsName, "required for a new_terms rule: 1 to %d fields", maxNewTermsFields)
		case n > maxNewTermsFields:
			ps.add(fieldsName, "at most %d fields, got %d", maxNewTermsFields, n)
		}
		if r.HistoryWindowStart == "" && !ps.has(startName) {
			ps.add(startName, "required for a new_terms rule")
		}
	}
	for i, f := range r.NewTermsFields {
		if strings.TrimSpace(f) == "" {
			ps.add(fmt.Sprintf("%s[%d]", fieldsName, i), "empty field name")
		}
	}
	if r.HistoryWindowStart != "" {
		if _, err := ParseFrom(r.HistoryWindowStart); err != nil {
			ps.add(startName, "%v", err)
		}
	}

	if s := r.AlertSuppression; s != nil {
		const f = "rule.alert_suppression"
		if r.Type == TypeThreshold {
			if len(s.GroupBy) > 0 {
				ps.add(f+".group_by", "a threshold rule groups by threshold.field; it takes only a duration")
			}
			if s.Duration == nil {
				ps.add(f+".duration", "required for a threshold rule")
			}
		} else if len(s.GroupBy) == 0 && !ps.has(f+".group_by") {
			ps.add(f+".group_by", "required: 1 to %d fields", maxSuppressionGroupBy)
		}
		if len(s.GroupBy) > maxSuppressionGroupBy {
			ps.add(f+".group_by", "at most %d fields, got %d", maxSuppressionGroupBy, len(s.GroupBy))
		}
		if s.MissingFieldsStrategy != "" {
			oneOf(ps, f+".missing_fields_strategy", s.MissingFieldsStrategy, []string{SuppressMissing, DoNotSuppressMissing})
		}
		if d := s.Duration; d != nil {
			if d.Value < 1 && !ps.has(f+".duration.value") {
				ps.add(f+".duration.value", "must be at least 1, got %d", d.Value)
			}
			if !ps.has(f + ".duration.unit") {
				oneOf(ps, f+".duration.unit", d.Unit, []string{"s", "m", "h"})
				if d.Unit == "" {
					ps.add(f+".duration.unit", "required: s, m or h")
				}
			}
		}
	}

	if r.Type == TypeThreatMatch {
		if len(r.ThreatIndex) == 0 && !ps.has("rule.threat_index") {
			ps.add("rule.threat_index", "required for a threat_match rule")
		}
		if len(r.ThreatMapping) == 0 && !ps.has("rule.threat_mapping") {
			ps.add("rule.threat_mapping", "required for a threat_match rule")
		}
	}
	if r.ThreatLanguage != "" {
		oneOf(ps, "rule.threat_language", r.ThreatLanguage, ThreatLanguages())
	}
	for i, m := range r.ThreatMapping {
		mf := fmt.Sprintf("rule.threat_mapping[%d]", i)
		if len(m.Entries) == 0 {
			ps.add(mf+".entries", "required: at least one entry")
		}
		for j, e := range m.Entries {
			ef := fmt.Sprintf("%s.entries[%d]", mf, j)
			if e.Field == "" && !ps.has(ef+".field") {
				ps.add(ef+".field", "required")
			}
			if e.Value == "" && !ps.has(ef+".value") {
				ps.add(ef+".value", "required")
			}
			if e.Type != "mapping" && !ps.has(ef+".type") {
				ps.add(ef+".type", `must be "mapping", got %q`, e.Type)
			}
		}
	}
	for _, c := range []struct {
		field string
		n     int
	}{{"rule.concurrent_searches", r.ConcurrentSearches}, {"rule.items_per_search", r.ItemsPerSearch}} {
		if c.n < 0 {
			ps.add(c.field, "must be positive, got %d", c.n)
		}
	}

	if r.BuildingBlockType != "" && r.BuildingBlockType != "default" {
		ps.add("rule.building_block_type", `must be "default", got %q`, r.BuildingBlockType)
	}
	for i, m := range r.SeverityMapping {
		mf := fmt.Sprintf("rule.severity_mapping[%d]", i)
		if m.Field == "" && !ps.has(mf+".field") {
			ps.add(mf+".field", "required")
		}
		if m.Operator != "equals" && !ps.has(mf+".operator") {
			ps.add(mf+".operator", `must be "equals", got %q`, m.Operator)
		}
		if !ps.has(mf + ".severity") {
			if m.Severity == "" {
				ps.add(mf+".severity", "required")
			}
			oneOf(ps, mf+".severity", m.Severity, knownSeverity)
		}
	}
	for i, m := range r.RiskScoreMapping {
		mf := fmt.Sprintf("rule.risk_score_mapping[%d]", i)
		if m.Field == "" && !ps.has(mf+".field") {
			ps.add(mf+".field", "required")
		}
		if m.Operator != "equals" && !ps.has(mf+".operator") {
			ps.add(mf+".operator", `must be "equals", got %q`, m.Operator)
		}
		if m.RiskScore != nil && (*m.RiskScore < 0 || *m.RiskScore > 100) {
			ps.add(mf+".risk_score", "must be 0..100, got %d", *m.RiskScore)
		}
	}
	for i, e := range r.ExceptionsList {
		ef := fmt.Sprintf("rule.exceptions_list[%d]", i)
		if e.ListID == "" && !ps.has(ef+".list_id") {
			ps.add(ef+".list_id", "required")
		}
		if e.NamespaceType != "" && !slices.Contains([]string{"single", "agnostic"}, e.NamespaceType) {
			ps.add(ef+".namespace_type", `must be "single" or "agnostic", got %q`, e.NamespaceType)
		}
	}
}
