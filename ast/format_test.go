package ast_test

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/format")

func TestFormat(t *testing.T) {
	tests := []struct {
		name, query string
		width       int
		want        string
	}{
		{"short stays on one line", "f : a AND g:( b OR c )", 100, "f:a and g:(b or c)"},
		{"exactly the width", "aaaa:1 and b:2", 14, "aaaa:1 and b:2"},
		{"one clause a line, operator leading", "aaaa:1 and b:2", 13, "aaaa:1\nand b:2"},
		{"value list, one value a line", "f:(aaaa or bbbb or cccc)", 16,
			"f:(\n  aaaa or\n  bbbb or\n  cccc\n)"},
		{"not before a value list", "not f:(aaaa or bbbb)", 12,
			"not f:(\n  aaaa or\n  bbbb\n)"},
		{"group broken", "x:1 and not (aaaa:1 or bbbb:2)", 15,
			"x:1\nand not (\n  aaaa:1\n  or bbbb:2\n)"},
		{"an and chain inside a broken or chain is grouped", "aaaa:1 and bbbb:2 or c:3", 12,
			"(\n  aaaa:1\n  and bbbb:2\n)\nor c:3"},
		{"an and chain that fits stays as written", "aa:1 and b:2 or c:3", 14,
			"aa:1 and b:2\nor c:3"},
		{"nested query", "items:{ name:x and stock > 10 }", 20,
			"items:{\n  name:x\n  and stock > 10\n}"},
		{"a token longer than the width", `f:"a very long value" and g:b`, 10,
			"f:\"a very long value\"\nand g:b"},
		{"group inside a value list", "f:((aaaa or bbbb) and not cccc)", 20,
			"f:(\n  (aaaa or bbbb) and\n  not cccc\n)"},
		{"default width", "f:a", 0, "f:a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := kql.Parse(tt.query)
			if err != nil {
				t.Fatal(err)
			}
			got := ast.Format(x, tt.width)
			if got != tt.want {
				t.Errorf("Format(%q, %d) =\n%s\nwant\n%s", tt.query, tt.width, got, tt.want)
			}
			checkFormatted(t, x, got, tt.width)
		})
	}
}

// checkFormatted checks what Format guarantees of text, the layout of x:
// it parses to x and formats to itself.
func checkFormatted(t *testing.T, x ast.Expr, text string, width int) {
	t.Helper()
	y, err := kql.Parse(text)
	if err != nil {
		t.Fatalf("the formatted text does not parse: %v\n%s", err, text)
	}
	if !ast.Equal(x, y) {
		t.Fatalf("the formatted text parses to another tree:\n%s", text)
	}
	if again := ast.Format(y, width); again != text {
		t.Fatalf("not stable:\n%s\nthen\n%s", text, again)
	}
}

// formatGolden lists real multi-line queries of Elastic's detection-rules
// (read from the shared copy at test time), each formatted at width 100.
var formatGolden = []string{
	"rules/network/command_and_control_rdp_remote_desktop_protocol_from_the_internet.toml",
	"rules/linux/persistence_webserver_unusual_child_execution.toml",
	"rules/integrations/gcp/persistence_gcp_gke_sensitive_role_created_or_modified.toml",
	"rules/_deprecated/defense_evasion_posh_obfuscation.toml",
	"rules/_deprecated/impact_virtual_network_device_modified.toml",
	"rules/integrations/azure/initial_access_entra_id_rare_app_id_for_principal_auth.toml",
	"rules/windows/command_and_control_new_terms_commonly_abused_rmm.toml",
	"rules/macos/command_and_control_unusual_network_connection_to_suspicious_web_service.toml",
	"rules/network/credential_access_tls_deprecated_or_weak_cipher_negotiation.toml",
	"rules/windows/discovery_privileged_localgroup_membership.toml",
	"rules/windows/execution_suspicious_powershell_imgload.toml",
	"rules/linux/credential_access_kubernetes_and_cloud_credential_paths_via_process_args.toml",
}

func TestFormatGolden(t *testing.T) {
	dir := corpus.Path(t, "detection-rules")
	for _, rel := range formatGolden {
		name := strings.TrimSuffix(filepath.Base(rel), ".toml")
		t.Run(name, func(t *testing.T) {
			r, err := rules.Load(filepath.Join(dir, rel))
			if err != nil {
				t.Skipf("skipped: %v", err)
			}
			x, err := kql.Parse(r.Query)
			if err != nil {
				t.Fatal(err)
			}
			got := ast.Format(x, ast.DefaultWidth) + "\n"
			checkFormatted(t, x, strings.TrimSuffix(got, "\n"), ast.DefaultWidth)
			golden := filepath.Join("testdata", "format", name+".golden")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./ast -update)", err)
			}
			if got != string(want) {
				t.Errorf("Format of %s differs from %s:\n%s", rel, golden, got)
			}
		})
	}
}
