package rules_test

import (
	"errors"
	"fmt"
	"reflect"
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

// TestParseForRun: ParseForRun leaves out the syntax check of a KQL
// rule's current query, and only it: a history version's KQL query, a
// rule's other problems and a query of another language are checked as
// Parse checks them. An export line's ParseForRun likewise.
func TestParseForRun(t *testing.T) {
	const rule = "[metadata]\ncreation_date = \"2020/02/18\"\n\n[rule]\nrule_id = \"0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11\"\nname = \"n\"\ndescription = \"d\"\ntype = \"query\"\nlanguage = \"kuery\"\nrisk_score = 5\nseverity = \"low\"\nquery = '''%s'''\n"
	tests := []struct {
		name, text string
		forRun     bool // ParseForRun accepts it
		parse      bool // Parse accepts it
	}{
		{"good", fmt.Sprintf(rule, "a:b"), true, true},
		{"query syntax", fmt.Sprintf(rule, "a:(b or )"), true, false},
		{"query syntax and a bad risk_score", strings.Replace(fmt.Sprintf(rule, "a:(b or )"), "risk_score = 5", "risk_score = 500", 1), false, false},
		{"history syntax", fmt.Sprintf(rule, "a:b") + "\n[[history]]\nversion = 1\nquery = 'a:(b or )'\n", false, false},
		{"lucene", strings.Replace(fmt.Sprintf(rule, "a:(b or )"), "kuery", "lucene", 1), true, true},
	}
	for _, tt := range tests {
		_, err := rules.ParseForRun("r.toml", []byte(tt.text))
		if (err == nil) != tt.forRun {
			t.Errorf("%s: ParseForRun: %v, want accepted %v", tt.name, err, tt.forRun)
		}
		if tt.name == "history syntax" && (err == nil || !strings.Contains(err.Error(), "history[0].query: KQL syntax error")) {
			t.Errorf("%s: ParseForRun: %v, want the history query's syntax error", tt.name, err)
		}
		_, err = rules.Parse("r.toml", []byte(tt.text))
		if (err == nil) != tt.parse {
			t.Errorf("%s: Parse: %v, want accepted %v", tt.name, err, tt.parse)
		}
	}
	export := []byte(`{"rule_id":"e1","name":"e1","type":"query","language":"kuery","query":"a:1","risk_score":1,"severity":"low","description":"d"}` + "\n" +
		`{"rule_id":"e2","name":"e2","type":"query","language":"kuery","query":"a:(1","risk_score":1,"severity":"low","description":"d"}` + "\n")
	for i, l := range rules.ExportLines(export) {
		r, err := l.ParseForRun("x.ndjson")
		if err != nil || r.Query == "" {
			t.Errorf("export line %d: ParseForRun: %v", i+1, err)
		}
		if _, err := l.Parse("x.ndjson"); (err == nil) != (i == 0) {
			t.Errorf("export line %d: Parse: %v", i+1, err)
		}
	}
}

// TestParseForRunGuides: ParseForRun keeps no note, setup nor
// transforms of the guide's placeholders, checks their text as Parse
// does (a bad escape is refused by both), and gives the rest of the rule
// as Parse gives it.
func TestParseForRunGuides(t *testing.T) {
	const rule = "[metadata]\ncreation_date = \"2020/02/18\"\n\n[rule]\nrule_id = \"0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11\"\nname = \"n\"\ndescription = \"d\"\ntype = \"query\"\nlanguage = \"kuery\"\nrisk_score = 5\nseverity = \"low\"\nquery = 'a:b'\nnote = %s\nsetup = %s\n"
	const transform = "\n[[transform.osquery]]\nlabel = \"Osquery - Retrieve DNS Cache\"\nquery = \"SELECT * FROM dns_cache\"\n"
	tests := []struct {
		name, note, setup string
		ok                bool
		transform         string // appended to the rule
	}{
		{"transform", `"n"`, `"s"`, true, transform},
		{"two transforms", `"n"`, `"s"`, true, transform + "\n[[transform.osquery]]\nlabel = \"x\"\nquery = \"y\"\n"},
		{"bad transform", `"n"`, `"s"`, false, "\n[[transform.osquery]]\nlabel = \"x\\q\"\n"},
		{"plain", `"""` + "\n## Triage\nlook\n" + `"""`, `"s"`, true, ""},
		{"escapes", `"""` + "\nA \\\"quoted\\\" \\u00e9 \\\nline\n" + `"""`, `'''raw \ text'''`, true, ""},
		{"basic escaped", `"a\tb\\c"`, `"""x\ny"""`, true, ""},
		{"bad escape", `"""` + "\nbad \\q escape\n" + `"""`, `"s"`, false, ""},
		{"bad unicode", `"s"`, `"""` + "\n\\u12\n" + `"""`, false, ""},
		{"control", `"""` + "\nbell \x07\n" + `"""`, `"s"`, false, ""},
	}
	for _, tt := range tests {
		text := []byte(fmt.Sprintf(rule, tt.note, tt.setup) + tt.transform)
		want, werr := rules.Parse("r.toml", text)
		got, gerr := rules.ParseForRun("r.toml", text)
		if (werr == nil) != tt.ok || (gerr == nil) != tt.ok {
			t.Fatalf("%s: Parse %v, ParseForRun %v, want accepted %v", tt.name, werr, gerr, tt.ok)
		}
		if !tt.ok {
			if werr.Error() != gerr.Error() {
				t.Errorf("%s: ParseForRun %q, Parse %q", tt.name, gerr, werr)
			}
			continue
		}
		if want.Note == "" || want.Setup == "" {
			t.Fatalf("%s: Parse lost the note or setup", tt.name)
		}
		if got.Note != "" || got.Setup != "" {
			t.Errorf("%s: ParseForRun kept note %q, setup %q", tt.name, got.Note, got.Setup)
		}
		if _, kept := want.Extra["transform"]; kept != (tt.transform != "") {
			t.Fatalf("%s: Parse's Extra %v", tt.name, want.Extra)
		}
		if got.Extra != nil {
			t.Errorf("%s: ParseForRun kept Extra %v", tt.name, got.Extra)
		}
		want.Note, want.Setup, want.Extra = "", "", nil // transform was its only key
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: ParseForRun differs from Parse beyond note, setup and transform", tt.name)
		}
	}
}
