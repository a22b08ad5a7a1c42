package rules_test

import (
	"fmt"
	"testing"

	"github.com/kqlrules/kqlrules/rules"
)

const eqlRuleTOML = `[metadata]
creation_date = "2024/01/02"
maturity = "production"
updated_date = "2024/01/03"

[rule]
author = ["Test"]
description = "EQL."
index = ["logs-*"]
language = "eql"
name = "Shell"
risk_score = 21
rule_id = "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c12"
severity = "low"
type = "eql"
event_category_override = "my.cat"
timestamp_field = "event.created"
tiebreaker_field = "event.sequence"
query = '''
process where process.name : "CMD.exe"
'''
`

// TestEQLProgram: an EQL rule's program is its event query lowered (on its
// event_category_override) and compiled; its request settings are read
// from the file.
func TestEQLProgram(t *testing.T) {
	r, err := rules.ParseTOML("shell.toml", []byte(eqlRuleTOML))
	if err != nil {
		t.Fatal(err)
	}
	want := rules.EQLSettings{EventCategoryOverride: "my.cat", TimestampField: "event.created", TiebreakerField: "event.sequence"}
	if got := r.EQL(); got != want {
		t.Errorf("EQL() = %+v, want %+v", got, want)
	}
	p, err := r.EQLProgram()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ev   map[string]any
		want bool
	}{
		{map[string]any{"my": map[string]any{"cat": "process"}, "process": map[string]any{"name": "cmd.exe"}}, true},
		// the category is my.cat, not event.category
		{map[string]any{"event": map[string]any{"category": "process"}, "process": map[string]any{"name": "cmd.exe"}}, false},
		{map[string]any{"my": map[string]any{"cat": "process"}, "process": map[string]any{"name": "sh"}}, false},
	} {
		if got := p.Match(c.ev); got != c.want {
			t.Errorf("%v: %v, want %v", c.ev, got, c.want)
		}
	}
	// a sequence's program matches the events of any of its stages
	r.Query = `sequence [process where process.name == "cmd.exe"] [network where true]`
	p, err = r.EQLProgram()
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		ev   map[string]any
		want bool
	}{
		{map[string]any{"my": map[string]any{"cat": "process"}, "process": map[string]any{"name": "cmd.exe"}}, true},
		{map[string]any{"my": map[string]any{"cat": "process"}, "process": map[string]any{"name": "sh"}}, false},
		{map[string]any{"my": map[string]any{"cat": "network"}}, true},
	} {
		if got := p.Match(c.ev); got != c.want {
			t.Errorf("sequence: %v: %v, want %v", c.ev, got, c.want)
		}
	}
	r.Query = `process where`
	if _, err := r.EQLProgram(); err == nil {
		t.Error("a bad query compiled")
	}
}

func ExampleRule_EQLProgram() {
	r := &rules.Rule{Name: "Shell", Type: rules.TypeEQL, Language: rules.LanguageEQL,
		Query: `process where process.name : "cmd.exe" and process.args_count > 1`}
	p, err := r.EQLProgram()
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Match(map[string]any{"event.category": "process", "process.name": "CMD.EXE", "process.args_count": 2}))
	fmt.Println(p.Match(map[string]any{"event.category": "network", "process.name": "cmd.exe", "process.args_count": 2}))
	// Output:
	// true
	// false
}
