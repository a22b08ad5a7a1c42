package eval_test

import (
	"testing"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/mapping"
)

func call(fn string, args ...esdsl.ScriptExpr) *esdsl.ScriptCall {
	return &esdsl.ScriptCall{Func: fn, Args: args}
}

func p(v any) *esdsl.ScriptParam { return &esdsl.ScriptParam{Value: v} }

func field(name string) *esdsl.ScriptField { return &esdsl.ScriptField{Name: name} }

const (
	ql  = "InternalQlScriptUtils."
	eqS = "InternalEqlScriptUtils."
)

// TestScriptFunctions checks the native script utils against the Java
// methods Elasticsearch runs: the EQL function processors
// (x-pack/plugin/eql/src/main/java/org/elasticsearch/xpack/eql/expression/
// function/scalar/string/*FunctionProcessor.java and StringUtils.java) and
// QL's comparisons and arithmetic (x-pack/plugin/ql/.../predicate/
// operator/comparison/Comparisons.java, arithmetic/Arithmetics.java). Each
// case is the value of an expression over the event
// {"name": "explorer.exe", "pid": 42, "ratio": 0.5}; nil is Java's null.
func TestScriptFunctions(t *testing.T) {
	name, pid := field("name"), field("pid")
	tests := []struct {
		what string
		x    esdsl.ScriptExpr
		want any
	}{
		// StringUtils.between: the text between left and right; greedy
		// takes the last right; not found is ""; an empty input is kept.
		{"between", call(eqS+"between", name, p("x"), p("."), p(false), p(false)), "plorer"},
		{"between greedy", call(eqS+"between", p("a.b.c"), p("a"), p("."), p(true), p(false)), ".b"},
		{"between not found", call(eqS+"between", name, p("q"), p("."), p(false), p(false)), ""},
		{"between ci", call(eqS+"between", name, p("X"), p(".EXE"), p(false), p(true)), "plorer"},
		{"between empty left", call(eqS+"between", name, p(""), p("."), p(false), p(false)), "explorer.exe"},
		{"between null", call(eqS+"between", p(nil), p("a"), p("b"), p(false), p(false)), nil},
		// StringUtils.substringSlice: Python slices.
		{"substring", call(eqS+"substring", name, p(int64(1)), p(int64(3))), "xp"},
		{"substring negative", call(eqS+"substring", name, p(int64(-4)), p(nil)), ".exe"},
		{"substring negative end", call(eqS+"substring", name, p(int64(-4)), p(int64(-1))), ".ex"},
		{"substring past the end", call(eqS+"substring", name, p(int64(20)), p(nil)), ""},
		// IndexOfFunctionProcessor: String.indexOf from start, null when absent.
		{"indexOf", call(eqS+"indexOf", name, p("plore"), p(nil), p(false)), int64(2)},
		{"indexOf from", call(eqS+"indexOf", name, p("e"), p(int64(1)), p(false)), int64(6)},
		{"indexOf absent", call(eqS+"indexOf", name, p("z"), p(nil), p(false)), nil},
		{"indexOf ci", call(eqS+"indexOf", name, p("PLORE"), p(nil), p(true)), int64(2)},
		{"indexOf empty past the end", call(eqS+"indexOf", name, p(""), p(int64(100)), p(false)), int64(12)},
		// LengthFunctionProcessor: String.length, UTF-16 code units.
		{"length", call(eqS+"length", name), int64(12)},
		{"length utf-16", call(eqS+"length", p("𝄞")), int64(2)},
		// ToNumberFunctionProcessor.
		{"number", call(eqS+"number", p("17"), p(nil)), int64(17)},
		{"number decimal", call(eqS+"number", p("-1.5"), p(nil)), -1.5},
		{"number integral decimal is a long", call(eqS+"number", p("5.0"), p(nil)), int64(5)},
		{"number hex prefix", call(eqS+"number", p("0x32"), p(int64(16))), int64(50)},
		{"number hex detected", call(eqS+"number", p("0x32"), p(nil)), int64(50)},
		{"number base 13", call(eqS+"number", p("31"), p(int64(13))), int64(40)},
		{"number exponent refused", call(eqS+"number", p("1e5"), p(nil)), nil},
		// ToStringFunctionProcessor and ConcatFunctionProcessor: toString.
		{"string long", call(eqS+"string", pid), "42"},
		{"string double", call(eqS+"string", field("ratio")), "0.5"},
		{"string big double", call(eqS+"string", p(1e10)), "1.0E10"},
		{"string bool", call(eqS+"string", p(true)), "true"},
		{"concat", call(eqS+"concat", pid, p(":"), name), "42:explorer.exe"},
		{"concat null", call(eqS+"concat", name, p(nil)), nil},
		// starts/ends/contains with their ~ forms.
		{"startsWith", call(eqS+"startsWith", name, p("explorer."), p(false)), true},
		{"startsWith case", call(eqS+"startsWith", name, p("EXPLORER."), p(false)), false},
		{"startsWith ci", call(eqS+"startsWith", name, p("EXPLORER."), p(true)), true},
		{"endsWith", call(eqS+"endsWith", name, p(".exe"), p(false)), true},
		{"stringContains", call(eqS+"stringContains", name, p("lore"), p(false)), true},
		// CIDRMatchFunctionProcessor.
		{"cidrMatch", call(eqS+"cidrMatch", p("10.6.48.157"), p("10.0.0.0/8")), true},
		{"cidrMatch none", call(eqS+"cidrMatch", p("10.6.48.157"), p("192.168.0.0/16"), p("fe80::/10")), false},
		{"cidrMatch null", call(eqS+"cidrMatch", p(nil), p("10.0.0.0/8")), nil},
		// Comparisons: null with null; numbers across types; strings.
		{"eq long double", call(ql+"eq", pid, p(42.0)), true},
		{"eq null", call(ql+"eq", p(nil), p(nil)), nil},
		{"lt strings", call(ql+"lt", p("System"), p("System Idle Process")), true},
		{"gt mismatched types", call(ql+"gt", p("a"), p(int64(1))), nil},
		// Arithmetics: long division truncates, doubles stay doubles, an
		// overflow (Math.addExact) fails.
		{"div longs", call(ql+"div", pid, p(int64(4))), int64(10)},
		{"div double", call(ql+"div", p(66.0), pid), 66.0 / 42},
		{"mod", call(ql+"mod", p(int64(-7)), p(int64(3))), int64(-1)},
		{"add overflow", call(ql+"add", p(int64(1<<62)), p(int64(1<<62))), nil},
		{"neg", call(ql+"neg", pid), int64(-42)},
		// Logic over three values.
		{"and null false", call(ql+"and", p(nil), p(false)), false},
		{"or null false", call(ql+"or", p(nil), p(false)), nil},
		{"in with null", call(ql+"in", p("a"), p([]any{"b", nil})), nil},
		{"in", call(ql+"in", pid, p([]any{int64(1), int64(42)})), true},
		{"insensitiveIn is verbatim", call(eqS+"insensitiveIn", p("1x"), p([]any{"1*"})), false},
		{"seq wildcard", call(eqS+"seq", name, p("EXPL?RER*")), true},
		{"seq exact ci", call(eqS+"seq", name, p("EXPLORER.EXE")), true},
		{"regex", call(ql+"regex", name, p("exp.*\\.exe"), p(false)), true},
	}
	ev := decode(t, `{"name": "explorer.exe", "pid": 42, "ratio": 0.5}`)
	m := mapping.Mapping{"name": {Type: mapping.Keyword}, "pid": {Type: mapping.Long}, "ratio": {Type: mapping.Double}}
	for _, tt := range tests {
		// The value is tested through the script's filter: x == want
		// holds, or for null, isNull(x).
		var x esdsl.ScriptExpr = call(ql+"isNull", tt.x)
		if tt.want != nil {
			x = call(ql+"eq", tt.x, p(tt.want))
		}
		prog, err := eval.CompileQuery(&esdsl.ScriptQuery{Expr: x}, eval.WithMapping(m))
		if err != nil {
			t.Errorf("%s: %v", tt.what, err)
			continue
		}
		if !prog.Match(ev) {
			t.Errorf("%s: want %v (%T)", tt.what, tt.want, tt.want)
		}
	}
}

// TestScriptMultiValue checks MultiValueAwareScriptQuery
// (InternalEqlScriptUtils.multiValueDocValues): a script over one field
// holds when it holds for one of the field's values, or for null when the
// field has none.
func TestScriptMultiValue(t *testing.T) {
	m := mapping.Mapping{"tags": {Type: mapping.Keyword}}
	q := func(x esdsl.ScriptExpr) *eval.Program {
		prog, err := eval.CompileQuery(&esdsl.ScriptQuery{Expr: x, MultiValue: true}, eval.WithMapping(m))
		if err != nil {
			t.Fatal(err)
		}
		return prog
	}
	long := q(call(ql+"gt", call(eqS+"length", field("tags")), p(int64(3))))
	if !long.Match(decode(t, `{"tags": ["ab", "abcd"]}`)) {
		t.Errorf("length(tags) > 3 does not hold for one of the values")
	}
	if long.Match(decode(t, `{"tags": ["ab", "abc"]}`)) {
		t.Errorf("length(tags) > 3 holds for none of the values")
	}
	missing := q(call(ql+"isNull", call(eqS+"length", field("tags"))))
	if !missing.Match(decode(t, `{}`)) {
		t.Errorf("isNull(length(tags)) does not hold without tags")
	}
	if missing.Match(decode(t, `{"tags": "x"}`)) {
		t.Errorf("isNull(length(tags)) holds with tags")
	}
}

func TestScriptUnknownFunction(t *testing.T) {
	_, err := eval.CompileQuery(&esdsl.ScriptQuery{Expr: call("Nope.nope")})
	if err == nil {
		t.Errorf("an unknown script function compiles")
	}
}

// TestScriptConcurrent matches a script query from several goroutines
// (its evaluation frames are pooled): run it with -race.
func TestScriptConcurrent(t *testing.T) {
	m := mapping.Mapping{"name": {Type: mapping.Keyword}}
	prog, err := eval.CompileQuery(&esdsl.ScriptQuery{MultiValue: true, Expr: call(ql+"eq",
		call(eqS+"substring", field("name"), p(int64(0)), p(int64(3))), p("exp"))}, eval.WithMapping(m))
	if err != nil {
		t.Fatal(err)
	}
	yes, no := decode(t, `{"name": ["x", "explorer.exe"]}`), decode(t, `{"name": "cmd.exe"}`)
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func() {
			ok := true
			for i := 0; i < 200; i++ {
				ok = ok && prog.Match(yes) && !prog.Match(no)
			}
			done <- ok
		}()
	}
	for g := 0; g < 4; g++ {
		if !<-done {
			t.Errorf("a concurrent Match gave a wrong answer")
		}
	}
}
