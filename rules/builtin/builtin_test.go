package builtin_test

import (
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
