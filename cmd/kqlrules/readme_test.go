package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/internal/sample"
)

// readmeStatus is the exit status the README documents for each of its
// command examples (the table "One way to name a place, one set of exit
// statuses"): 1 for an answer "no" (a change of meaning, a finding), 0
// otherwise. An example not listed must exit 0 or 1: no example of the
// README is a command that cannot run.
var readmeStatus = map[string]int{
	"kqlrules check --schema ecs_fields.tsv --json --query 'destination.prot:21'": 1, // unknown field
	"kqlrules fmt --check rules/":                                                  1, // rules/x.toml is not canonical
	"kqlrules diff --old 'f:a' --new 'f:(a or b)'":                                 1, // wider
	"kqlrules diff --rule builtin/ftp.toml --from 5 --to 6 --events events.ndjson": 1, // v6 narrowed the query
	"kqlrules diff --rev v8.12..v8.13 rules/x.toml":                                1, // the query got wider
}

// comment is a shell comment after a command.
var comment = regexp.MustCompile(`\s+# .*$`)

// readmeExamples returns the command lines of the README's ```sh blocks
// that run kqlrules, in order.
func readmeExamples(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	inSh := false
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "```"):
			inSh = !inSh && strings.TrimSpace(strings.TrimPrefix(line, "```")) == "sh"
		case inSh && strings.HasPrefix(line, "kqlrules "):
			out = append(out, strings.TrimSpace(comment.ReplaceAllString(line, "")))
		}
	}
	return out
}

// TestREADMEExamples runs every command example of the README (the
// kqlrules lines of its ```sh blocks) with the shell, in a folder holding
// the files they name, and checks that none crashes and that each exits
// with the status the README documents. A new example needs its files
// here (and, when it answers "no", its status in readmeStatus).
func TestREADMEExamples(t *testing.T) {
	examples := readmeExamples(t)
	if len(examples) < 20 {
		t.Fatalf("only %d examples found in README.md: has its layout changed?", len(examples))
	}
	sh, err := exec.LookPath("sh")
	if err != nil {
		t.Skip("no sh to run the examples with")
	}
	if _, err := exec.LookPath("kqlrules"); err != nil {
		t.Fatal("kqlrules is not on PATH (testscript.Main puts this test binary there)")
	}
	dir := t.TempDir()
	readmeFixture(t, dir)
	hasGit := readmeGit(t, dir)
	for _, ex := range examples {
		if strings.Contains(ex, "--rev") && !hasGit {
			t.Logf("skipped without git: %s", ex)
			continue
		}
		cmd := exec.Command(sh, "-c", ex)
		cmd.Dir = dir
		stdin, err := os.Open(filepath.Join(dir, "events.ndjson"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdin = stdin
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(time.Minute):
			cmd.Process.Kill()
			t.Fatalf("%s: still running after a minute", ex)
		}
		stdin.Close()
		status := 0
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			status = ee.ExitCode()
		} else if err != nil {
			t.Fatalf("%s: %v", ex, err)
		}
		want, listed := readmeStatus[ex]
		switch {
		case strings.Contains(stderr.String(), "panic:") || strings.Contains(stderr.String(), "goroutine "):
			t.Errorf("%s crashed:\n%s", ex, stderr.String())
		case listed && status != want:
			t.Errorf("%s: exit status %d, the README documents %d\nstdout:\n%.2000s\nstderr:\n%.2000s", ex, status, want, stdout.String(), stderr.String())
		case !listed && status != 0 && status != 1:
			t.Errorf("%s: exit status %d: an example that cannot run\nstdout:\n%.2000s\nstderr:\n%.2000s", ex, status, stdout.String(), stderr.String())
		case !listed && status != 0:
			t.Logf("%s: exit status %d (not in readmeStatus)", ex, status)
		}
	}
}

// readmeRule is a detection-rules TOML rule with the query and rule_id
// given.
func readmeRule(id, query string) string {
	return `[metadata]
creation_date = "2023/01/01"
maturity = "production"
updated_date = "2023/01/01"

[rule]
author = ["kqlrules"]
description = "A README example."
from = "now-9m"
index = ["filebeat-*", "logs-*"]
interval = "5m"
language = "kuery"
license = "Apache-2.0"
name = "README ` + id + `"
risk_score = 21
rule_id = "00000000-0000-4000-8000-0000000000` + id + `"
severity = "low"
type = "query"
query = '''
` + query + `
'''
`
}

// readmeFixture writes the files the README's examples name.
func readmeFixture(t *testing.T, dir string) {
	t.Helper()
	ev := `{"@timestamp":"2023-01-01T00:00:00Z","_index":"filebeat-8","_id":"e1","event":{"category":"network"},"network":{"transport":"tcp"},"destination":{"port":21,"ip":"198.51.100.7"},"source":{"ip":"10.0.0.5"}}
{"@timestamp":"2023-01-01T00:01:00Z","_index":"filebeat-8","_id":"e2","destination":{"port":22},"source":{"ip":"10.0.0.6"},"user":{"name":"root"}}
`
	gz := func(data string) string {
		var b bytes.Buffer
		z := gzip.NewWriter(&b)
		z.Write([]byte(data))
		z.Close()
		return b.String()
	}
	files := map[string]string{
		"events.ndjson":                          ev,
		"events.ndjson.gz":                       gz(ev),
		"more.ndjson.gz":                         gz(string(sample.FTPSample)),
		"more.json":                              `[{"@timestamp":"2023-01-01T00:02:00Z","_index":"filebeat-8","destination":{"port":21}}]`,
		"logs/ftp.ndjson":                        string(sample.FTPSample),
		"logs.ndjson":                            ev,
		"events/ev.ndjson":                       ev,
		"event.json":                             "{\n  \"destination\": {\"port\": 21},\n  \"network\": {\"transport\": \"tcp\"}\n}\n",
		"queries.jsonl":                          `{"query":"f:a and g:(b or c)"}` + "\n" + `{"query":"f:("}` + "\n",
		"cases.jsonl":                            `{"query":"destination.port:21","event":{"destination":{"port":21}}}` + "\n",
		"ecs_fields.tsv":                         "name\ttype\tnormalize\ndestination.port\tlong\t\n",
		"mapping.json":                           `{"properties":{"@timestamp":{"type":"date"},"event":{"properties":{"category":{"type":"keyword"}}},"host":{"properties":{"id":{"type":"keyword"}}},"process":{"properties":{"name":{"type":"keyword"}}}}}`,
		"rule.toml":                              readmeRule("01", "destination.port:21"),
		"rules/x.toml":                           readmeRule("02", "destination.port : 21"),
		"rules/x.test.ndjson":                    `{"@timestamp":"2023-01-01T00:00:00Z","destination":{"port":21},"_expect":"alert"}` + "\n",
		"my-rules/ssh.toml":                      readmeRule("03", "destination.port:22"),
		"detection-rules/rules/network/ftp.toml": readmeRule("04", "destination.port:21"),
		"detection-rules/rules_building_block/bb.toml": readmeRule("05", "user.name:root"),
		"detection-rules/pyproject.toml":               "[project]\nname = \"detection_rules\"\n",
		"export.ndjson": `{"rule_id":"00000000-0000-4000-8000-000000000006","name":"export","type":"query","language":"kuery","query":"destination.port:22","index":["filebeat-*"],"risk_score":1,"severity":"low","description":"x","interval":"5m","from":"now-6m"}` + "\n" +
			`{"exported_count":1,"exported_rules_count":1,"missing_rules":[],"missing_rules_count":0}` + "\n",
		"exceptions.ndjson": `{"list_id":"ex","name":"ex","type":"detection","namespace_type":"single","description":"x"}` + "\n" +
			`{"item_id":"i1","list_id":"ex","name":"root","type":"simple","namespace_type":"single","entries":[{"field":"user.name","operator":"included","type":"match","value":"root"}]}` + "\n",
		"ip_indicator.toml": `[metadata]
creation_date = "2024/01/01"
maturity = "production"
updated_date = "2024/01/01"

[rule]
author = ["kqlrules"]
description = "Indicator match on destination.ip."
from = "now-6m"
index = ["filebeat-*"]
interval = "5m"
language = "kuery"
license = "Apache-2.0"
name = "IP indicator"
risk_score = 99
rule_id = "00000000-0000-4000-8000-000000000007"
severity = "critical"
type = "threat_match"
query = "destination.ip:*"
threat_index = ["logs-ti_*"]
threat_query = "@timestamp >= \"now-30d/d\""

[[rule.threat_mapping]]
[[rule.threat_mapping.entries]]
field = "destination.ip"
type = "mapping"
value = "threat.indicator.ip"
`,
		"ti/abusech.ndjson": `{"_index":"logs-ti_abusech-default","_id":"ti-1","@timestamp":"2022-12-31T00:00:00Z","threat":{"indicator":{"ip":"198.51.100.7","type":"ipv4-addr"}}}` + "\n",
	}
	for name, text := range files {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// readmeGit makes dir a git repository for the diff --rev examples:
// rules/x.toml at tag v8.12, its query widened at tag v8.13, and
// origin/main at the last commit. It returns false without git.
func readmeGit(t *testing.T, dir string) bool {
	t.Helper()
	if _, err := exec.LookPath("git"); err != nil {
		return false
	}
	git := func(args ...string) {
		t.Helper()
		cmd := exec.Command("git", args...)
		cmd.Dir = dir
		cmd.Env = append(os.Environ(), "GIT_AUTHOR_NAME=t", "GIT_AUTHOR_EMAIL=t@example.com",
			"GIT_COMMITTER_NAME=t", "GIT_COMMITTER_EMAIL=t@example.com", "GIT_CONFIG_GLOBAL=/dev/null", "GIT_CONFIG_NOSYSTEM=1")
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("git %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	x := filepath.Join(dir, "rules", "x.toml")
	final, err := os.ReadFile(x)
	if err != nil {
		t.Fatal(err)
	}
	git("init", "-q")
	if err := os.WriteFile(x, []byte(readmeRule("02", "destination.port:21 and source.ip:10.0.0.0/8")), 0o644); err != nil {
		t.Fatal(err)
	}
	git("add", "-A")
	git("commit", "-q", "-m", "v8.12")
	git("tag", "v8.12")
	if err := os.WriteFile(x, final, 0o644); err != nil {
		t.Fatal(err)
	}
	git("commit", "-q", "-am", "v8.13")
	git("tag", "v8.13")
	git("update-ref", "refs/remotes/origin/main", "HEAD")
	return true
}
