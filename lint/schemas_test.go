package lint_test

import (
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/lint"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
)

// Integration schemas name fields with '*' ("o365.audit.Parameters.*"),
// which detection-rules' KQL parser accepts any field for
// (lib/kql/kql/parser.py, get_field_type: star_fields).
func TestStarFields(t *testing.T) {
	c := lint.NewChecker(mapping.Schema{"o365.audit.Parameters.*": mapping.Object, "a.*.b": mapping.Keyword, "host.name": mapping.Keyword})
	for q, want := range map[string]int{
		"o365.audit.Parameters.AllowGuestUser:true": 0,
		"o365.audit.Parameters.x.y:1":               0,
		"a.x.y.b:1":                                 0,
		"a.x.c:1":                                   1,
		"o365.audit.Param:1":                        1,
	} {
		n := 0
		for _, f := range c.Query(q) {
			if f.Code == lint.CodeUnknownField {
				n++
				if strings.Contains(f.Suggestion, "*") {
					t.Errorf("%s: suggests %s", q, f.Suggestion)
				}
			}
		}
		if n != want {
			t.Errorf("%s: %d unknown fields, want %d", q, n, want)
		}
	}
}

func TestSkipped(t *testing.T) {
	for _, tc := range []struct {
		r    rules.Rule
		want string
	}{
		{rules.Rule{Type: "query", Language: "kuery", Query: "a:b"}, ""},
		{rules.Rule{Type: "threshold", Language: "kuery", Query: "a:b"}, ""},
		{rules.Rule{Type: "eql", Language: "eql", Query: "any where true"}, ""},
		{rules.Rule{Type: "esql", Language: "esql", Query: "from x"}, "language esql is not supported"},
		{rules.Rule{Type: "query", Language: "lucene", Query: "a:b"}, "language lucene is not supported"},
		{rules.Rule{Type: "machine_learning"}, "machine_learning rules have no query"},
	} {
		if got := lint.Skipped(&tc.r); got != tc.want {
			t.Errorf("Skipped(%s/%s) = %q, want %q", tc.r.Type, tc.r.Language, got, tc.want)
		}
	}
}
