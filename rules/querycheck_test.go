package rules_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/rules"
)

// TestQuerySyntax checks that Validate parses kuery queries and places a
// syntax error on its file line, inside a multi-line TOML query too.
func TestQuerySyntax(t *testing.T) {
	const head = `[metadata]
creation_date = "2020/02/18"
maturity = "production"
updated_date = "2020/02/18"

[rule]
rule_id = "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11"
name = "n"
description = "d"
type = "query"
language = "kuery"
risk_score = 5
severity = "low"
`
	tests := []struct {
		name, query, want string
	}{
		{"one line", `query = "a:(b or )"` + "\n",
			"r.toml:14: rule.query: KQL syntax error at query line 1, col 9: expected a value after 'or' but found ')'"},
		{"multi-line", "query = '''\nsource.ip:10.0.0.0/8 and\n  destination.port:(20 or\n)\n'''\n",
			"r.toml:17: rule.query: KQL syntax error at query line 3, col 1: expected a value after 'or' but found ')'"},
		// The line is the file's, read from the string as written, not
		// guessed from the query's line (this used to give 17, 16 and 14).
		{"multi-line, text on the key's line", "query = \"\"\"a:b and\n  c:(d or\n)\"\"\"\n",
			"r.toml:16: rule.query: KQL syntax error at query line 3, col 1: expected a value after 'or' but found ')'"},
		{"one line with a \\n escape", `query = "a:b and\nc:(d or )"` + "\n",
			"r.toml:14: rule.query: KQL syntax error at query line 2, col 9: expected a value after 'or' but found ')'"},
		{"line-ending backslash", "query = \"\"\"\na:b and \\\n   c:(d or )\"\"\"\n",
			"r.toml:16: rule.query: KQL syntax error at query line 1, col 17: expected a value after 'or' but found ')'"},
		{"lucene is not checked", "query = \"a:(b or )\"\n", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := head + tt.query
			if tt.want == "" {
				src = strings.Replace(src, `"kuery"`, `"lucene"`, 1)
			}
			_, err := rules.Parse("r.toml", []byte(src))
			if tt.want == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var perr *rules.Error
			if !errors.As(err, &perr) {
				t.Fatalf("want *rules.Error, got %v", err)
			}
			if got := perr.Error(); got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}
