package lint_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/lint"
)

func TestEQLQuery(t *testing.T) {
	c := lint.NewChecker(nil)
	for _, tc := range []struct {
		query string
		want  []string // "line:col code field", in order
	}{
		{`process where process.name : "cmd.exe"`, nil},
		// Elasticsearch's message ("mismatched input '==' expecting <EOF>"), at the token it stops at
		{`process where process.name == `, []string{"1:28 syntax "}},
		{"process where\n  process.nmae : \"x\"", []string{"2:3 unknown-field process.nmae"}},
		// ?field may be missing: Elasticsearch takes it for null
		{`process where ?process.nmae == null`, nil},
		{`sequence by host.id [process where true] by proces.pid [file where true] by process.pid`,
			[]string{"1:45 unknown-field proces.pid"}},
		{`any where length(zzz.y) > 1`, []string{"1:18 unknown-field zzz.y"}},
	} {
		var got []string
		for _, f := range c.EQLQuery(tc.query) {
			got = append(got, fmt.Sprintf("%d:%d %s %s", f.Line, f.Column, f.Code, f.Field))
		}
		if strings.Join(got, ", ") != strings.Join(tc.want, ", ") {
			t.Errorf("%s:\n got %v\nwant %v", tc.query, got, tc.want)
		}
	}
}

// TestEQLRuleFile checks that the findings of an EQL rule's query are at
// the file's line and column, as those of a KQL query.
func TestEQLRuleFile(t *testing.T) {
	file := `[metadata]
creation_date = "2024/01/01"
maturity = "production"
updated_date = "2024/01/01"

[rule]
author = ["x"]
description = "x"
from = "now-9m"
index = ["logs-endpoint.events.process-*"]
language = "eql"
license = "Elastic License v2"
name = "x"
risk_score = 21
rule_id = "00000000-0000-0000-0000-000000000001"
severity = "low"
type = "eql"
query = '''
process where event.type == "start" and
  process.nmae : "cmd.exe"
'''
`
	c := lint.NewChecker(nil)
	var got []string
	for _, f := range c.Rule("r.toml", []byte(file)) {
		if f.Code != lint.CodeMetadata {
			got = append(got, f.String())
		}
	}
	want := []string{"r.toml:20:3: error: unknown field process.nmae: the schema has no such field; did you mean process.name? [unknown-field]"}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	broken := strings.Replace(file, `process.nmae : "cmd.exe"`, `process.name : `, 1)
	got = nil
	for _, f := range c.Rule("r.toml", []byte(broken)) {
		got = append(got, fmt.Sprintf("%d:%d %s", f.Line, f.Column, f.Code))
	}
	if want := "20:16 syntax"; strings.Join(got, ",") != want {
		t.Errorf("broken: got %v, want %s", got, want)
	}
}
