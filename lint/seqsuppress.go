package lint

import (
	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/rules"
)

// CodeSequenceSuppressionStack: alert suppression on an EQL sequence (or
// sample) in a rule that may run on a stack before 8.18 (min_stack_version
// unset or lower). Kibana 8.18 introduced it (kibana#189725); Kibana 8.14
// to 8.17 run such a rule without suppression, with the warning
// "Suppression is not supported for EQL sequence queries. The rule will
// proceed without suppression." (rule_types/eql/eql.ts of those
// releases), and detection-rules' test_eql_non_sequence_support_only
// (tests/test_all_rules.py) fails it on those stacks.
const CodeSequenceSuppressionStack = "sequence-suppression-stack"

// sequenceSuppressionRelease is the first release whose Kibana suppresses
// a sequence's alerts.
const sequenceSuppressionRelease = "8.18.0"

// sequenceSuppression warns of alert suppression on an EQL sequence or
// sample whose rule may run on a stack before 8.18. q is the rule's query
// parsed, data the file; the finding is on the alert_suppression table.
func sequenceSuppression(name string, data []byte, r *rules.Rule, q *eql.Query) (Finding, bool) {
	if r.AlertSuppression == nil || q.IsEventQuery() {
		return Finding{}, false
	}
	if v := r.Metadata.MinStackVersion; v != "" {
		if c, err := rules.CompareReleases(v, sequenceSuppressionRelease); err != nil || c >= 0 {
			return Finding{}, false // an invalid one is a metadata finding already
		}
	}
	f := Finding{File: name, Offset: -1, Severity: Warning, Code: CodeSequenceSuppressionStack, Field: "rule.alert_suppression",
		Msg: "rule.alert_suppression: Kibana suppresses an EQL sequence's alerts from 8.18 (before, it alerts without suppression and warns; detection-rules' test_eql_non_sequence_support_only fails the rule on 8.14 to 8.17): set metadata.min_stack_version = \"" + sequenceSuppressionRelease + "\""}
	var spans []rules.Span
	if r.Source.Format == rules.FormatTOML {
		spans, _ = rules.ScanTOML(data)
	} else {
		spans, _ = rules.ScanJSON(data)
	}
	for _, sp := range spans {
		if sp.Key == "rule.alert_suppression" || sp.Key == "rule.alert_suppression.group_by" {
			f.Line = sp.Line
			break
		}
	}
	return f, true
}
