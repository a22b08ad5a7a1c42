package ruleset_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules/builtin"
	"github.com/kqlrules/kqlrules/ruleset"
)

// TestSummary: a tree of a rule that alerts, one in a language the replay
// does not run and one that does not load is summed up file by file
// (replayed, skipped with the replay's reason, error), its text says so,
// its JSON carries each replayed rule's report, and Diagnostics places
// the rule that failed and the path that could not be read.
func TestSummary(t *testing.T) {
	dir := t.TempDir()
	ftp, err := builtin.Files.ReadFile("ftp.toml")
	if err != nil {
		t.Fatal(err)
	}
	lucene := strings.Replace(strings.Replace(string(ftp), `language = "kuery"`, `language = "lucene"`, 1), "87ec6396-9ac4-4706-bcf0-2ebb22002f43", "87ec6396-9ac4-4706-bcf0-2ebb22002f44", 1)
	broken := strings.Replace(string(ftp), "risk_score = ", "risk_score = 1000 #", 1)
	for name, text := range map[string]string{"a_ftp.toml": string(ftp), "b_lucene.toml": lucene, "c_broken.toml": broken} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	files, err := ruleset.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	set, err := ruleset.FromFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	in := strings.NewReader(`{"@timestamp":"2023-01-01T00:07:00Z","_index":"packetbeat-1","event.category":"network","network.transport":"tcp","destination.port":21,"source.ip":"10.0.0.5","destination.ip":"198.51.100.7"}
not an event
`)
	res, err := set.Replay(context.Background(), events.ReadRaw("in.ndjson", in), ruleset.ReplayConfig{Profile: true})
	if err != nil {
		t.Fatal(err)
	}
	s := ruleset.Summarize(files, res)
	var b strings.Builder
	if err := s.WriteText(&b); err != nil {
		t.Fatal(err)
	}
	text := b.String()
	for _, want := range []string{
		"rules: 3 files, 1 replayed, 1 skipped, 1 errors\n",
		"skipped: 1: language lucene is not supported\n",
		"events: 2 read, 1 rejected, 0 without a usable time; matches never searched: 0; alerts: 1; 0.0s\n",
		"  ALERTS  MATCHES   TIME(ms)  RULE\n",
		"FTP (File Transfer Protocol) Activity to the Internet (87ec6396-9ac4-4706-bcf0-2ebb22002f43) " + filepath.Join(dir, "a_ftp.toml") + "\n",
	} {
		if !strings.Contains(text, want) {
			t.Errorf("WriteText lacks %q:\n%s", want, text)
		}
	}
	if !strings.Contains(text, "       1        1 ") {
		t.Errorf("WriteText: the rule's row is not 1 alert, 1 match:\n%s", text)
	}
	raw, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	var back struct {
		Rules []map[string]any `json:"rules"`
		Files int              `json:"files"`
	}
	if err := json.Unmarshal(raw, &back); err != nil || back.Files != 3 || len(back.Rules) != 3 {
		t.Fatalf("JSON %s: %v", raw, err)
	}
	if r := back.Rules[0]; r["status"] != "replayed" || r["alerts"] != 1.0 || r["events_read"] != 2.0 || r["look_back"] == nil {
		t.Errorf("JSON of the replayed rule lacks its report: %v", r)
	}
	if r := back.Rules[2]; r["status"] != "error" || !strings.Contains(r["reason"].(string), "risk_score") {
		t.Errorf("JSON of the broken rule: %v", r)
	}

	missing := filepath.Join(dir, "missing")
	files, err = ruleset.Load(dir, missing)
	ds := ruleset.Diagnostics(files, err)
	if len(ds) != 2 {
		t.Fatalf("Diagnostics = %v, want the broken rule and the missing path", ds)
	}
	if d := ds[0]; d.File != filepath.Join(dir, "c_broken.toml") || d.Line == 0 || !strings.Contains(d.Msg, "risk_score") {
		t.Errorf("Diagnostics[0] = %v", d)
	}
	if d := ds[1]; d.File != missing {
		t.Errorf("Diagnostics[1] = %v, want the missing path", d)
	}
}
