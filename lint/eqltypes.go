package lint

import (
	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/rules"
)

// eqlTypes reports the type errors Elasticsearch's EQL analyzer gives q
// ([eql.Verify]) with the field types of c's schema, each an error with
// Elasticsearch's message at its line and column.
func (c *Checker) eqlTypes(q *eql.Query, src string, qs *rules.Value, file string) []Finding {
	var out []Finding
	for _, e := range eql.Verify(q, eql.SchemaFields(c.schema)) {
		out = append(out, at(src, qs, file, e.Offset, Finding{Severity: Error, Code: CodeTypeConflict, Msg: e.Msg}))
	}
	return out
}
