package rules

import (
	"encoding/json"
	"fmt"
)

// typed decodes the keys of the type-specific settings and of the alert
// overrides into the rule. It reports whether k is one of them.
func (d *decoder) typed(r *Rule, k string, v any, f string) bool {
	switch k {
	case "threshold":
		r.Threshold = d.threshold(v, f)
	case "new_terms": // detection-rules' shape
		d.newTerms(r, v, f)
	case "new_terms_fields": // Kibana's shape
		r.NewTermsFields = d.strs(v, f)
	case "history_window_start":
		r.HistoryWindowStart = d.str(v, f)
	case "alert_suppression":
		r.AlertSuppression = d.suppression(v, f)
	case "threat_index":
		r.ThreatIndex = d.strs(v, f)
	case "threat_query":
		r.ThreatQuery = d.str(v, f)
	case "threat_language":
		r.ThreatLanguage = Language(d.str(v, f))
	case "threat_filters":
		r.ThreatFilters = d.rawList(v, f)
	case "threat_mapping":
		r.ThreatMapping = d.threatMapping(v, f)
	case "threat_indicator_path":
		r.ThreatIndicatorPath = d.str(v, f)
	case "concurrent_searches":
		r.ConcurrentSearches = d.int(v, f)
	case "items_per_search":
		r.ItemsPerSearch = d.int(v, f)
	case "filters":
		r.Filters = d.rawList(v, f)
	case "rule_name_override":
		r.RuleNameOverride = d.str(v, f)
	case "severity_mapping":
		for i, m := range d.tables(v, f) {
			ef := fmt.Sprintf("%s[%d]", f, i)
			var sm SeverityMapping
			var sev string
			d.fields(m, ef, map[string]*string{"field": &sm.Field, "operator": &sm.Operator, "value": &sm.Value, "severity": &sev})
			sm.Severity = Severity(sev)
			r.SeverityMapping = append(r.SeverityMapping, sm)
		}
	case "risk_score_mapping":
		for i, m := range d.tables(v, f) {
			ef := fmt.Sprintf("%s[%d]", f, i)
			var rm RiskScoreMapping
			if x, ok := m["risk_score"]; ok {
				n := d.int(x, ef+".risk_score")
				rm.RiskScore = &n
				delete(m, "risk_score")
			}
			d.fields(m, ef, map[string]*string{"field": &rm.Field, "operator": &rm.Operator, "value": &rm.Value})
			r.RiskScoreMapping = append(r.RiskScoreMapping, rm)
		}
	case "timestamp_override_fallback_disabled":
		b, ok := v.(bool)
		if !ok {
			d.ps.add(f, "must be a boolean, got %s %s", typeName(v), show(v))
		}
		r.TimestampOverrideFallbackDisabled = b
	case "exceptions_list":
		for i, m := range d.tables(v, f) {
			var el ExceptionList
			d.fields(m, fmt.Sprintf("%s[%d]", f, i), map[string]*string{"id": &el.ID, "list_id": &el.ListID, "type": &el.Type, "namespace_type": &el.NamespaceType})
			r.ExceptionsList = append(r.ExceptionsList, el)
		}
	default:
		return false
	}
	return true
}

// tables decodes an array of tables; elements that are not tables are
// reported and left out.
func (d *decoder) tables(v any, f string) []map[string]any {
	list, ok := v.([]any)
	if !ok {
		d.ps.add(f, "must be an array of tables, got %s %s", typeName(v), show(v))
		return nil
	}
	var out []map[string]any
	for i, e := range list {
		if m, ok := d.table(e, fmt.Sprintf("%s[%d]", f, i)); ok {
			out = append(out, m)
		}
	}
	return out
}

// rawList keeps each table of an array as its JSON text.
func (d *decoder) rawList(v any, f string) []json.RawMessage {
	var out []json.RawMessage
	for i, m := range d.tables(v, f) {
		b, err := json.Marshal(m)
		if err != nil {
			d.ps.add(fmt.Sprintf("%s[%d]", f, i), "cannot be written as JSON: %v", err)
			continue
		}
		out = append(out, b)
	}
	return out
}

// strOrStrs decodes a string or an array of strings; an empty string is
// no value, as Kibana's normalizeThresholdField reads it.
func (d *decoder) strOrStrs(v any, f string) []string {
	if s, ok := v.(string); ok {
		if s == "" {
			return nil
		}
		return []string{s}
	}
	return d.strs(v, f)
}

func (d *decoder) threshold(v any, f string) *Threshold {
	m, ok := d.table(v, f)
	if !ok {
		return nil
	}
	t := &Threshold{}
	for _, k := range d.sortedKeys(m) {
		x, kf := m[k], f+"."+k
		switch k {
		case "field":
			t.Field = d.strOrStrs(x, kf)
		case "value":
			t.Value = d.int(x, kf)
		case "cardinality":
			for i, c := range d.tables(x, kf) {
				cf := fmt.Sprintf("%s[%d]", kf, i)
				var card Cardinality
				for _, ck := range d.sortedKeys(c) {
					switch ck {
					case "field":
						card.Field = d.str(c[ck], cf+".field")
					case "value":
						card.Value = d.int(c[ck], cf+".value")
					default:
						d.warn(cf+"."+ck, "unknown cardinality key, ignored")
					}
				}
				t.Cardinality = append(t.Cardinality, card)
			}
		default:
			d.warn(kf, "unknown threshold key, ignored")
		}
	}
	if _, ok := m["value"]; !ok {
		d.ps.add(f+".value", "required")
	}
	return t
}

// newTerms decodes detection-rules' [rule.new_terms]: field =
// "new_terms_fields", value = [...], and [[rule.new_terms.history_window_start]]
// with field = "history_window_start" and value = "now-14d".
func (d *decoder) newTerms(r *Rule, v any, f string) {
	m, ok := d.table(v, f)
	if !ok {
		return
	}
	for _, k := range d.sortedKeys(m) {
		x, kf := m[k], f+"."+k
		switch k {
		case "field":
			if s := d.str(x, kf); s != "new_terms_fields" && s != "" {
				d.ps.add(kf, `must be "new_terms_fields", got %q`, s)
			}
		case "value":
			r.NewTermsFields = d.strs(x, kf)
		case "history_window_start":
			for i, h := range d.tables(x, kf) {
				hf := fmt.Sprintf("%s[%d]", kf, i)
				for _, hk := range d.sortedKeys(h) {
					switch hk {
					case "field":
						if s := d.str(h[hk], hf+".field"); s != "history_window_start" && s != "" {
							d.ps.add(hf+".field", `must be "history_window_start", got %q`, s)
						}
					case "value":
						r.HistoryWindowStart = d.str(h[hk], hf+".value")
					default:
						d.warn(hf+"."+hk, "unknown key, ignored")
					}
				}
			}
		default:
			d.warn(kf, "unknown new_terms key, ignored")
		}
	}
}

func (d *decoder) suppression(v any, f string) *AlertSuppression {
	m, ok := d.table(v, f)
	if !ok {
		return nil
	}
	s := &AlertSuppression{}
	for _, k := range d.sortedKeys(m) {
		x, kf := m[k], f+"."+k
		switch k {
		case "group_by":
			s.GroupBy = d.strs(x, kf)
		case "missing_fields_strategy":
			s.MissingFieldsStrategy = d.str(x, kf)
		case "duration":
			dm, ok := d.table(x, kf)
			if !ok {
				continue
			}
			du := &SuppressionDuration{}
			for _, dk := range d.sortedKeys(dm) {
				switch dk {
				case "value":
					du.Value = d.int(dm[dk], kf+".value")
				case "unit":
					du.Unit = d.str(dm[dk], kf+".unit")
				default:
					d.warn(kf+"."+dk, "unknown duration key, ignored")
				}
			}
			s.Duration = du
		default:
			d.warn(kf, "unknown alert_suppression key, ignored")
		}
	}
	return s
}

func (d *decoder) threatMapping(v any, f string) []ThreatMapping {
	var out []ThreatMapping
	for i, m := range d.tables(v, f) {
		mf := fmt.Sprintf("%s[%d]", f, i)
		var tm ThreatMapping
		for _, k := range d.sortedKeys(m) {
			if k != "entries" {
				d.warn(mf+"."+k, "unknown threat_mapping key, ignored")
				continue
			}
			for j, e := range d.tables(m[k], mf+".entries") {
				ef := fmt.Sprintf("%s.entries[%d]", mf, j)
				var en ThreatMappingEntry
				if x, ok := e["negate"]; ok {
					b, ok := x.(bool)
					if !ok {
						d.ps.add(ef+".negate", "must be a boolean, got %s %s", typeName(x), show(x))
					}
					en.Negate = b
					delete(e, "negate")
				}
				d.fields(e, ef, map[string]*string{"field": &en.Field, "value": &en.Value, "type": &en.Type})
				tm.Entries = append(tm.Entries, en)
			}
		}
		out = append(out, tm)
	}
	return out
}
