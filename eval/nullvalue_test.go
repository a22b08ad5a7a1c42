package eval

import (
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/mapping"
)

// TestNullValue: a mapping's null_value is indexed in place of an explicit
// null, alone or in an array (elasticsearch server/.../index/mapper/
// KeywordFieldMapper.java parseCreateField: "if (value == null) value =
// fieldType().nullValue"; NumberFieldMapper.parseCreateField: "if (value
// == null) value = nullValue"; IpFieldMapper, BooleanFieldMapper and
// DateFieldMapper alike), so f:* and f:<null_value> match it. A
// missing field, or an empty array, holds no null and stays missing
// (docs: "An empty array does not contain an explicit null, and so won't
// be replaced with the null_value"). Without null_value a null indexes
// nothing.
func TestNullValue(t *testing.T) {
	m, err := mapping.ReadMapping(strings.NewReader(`{"idx": {"mappings": {"properties": {
		"k": {"type": "keyword", "null_value": "NULL"},
		"n": {"type": "long", "null_value": -1},
		"d": {"type": "double", "null_value": 0.5},
		"ip": {"type": "ip", "null_value": "10.0.0.1"},
		"b": {"type": "boolean", "null_value": true},
		"t": {"type": "date", "null_value": "2021-03-04"},
		"tn": {"type": "date_nanos", "null_value": "2021-03-04T05:06:07.123456789Z"},
		"plain": {"type": "keyword"}
	}}}}`))
	if err != nil {
		t.Fatal(err)
	}
	cases := []fidelityCase{
		{"keyword null", `k:*`, `{"k": null}`, true},
		{"keyword null value", `k:NULL`, `{"k": null}`, true},
		{"keyword null pattern", `k:NU*`, `{"k": null}`, true},
		{"keyword null other", `k:other`, `{"k": null}`, false},
		{"keyword null in array", `k:NULL`, `{"k": ["a", null]}`, true},
		{"keyword null negated", `not k:NULL`, `{"k": null}`, false},
		{"keyword range", `k >= N`, `{"k": null}`, true},
		{"keyword missing", `k:*`, `{}`, false},
		{"keyword empty array", `k:*`, `{"k": []}`, false},
		{"keyword nested map null", `k:NULL`, `{"x": 1, "k": null}`, true},
		{"long null", `n:*`, `{"n": null}`, true},
		{"long null value", `n:-1`, `{"n": null}`, true},
		{"long null range", `n < 0`, `{"n": null}`, true},
		{"long null range out", `n >= 0`, `{"n": null}`, false},
		{"double null value", `d:0.5`, `{"d": null}`, true},
		{"double null range", `d >= 0.5 and d < 1`, `{"d": null}`, true},
		{"ip null value", `ip:10.0.0.0/8`, `{"ip": null}`, true},
		{"ip null range", `ip >= 10.0.0.1`, `{"ip": null}`, true},
		{"ip null other", `ip:10.0.0.2`, `{"ip": null}`, false},
		{"boolean null value", `b:true`, `{"b": null}`, true},
		{"boolean null range", `b > false`, `{"b": null}`, true},
		{"boolean null false", `b:false`, `{"b": null}`, false},
		{"date null value", `t:2021-03-04`, `{"t": null}`, true},
		{"date null range", `t < 2021-03-04`, `{"t": null}`, false},
		{"date_nanos null value", `tn >= "2021-03-04T05:06:07.123456789Z"`, `{"tn": null}`, true},
		{"date_nanos null range", `tn > "2021-03-04T05:06:07.123456789Z"`, `{"tn": null}`, false},
		{"date exists", `t:*`, `{"t": [null]}`, true},
		{"no null_value", `plain:*`, `{"plain": null}`, false},
		{"no null_value negated", `not plain:*`, `{"plain": null}`, true},
	}
	runFidelity(t, m, cases)
}

// TestNullValueExplain: Explain sees the null_value Match sees.
func TestNullValueExplain(t *testing.T) {
	p := compileT(t, `k:NULL`, WithMapping(mapping.Mapping{"k": {Type: mapping.Keyword, NullValue: "NULL"}}))
	ev := Map{"k": nil}
	if tr := p.Explain(ev); !tr.Held || !p.Match(ev) {
		t.Errorf("Explain %v, Match %v", tr, p.Match(ev))
	}
}

// TestNullValueAllocs: the null_value is passed as it is stored, so
// matching a null allocates nothing, with or without a null_value.
func TestNullValueAllocs(t *testing.T) {
	m := mapping.Mapping{"k": {Type: mapping.Keyword, NullValue: "NULL"}, "n": {Type: mapping.Long, NullValue: float64(-1)}, "plain": {Type: mapping.Keyword}}
	p := compileT(t, `k:NULL and n < 0 and not plain:x`, WithMapping(m))
	ev := Map{"k": nil, "n": []any{nil}, "plain": nil}
	if !p.Match(ev) {
		t.Fatal("no match")
	}
	if n := testing.AllocsPerRun(100, func() { p.Match(ev) }); n != 0 {
		t.Errorf("%v allocations", n)
	}
}
