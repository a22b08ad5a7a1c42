package lint_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/lint"
)

func TestQuery(t *testing.T) {
	c := lint.NewChecker(nil)
	for _, tc := range []struct {
		query string
		want  []string // "line:col code", in order
	}{
		{"destination.port:21", nil},
		{"f:(a or", []string{"1:8 syntax"}},
		{"destination.prot:21", []string{"1:1 unknown-field"}},
		{"labels.team:x and file.hash.*:y", nil},
		{"zzz.*:y", []string{"1:1 unknown-field"}},
		{"source.ip:foo and destination.port:x*", []string{"1:11 type-conflict", "1:36 type-conflict"}},
		{"destination.port:21 and ftp", []string{"1:25 free-text-after-and"}},
		{"destination.port:21 or ftp", []string{"1:24 free-text-after-or"}},
		{"file.name:a?c", []string{"1:11 question-mark"}},
		{`file.name:"a?c"`, nil},
		{"event.category:Network", []string{"1:16 keyword-case"}},
		{"event.outcome:Fail*", []string{"1:15 keyword-case"}},
		{"event.category:network_traffic", nil},
		{"process.name:*.exe", []string{"1:14 leading-wildcard"}},
		{"process.name:*", nil},
		// is.ts: a wildcard on a field whose esTypes are not exactly
		// keyword is a query_string query, split at whitespace
		{"process.command_line:cmd.exe /c*", []string{"1:22 wildcard-space"}},
		{"process.name:cmd exe*", nil},              // keyword: a wildcard query keeps the space
		{`process.command_line:"cmd.exe /c*"`, nil}, // quoted: a phrase, no wildcard
		{"source.ip:(10.0.0.0/8 or 10.2.3.4)", []string{"1:26 cidr-contained"}},
		{`source.ip:("::1" or "::/0")`, []string{"1:12 cidr-contained"}},
		{"f:(a or b or a)", []string{"1:1 unknown-field", "1:14 duplicate-value"}},
		{"destination.port:(21 or 21.0)", []string{"1:25 duplicate-value"}},
		{"destination.port > 10 and destination.port < 5", []string{"1:27 empty-range"}},
		{"destination.port >= 5 and destination.port <= 5", nil},
		{"destination.port > 5 and destination.port < 5", []string{"1:26 empty-range"}},
		{"destination.port < -9223372036854775808", []string{"1:1 empty-range"}},
		{"destination.port > 5 or destination.port < 5", nil},
	} {
		var got []string
		for _, f := range c.Query(tc.query) {
			got = append(got, fmt.Sprintf("%d:%d %s", f.Line, f.Column, f.Code))
		}
		if strings.Join(got, ", ") != strings.Join(tc.want, ", ") {
			t.Errorf("%s:\n got %v\nwant %v", tc.query, got, tc.want)
		}
	}
}

func TestSuggestion(t *testing.T) {
	c := lint.NewChecker(nil)
	for q, want := range map[string]string{
		"destination.prot:1": "destination.port",
		"event.catgeory:x":   "event.category",
		"proces.name:x":      "process.name",
		"source.ipp:1.2.3.4": "source.ip",
		"something.else:x":   "",
	} {
		fs := c.Query(q)
		if len(fs) != 1 || fs[0].Suggestion != want {
			t.Errorf("%s: %v, want suggestion %q", q, fs, want)
		}
	}
}

func TestRuleFilePositions(t *testing.T) {
	data := []byte("[rule]\ntype = \"query\"\nlanguage = \"kuery\"\nquery = \"\"\"\nf:a and\n  destination.prot:1\"\"\"\n")
	fs := lint.NewChecker(nil).Rule("r.toml", data)
	var got []string
	for _, f := range fs {
		if f.Code != lint.CodeMetadata {
			got = append(got, fmt.Sprintf("%d:%d %s", f.Line, f.Column, f.Code))
		}
	}
	if want := "5:1 unknown-field, 6:3 unknown-field"; strings.Join(got, ", ") != want {
		t.Errorf("got %v, want %s", got, want)
	}
}

func ExampleChecker_Query() {
	c := lint.NewChecker(nil)
	for _, f := range c.Query("destination.prot:21 and event.category:Network") {
		fmt.Println(f)
	}
	// Output:
	// 1:1: error: unknown field destination.prot: the schema has no such field; did you mean destination.port? [unknown-field]
	// 1:40: warning: event.category:Network matches no ECS value: ECS defines "network", and keyword values are case-sensitive [keyword-case]
}

// TestLongLookBack: a look-back far beyond the interval gets a warning on
// rule.from's line; Elastic's usual 5m every 9m does not.
func TestLongLookBack(t *testing.T) {
	for _, tc := range []struct {
		interval, from string
		want           string
	}{
		{"5m", "now-9m", ""},
		{"1h", "now-100h", ""},
		{"1m", "now-30d", "4: warning: rule.from: now-30d looks back 43200 times the interval (1m): every event is searched by that many executions [long-look-back]"},
		{"1s", "now-36500d", "4: warning: rule.from: now-36500d looks back 3153600000 times the interval (1s): every event is searched by that many executions [long-look-back]"},
	} {
		data := []byte("[rule]\ntype = \"query\"\ninterval = \"" + tc.interval + "\"\nfrom = \"" + tc.from + "\"\nlanguage = \"kuery\"\nquery = \"event.kind:*\"\n")
		var got []string
		for _, f := range lint.NewChecker(nil).Rule("r.toml", data) {
			if f.Code == lint.CodeLongLookBack {
				got = append(got, strings.TrimPrefix(f.String(), "r.toml:"))
			}
		}
		if strings.Join(got, "\n") != tc.want {
			t.Errorf("%s every %s: %q, want %q", tc.from, tc.interval, got, tc.want)
		}
	}
}
