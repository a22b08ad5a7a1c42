package lint

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
)

// repoErrorFiles are the KQL rule files of the shared detection-rules
// checkout that still give errors, with the fields concerned. None is a
// defect of the rule: each field is newer than the checkout's schema
// copies, or lives in a file the copy lacks.
//
//   - aws.cloudtrail.session_credential_from_console, related.entity: aws
//     newer than 2.21.0, the copy's newest (the manifests go to 6.1.0).
//   - google_workspace.admin.setting.metadata.rule.type: google_workspace
//     newer than 2.23.0 (manifests: 3.2.0).
//   - powershell.file.script_block_entropy_bits, _length,
//     _surprisal_stdev: windows newer than 1.46.0 (manifests: 3.4.0).
var repoErrorFiles = map[string]string{
	"rules/integrations/aws/discovery_organization_discovery_by_rare_user.toml":                                   "aws.cloudtrail.session_credential_from_console",
	"rules/integrations/aws/persistence_iam_api_calls_via_user_session_token.toml":                                "aws.cloudtrail.session_credential_from_console",
	"rules/integrations/aws/privilege_escalation_iam_customer_managed_policy_attached_to_role.toml":               "related.entity",
	"rules/integrations/google_workspace/collection_google_workspace_custom_gmail_route_created_or_modified.toml": "google_workspace.admin.setting.metadata.rule.type",
	"rules/windows/defense_evasion_posh_compressed.toml":                                                          "powershell.file.script_block_entropy_bits",
	"rules/windows/defense_evasion_posh_high_entropy.toml":                                                        "powershell.file.script_block_entropy_bits powershell.file.script_block_length powershell.file.script_block_surprisal_stdev",
}

// TestDetectionRulesRepo checks every rule file of the shared
// detection-rules checkout (rules/ and rules_building_block/) as
// "kqlrules check" does, each KQL rule against the schemas detection-rules
// validates it with, and pins which files still give errors.
func TestDetectionRulesRepo(t *testing.T) {
	root := corpus.Path(t, "detection-rules")
	files, err := RuleFiles([]string{filepath.Join(root, "rules"), filepath.Join(root, "rules_building_block")})
	if err != nil {
		t.Fatal(err)
	}
	c := NewChecker(nil)
	c.FindRepos()
	checked, skipped := 0, map[string]int{}
	errFields := map[string][]string{}
	for _, f := range files {
		fs, why, err := c.CheckFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if why != "" {
			skipped[why]++
			continue
		}
		checked++
		rel, _ := filepath.Rel(root, f)
		rel = filepath.ToSlash(rel)
		for _, x := range fs {
			if x.Severity != Error {
				continue
			}
			if x.Code != CodeUnknownField {
				t.Errorf("%s: %s", rel, x)
				continue
			}
			if !slices.Contains(errFields[rel], x.Field) {
				errFields[rel] = append(errFields[rel], x.Field)
			}
		}
	}
	wantSkipped := map[string]int{
		"language eql is not checked":            1081,
		"language esql is not checked":           212,
		"language lucene is not checked":         1,
		"type machine_learning has no KQL query": 106,
	}
	if checked != 792 || !maps.Equal(skipped, wantSkipped) {
		t.Errorf("checked %d KQL rule files, skipped %v; want 792, %v", checked, skipped, wantSkipped)
	}
	for f, fields := range errFields {
		slices.Sort(fields)
		if want, ok := repoErrorFiles[f]; !ok || strings.Join(fields, " ") != want {
			t.Errorf("%s: errors on %q, want %q", f, fields, want)
		}
	}
	for f := range repoErrorFiles {
		if _, ok := errFields[f]; !ok {
			t.Errorf("%s: no error any more; update repoErrorFiles", f)
		}
	}
	t.Logf("%d rule files: %d KQL checked, %d with errors; skipped %v", len(files), checked, len(errFields), skipped)
}
