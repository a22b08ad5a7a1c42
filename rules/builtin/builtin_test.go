package builtin_test

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/rules/builtin"
)

func TestBundledRulesLoad(t *testing.T) {
	names := builtin.Names()
	if len(names) == 0 {
		t.Fatal("no bundled rules")
	}
	for _, n := range names {
		r, err := builtin.Load(n)
		if err != nil {
			t.Errorf("%s: %v", n, err)
			continue
		}
		if len(r.Source.Warnings) > 0 {
			t.Errorf("%s: warnings %v", n, r.Source.Warnings)
		}
	}
	if _, err := builtin.Load("nope.toml"); err == nil {
		t.Error("Load of a missing file succeeded")
	}
}

func TestFTP(t *testing.T) {
	a, b := builtin.FTP(), builtin.FTP()
	if a.RuleID != "87ec6396-9ac4-4706-bcf0-2ebb22002f43" || len(a.History) != 8 {
		t.Fatalf("FTP: %s with %d versions", a.RuleID, len(a.History))
	}
	a.Tags[0] = "changed"
	if b.Tags[0] != "Elastic" {
		t.Error("FTP returns shared state")
	}
	if a.Source.File != "builtin/ftp.toml" {
		t.Errorf("source %q", a.Source.File)
	}
}

// TestLoadPathSplit: builtin/NAME is the bundled rule unless a file of
// that name exists, which wins; a name no rule is bundled under is left
// for the caller to report.
func TestLoadPathSplit(t *testing.T) {
	t.Chdir(t.TempDir())
	r, err := builtin.LoadPath("builtin/ftp.toml")
	if err != nil || r.RuleID != builtin.FTP().RuleID || r.Source.File != "builtin/ftp.toml" {
		t.Fatalf("LoadPath(builtin/ftp.toml) = %v, %v", r, err)
	}
	if _, err := builtin.LoadPath("builtin/nope.toml"); err == nil || !strings.Contains(err.Error(), "no rule file") {
		t.Errorf("LoadPath of a rule not bundled: %v", err)
	}
	rest, bundled := builtin.Split([]string{"a.toml", "builtin/ftp.toml", "builtin/nope.toml"})
	if !slices.Equal(rest, []string{"a.toml", "builtin/nope.toml"}) || len(bundled) != 1 || bundled[0].Name != "builtin/ftp.toml" || len(bundled[0].Data) == 0 {
		t.Errorf("Split = %q, %v", rest, bundled)
	}
	// a file of that name wins
	data, _ := builtin.Files.ReadFile("ftp.toml")
	mine := strings.Replace(string(data), `name = "FTP (File Transfer Protocol) Activity to the Internet"`, `name = "Mine"`, 1)
	if err := os.MkdirAll("builtin", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("builtin/ftp.toml", []byte(mine), 0o644); err != nil {
		t.Fatal(err)
	}
	if r, err := builtin.LoadPath("builtin/ftp.toml"); err != nil || r.Name != "Mine" {
		t.Errorf("LoadPath with a file of that name: %v, %v", r, err)
	}
	if rest, bundled := builtin.Split([]string{"builtin/ftp.toml"}); len(rest) != 1 || len(bundled) != 0 {
		t.Errorf("Split with a file of that name: %q, %v", rest, bundled)
	}
}
