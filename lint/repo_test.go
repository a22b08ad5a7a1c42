package lint

import (
	"maps"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
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
//
// and the EQL rule files (5 of 1,081, 0.5%), for the same reason:
//
//   - github.operation_type, github.visibility: github newer than 1.29.0,
//     the copy's newest (manifests: 2.21.0).
//   - google_workspace.drive.copy_type, .owner_is_team_drive:
//     google_workspace newer than 2.23.0.
//   - aws.cloudtrail.session_credential_from_console: as above.
//   - process.Ext.load_module.taint_flags: the rule's own
//     min_stack_comments says Elastic Defend added it in 9.5.0; the
//     checkout's etc/endpoint_schemas copy predates it.
var repoErrorFiles = map[string]string{
	"rules/integrations/aws/discovery_organization_discovery_by_rare_user.toml":                                   "aws.cloudtrail.session_credential_from_console",
	"rules/integrations/aws/persistence_iam_api_calls_via_user_session_token.toml":                                "aws.cloudtrail.session_credential_from_console",
	"rules/integrations/aws/privilege_escalation_iam_customer_managed_policy_attached_to_role.toml":               "related.entity",
	"rules/integrations/google_workspace/collection_google_workspace_custom_gmail_route_created_or_modified.toml": "google_workspace.admin.setting.metadata.rule.type",
	"rules/windows/defense_evasion_posh_compressed.toml":                                                          "powershell.file.script_block_entropy_bits",
	"rules/windows/defense_evasion_posh_high_entropy.toml":                                                        "powershell.file.script_block_entropy_bits powershell.file.script_block_length powershell.file.script_block_surprisal_stdev",
	// EQL
	"rules/integrations/aws/persistence_aws_attempt_to_register_virtual_mfa_device.toml":                       "aws.cloudtrail.session_credential_from_console",
	"rules/integrations/github/exfiltration_github_private_repository_turned_public.toml":                      "github.operation_type github.visibility",
	"rules/integrations/github/persistence_new_pat_created.toml":                                               "github.operation_type",
	"rules/integrations/google_workspace/initial_access_object_copied_to_external_drive_with_app_consent.toml": "google_workspace.drive.copy_type google_workspace.drive.owner_is_team_drive",
	"rules/linux/persistence_tainted_kernel_module_loaded.toml":                                                "process.Ext.load_module.taint_flags",
}

// TestDetectionRulesRepo checks every rule file of the shared
// detection-rules checkout (rules/ and rules_building_block/) as
// "kqlrules check" does, each KQL and EQL rule against the schemas
// detection-rules validates it with, and pins which files still give
// errors: every EQL query parses, and the bound (errors in at most
// 3% of the EQL files) holds.
func TestDetectionRulesRepo(t *testing.T) {
	root := corpus.Path(t, "detection-rules")
	files, err := rules.FindFiles(root)
	if err != nil {
		t.Fatal(err)
	}
	c := NewChecker(nil)
	c.FindRepos()
	checked, skipped := 0, map[string]int{}
	errFields := map[string][]string{}
	for i, f := range files {
		if raceEnabled && i%10 != 0 {
			continue // one file in ten under the race detector
		}
		fs, why, err := c.CheckFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if len(why) > 0 {
			skipped[why[0].Why]++
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
		"language esql is not supported":       212,
		"language lucene is not supported":     1,
		"machine_learning rules have no query": 106,
	}
	if !raceEnabled && (checked != 792+1081 || !maps.Equal(skipped, wantSkipped)) {
		t.Errorf("checked %d KQL and EQL rule files, skipped %v; want 792+1081, %v", checked, skipped, wantSkipped)
	}
	for f, fields := range errFields {
		slices.Sort(fields)
		if want, ok := repoErrorFiles[f]; !ok || strings.Join(fields, " ") != want {
			t.Errorf("%s: errors on %q, want %q", f, fields, want)
		}
	}
	for f := range repoErrorFiles {
		if _, ok := errFields[f]; !ok && !raceEnabled {
			t.Errorf("%s: no error any more; update repoErrorFiles", f)
		}
	}
	t.Logf("%d rule files: %d KQL and EQL checked, %d with errors; skipped %v", len(files), checked, len(errFields), skipped)
}
