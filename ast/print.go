package ast

import (
	"fmt"
	"strings"
)

// Print returns the canonical KQL text of n: single spaces, lowercase
// keywords, "field:value" with no spaces around the colon, "field >= value"
// with one space around a range operator, "path:{ query }" for nested
// queries, and parentheses only where the tree needs them. Literals keep
// their quoting; unquoted text is escaped just enough to read back the same.
//
// For every tree that kql.Parse produces, parsing the printed text gives an
// [Equal] tree. Two queries that differ only in formatting print the same.
// A hand-built unquoted literal that no query can spell (one with outer
// spaces, or the text "true", "false" or "null") is printed quoted.
func Print(n Node) string {
	var b strings.Builder
	p := printer{&b}
	p.node(n, false)
	return b.String()
}

// String returns the canonical form of the query; see [Print].
func (x *AndExpr) String() string { return Print(x) }

// String returns the canonical form of the query; see [Print].
func (x *OrExpr) String() string { return Print(x) }

// String returns the canonical form of the query; see [Print].
func (x *NotExpr) String() string { return Print(x) }

// String returns the canonical form of the query; see [Print].
func (x *MatchExpr) String() string { return Print(x) }

// String returns the canonical form of the query; see [Print].
func (x *RangeExpr) String() string { return Print(x) }

// String returns the canonical form of the query; see [Print].
func (x *NestedExpr) String() string { return Print(x) }

// String returns the canonical form of the query; see [Print].
func (x *TextExpr) String() string { return Print(x) }

// String returns the canonical form of the value list; see [Print].
func (x *AndValue) String() string { return Print(x) }

// String returns the canonical form of the value list; see [Print].
func (x *OrValue) String() string { return Print(x) }

// String returns the canonical form of the value list; see [Print].
func (x *NotValue) String() string { return Print(x) }

// String returns the literal in canonical form; see [Print].
func (x *Literal) String() string { return Print(x) }

type printer struct{ b *strings.Builder }

// precedence levels: a child needs parentheses when its level is lower than
// or equal to what its parent allows (or and and chains are written flat,
// so a chain inside a chain of the same operator was parenthesised).
const (
	precOr = iota + 1
	precAnd
	precNot
	precAtom
)

func exprPrec(x Node) int {
	switch x.(type) {
	case *OrExpr, *OrValue:
		return precOr
	case *AndExpr, *AndValue:
		return precAnd
	case *NotExpr, *NotValue:
		return precNot
	}
	return precAtom
}

// child prints x, in parentheses unless its precedence is above min.
func (p printer) child(x Node, min int, spaceAfter bool) {
	if exprPrec(x) <= min {
		p.b.WriteByte('(')
		p.node(x, false)
		p.b.WriteByte(')')
		return
	}
	p.node(x, spaceAfter)
}

// chain prints args joined by op.
func chain[N Node](p printer, args []N, op string, prec int, spaceAfter bool) {
	for i, a := range args {
		if i > 0 {
			p.b.WriteString(op)
		}
		p.child(a, prec, spaceAfter || i < len(args)-1)
	}
}

// node prints n. spaceAfter tells whether a space may follow n's text: an
// unquoted literal at the end of n must then not end in a keyword that the
// space would complete ("a not" followed by a space reads as "a" and not).
func (p printer) node(n Node, spaceAfter bool) {
	switch n := n.(type) {
	case *OrExpr:
		chain(p, n.Args, " or ", precOr, spaceAfter)
	case *AndExpr:
		chain(p, n.Args, " and ", precAnd, spaceAfter)
	case *NotExpr:
		p.b.WriteString("not ")
		p.child(n.X, precNot, spaceAfter)
	case *OrValue:
		chain(p, n.Args, " or ", precOr, spaceAfter)
	case *AndValue:
		chain(p, n.Args, " and ", precAnd, spaceAfter)
	case *NotValue:
		p.b.WriteString("not ")
		p.child(n.X, precNot, spaceAfter)
	case *MatchExpr:
		p.literal(n.Field, false)
		p.b.WriteByte(':')
		if lit, ok := n.Value.(*Literal); ok {
			p.literal(lit, spaceAfter)
		} else {
			p.b.WriteByte('(')
			p.node(n.Value, false)
			p.b.WriteByte(')')
		}
	case *RangeExpr:
		p.literal(n.Field, true)
		p.b.WriteByte(' ')
		p.b.WriteString(n.Op.String())
		p.b.WriteByte(' ')
		p.literal(n.Value, spaceAfter)
	case *NestedExpr:
		p.literal(n.Path, false)
		p.b.WriteString(":{ ")
		p.node(n.X, true)
		p.b.WriteString(" }")
	case *TextExpr:
		p.literal(n.Value, spaceAfter)
	case *Literal:
		p.literal(n, spaceAfter)
	case nil:
		p.b.WriteString("<nil>")
	default:
		fmt.Fprintf(p.b, "<%T>", n)
	}
}

func (p printer) literal(l *Literal, spaceAfter bool) {
	if l == nil {
		p.b.WriteString("<nil>")
		return
	}
	switch l.Kind {
	case Bool:
		if l.Bool {
			p.b.WriteString("true")
		} else {
			p.b.WriteString("false")
		}
		return
	case Null:
		p.b.WriteString("null")
		return
	case Wildcard:
		for i, part := range l.Parts {
			if i > 0 {
				p.b.WriteByte('*')
			}
			writeUnquoted(p.b, part, spaceAfter && i == len(l.Parts)-1)
		}
		return
	}
	if l.Quoted || !Spellable(l.Text) {
		p.b.WriteString(Quote(l.Text))
		return
	}
	if l.Text == "" {
		// An escaped tab is trimmed away: the only spelling of an empty
		// unquoted value.
		p.b.WriteString(`\t`)
		return
	}
	writeUnquoted(p.b, l.Text, spaceAfter)
}

// Quote returns s as a quoted KQL string: in double quotes, with '"', '\',
// tab, carriage return and newline escaped.
func Quote(s string) string {
	var b strings.Builder
	b.Grow(len(s) + 2)
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\t':
			b.WriteString(`\t`)
		case '\r':
			b.WriteString(`\r`)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// Spellable reports whether s can be written as an unquoted KQL string
// value, so that the printer need not quote it: it has no leading or
// trailing white space (see [IsTrimSpace]: Kibana trims unquoted values)
// and is not "true", "false" or "null", which unquoted are typed literals
// (Kibana's grammar.peggy, rule UnquotedLiteral). Everything else can be
// spelled with escapes. The empty string is spellable: it prints as the
// escape \t, which Kibana trims away.
func Spellable(s string) bool {
	if s == "true" || s == "false" || s == "null" {
		return false
	}
	return strings.TrimFunc(s, IsTrimSpace) == s
}

// IsSpace reports whether r is white space in KQL's grammar (rule Space of
// Kibana's grammar.peggy): space, tab, carriage return, newline or no-break
// space (U+00A0). White space separates tokens; around " or ", " and " and
// before "not " it is what makes a keyword of the word inside an unquoted
// value. Other Unicode spaces are ordinary characters.
func IsSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\r', '\n', '\u00a0':
		return true
	}
	return false
}

// IsTrimSpace reports whether r is white space that Kibana trims from the
// ends of an unquoted literal (rule UnquotedLiteral of grammar.peggy calls
// JavaScript's String.prototype.trim): the [IsSpace] characters and every
// other character JavaScript counts as white space or a line terminator
// (vertical tab, form feed, U+1680, U+2000 to U+200A, U+2028, U+2029,
// U+202F, U+205F, U+3000 and the byte order mark U+FEFF).
func IsTrimSpace(r rune) bool {
	switch r {
	case '\t', '\n', '\v', '\f', '\r', ' ', '\u00a0', '\u1680', '\u2028', '\u2029',
		'\u202f', '\u205f', '\u3000', '\ufeff':
		return true
	}
	return r >= '\u2000' && r <= '\u200a'
}

// IsSpecial reports whether r must be escaped with a backslash in an
// unquoted literal: one of \ ( ) : < > " * { } (rule SpecialCharacter of
// Kibana's grammar.peggy). Unescaped, none of them can stand inside an
// unquoted literal, except '*', which makes it a wildcard. In a quoted string only '"' and '\' need escaping
// (see [Quote]).
func IsSpecial(r rune) bool {
	return strings.ContainsRune(`\():<>"*{}`, r)
}

// writeUnquoted writes s escaped for an unquoted literal: special
// characters and tab, CR and LF escaped with a backslash, and keywords that
// would end the literal ("or" and "and" between spaces, "not" before a
// space) escaped. spaceAfter tells whether a space follows the literal.
func writeUnquoted(b *strings.Builder, s string, spaceAfter bool) {
	rs := []rune(s)
	// rawSpace reports whether a space written as itself stands at i. The
	// end counts when the text that follows the literal starts with one.
	rawSpace := func(i int) bool {
		if i == len(rs) {
			return spaceAfter
		}
		return i >= 0 && i < len(rs) && (rs[i] == ' ' || rs[i] == '\u00a0')
	}
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r == '\t':
			b.WriteString(`\t`)
			continue
		case r == '\r':
			b.WriteString(`\r`)
			continue
		case r == '\n':
			b.WriteString(`\n`)
			continue
		case IsSpecial(r):
			b.WriteByte('\\')
			b.WriteRune(r)
			continue
		}
		if w := keywordAt(rs, i); w > 0 {
			word := string(rs[i : i+w])
			switch {
			case w == 3 && (r == 'n' || r == 'N') && rawSpace(i+3):
				// "not" before a space ends a literal anywhere. "\not"
				// would read as "\n" + "ot", so a lowercase n is written
				// as a Unicode escape.
				if r == 'n' {
					b.WriteString(`\u006e`)
					b.WriteString(word[1:])
				} else {
					b.WriteByte('\\')
					b.WriteString(word)
				}
				i += w - 1
				continue
			case w != 3 || r == 'a' || r == 'A':
				if rawSpace(i-1) && rawSpace(i+w) {
					b.WriteByte('\\')
					b.WriteString(word)
					i += w - 1
					continue
				}
			}
		}
		b.WriteRune(r)
	}
}

// keywordAt returns the length of the keyword (or, and, not; any case) that
// starts at rs[i], or 0.
func keywordAt(rs []rune, i int) int {
	for _, kw := range [...]string{"and", "not", "or"} {
		n := len(kw)
		if i+n > len(rs) {
			continue
		}
		if strings.EqualFold(string(rs[i:i+n]), kw) {
			return n
		}
	}
	return 0
}
