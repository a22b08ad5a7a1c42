package lint_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/lint"
)

// TestEQLTypes: check reports the type errors Elasticsearch's EQL
// analyzer gives (eql.Verify) with the schema's field types, at the
// query's line and column, as errors of code type-conflict.
func TestEQLTypes(t *testing.T) {
	c := lint.NewChecker(nil) // ECS
	for _, tc := range []struct {
		query string
		want  []string // "line:col code: message"
	}{
		{`network where cidrMatch(source.ip, "10.0.0.0/8") and destination.port == 443`, nil},
		// Elasticsearch accepts comparisons of any types (VerifierTests.testIP)
		{`network where source.ip == 0 and destination.port == "443"`, nil},
		{"network where\n  cidrMatch(host.name, \"10.0.0.0/8\")",
			[]string{`2:3 type-conflict: first argument of [cidrMatch(host.name, "10.0.0.0/8")] must be [ip], found value [host.name] type [keyword]`}},
		{`process where process.pid : "4"`,
			[]string{`1:15 type-conflict: first argument of [:] must be [string], found value [process.pid] type [long]; consider using [==] instead`}},
		{`process where length(process.pid) > 1 or process.name + 1 == 2`,
			[]string{`1:15 type-conflict: argument of [length(process.pid)] must be [string], found value [process.pid] type [long]`,
				`1:42 type-conflict: first argument of [process.name + 1] must be [numeric], found value [process.name] type [keyword]`}},
		{`sequence [process where true] by process.pid [network where true] by source.ip`,
			[]string{`1:70 type-conflict: Sequence key [source.ip] type [ip] is incompatible with key [process.pid] type [long]`}},
	} {
		var got []string
		for _, f := range c.EQLQuery(tc.query) {
			got = append(got, fmt.Sprintf("%d:%d %s: %s", f.Line, f.Column, f.Code, f.Msg))
		}
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("%s:\n got %q\nwant %q", tc.query, got, tc.want)
		}
	}
}
