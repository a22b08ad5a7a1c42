package diff_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/diff"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

// rule returns a KQL query rule with Kibana's defaults.
func rule(query string, edit ...func(*rules.Rule)) *rules.Rule {
	r := &rules.Rule{Type: rules.TypeQuery, Language: rules.LanguageKuery, Query: query,
		Index: []string{"logs-*"}, From: rules.DefaultFrom, Interval: rules.DefaultInterval, MaxSignals: rules.DefaultMaxSignals}
	for _, e := range edit {
		e(r)
	}
	return r
}

func TestRules(t *testing.T) {
	eql := func(r *rules.Rule) { r.Type, r.Language = rules.TypeEQL, rules.LanguageEQL }
	for _, tc := range []struct {
		name     string
		old, new *rules.Rule
		verdict  diff.Verdict    // of the KQL queries; "" when not compared by meaning
		text     diff.TextChange // of other queries
		eql      string          // of EQL queries: "formatting", or the parts joined by "; "
		index    string          // IndexChange.String(), "" for none
		settings []string        // SettingChange.String()
		changed  bool
	}{
		{name: "formatting", old: rule("a:1 and b:2"), new: rule("a : 1  AND b:2"), verdict: diff.VerdictFormatting},
		{name: "equivalent", old: rule("a:1 and b:2"), new: rule("b:2 and a:1"), verdict: diff.VerdictEquivalent},
		{name: "narrower", old: rule("a:(1 or 2)"), new: rule("a:1"), verdict: diff.VerdictNarrower, changed: true},
		{name: "eql unchanged", old: rule("any where true", eql), new: rule("any where true", eql), eql: "formatting"},
		{name: "eql white space", old: rule("any where  true", eql), new: rule("any where\ntrue", eql), eql: "formatting"},
		{name: "eql formatting", old: rule(`process where a==1 and b:"x" // c`, eql), new: rule("process where\n  a == 1\n  and b : \"\"\"x\"\"\"", eql), eql: "formatting"},
		{name: "eql changed", old: rule("any where true", eql), new: rule("any where false", eql),
			eql: "condition: - true; condition: + false", changed: true},
		{name: "eql clause and category", old: rule(`process where a == 1 and b == 2`, eql), new: rule(`file where a == 1 and c == 3`, eql),
			eql: "category: process → file; condition: - b == 2; condition: + c == 3", changed: true},
		{name: "eql sequence", old: rule(`sequence by h with maxspan=1m [process where a == 1] [file where true]`, eql),
			new: rule(`sequence by h with maxspan=60s [process where a == 2] [file where true] [network where true]`, eql),
			eql: "stage 1 condition: - a == 1; stage 1 condition: + a == 2; stage 3: added [network where true]", changed: true},
		{name: "kql to eql", old: rule("a:1"), new: rule("any where true", eql), text: diff.TextChanged, changed: true,
			settings: []string{`type: "query" → "eql"`, `language: "kuery" → "eql"`}},
		{name: "index wider", old: rule("a:1"), new: rule("a:1", func(r *rules.Rule) { r.Index = []string{"logs-*", "auditbeat-*"} }),
			verdict: diff.VerdictFormatting, index: "index: wider (+auditbeat-*)", changed: true},
		{name: "index both", old: rule("a:1"), new: rule("a:1", func(r *rules.Rule) { r.Index = []string{"auditbeat-*"} }),
			verdict: diff.VerdictFormatting, index: "index: both (+auditbeat-* -logs-*)", changed: true},
		{name: "index order", old: rule("a:1", func(r *rules.Rule) { r.Index = []string{"a-*", "b-*"} }),
			new: rule("a:1", func(r *rules.Rule) { r.Index = []string{"b-*", "a-*"} }), verdict: diff.VerdictFormatting},
		{name: "settings", old: rule("a:1"), new: rule("a:1", func(r *rules.Rule) {
			r.MaxSignals, r.Interval = 10, time.Hour
			r.Threshold = &rules.Threshold{Value: 5}
		}), verdict: diff.VerdictFormatting, changed: true,
			settings: []string{"interval: \"5m0s\" → \"1h0m0s\"", "max_signals: 100 → 10", `threshold: (none) → {"field":null,"value":5}`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, err := diff.Rules(tc.old, tc.new)
			if err != nil {
				t.Fatal(err)
			}
			var verdict diff.Verdict
			if c.Query.Result != nil {
				verdict = c.Query.Result.Verdict
			}
			eqlText := ""
			if e := c.Query.EQL; e != nil {
				eqlText = strings.Join(e.Parts, "; ")
				if e.Formatting {
					eqlText = "formatting"
				}
			}
			if eqlText != tc.eql {
				t.Errorf("EQL: %q, want %q", eqlText, tc.eql)
			}
			if verdict != tc.verdict || c.Query.Text != tc.text {
				t.Errorf("query: verdict %q text %d, want %q %d", verdict, c.Query.Text, tc.verdict, tc.text)
			}
			index := ""
			if c.Index != nil {
				index = c.Index.String()
			}
			if index != tc.index {
				t.Errorf("index: %q, want %q", index, tc.index)
			}
			var settings []string
			for _, s := range c.Settings {
				settings = append(settings, s.String())
			}
			if !slices.Equal(settings, tc.settings) {
				t.Errorf("settings: %q, want %q", settings, tc.settings)
			}
			if c.Changed() != tc.changed {
				t.Errorf("Changed() = %v, want %v", c.Changed(), tc.changed)
			}
		})
	}
}

func TestRulesSides(t *testing.T) {
	r := rule("a:1")
	if c, err := diff.Rules(nil, r); err != nil || !c.Added || c.Removed || !c.Changed() {
		t.Errorf("added: %+v, %v", c, err)
	}
	if c, err := diff.Rules(r, nil); err != nil || !c.Removed || c.Added || !c.Changed() {
		t.Errorf("removed: %+v, %v", c, err)
	}
	if _, err := diff.Rules(nil, nil); err == nil {
		t.Error("no rule on either side: no error")
	}
	for _, old := range []bool{true, false} {
		a, b := rule("a:(1"), rule("a:1")
		if !old {
			a, b = b, a
		}
		_, err := diff.Rules(a, b)
		var qe *diff.QueryError
		var ke *kql.Error
		if !errors.As(err, &qe) || qe.Old != old || !errors.As(err, &ke) {
			t.Errorf("a query that does not parse (old %v): %v, want a *QueryError wrapping a *kql.Error", old, err)
		}
	}
}

// TestVersionsIndex: Versions compares the index patterns of the
// versions too (the FTP rule's v1 → v2 dropped three index patterns).
func TestVersionsIndex(t *testing.T) {
	c, err := diff.Versions(builtin.FTP(), 1, 2)
	if err != nil {
		t.Fatal(err)
	}
	if c.Index == nil || c.Index.String() != "index: narrower (-auditbeat-* -packetbeat-* -winlogbeat-*)" {
		t.Errorf("v1 → v2 index: %v", c.Index)
	}
	if !c.Changed() {
		t.Error("v1 → v2: not changed")
	}
	if _, err := diff.Versions(builtin.FTP(), 1, 99); !errors.Is(err, rules.ErrNoVersion) {
		t.Errorf("a version the history lacks: %v", err)
	}
}

func ExampleRules() {
	old := &rules.Rule{Type: rules.TypeQuery, Language: rules.LanguageKuery, Index: []string{"logs-*"},
		Query: `event.category:network and destination.port:(20 or 21)`}
	new := &rules.Rule{Type: rules.TypeQuery, Language: rules.LanguageKuery, Index: []string{"logs-*", "filebeat-*"},
		Query: `event.category:network and destination.port:21`, MaxSignals: 10}
	c, err := diff.Rules(old, new)
	if err != nil {
		panic(err)
	}
	fmt.Println("query:", c.Query.Result.Verdict)
	fmt.Println(c.Index)
	for _, s := range c.Settings {
		fmt.Println(s)
	}
	fmt.Println("changed:", c.Changed())
	// Output:
	// query: narrower
	// index: wider (+filebeat-*)
	// max_signals: 0 → 10
	// changed: true
}
