package lint_test

import (
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/lint"
)

// TestSequenceSuppressionStack: alert suppression on an EQL sequence or
// sample warns unless min_stack_version is 8.18 or later: Kibana 8.18
// introduced it (kibana#189725); Kibana 8.14 to 8.17 alert without
// suppression ("Suppression is not supported for EQL sequence queries. The
// rule will proceed without suppression.", rule_types/eql/eql.ts of those
// releases in elastic/kibana), and detection-rules' tests/test_all_rules.py
// test_eql_non_sequence_support_only fails such a rule on those stacks.
func TestSequenceSuppressionStack(t *testing.T) {
	const sequence = "sequence by host.id\n  [process where true]\n  [network where true]"
	for _, c := range []struct {
		name, query, minStack string
		suppressed            bool
		want                  bool
	}{
		{"sequence, no min_stack_version", sequence, "", true, true},
		{"sequence, 8.17", sequence, "8.17.0", true, true},
		{"sequence, 8.18", sequence, "8.18.0", true, false},
		{"sequence, 9.0", sequence, "9.0", true, false},
		{"sample", "sample by host.id\n  [process where true]\n  [network where true]", "8.16.0", true, true},
		{"event query", "process where true", "", true, false},
		{"sequence without suppression", sequence, "", false, false},
	} {
		meta := ""
		if c.minStack != "" {
			meta = "min_stack_comments = \"x\"\nmin_stack_version = \"" + c.minStack + "\"\n"
		}
		supp := ""
		if c.suppressed {
			supp = "\n[rule.alert_suppression]\ngroup_by = [\"host.name\"]\n"
		}
		file := `[metadata]
creation_date = "2024/01/01"
maturity = "production"
` + meta + `updated_date = "2024/01/01"

[rule]
author = ["x"]
description = "x"
from = "now-9m"
index = ["logs-endpoint.events.*"]
language = "eql"
license = "Elastic License v2"
name = "x"
risk_score = 21
rule_id = "00000000-0000-0000-0000-000000000001"
severity = "low"
type = "eql"
query = '''
` + c.query + `
'''
` + supp
		var got []lint.Finding
		for _, f := range lint.NewChecker(nil).Rule("r.toml", []byte(file)) {
			if f.Code == lint.CodeSequenceSuppressionStack {
				got = append(got, f)
			}
		}
		if (len(got) > 0) != c.want || len(got) > 1 {
			t.Errorf("%s: %v, want a warning: %v", c.name, got, c.want)
			continue
		}
		header := 1 + strings.Count(file[:strings.Index(file, "[rule.alert_suppression]")+1], "\n")
		if len(got) == 1 && (got[0].Severity != lint.Warning || got[0].Line != header) {
			t.Errorf("%s: %+v, want a warning on line %d, the alert_suppression table's", c.name, got[0], header)
		}
	}
}
