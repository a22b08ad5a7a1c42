package kqlrules

// The root package imports kql and eval only, and nothing in the module
// below it imports it: it is the front door, not a dependency.

import (
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
)

// Compile parses a KQL query as Kibana does and compiles it for matching,
// in one call: it is [kql.Parse] followed by [eval.Compile] with opts.
//
// A syntax error is returned as the [*kql.Error] itself (line, column,
// [kql.Error.Snippet]); a value Elasticsearch would refuse for its field's
// type is returned as eval's error, a [*eval.CompileError] or an
// [eval.ErrorList] (see [eval.CompileErrors]). Neither is wrapped, so
// errors.As finds either, and callers add their own context.
//
// Queries are parsed with kql's default options; for others (such as
// [kql.DisallowLeadingWildcards]) call kql.Parse and eval.Compile yourself.
func Compile(query string, opts ...eval.Option) (*eval.Program, error) {
	x, err := kql.Parse(query)
	if err != nil {
		return nil, err
	}
	return eval.Compile(x, opts...)
}
