package ruleset

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// ruleFile is a rule file whose rule section is changed by the
// replacements (old, new, ...).
func ruleFile(query string, replace ...string) string {
	s := fmt.Sprintf("[metadata]\ncreation_date = \"2020/01/01\"\n\n[rule]\nname = \"r\"\nrule_id = \"id\"\ntype = \"query\"\nlanguage = \"kuery\"\nquery = '''%s'''\nrisk_score = 1\nseverity = \"low\"\ndescription = \"d\"\n", query)
	return strings.NewReplacer(replace...).Replace(s)
}

// reference is the outcome of a rule file as Load gave it when the
// rule's query was parsed twice: rules.Parse (which checks the query's
// syntax), then replay.Prepare.
func reference(t *testing.T, path string) string {
	t.Helper()
	r, err := rules.Load(path)
	if err != nil {
		var data []byte
		if data, err = rules.ReadFile(path); err != nil {
			t.Fatal(err)
		}
		_, err = rules.Parse(path, data)
		return fmt.Sprintf("%s err=%v", Failed, err)
	}
	if _, err := replay.Prepare(r); err != nil {
		return fmt.Sprintf("%s %s", Skipped, replay.Reason(err))
	}
	return string(Loaded)
}

// TestLoadQueryCheckedOnce: Load leaves the syntax check of a KQL
// rule's query to replay.Prepare, and gives every rule the outcome it
// gave when rules.Parse checked the query first: a syntax error in the
// query fails the file with Parse's problems (with the file's line and
// column) whether the rule has other problems or not, and whether
// Prepare refuses the rule for another reason first (a filter, a
// language) or not; a rule with a query in another language keeps its
// outcome.
func TestLoadQueryCheckedOnce(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]string{
		"good":               ruleFile("a:1"),
		"syntax":             ruleFile("a:(1"),
		"syntax+type":        ruleFile("a:(1", "risk_score = 1", `risk_score = "x"`),
		"syntax+filter":      ruleFile("a:(1", "description = \"d\"\n", "description = \"d\"\nfilters = [{query = {script = {script = \"x\"}}}]\n"),
		"syntax+interval":    ruleFile("a:(1", "description = \"d\"\n", "description = \"d\"\ninterval = \"0s\"\n"),
		"syntax+history":     ruleFile("a:1", "description = \"d\"\n", "description = \"d\"\n\n[[history]]\nversion = 1\nquery = 'a:(1'\n"),
		"lucene":             ruleFile("a:(1", `language = "kuery"`, `language = "lucene"`),
		"machine_learning":   ruleFile("", `type = "query"`, `type = "machine_learning"`, `language = "kuery"`, ``, "query = ''''''\n", ""),
		"empty query":        ruleFile("  "),
		"eql syntax":         ruleFile("process where (", `type = "query"`, `type = "eql"`, `language = "kuery"`, `language = "eql"`),
		"threshold syntax":   ruleFile("a:(1", `type = "query"`, `type = "threshold"`, "description = \"d\"\n", "description = \"d\"\n[rule.threshold]\nfield = []\nvalue = 1\n"),
		"threshold good":     ruleFile("a:1", `type = "query"`, `type = "threshold"`, "description = \"d\"\n", "description = \"d\"\n[rule.threshold]\nfield = []\nvalue = 1\n"),
		"unsupported filter": ruleFile("a:1", "description = \"d\"\n", "description = \"d\"\nfilters = [{query = {script = {script = \"x\"}}}]\n"),
	}
	statuses := map[string]bool{}
	for name, text := range cases {
		path := filepath.Join(dir, strings.ReplaceAll(name, " ", "_")+".toml")
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		files, err := Load(path)
		if err != nil || len(files) != 1 {
			t.Fatalf("%s: %d files, %v", name, len(files), err)
		}
		f := files[0]
		got := string(f.Status)
		switch f.Status {
		case Failed:
			got += fmt.Sprintf(" err=%v", f.Err)
		case Skipped:
			got += " " + f.Reason
		}
		if want := reference(t, path); got != want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, want)
		}
		statuses[name+" "+string(f.Status)] = true
	}
	for _, want := range []string{"good loaded", "syntax error", "syntax+filter error", "syntax+interval error", "syntax+history error", "lucene skipped", "unsupported filter skipped", "threshold syntax error"} {
		if !statuses[want] {
			t.Errorf("no case gave %q: %v", want, statuses)
		}
	}
	// the same through a Kibana export, whose problems name its lines
	export := `{"rule_id":"e1","name":"e1","type":"query","language":"kuery","query":"a:1","risk_score":1,"severity":"low","description":"d"}` + "\n" +
		`{"rule_id":"e2","name":"e2","type":"query","language":"kuery","query":"a:(1","risk_score":1,"severity":"low","description":"d"}` + "\n"
	path := filepath.Join(dir, "export.ndjson")
	if err := os.WriteFile(path, []byte(export), 0o644); err != nil {
		t.Fatal(err)
	}
	files, err := Load(path)
	if err != nil || len(files) != 2 {
		t.Fatalf("export: %d files, %v", len(files), err)
	}
	lines := rules.ExportLines([]byte(export))
	_, want := lines[1].Parse(path)
	if files[0].Status != Loaded || files[1].Status != Failed || want == nil || files[1].Err.Error() != want.Error() {
		t.Fatalf("export: %s, %s %v; want loaded, error %v", files[0].Status, files[1].Status, files[1].Err, want)
	}
	if !strings.Contains(want.Error(), ":2:") {
		t.Fatalf("the export's error does not name line 2: %v", want)
	}
}
