package esdsl

import (
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/mapping"
)

// phraseScript is getPhraseScript (kbn-es-query filters/build_filters/
// phrase_filter.ts), the query of "field:value" on a scripted field.
func phraseScript(src ast.Node, f *mapping.Field, value any) (*Script, error) {
	v, err := convertedValue(src, f, value)
	if err != nil {
		return nil, err
	}
	source := "(" + f.Script + ") == value"
	if f.Lang == "painless" {
		source = `boolean compare(Supplier s, def v) {if(s.get() instanceof List){List list = s.get(); for(def k : list){if(k==v){return true;}}return false;}else{return s.get() == v;}}` +
			"compare(() -> { " + f.Script + " }, params.value);"
	}
	return &Script{Src: Src{src}, ScriptSource: source, Lang: f.Lang, Params: map[string]any{"value": v}}, nil
}

var rangeSymbols = map[string]string{"gt": ">", "gte": ">=", "lte": "<=", "lt": "<"}

var comparators = map[string]string{
	"gt":  "boolean gt(Supplier s, def v) {return s.get() > v}",
	"gte": "boolean gte(Supplier s, def v) {return s.get() >= v}",
	"lte": "boolean lte(Supplier s, def v) {return s.get() <= v}",
	"lt":  "boolean lt(Supplier s, def v) {return s.get() < v}",
}

var dateComparators = map[string]string{
	"gt":  "boolean gt(Supplier s, def v) {return s.get().toInstant().isAfter(Instant.parse(v))}",
	"gte": "boolean gte(Supplier s, def v) {return !s.get().toInstant().isBefore(Instant.parse(v))}",
	"lte": "boolean lte(Supplier s, def v) {return !s.get().toInstant().isAfter(Instant.parse(v))}",
	"lt":  "boolean lt(Supplier s, def v) {return s.get().toInstant().isBefore(Instant.parse(v))}",
}

// rangeScript is getRangeScript (filters/build_filters/range_filter.ts)
// for the one bound a KQL range has.
func rangeScript(src ast.Node, f *mapping.Field, op string, value any) (*Script, error) {
	if s, ok := value.(string); ok && f.Type == "number" {
		value = jsParseFloat(s)
	}
	source := "(" + f.Script + ")" + rangeSymbols[op] + op
	if f.Lang == "painless" {
		comp := comparators
		if f.Type == "date" {
			comp = dateComparators
		}
		source = comp[op] + op + "(() -> { " + f.Script + " }, params." + op + ")"
	}
	return &Script{Src: Src{src}, ScriptSource: source, Lang: f.Lang, Params: map[string]any{op: value}, LangLast: true}, nil
}

// convertedValue is getConvertedValueForField: "true"/"false" for boolean
// fields, Number(value) for number fields.
func convertedValue(src ast.Node, f *mapping.Field, value any) (any, error) {
	if _, isBool := value.(bool); !isBool && f.Type == "boolean" {
		switch value {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, &Error{Pos: src.Pos(), Msg: fmt.Sprintf("%s is not a valid boolean value for boolean field %s", jsString(value), f.Name)}
	}
	if f.Type == "number" {
		switch v := value.(type) {
		case string:
			return jsNumber(v), nil
		case bool:
			if v {
				return json.Number("1"), nil
			}
			return json.Number("0"), nil
		case nil:
			return json.Number("0"), nil
		}
	}
	return value, nil
}

func jsString(v any) string {
	switch v := v.(type) {
	case nil:
		return "null"
	case string:
		return v
	}
	return fmt.Sprint(v)
}

// jsNumber is JavaScript's Number(s) as JSON: null for NaN.
func jsNumber(s string) any {
	s = strings.TrimSpace(s)
	if s == "" {
		return json.Number("0")
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || strings.ContainsAny(s, "_xXoObBpP") && !strings.HasPrefix(s, "0x") {
		return nil
	}
	return jsFormat(f)
}

// jsParseFloat is JavaScript's parseFloat(s): the longest leading number.
func jsParseFloat(s string) any {
	s = strings.TrimLeft(s, " \t\n\r")
	for end := len(s); end > 0; end-- {
		if f, err := strconv.ParseFloat(s[:end], 64); err == nil && !strings.ContainsAny(s[:end], "_xXpP") {
			return jsFormat(f)
		}
	}
	return nil
}

// jsFormat writes f as JSON.stringify does: integers without exponent
// below 1e21, Infinity and NaN as null.
func jsFormat(f float64) any {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		return nil
	}
	a := math.Abs(f)
	if a != 0 && (a < 1e-6 || a >= 1e21) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		s = strings.Replace(s, "e+0", "e+", 1)
		s = strings.Replace(s, "e-0", "e-", 1)
		return json.Number(s)
	}
	return json.Number(strconv.FormatFloat(f, 'f', -1, 64))
}
