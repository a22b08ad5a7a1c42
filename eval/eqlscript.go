package eval

import (
	"fmt"
	"math"
	"net/netip"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"unicode/utf16"

	"github.com/kqlrules/kqlrules/mapping"

	"github.com/kqlrules/kqlrules/cidr"
	"github.com/kqlrules/kqlrules/esdsl"
)

// Script queries are evaluated natively, with the semantics of the Java
// methods they call: InternalQlScriptUtils (QL's comparisons, arithmetic,
// logic, null checks, in, regex) and InternalEqlScriptUtils with the EQL
// function processors (between, cidrMatch, concat, endsWith, indexOf,
// length, number, startsWith, string, stringContains, substring, seq).
// Values are those of doc values: nil, bool, int64, float64, string.
// A call with a null argument returns null where the Java method does,
// and the script matches only when it returns true. Where the Java method
// throws (an integer overflow, a division by zero, a number that does not
// parse), Elasticsearch fails the shard; here the script returns null and
// the event does not match.

// sexpr is a compiled script expression, evaluated in a frame that holds
// the field values and a stack for the arguments of calls.
type sexpr interface {
	eval(f *frame) any
}

type sfield int // index into the field values

func (x sfield) eval(f *frame) any { return f.vals[x] }

type sconst struct{ v any }

func (c sconst) eval(*frame) any { return c.v }

type scall struct {
	fn   func(args []any) any
	args []sexpr
}

func (c *scall) eval(f *frame) any {
	base := len(f.stack)
	for _, a := range c.args {
		v := a.eval(f)
		f.stack = append(f.stack, v)
	}
	r := c.fn(f.stack[base:])
	clear(f.stack[base:])
	f.stack = f.stack[:base]
	return r
}

// frame is the state of one evaluation of a script: pooled, so that a
// script over numbers and the text of fields allocates nothing.
type frame struct {
	vals  []any
	stack []any
	n     *scriptNode
	seen  *[]any
	// multi-value visit
	held, some bool
	// first doc value visit
	first any
	f     *field
	mode  uint8 // visitMulti or visitFirst
}

const (
	visitMulti uint8 = iota
	visitFirst
)

var frames = sync.Pool{New: func() any { return &frame{stack: make([]any, 0, 16)} }}

// Visit receives each value of the field being read: a doc value for
// the multi-value evaluation, or a candidate for the first doc value.
func (f *frame) Visit(x any) bool {
	v, ok := docValue(&f.f.fm, x)
	if !ok {
		return false
	}
	if f.mode == visitFirst {
		if f.first == nil || scriptCompare(v, f.first) < 0 {
			f.first = v
		}
		return false
	}
	f.some = true
	if f.seen != nil {
		*f.seen = append(*f.seen, v)
	}
	f.vals[0] = v
	if f.n.expr.eval(f) == true {
		f.held = true
		return f.seen == nil
	}
	return false
}

func (f *frame) nullValue() any { return f.f.fm.nullValue() }

// scriptNode is a compiled script query.
type scriptNode struct {
	expr   sexpr
	fields []*field
	multi  bool // MultiValueAwareScriptQuery over fields[0]
	label  nodeLabel
}

func (c *compiler) scriptQuery(q *esdsl.ScriptQuery) node {
	n := &scriptNode{multi: q.MultiValue, label: queryLabel(q, "")}
	index := map[string]int{}
	var build func(x esdsl.ScriptExpr) sexpr
	build = func(x esdsl.ScriptExpr) sexpr {
		switch x := x.(type) {
		case *esdsl.ScriptField:
			i, ok := index[x.Name]
			if !ok {
				i = len(n.fields)
				index[x.Name] = i
				n.fields = append(n.fields, c.fieldOf(x.Name))
			}
			return sfield(i)
		case *esdsl.ScriptParam:
			return sconst{normalize(x.Value)}
		case *esdsl.ScriptCall:
			call := &scall{}
			for _, a := range x.Args {
				call.args = append(call.args, build(a))
			}
			fn, err := scriptFunc(x.Func, call.args)
			if err != nil {
				c.errorOf(q, "", err)
				fn = func([]any) any { return nil }
			}
			call.fn = fn
			return call
		}
		c.errorAt(q, "", "unknown script expression %T", x)
		return sconst{}
	}
	n.expr = build(q.Expr)
	if len(n.fields) != 1 {
		n.multi = false
	}
	return n
}

// normalize turns parameters into script values.
func normalize(v any) any {
	switch v := v.(type) {
	case int:
		return int64(v)
	case float32:
		return float64(v)
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = normalize(x)
		}
		return out
	}
	return v
}

func (n *scriptNode) match(e Event) bool {
	return n.run(e, nil)
}

func (n *scriptNode) run(e Event, seen *[]any) bool {
	f := frames.Get().(*frame)
	defer func() {
		clear(f.vals)
		f.vals, f.stack, f.n, f.seen, f.first, f.f = f.vals[:0], f.stack[:0], nil, nil, nil, nil
		frames.Put(f)
	}()
	f.n, f.seen = n, seen
	for range n.fields {
		f.vals = append(f.vals, nil)
	}
	if n.multi {
		fl := n.fields[0]
		f.f, f.mode, f.held, f.some = fl, visitMulti, false, false
		e.Values(fl.path, f)
		if fl.source != nil && !(f.held && seen == nil) {
			e.Values(fl.source, f)
		}
		if f.held {
			return true
		}
		if f.some {
			return false
		}
		f.vals[0] = nil
		return n.expr.eval(f) == true
	}
	for i, fl := range n.fields {
		f.f, f.mode, f.first = fl, visitFirst, nil
		e.Values(fl.path, f)
		if fl.source != nil {
			e.Values(fl.source, f)
		}
		f.vals[i] = f.first
		if seen != nil {
			*seen = append(*seen, f.first)
		}
	}
	return n.expr.eval(f) == true
}

func (n *scriptNode) explain(e Event) *Trace {
	var seen []any
	held := n.run(e, &seen)
	return &Trace{Query: n.label.String(), Held: held, Values: seen}
}

// scriptCompare orders doc values of one field.
func scriptCompare(a, b any) int {
	if c, ok := compareValues(a, b); ok {
		return c
	}
	return 0
}

// docValue is the doc value Elasticsearch keeps for an event value in a
// field of the mapping fm: the keyword text (none beyond ignore_above),
// a long, a double (a float's float32 value), a boolean, an address in
// canonical form, a date as epoch milliseconds. A field the mapping does
// not know keeps the JSON value (integral numbers as longs).
func docValue(fm *fieldMapping, x any) (any, bool) {
	switch familyOf(fm.Type) {
	case famKeyword:
		if s, ok := x.(string); ok { // x is already boxed: no allocation
			if fm.tooLong(s) {
				return nil, false
			}
			return x, true
		}
		s, ok := KeywordText(x)
		if !ok || fm.tooLong(s) {
			return nil, false
		}
		return s, true
	case famText, famOther:
		return nil, false
	case famInt:
		f, ok := toNumber(x, true)
		if !ok {
			return nil, false
		}
		return int64(f), true
	case famFloat:
		f, ok := toNumber(x, false)
		if !ok {
			return nil, false
		}
		if fm.Type == mapping.Float || fm.Type == mapping.HalfFloat {
			f = float64(float32(f))
		}
		return f, true
	case famBool:
		b, ok := toBool(x)
		return b, ok
	case famIP:
		a, ok := toAddr(x)
		if !ok {
			return nil, false
		}
		return a.Unmap().String(), true
	case famDate:
		ms, _, ok := toInstant(x)
		return ms, ok
	}
	switch v := x.(type) {
	case string, bool:
		return v, true
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<63 {
			return int64(v), true
		}
		return v, true
	case int:
		return int64(v), true
	case int64:
		return v, true
	}
	if s, ok := KeywordText(x); ok {
		if f, err := strconv.ParseInt(s, 10, 64); err == nil {
			return f, true
		}
		if f, err := strconv.ParseFloat(s, 64); err == nil {
			return f, true
		}
		return s, true
	}
	return nil, false
}

// compareValues is QL's Comparisons.compare: numbers as numbers, strings
// (Java's String.compareTo: UTF-16 code units), booleans; anything else
// is not comparable.
func compareValues(a, b any) (int, bool) {
	switch x := a.(type) {
	case int64:
		switch y := b.(type) {
		case int64:
			return cmpOrdered(x, y), true
		case float64:
			return cmpFloat(float64(x), y), true
		}
	case float64:
		switch y := b.(type) {
		case int64:
			return cmpFloat(x, float64(y)), true
		case float64:
			return cmpFloat(x, y), true
		}
	case string:
		if y, ok := b.(string); ok {
			return compareUTF16(x, y), true
		}
	case bool:
		if y, ok := b.(bool); ok {
			switch {
			case x == y:
				return 0, true
			case !x:
				return -1, true
			}
			return 1, true
		}
	}
	return 0, false
}

func cmpOrdered[T int64 | string](a, b T) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// cmpFloat is Double.compare.
func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	case a == b:
		return 0
	case math.IsNaN(a) && math.IsNaN(b):
		return 0
	case math.IsNaN(a):
		return 1
	}
	return -1
}

func compareUTF16(a, b string) int {
	if isASCIIText(a) && isASCIIText(b) {
		return cmpOrdered(a, b)
	}
	x, y := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(x) && i < len(y); i++ {
		if x[i] != y[i] {
			return int(x[i]) - int(y[i])
		}
	}
	return len(x) - len(y)
}

func isASCIIText(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// javaString is Object.toString for a script value: a long in decimal,
// a double as Double.toString writes it, a boolean as true or false.
func javaString(v any) (string, bool) {
	switch v := v.(type) {
	case string:
		return v, true
	case int64:
		return strconv.FormatInt(v, 10), true
	case float64:
		return javaDouble(v), true
	case bool:
		return strconv.FormatBool(v), true
	}
	return "", false
}

// javaDouble is Double.toString: at least one digit after the point,
// scientific notation ("1.0E10") outside [1e-3, 1e7).
func javaDouble(f float64) string {
	switch {
	case math.IsNaN(f):
		return "NaN"
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	case f == 0:
		if math.Signbit(f) {
			return "-0.0"
		}
		return "0.0"
	}
	if a := math.Abs(f); a >= 1e-3 && a < 1e7 {
		s := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s
	}
	s := strconv.FormatFloat(f, 'E', -1, 64)
	mant, exp, _ := strings.Cut(s, "E")
	if !strings.Contains(mant, ".") {
		mant += ".0"
	}
	exp = strings.TrimPrefix(exp, "+")
	return mant + "E" + exp
}

// javaLength is String.length: UTF-16 code units.
func javaLength(s string) int {
	n := 0
	for _, r := range s {
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return n
}

// utf16Index converts a UTF-16 index of s to a byte index, clamped.
func utf16Index(s string, i int) int {
	if i <= 0 {
		return 0
	}
	n := 0
	for b, r := range s {
		if n >= i {
			return b
		}
		n++
		if r > 0xFFFF {
			n++
		}
	}
	return len(s)
}

func toInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case float64:
		return int64(v), true
	}
	return 0, false
}

// scriptFunc returns the native implementation of one script utils
// method. Constant regex patterns are compiled once, here.
func scriptFunc(name string, args []sexpr) (func([]any) any, error) {
	if name == "InternalQlScriptUtils.regex" {
		return regexFunc(args)
	}
	if name == "InternalEqlScriptUtils.seq" || name == "InternalEqlScriptUtils.sneq" {
		neg := name == "InternalEqlScriptUtils.sneq"
		eq := insensitiveEquals
		if p, ok := args[1].(sconst); ok {
			if ps, ok := p.v.(string); ok && strings.ContainsAny(ps, "*?") {
				re := wildcardRegexp(ps, true)
				eq = func(l, _ any) any {
					s, ok := l.(string)
					if !ok {
						return nil
					}
					return re.MatchString(s)
				}
			}
		}
		return func(a []any) any {
			r := eq(a[0], a[1])
			if r == nil || !neg {
				return r
			}
			return !r.(bool)
		}, nil
	}
	fn, ok := scriptFuncs[name]
	if !ok {
		return nil, fmt.Errorf("script function %s is %w", name, ErrUnsupported)
	}
	return fn, nil
}

func regexFunc(args []sexpr) (func([]any) any, error) {
	if len(args) < 2 {
		return nil, fmt.Errorf("InternalQlScriptUtils.regex: want a value and a pattern")
	}
	p, ok := args[1].(sconst)
	pat, isStr := p.v.(string)
	if !ok || !isStr {
		return nil, fmt.Errorf("InternalQlScriptUtils.regex: the pattern must be a constant string")
	}
	ci := false
	if len(args) > 2 {
		if c, ok := args[2].(sconst); ok {
			ci, _ = c.v.(bool)
		}
	}
	flags := ""
	if ci {
		flags = "(?i)"
	}
	re, err := regexp.Compile(flags + "^(?:" + pat + ")$")
	if err != nil {
		return nil, fmt.Errorf("regex %q: %v", pat, err)
	}
	return func(a []any) any {
		s, ok := a[0].(string)
		if !ok {
			return nil
		}
		return re.MatchString(s)
	}, nil
}

// insensitiveEquals is InsensitiveBinaryComparisonProcessor for ':'
// without wildcards (String.equalsIgnoreCase).
func insensitiveEquals(l, r any) any {
	ls, ok1 := l.(string)
	rs, ok2 := r.(string)
	if !ok1 || !ok2 {
		return nil
	}
	return strings.EqualFold(ls, rs)
}

// WildcardRegexp compiles an EQL wildcard pattern ('*' any run, '?' one
// character, everything else literal) to an anchored regexp.
func wildcardRegexp(p string, ci bool) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("^(?s")
	if ci {
		b.WriteString("i")
	}
	b.WriteString(":")
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(")$")
	return regexp.MustCompile(b.String())
}

func stringArgs(a []any, n int) ([]string, bool) {
	out := make([]string, n)
	for i := 0; i < n; i++ {
		s, ok := a[i].(string)
		if !ok {
			return nil, false
		}
		out[i] = s
	}
	return out, true
}

func boolArg(a []any, i int, def bool) bool {
	if i < len(a) {
		if b, ok := a[i].(bool); ok {
			return b
		}
	}
	return def
}

func comparison(test func(int) bool) func([]any) any {
	return func(a []any) any {
		c, ok := compareValues(a[0], a[1])
		if !ok {
			return nil
		}
		return test(c)
	}
}

// arithmetic is QL's Arithmetics: doubles when one operand is a double,
// else longs with Math.*Exact (an overflow fails: null here).
func arithmetic(ints func(a, b int64) (int64, bool), floats func(a, b float64) float64) func([]any) any {
	return func(a []any) any {
		x, y := a[0], a[1]
		xi, xInt := x.(int64)
		yi, yInt := y.(int64)
		if xInt && yInt {
			r, ok := ints(xi, yi)
			if !ok {
				return nil
			}
			return r
		}
		xf, ok1 := toFloat(x)
		yf, ok2 := toFloat(y)
		if !ok1 || !ok2 {
			return nil
		}
		return floats(xf, yf)
	}
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	}
	return 0, false
}

var scriptFuncs = map[string]func([]any) any{
	"InternalQlScriptUtils.eq":  comparison(func(c int) bool { return c == 0 }),
	"InternalQlScriptUtils.neq": comparison(func(c int) bool { return c != 0 }),
	"InternalQlScriptUtils.lt":  comparison(func(c int) bool { return c < 0 }),
	"InternalQlScriptUtils.lte": comparison(func(c int) bool { return c <= 0 }),
	"InternalQlScriptUtils.gt":  comparison(func(c int) bool { return c > 0 }),
	"InternalQlScriptUtils.gte": comparison(func(c int) bool { return c >= 0 }),
	"InternalQlScriptUtils.and": func(a []any) any {
		l, r := a[0], a[1]
		if l == false || r == false {
			return false
		}
		if l == nil || r == nil {
			return nil
		}
		return true
	},
	"InternalQlScriptUtils.or": func(a []any) any {
		l, r := a[0], a[1]
		if l == true || r == true {
			return true
		}
		if l == nil || r == nil {
			return nil
		}
		return false
	},
	"InternalQlScriptUtils.not": func(a []any) any {
		if b, ok := a[0].(bool); ok {
			return !b
		}
		return nil
	},
	"InternalQlScriptUtils.isNull":    func(a []any) any { return a[0] == nil },
	"InternalQlScriptUtils.isNotNull": func(a []any) any { return a[0] != nil },
	// in: InProcessor.apply: null when the value is null or, without a
	// match, when the list holds a null.
	"InternalQlScriptUtils.in": func(a []any) any {
		if a[0] == nil {
			return nil
		}
		list, _ := a[1].([]any)
		sawNull := false
		for _, x := range list {
			if x == nil {
				sawNull = true
				continue
			}
			if c, ok := compareValues(a[0], x); ok && c == 0 {
				return true
			}
		}
		if sawNull {
			return nil
		}
		return false
	},
	"InternalEqlScriptUtils.insensitiveIn": func(a []any) any {
		if a[0] == nil {
			return nil
		}
		list, _ := a[1].([]any)
		for _, x := range list {
			if r := insensitiveEquals(a[0], x); r == true {
				return true
			}
		}
		return false
	},
	"InternalQlScriptUtils.neg": func(a []any) any {
		switch v := a[0].(type) {
		case int64:
			if v == math.MinInt64 {
				return nil
			}
			return -v
		case float64:
			return -v
		}
		return nil
	},
	"InternalQlScriptUtils.add": arithmetic(func(a, b int64) (int64, bool) {
		r := a + b
		return r, (a >= 0) != (b >= 0) || (r >= 0) == (a >= 0)
	}, func(a, b float64) float64 { return a + b }),
	"InternalQlScriptUtils.sub": arithmetic(func(a, b int64) (int64, bool) {
		r := a - b
		return r, (a >= 0) == (b >= 0) || (r >= 0) == (a >= 0)
	}, func(a, b float64) float64 { return a - b }),
	"InternalQlScriptUtils.mul": arithmetic(func(a, b int64) (int64, bool) {
		if a == 0 || b == 0 {
			return 0, true
		}
		r := a * b
		return r, r/b == a && !(a == -1 && b == math.MinInt64) && !(b == -1 && a == math.MinInt64)
	}, func(a, b float64) float64 { return a * b }),
	"InternalQlScriptUtils.div": arithmetic(func(a, b int64) (int64, bool) {
		if b == 0 {
			return 0, false
		}
		return a / b, true
	}, func(a, b float64) float64 { return a / b }),
	"InternalQlScriptUtils.mod": arithmetic(func(a, b int64) (int64, bool) {
		if b == 0 {
			return 0, false
		}
		return a % b, true
	}, math.Mod),
	// between: BetweenFunctionProcessor and EQL's StringUtils.between.
	"InternalEqlScriptUtils.between": func(a []any) any {
		if a[0] == nil || a[1] == nil || a[2] == nil {
			return nil
		}
		s, ok := stringArgs(a, 3)
		if !ok {
			return nil
		}
		return between(s[0], s[1], s[2], boolArg(a, 3, false), boolArg(a, 4, false))
	},
	// cidrMatch(value, cidr...)
	"InternalEqlScriptUtils.cidrMatch": func(a []any) any {
		s, ok := a[0].(string)
		if !ok {
			return nil
		}
		addr, err := netip.ParseAddr(s)
		if err != nil {
			return nil
		}
		addr = addr.Unmap()
		for _, x := range a[1:] {
			c, _ := x.(string)
			p, err := cidr.ParsePrefix(c)
			if err == nil && p.Contains(addr) {
				return true
			}
		}
		return false
	},
	// concat(value...): null when one is null.
	"InternalEqlScriptUtils.concat": func(a []any) any {
		var b strings.Builder
		for _, x := range a {
			s, ok := javaString(x)
			if !ok {
				return nil
			}
			b.WriteString(s)
		}
		return b.String()
	},
	"InternalEqlScriptUtils.endsWith": func(a []any) any {
		s, ok := stringArgs(a, 2)
		if !ok {
			return nil
		}
		if boolArg(a, 2, false) {
			return lowered(s[0], s[1], strings.HasSuffix)
		}
		return strings.HasSuffix(s[0], s[1])
	},
	"InternalEqlScriptUtils.startsWith": func(a []any) any {
		s, ok := stringArgs(a, 2)
		if !ok {
			return nil
		}
		if boolArg(a, 2, false) {
			return lowered(s[0], s[1], strings.HasPrefix)
		}
		return strings.HasPrefix(s[0], s[1])
	},
	"InternalEqlScriptUtils.stringContains": func(a []any) any {
		s, ok := stringArgs(a, 2)
		if !ok {
			return nil
		}
		if boolArg(a, 2, false) {
			return lowered(s[0], s[1], strings.Contains)
		}
		return strings.Contains(s[0], s[1])
	},
	// indexOf: IndexOfFunctionProcessor, String.indexOf from start; null
	// when not found.
	"InternalEqlScriptUtils.indexOf": func(a []any) any {
		s, ok := stringArgs(a, 2)
		if !ok {
			return nil
		}
		start := int64(0)
		if len(a) > 2 && a[2] != nil {
			if start, ok = toInt(a[2]); !ok {
				return nil
			}
		}
		str, sub := s[0], s[1]
		if boolArg(a, 3, false) {
			str, sub = strings.ToLower(str), strings.ToLower(sub)
		}
		if start < 0 {
			start = 0
		}
		if n := int64(javaLength(str)); start > n {
			if sub == "" { // String.indexOf("", from) is the length
				return n
			}
			return nil
		}
		b := utf16Index(str, int(start))
		i := strings.Index(str[b:], sub)
		if i < 0 {
			return nil
		}
		return int64(javaLength(str[:b+i]))
	},
	"InternalEqlScriptUtils.length": func(a []any) any {
		s, ok := a[0].(string)
		if !ok {
			return nil
		}
		return int64(javaLength(s))
	},
	"InternalEqlScriptUtils.number": func(a []any) any {
		s, ok := a[0].(string)
		if !ok {
			return nil
		}
		base := int64(10)
		if strings.HasPrefix(s, "0x") {
			base = 16
		}
		if len(a) > 1 && a[1] != nil {
			if base, ok = a[1].(int64); !ok {
				return nil
			}
		}
		return parseEQLNumber(s, int(base))
	},
	"InternalEqlScriptUtils.string": func(a []any) any {
		s, ok := javaString(a[0])
		if !ok {
			return nil
		}
		return s
	},
	"InternalEqlScriptUtils.substring": func(a []any) any {
		s, ok := a[0].(string)
		if !ok {
			return nil
		}
		start, ok := toInt(a[1])
		if !ok {
			return nil
		}
		end := int64(math.MaxInt32)
		hasEnd := len(a) > 2 && a[2] != nil
		if hasEnd {
			if end, ok = toInt(a[2]); !ok {
				return nil
			}
		}
		return substringSlice(s, start, end, hasEnd)
	},
}

// between is EQL's StringUtils.between.
func between(s, left, right string, greedy, ci bool) string {
	if s == "" || left == "" || right == "" {
		return s
	}
	m := s
	if ci {
		m, left, right = strings.ToLower(m), strings.ToLower(left), strings.ToLower(right)
	}
	start := strings.Index(m, left)
	if start < 0 {
		return ""
	}
	from := start + len(left)
	var end int
	if greedy {
		end = strings.LastIndex(m, right)
	} else if i := strings.Index(m[from:], right); i >= 0 {
		end = from + i
	} else {
		end = -1
	}
	if end < from {
		return ""
	}
	return s[from:end]
}

// substringSlice is EQL's StringUtils.substringSlice: Python's slice
// s[start:end], negative indexes counted from the end.
func substringSlice(s string, start, end int64, hasEnd bool) string {
	n := int64(javaLength(s))
	if !hasEnd {
		end = n
	}
	if start < 0 {
		start = max(n+start, 0)
	}
	if end < 0 {
		end = max(n+end, 0)
	}
	start, end = min(start, n), min(end, n)
	if start >= end {
		return ""
	}
	return s[utf16Index(s, int(start)):utf16Index(s, int(end))]
}

// parseEQLNumber is ToNumberFunctionProcessor: base 10 is a DecimalFormat
// parse of the whole text (an optional '-', digits with an optional
// fraction, no exponent, no grouping): a long when the value is
// integral, else a double; another base is Integer.parseInt, after a
// "0x" prefix for base 16. Text that does not parse is an error in
// Elasticsearch (null here).
func parseEQLNumber(s string, base int) any {
	if base == 10 {
		if !decimalText.MatchString(s) {
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return nil
		}
		if f == math.Trunc(f) && math.Abs(f) < 1<<63 && !(f == 0 && math.Signbit(f)) {
			return int64(f)
		}
		return f
	}
	if base == 16 {
		s = strings.TrimPrefix(s, "0x")
	}
	if base < 2 || base > 36 {
		return nil
	}
	n, err := strconv.ParseInt(s, base, 32)
	if err != nil {
		return nil
	}
	return n
}

var decimalText = regexp.MustCompile(`^-?(\d+\.?\d*|\.\d+)$`)

// lowered applies test to the lowercase forms of a and b (Java's
// toLowerCase(Locale.ROOT) on both), without allocating for ASCII text.
func lowered(a, b string, test func(a, b string) bool) bool {
	la, ba := lowerNoAlloc(a)
	lb, bb := lowerNoAlloc(b)
	r := test(la, lb)
	releaseLower(ba)
	releaseLower(bb)
	return r
}
