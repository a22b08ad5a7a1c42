package schemas

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
)

// TestSharedCheckout builds the targets of two of Elastic's rules from the
// shared detection-rules checkout (an older integration-schemas copy:
// aws 2.21.0 at most, crowdstrike absent).
func TestSharedCheckout(t *testing.T) {
	root := corpus.Path(t, "detection-rules")
	dir, ok := Find(filepath.Join(root, "rules", "windows"))
	if !ok || dir != root {
		t.Fatalf("Find = %q, %v; want %q", dir, ok, root)
	}
	r, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file    string
		names   []string // the first targets' names
		known   []string
		missing string // a substring of the first target's Missing
	}{
		{"rules/integrations/aws/privilege_escalation_iam_customer_managed_policy_attached_to_role.toml",
			// min_stack_version 9.3.0: stacks 9.6.0, 9.5.0 (same schema), 9.4.0, 9.3.0 (its ECS 9.3.0 absent: the newest)
			[]string{"integration aws.cloudtrail 2.21.0; stack 9.6.0, ECS 9.5.0", "integration aws.cloudtrail 2.21.0; stack 9.4.0, ECS 9.4.0"},
			[]string{"aws.cloudtrail.user_identity.arn", "data_stream.dataset", "aws.cloudtrail.flattened.request_parameters"}, ""},
		{"rules/windows/persistence_webshell_detection.toml",
			[]string{"integration endpoint 8.15.0, windows 1.46.0, system 1.59.2, sentinel_one_cloud_funnel 1.3.0, m365_defender 2.14.2; stack 9.6.0, ECS 9.5.0"},
			[]string{"process.parent.name", "winlog.event_data.SubjectUserName"}, "crowdstrike (not in integration-schemas.json.gz)"},
	}
	for _, tt := range tests {
		rule, err := rules.Load(filepath.Join(root, tt.file))
		if err != nil {
			t.Fatal(err)
		}
		ts, err := r.Targets(rule, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) < len(tt.names) {
			t.Fatalf("%s: %d targets, want at least %d", tt.file, len(ts), len(tt.names))
		}
		for i, n := range tt.names {
			if ts[i].Name != n {
				t.Errorf("%s: target %d is %q, want %q", tt.file, i, ts[i].Name, n)
			}
		}
		for _, f := range tt.known {
			if _, ok := ts[0].Schema[f]; !ok {
				t.Errorf("%s: %s lacks %s", tt.file, ts[0].Name, f)
			}
		}
		if got := strings.Join(ts[0].Missing, "; "); !strings.Contains(got, tt.missing) {
			t.Errorf("%s: Missing %q, want %q in it", tt.file, got, tt.missing)
		}
	}
}
