package eql

import (
	"fmt"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
)

// Verify checks the types of q's expressions as Elasticsearch's EQL
// analyzer does once the fields are resolved: the functions' resolveType
// (x-pack/plugin/eql .../expression/function/scalar/string/*.java:
// Between, CIDRMatch, Concat, EndsWith, IndexOf, Length, StartsWith,
// StringContains, Substring, ToString; math/ToNumber) with QL's
// TypeResolutions (isString, isInteger, isNumeric, isIP, isBoolean,
// isExact, isFoldable), QL's In (its list's values compatible with the
// value, DataTypes.areCompatible), arithmetic (numeric operands), ':'
// (strings on both sides), like and regex (a string field), a condition
// that is not boolean, and sequence keys of incompatible types (the
// Verifier). Each error is Elasticsearch's message at the start of the expression that refuses it (the function call, the
// operation, the in), as the Verifier reports an unresolved expression;
// Verify reports every one it finds (the Verifier collects them all too).
//
// Fields not known to fields are left alone (an unknown field is another
// error), as is a ?field that is not mapped (null, which every check
// accepts). Comparisons (==, <, ...) accept any types, as Elasticsearch's
// do (VerifierTests.testQueryOk: "Mismatched type, still ok";
// testIP: ip_addr == 0).
func Verify(q *Query, fields Fields) []*Error {
	if q == nil || fields == nil {
		return nil
	}
	v := &verifier{fields: fields, src: []rune(q.src)}
	filter := func(f *EventFilter) {
		if f == nil {
			return
		}
		v.condition(f.Cond)
	}
	switch b := q.Body.(type) {
	case *EventFilter:
		filter(b)
	case *Sequence:
		for _, s := range b.Stages {
			filter(s.Filter)
		}
		if b.Until != nil {
			filter(b.Until.Filter)
		}
		v.keys(b.By, b.Stages, b.Until)
	case *Sample:
		for _, s := range b.Stages {
			filter(s.Filter)
		}
	}
	for _, e := range v.errs {
		withSource(e, q.src)
	}
	return v.errs
}

// qlType is a QL data type: its typeName ("keyword", "long", "datetime",
// "null"...) as the messages write it.
type qlType string

const (
	tNull     qlType = "null"
	tBoolean  qlType = "boolean"
	tInteger  qlType = "integer"
	tLong     qlType = "long"
	tDouble   qlType = "double"
	tKeyword  qlType = "keyword"
	tText     qlType = "text"
	tIP       qlType = "ip"
	tDatetime qlType = "datetime"
	tUnknown  qlType = "" // not checked: an unknown field
)

func (t qlType) isString() bool {
	return t == tKeyword || t == tText || t == "constant_keyword"
}

func (t qlType) isNumeric() bool {
	switch t {
	case tInteger, tLong, tDouble, "short", "byte", "unsigned_long", "float", "half_float", "scaled_float":
		return true
	}
	return false
}

func (t qlType) isInteger() bool {
	switch t {
	case tInteger, tLong, "short", "byte", "unsigned_long":
		return true
	}
	return false
}

// compatible is QL's DataTypes.areCompatible.
func compatible(a, b qlType) bool {
	return a == b || a == tNull || b == tNull || (a.isString() && b.isString()) ||
		(a.isNumeric() && b.isNumeric()) || (a == tDatetime && b == tDatetime)
}

// fieldType is the QL type of a mapping type (IndexResolver's view:
// wildcard is a keyword, match_only_text a text, dates datetime).
func fieldType(es string) qlType {
	switch es {
	case "wildcard":
		return tKeyword
	case "match_only_text":
		return tText
	case "date", "date_nanos":
		return tDatetime
	}
	return qlType(es)
}

type verifier struct {
	fields Fields
	src    []rune
	errs   []*Error
}

func (v *verifier) fail(at ast.Pos, format string, args ...any) {
	v.errs = append(v.errs, errorf(at, format, args...))
}

// text is n's source text, as Elasticsearch's sourceText() gives it.
func (v *verifier) text(n Node) string {
	if int(n.End()) <= len(v.src) && n.Pos() <= n.End() {
		return string(v.src[n.Pos():n.End()])
	}
	return n.String()
}

// name is QL's Expressions.name: a field's name, else the source text.
func (v *verifier) name(x Expr) string {
	if f, ok := x.(*Field); ok {
		return f.Name
	}
	return v.text(x)
}

// typeOf returns the QL type of x, checking x's own subexpressions.
func (v *verifier) typeOf(x Expr) qlType {
	switch x := x.(type) {
	case *Literal:
		switch x.Kind {
		case Null:
			return tNull
		case Bool:
			return tBoolean
		case Int:
			if x.Int > 1<<31-1 || x.Int < -1<<31 {
				return tLong
			}
			return tInteger
		case Decimal:
			return tDouble
		}
		return tKeyword
	case *Field:
		fd, ok := v.fields.Lookup(x.Name)
		if !ok {
			if x.Optional {
				return tNull
			}
			return tUnknown
		}
		return fieldType(fd.Type)
	case *Binary:
		tx, ty := v.typeOf(x.X), v.typeOf(x.Y)
		switch {
		case x.Op == OpAnd || x.Op == OpOr:
			return tBoolean
		case x.Op.IsComparison():
			v.exact(x, x.X, v.text(x), "first ")
			v.exact(x, x.Y, v.text(x), "second ")
			return tBoolean
		}
		// QL's ArithmeticOperation.resolveInputType: isNumeric.
		v.is(x, x.X, tx, qlType.isNumeric, "numeric", v.text(x), "first ")
		v.is(x, x.Y, ty, qlType.isNumeric, "numeric", v.text(x), "second ")
		return arithmetic(tx, ty)
	case *Neg:
		t := v.typeOf(x.X)
		v.is(x, x.X, t, qlType.isNumeric, "numeric", v.text(x), "")
		return t
	case *Not:
		v.typeOf(x.X)
		return tBoolean
	case *In:
		v.in(x)
		return tBoolean
	case *Match:
		v.match(x)
		return tBoolean
	case *Call:
		return v.call(x)
	}
	return tUnknown
}

// arithmetic is the type of an arithmetic operation's result.
func arithmetic(a, b qlType) qlType {
	switch {
	case a == tDouble || b == tDouble || a == "float" || b == "float" || a == "half_float" || b == "half_float" || a == "scaled_float" || b == "scaled_float":
		return tDouble
	case a == tLong || b == tLong || a == "unsigned_long" || b == "unsigned_long":
		return tLong
	case a == tUnknown || b == tUnknown:
		return tUnknown
	}
	return tInteger
}

// is is QL's TypeResolutions.isType: t (the type of x) must satisfy ok,
// or be null. ordinal is "first ", "second "... or "" (DEFAULT).
func (v *verifier) is(at Node, x Expr, t qlType, ok func(qlType) bool, want, op, ordinal string) bool {
	if t == tUnknown || t == tNull || ok(t) {
		return true
	}
	v.fail(at.Pos(), "%sargument of [%s] must be [%s], found value [%s] type [%s]", ordinal, op, want, v.name(x), t)
	return false
}

// exact is QL's TypeResolutions.isExact: a text field needs a keyword
// sub-field for exact operations.
func (v *verifier) exact(at Node, x Expr, op, ordinal string) bool {
	f, ok := x.(*Field)
	if !ok {
		return true
	}
	fd, ok := v.fields.Lookup(f.Name)
	if !ok || fieldType(fd.Type) != tText || fd.Exact != "" {
		return true
	}
	ordinal = strings.TrimSuffix(ordinal, " ")
	if ordinal != "" {
		ordinal += " argument "
	}
	leaf := f.Path[len(f.Path)-1]
	v.fail(at.Pos(), "[%s] cannot operate on %sfield of data type [text]: No keyword/multi-field defined exact matches for [%s]; define one or use MATCH/QUERY instead", op, ordinal, leaf)
	return false
}

// stringAndExact is TypeResolutions.isStringAndExact.
func (v *verifier) stringAndExact(at Node, x Expr, t qlType, op, ordinal string) {
	if v.is(at, x, t, qlType.isString, "string", op, ordinal) {
		v.exact(at, x, op, ordinal)
	}
}

var ordinals = [...]string{"first ", "second ", "third ", "fourth ", "fifth "}

// call checks a function call with its class's resolveType and returns
// its data type.
func (v *verifier) call(x *Call) qlType {
	ts := make([]qlType, len(x.Args))
	for i, a := range x.Args {
		ts[i] = v.typeOf(a)
	}
	op := v.text(x)
	arg := func(i int) (Expr, qlType, string) {
		ord := ""
		if i < len(ordinals) {
			ord = ordinals[i]
		}
		return x.Args[i], ts[i], ord
	}
	str := func(i int, ordinal bool) {
		if i < len(x.Args) {
			a, t, ord := arg(i)
			if !ordinal {
				ord = ""
			}
			v.stringAndExact(x, a, t, op, ord)
		}
	}
	integer := func(i int) {
		if i < len(x.Args) {
			a, t, ord := arg(i)
			v.is(x, a, t, qlType.isInteger, "integer", op, ord)
		}
	}
	numeric := func(i int) {
		if i < len(x.Args) {
			a, t, ord := arg(i)
			v.is(x, a, t, qlType.isNumeric, "numeric", op, ord)
		}
	}
	switch x.Name {
	case "between":
		str(0, true)
		str(1, true)
		str(2, true)
		if len(x.Args) > 3 {
			a, t, ord := arg(3)
			v.is(x, a, t, func(t qlType) bool { return t == tBoolean }, "boolean", op, ord)
		}
		return tKeyword
	case "cidrMatch":
		if len(x.Args) > 0 {
			a, t, ord := arg(0)
			if v.is(x, a, t, func(t qlType) bool { return t == tIP }, "ip", op, ord) {
				v.exact(x, a, op, ord)
			}
		}
		for i := 1; i < len(x.Args); i++ {
			a, t, _ := arg(i)
			if !constant(a) {
				_, _, ord := arg(i)
				v.fail(x.Pos(), "%sargument of [%s] must be a constant, received [%s]", ord, op, v.name(a))
				break
			}
			v.stringAndExact(x, a, t, op, "")
		}
		return tBoolean
	case "concat":
		for i := range x.Args {
			v.exact(x, x.Args[i], op, "")
		}
		return tKeyword
	case "endsWith", "startsWith", "stringContains":
		str(0, true)
		str(1, true)
		return tBoolean
	case "indexOf":
		str(0, true)
		str(1, true)
		integer(2)
		return tInteger
	case "length":
		str(0, false)
		return tInteger
	case "number":
		str(0, true)
		integer(1)
		return tDouble
	case "string":
		if len(x.Args) > 0 {
			v.exact(x, x.Args[0], op, "first ")
		}
		return tKeyword
	case "substring":
		str(0, true)
		integer(1)
		integer(2)
		return tKeyword
	case "add", "subtract", "multiply", "divide", "modulo":
		numeric(0)
		numeric(1)
		if len(ts) == 2 {
			return arithmetic(ts[0], ts[1])
		}
	}
	return tUnknown
}

// in is QL's In.resolveType: the value exact, each distinct list value
// compatible with the value's type ("2nd argument" for the second value
// of the list).
func (v *verifier) in(x *In) {
	t := v.typeOf(x.X)
	if !v.exact(x, x.X, "in", "") || t == tUnknown {
		for _, e := range x.List {
			v.typeOf(e)
		}
		return
	}
	seen := map[string]bool{}
	n := 0
	for _, e := range x.List {
		te := v.typeOf(e)
		key := e.String()
		if seen[key] {
			continue
		}
		seen[key] = true
		n++
		if te == tUnknown || compatible(t, te) {
			continue
		}
		v.fail(x.Pos(), "%s argument of [%s] must be [%s], found value [%s] type [%s]", ordinal(n), v.text(x), t, v.name(e), te)
		return
	}
}

// ordinal is QL's StringUtils.ordinal: 1st, 2nd, 3rd, 4th, 11th...
func ordinal(i int) string {
	suffix := "th"
	switch {
	case i%100 >= 11 && i%100 <= 13:
	case i%10 == 1:
		suffix = "st"
	case i%10 == 2:
		suffix = "nd"
	case i%10 == 3:
		suffix = "rd"
	}
	return fmt.Sprint(i) + suffix
}

// match checks ':' (strings on both sides: InsensitiveBinaryComparison's
// resolveInputType, which adds the hint of the operator's regular form,
// regularOperatorSymbol "==", to either side's error), like and regex (a
// string field: QL's RegexMatch.resolveType).
func (v *verifier) match(x *Match) {
	t := v.typeOf(x.X)
	if x.Op != Seq {
		v.stringAndExact(x, x.X, t, v.text(x), "")
		return
	}
	if !v.is(x, x.X, t, qlType.isString, "string", ":", "first ") {
		v.errs[len(v.errs)-1].Msg += "; consider using [==] instead"
		return
	}
	if !v.exact(x, x.X, ":", "first ") {
		return
	}
	for _, p := range x.Patterns {
		if !v.is(x, p, v.typeOf(p), qlType.isString, "string", ":", "second ") {
			v.errs[len(v.errs)-1].Msg += "; consider using [==] instead"
			return
		}
	}
}

// condition checks a where clause: its expression, which must be
// boolean (the Verifier: "Condition expression needs to be boolean").
func (v *verifier) condition(x Expr) {
	t := v.typeOf(x)
	if t == tUnknown || t == tBoolean || t == tNull {
		return
	}
	v.fail(x.Pos(), "Condition expression needs to be boolean, found [%s]", strings.ToUpper(string(t)))
}

// keys checks that the keys of a sequence's stages have compatible types
// (the Verifier's "Sequence key [k] type [t] is incompatible with key
// [k0] type [t0]", with the mapping types), each stage's keys against
// the first stage's, at the offending key.
func (v *verifier) keys(by []Expr, stages []*Stage, until *Stage) {
	all := append([]*Stage{}, stages...)
	if until != nil {
		all = append(all, until)
	}
	type key struct {
		x  Expr
		es string
		qt qlType
	}
	keysOf := func(s *Stage) []key {
		var out []key
		for _, x := range append(append([]Expr{}, by...), s.By...) {
			k := key{x: x}
			if f, ok := x.(*Field); ok {
				if fd, ok := v.fields.Lookup(f.Name); ok {
					k.es, k.qt = fd.Type, fieldType(fd.Type)
				}
			}
			out = append(out, k)
		}
		return out
	}
	if len(all) == 0 {
		return
	}
	first := keysOf(all[0])
	for _, s := range all[1:] {
		for i, k := range keysOf(s) {
			if i >= len(first) || k.qt == tUnknown || first[i].qt == tUnknown || compatible(k.qt, first[i].qt) {
				continue
			}
			v.fail(k.x.Pos(), "Sequence key [%s] type [%s] is incompatible with key [%s] type [%s]", v.name(k.x), k.es, v.name(first[i].x), first[i].es)
		}
	}
}
