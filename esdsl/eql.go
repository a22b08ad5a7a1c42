package esdsl

import (
	"strconv"
	"strings"
)

// The query kinds below are those Elasticsearch's EQL QueryTranslator
// (x-pack/plugin/eql/.../planner/QueryTranslator.java, with QL's
// ExpressionTranslators) builds beside the ones Kibana builds: prefix,
// regexp, and script queries whose script is one of the script utils'
// expressions (InternalQlScriptUtils, InternalEqlScriptUtils), kept as a
// typed tree so that it can be evaluated natively instead of as Painless.

// Prefix is {"prefix": {Field: {"value": Value, "case_insensitive": ...}}}.
type Prefix struct {
	Src
	Field           string
	Value           string
	CaseInsensitive *bool // written when not nil
}

// Regexp is {"regexp": {Field: {"value": Value, "flags_value": 65535,
// "case_insensitive": ...}}}: a Lucene regular expression (RegExp with
// all its optional syntax, the default flags) that must match a whole
// indexed term.
type Regexp struct {
	Src
	Field           string
	Value           string
	CaseInsensitive *bool // written when not nil
}

// ScriptQuery is a script query (QL's ScriptQuery) whose script is a
// [ScriptExpr]: a call of Elasticsearch's script utils over field doc
// values and parameters. It marshals as the Painless script and params
// Elasticsearch sends: the expression wrapped in
// InternalQlScriptUtils.nullSafeFilter (a null result does not match) or,
// when MultiValue is set, in InternalEqlScriptUtils.multiValueDocValues
// over the one field it reads (MultiValueAwareScriptQuery: the document
// matches when the expression holds for one of the field's values, or
// for null when it has none).
type ScriptQuery struct {
	Src
	Expr       ScriptExpr
	MultiValue bool
}

// ScriptExpr is a node of a script expression: [*ScriptField],
// [*ScriptParam] or [*ScriptCall]. The interface is sealed.
type ScriptExpr interface {
	scriptExpr()
}

// ScriptField is the doc value of a field:
// InternalQlScriptUtils.docValue(doc,params.vN).
type ScriptField struct {
	Name string
}

// ScriptParam is a constant passed as a parameter: nil, bool, int64,
// float64 or string.
type ScriptParam struct {
	Value any
}

// ScriptCall is a call of a static method of the script utils, Func as
// Elasticsearch names it: "InternalQlScriptUtils.gt",
// "InternalEqlScriptUtils.substring"...
type ScriptCall struct {
	Func string
	Args []ScriptExpr
}

func (*ScriptField) scriptExpr() {}
func (*ScriptParam) scriptExpr() {}
func (*ScriptCall) scriptExpr()  {}

func (*Prefix) queryNode()      {}
func (*Regexp) queryNode()      {}
func (*ScriptQuery) queryNode() {}

// MarshalJSON writes the prefix query in its long form.
func (q *Prefix) MarshalJSON() ([]byte, error) {
	return valueQuery("prefix", q.Field, func(w *writer) { w.str(q.Value) }, q.CaseInsensitive)
}

// MarshalJSON writes the regexp query as RegexpQueryBuilder does.
func (q *Regexp) MarshalJSON() ([]byte, error) {
	return valueQuery("regexp", q.Field, func(w *writer) {
		w.str(q.Value)
		w.raw(`,"flags_value":65535`)
	}, q.CaseInsensitive)
}

// Fields returns the names of the fields the expression reads, in order
// of first use.
func (q *ScriptQuery) Fields() []string {
	var out []string
	var walk func(ScriptExpr)
	walk = func(x ScriptExpr) {
		switch x := x.(type) {
		case *ScriptField:
			for _, f := range out {
				if f == x.Name {
					return
				}
			}
			out = append(out, x.Name)
		case *ScriptCall:
			for _, a := range x.Args {
				walk(a)
			}
		}
	}
	walk(q.Expr)
	return out
}

// MarshalJSON writes the script query with its Painless source and
// params v0, v1, ... as Elasticsearch's ScriptTemplate does.
func (q *ScriptQuery) MarshalJSON() ([]byte, error) {
	var params []any
	var src strings.Builder
	multi := ""
	if fs := q.Fields(); q.MultiValue && len(fs) == 1 {
		multi = fs[0]
		params = append(params, multi)
	}
	var write func(ScriptExpr)
	write = func(x ScriptExpr) {
		switch x := x.(type) {
		case *ScriptField:
			if x.Name == multi {
				src.WriteString("X0")
				return
			}
			src.WriteString("InternalQlScriptUtils.docValue(doc,params.v" + strconv.Itoa(len(params)) + ")")
			params = append(params, x.Name)
		case *ScriptParam:
			src.WriteString("params.v" + strconv.Itoa(len(params)))
			params = append(params, x.Value)
		case *ScriptCall:
			src.WriteString(x.Func + "(")
			for i, a := range x.Args {
				if i > 0 {
					src.WriteByte(',')
				}
				write(a)
			}
			src.WriteByte(')')
		}
	}
	if multi != "" {
		src.WriteString("InternalEqlScriptUtils.multiValueDocValues(doc,params.v0,X0 -> ")
	}
	src.WriteString("InternalQlScriptUtils.nullSafeFilter(")
	write(q.Expr)
	src.WriteString(")")
	if multi != "" {
		src.WriteString(")")
	}
	var w writer
	w.open("script")
	w.raw(`"script":{"source":`)
	w.str(src.String())
	w.raw(`,"lang":"painless","params":{`)
	for i, p := range params {
		if i > 0 {
			w.raw(",")
		}
		w.str("v" + strconv.Itoa(i))
		w.raw(":")
		w.value(p)
	}
	w.raw("}}")
	w.close()
	return w.done()
}
