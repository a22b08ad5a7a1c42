package eval

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
)

// value is one value a query tests a field with, made once: from the KQL
// literal Kibana built the query from (kqlValue), or from the query's DSL
// value — a JSON scalar (dslValue), a Lucene wildcard pattern
// (patternValue), the "*" of exists (starValue). Every matcher reads it;
// nothing turns it back into a literal.
type value struct {
	kind ast.LitKind // ast.String, ast.Wildcard, ast.Bool or ast.Null
	// text is the value as text: a string's unescaped text, "true" or
	// "false", "null", a pattern's pieces joined by '*' (as
	// ast.Literal.Value).
	text string
	// phrase: matched as a phrase on text fields (a quoted KQL value, a
	// match_phrase, a string in DSL).
	phrase bool
	b      bool  // the value of a Bool
	glob   *glob // the pattern of a Wildcard: '*' pieces, and '?' steps for Lucene's
	star   bool  // the pattern "*" alone: the field exists
	// pos and end are the rune offsets errors point at.
	pos, end ast.Pos
	lit      *ast.Literal // the KQL literal, for labels; nil for a DSL value
	raw      string       // a Lucene pattern as written, for labels
}

// kqlValue is the value of a KQL literal: in KQL '?' is an ordinary
// character and '*' the only wildcard.
func kqlValue(l *ast.Literal) value {
	v := value{kind: l.Kind, text: l.Value(), phrase: l.Quoted, b: l.Bool, pos: l.Pos(), end: l.End(), lit: l}
	if l.Kind == ast.Wildcard {
		v.glob, v.star = &glob{parts: l.Parts}, l.IsStar()
	}
	return v
}

// dslValue is a JSON scalar of a DSL query, as Kibana's literal node
// would hold it: null, a boolean, a string (matched as a phrase) or a
// number (as text).
func dslValue(x any, pos, end ast.Pos) value {
	v := value{kind: ast.String, pos: pos, end: end}
	switch x := x.(type) {
	case nil:
		v.kind, v.text = ast.Null, "null"
	case bool:
		v.kind, v.b, v.text = ast.Bool, x, fmt.Sprint(x)
	case string:
		v.text, v.phrase = x, true
	case json.Number:
		v.text = x.String()
	default:
		v.text = fmt.Sprint(x)
	}
	return v
}

// patternValue is a Lucene pattern split by splitWildcard (raw as
// written): text without wildcards (a phrase), or a pattern — with its
// '?' steps when it has any.
func patternValue(parts []string, ops []wildOp, raw string, pos, end ast.Pos) value {
	v := value{pos: pos, end: end, raw: raw}
	switch {
	case len(parts) == 1 && ops == nil:
		v.kind, v.text, v.phrase = ast.String, parts[0], true
	default:
		v.kind, v.text = ast.Wildcard, strings.Join(parts, "*")
		v.glob = &glob{parts: parts, ops: ops}
		v.star = ops == nil && !slices.ContainsFunc(parts, func(p string) bool { return p != "" })
	}
	return v
}

// starValue is the "*" of an exists query.
func starValue(pos, end ast.Pos) value {
	return value{kind: ast.Wildcard, text: "*", glob: &glob{parts: []string{"", ""}}, star: true, pos: pos, end: end}
}

// asPhrase returns v matched as a phrase (match_phrase, a multi_match of
// type phrase): a string becomes a phrase; other kinds are kept.
func (v value) asPhrase() value {
	if v.kind == ast.String {
		v.phrase = true
	}
	return v
}

// String returns the value as a trace shows it: the KQL literal as
// printed, or a DSL value in KQL's spelling (a string quoted, a '*'
// pattern with KQL's escapes); a pattern with Lucene's '?' as written.
func (v value) String() string {
	switch {
	case v.lit != nil:
		return ast.Print(v.lit)
	case v.kind == ast.Wildcard && v.glob.ops == nil:
		parts := make([]string, len(v.glob.parts))
		for i, p := range v.glob.parts {
			parts[i] = escapeKQL(p)
		}
		return strings.Join(parts, "*")
	case v.kind == ast.String && v.phrase:
		return ast.Quote(v.text)
	case v.kind == ast.String:
		return escapeKQL(v.text)
	case v.kind == ast.Wildcard:
		return v.raw
	}
	return v.text
}

// escapeKQL escapes KQL's special characters in unquoted text.
func escapeKQL(s string) string {
	var b strings.Builder
	for _, r := range s {
		if ast.IsSpecial(r) {
			b.WriteByte('\\')
		}
		b.WriteRune(r)
	}
	return b.String()
}
