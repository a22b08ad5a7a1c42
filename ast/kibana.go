package ast

// KibanaTree returns the tree Kibana's KQL parser builds for x, in a JSON
// form with one node per object, ready for encoding/json:
//
//	{"is":[F,V]}  {"range":[F,"gt"|"gte"|"lt"|"lte",V]}  {"nested":[P,X]}
//	{"and":[...]} {"or":[...]}                           {"not":X}
//
// F, V and P are a JSON string for an unquoted literal, {"q":"..."} for a
// quoted one, true, false or null for the typed literals, and
// {"w":["seg0","seg1",...]} for a wildcard, whose literal pieces are joined
// by '*'. Free text has the field null. As in Kibana, a value list is
// distributed over its field ("f:(a or b)" is {"or":[{"is":["f","a"]},
// {"is":["f","b"]}]}), and only a chain of one operator written at one
// level is one and/or node: parenthesised groups keep their own node.
func KibanaTree(x Expr) any {
	switch x := x.(type) {
	case *AndExpr:
		return map[string]any{"and": kibanaExprs(x.Args)}
	case *OrExpr:
		return map[string]any{"or": kibanaExprs(x.Args)}
	case *NotExpr:
		return map[string]any{"not": KibanaTree(x.X)}
	case *MatchExpr:
		return kibanaValue(KibanaLiteral(x.Field), x.Value)
	case *RangeExpr:
		return map[string]any{"range": []any{KibanaLiteral(x.Field), x.Op.Name(), KibanaLiteral(x.Value)}}
	case *NestedExpr:
		return map[string]any{"nested": []any{KibanaLiteral(x.Path), KibanaTree(x.X)}}
	case *TextExpr:
		return map[string]any{"is": []any{nil, KibanaLiteral(x.Value)}}
	}
	return nil
}

func kibanaExprs(xs []Expr) []any {
	out := make([]any, len(xs))
	for i, a := range xs {
		out[i] = KibanaTree(a)
	}
	return out
}

func kibanaValue(field any, v Value) any {
	switch v := v.(type) {
	case *Literal:
		return map[string]any{"is": []any{field, KibanaLiteral(v)}}
	case *AndValue:
		return map[string]any{"and": kibanaValues(field, v.Args)}
	case *OrValue:
		return map[string]any{"or": kibanaValues(field, v.Args)}
	case *NotValue:
		return map[string]any{"not": kibanaValue(field, v.X)}
	}
	return nil
}

func kibanaValues(field any, vs []Value) []any {
	out := make([]any, len(vs))
	for i, a := range vs {
		out[i] = kibanaValue(field, a)
	}
	return out
}

// KibanaLiteral returns the JSON form of one literal as [KibanaTree] writes
// it: a string, {"q":"..."}, true, false, null or {"w":[...]}.
func KibanaLiteral(l *Literal) any {
	switch l.Kind {
	case Bool:
		return l.Bool
	case Null:
		return nil
	case Wildcard:
		return map[string]any{"w": append([]string(nil), l.Parts...)}
	}
	if l.Quoted {
		return map[string]any{"q": l.Text}
	}
	return l.Text
}
