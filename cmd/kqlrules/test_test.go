package main

import (
	"bytes"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/regress"
)

const testRule = `[metadata]
creation_date = "2023/01/01"
maturity = "production"
updated_date = "2023/01/01"

[rule]
author = ["me"]
description = "d"
from = "now-9m"
index = ["filebeat-*"]
language = "LANG"
query = "QUERY"
name = "NAME"
risk_score = 21
rule_id = "ID"
severity = "low"
type = "TYPE"
`

// TestJUnitReport runs "kqlrules test" in-process after an edit of a
// rule's query and reads the JUnit file back with encoding/xml: one
// testcase per rule file, classname the file's folder, the failure naming
// the events gained and lost, the skipped rule with its reason.
func TestJUnitReport(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	write := func(name, text string) {
		t.Helper()
		os.MkdirAll(filepath.Dir(name), 0o777)
		if err := os.WriteFile(name, []byte(text), 0o666); err != nil {
			t.Fatal(err)
		}
	}
	rule := func(id, name, typ, query string) string {
		lang := "kuery"
		if typ == "esql" {
			lang = "esql"
		}
		return strings.NewReplacer("ID", id, "NAME", name, "TYPE", typ, "LANG", lang, "QUERY", query).Replace(testRule)
	}
	write("rules/net/ftp.toml", rule("r1", "FTP", "query", "destination.port:21"))
	write("rules/net/ssh.toml", rule("r2", "SSH", "query", "destination.port:22"))
	write("rules/win/eql.toml", rule("r3", "EQL", "esql", "from logs-* | limit 1")) // ES|QL is not replayed
	write("ev.ndjson", `{"_index":"filebeat-1","_id":"a","@timestamp":"2023-01-01T00:00:00Z","destination.port":21}
{"_index":"filebeat-1","_id":"b","@timestamp":"2023-01-01T00:01:00Z","destination.port":22}
{"_index":"filebeat-1","_id":"c","@timestamp":"2023-01-01T00:02:00Z","destination.port":2121}
`)
	cmd := func(want int, args ...string) string {
		t.Helper()
		var out, errs bytes.Buffer
		if got := run(append([]string{"test", "--rules", "rules"}, args...), strings.NewReader(""), &out, &errs); got != want {
			t.Fatalf("kqlrules test %s: status %d, want %d\n%s%s", strings.Join(args, " "), got, want, out.String(), errs.String())
		}
		return out.String()
	}
	cmd(0, "--update", "ev.ndjson")
	cmd(0, "ev.ndjson")
	write("rules/net/ftp.toml", rule("r1", "FTP", "query", "destination.port:(2121 or 22)"))
	cmd(1, "--junit", "junit.xml", "ev.ndjson")

	data, err := os.ReadFile("junit.xml")
	if err != nil {
		t.Fatal(err)
	}
	var j regress.JUnit
	if err := xml.Unmarshal(data, &j); err != nil {
		t.Fatalf("junit.xml: %v\n%s", err, data)
	}
	if j.XMLName.Local != "testsuites" || j.Tests != 3 || j.Failures != 1 || j.Errors != 0 || j.Skipped != 1 || len(j.Suites) != 1 {
		t.Fatalf("junit.xml: %+v", j)
	}
	s := j.Suites[0]
	if s.Tests != 3 || len(s.Cases) != 3 {
		t.Fatalf("testsuite: %+v", s)
	}
	byName := map[string]regress.TestCase{}
	for _, c := range s.Cases {
		byName[c.Name] = c
	}
	ftp, ok := byName["FTP (r1)"]
	if !ok || ftp.ClassName != "rules/net" || ftp.File != "rules/net/ftp.toml" || ftp.Failure == nil || ftp.Skipped != nil || ftp.Error != nil {
		t.Fatalf("FTP testcase: %+v", ftp)
	}
	if want := "rule FTP (r1): +2 -1 alerts"; ftp.Failure.Message != want {
		t.Errorf("failure message %q, want %q", ftp.Failure.Message, want)
	}
	if want := "+ filebeat-1/b  ev.ndjson:2\n+ filebeat-1/c  ev.ndjson:3\n- filebeat-1/a  baseline: ev.ndjson:1"; ftp.Failure.Text != want {
		t.Errorf("failure text:\n%s\nwant:\n%s", ftp.Failure.Text, want)
	}
	if ssh := byName["SSH (r2)"]; ssh.ClassName != "rules/net" || ssh.Failure != nil || ssh.Skipped != nil {
		t.Errorf("SSH testcase: %+v", ssh)
	}
	eql := byName["EQL (r3)"]
	if eql.ClassName != "rules/win" || eql.Skipped == nil || eql.Skipped.Message != "language esql is not supported" {
		t.Errorf("EQL testcase: %+v", eql)
	}
}
