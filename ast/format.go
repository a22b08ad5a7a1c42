package ast

import (
	"strings"
	"unicode/utf8"
)

// DefaultWidth is the line width [Format] aims at when given none: the
// width of Elastic's detection-rules queries.
const DefaultWidth = 100

// Format returns the canonical text of n (see [Print]) laid out for
// reading, as rule files keep long queries. A query whose canonical form
// fits in width runes is that one line. A longer one is broken, from the
// top down, only where a part does not fit:
//
//   - a chain of and (or of or) puts each clause on a line of its own,
//     the operator leading the line, all at the chain's indentation;
//   - a parenthesised group, and an and chain inside an or chain that does
//     not fit (which then gets parentheses of its own), opens with "(" at
//     the end of a line, holds its clauses indented by two spaces, and
//     closes with ")" on a line of its own;
//   - a value list "field:(...)" opens with "field:(", holds one value a
//     line, indented by two spaces, each followed by its operator
//     ("10.0.0.0/8 or"), and closes with ")" on a line of its own;
//   - a nested query "path:{ ... }" is broken like a group, in braces.
//
// Lines have no trailing space and the text no final newline. A line is
// longer than width only when it holds one clause or value that cannot be
// broken. Parsing the text gives a tree [Equal] to n, and formatting that
// tree gives the same text. A width of 0 or less means [DefaultWidth].
func Format(n Node, width int) string {
	if width <= 0 {
		width = DefaultWidth
	}
	one := Print(n)
	if utf8.RuneCountInString(one) <= width {
		return one
	}
	l := layout{width: width}
	switch n := n.(type) {
	case Expr:
		l.expr(n, 0, "", "")
	case Value:
		l.value(n, 0, "", "")
	default:
		return one
	}
	return strings.Join(l.lines, "\n")
}

// layout collects the lines of a formatted query.
type layout struct {
	width int
	lines []string
}

// line adds a line of text indented by ind spaces.
func (l *layout) line(ind int, text string) {
	l.lines = append(l.lines, strings.Repeat(" ", ind)+text)
}

// fits reports whether a line indented by ind holding parts fits.
func (l *layout) fits(ind int, parts ...string) bool {
	n := ind
	for _, p := range parts {
		n += utf8.RuneCountInString(p)
	}
	return n <= l.width
}

// flat prints n on one line, as a part of a longer text: whatever follows
// it (a space, a line break, a parenthesis) cannot change how it reads.
func flat(n Node) string {
	var b strings.Builder
	printer{&b}.node(n, true)
	return b.String()
}

// flatGroup prints n in parentheses on one line.
func flatGroup(n Node) string {
	var b strings.Builder
	b.WriteByte('(')
	printer{&b}.node(n, false)
	b.WriteByte(')')
	return b.String()
}

// field prints a field name or path as a match or nested query starts it.
func field(lit *Literal) string {
	var b strings.Builder
	printer{&b}.literal(lit, false)
	return b.String()
}

// expr lays out x: its first line starts with pre, its last ends with suf.
func (l *layout) expr(x Expr, ind int, pre, suf string) {
	if f := flat(x); l.fits(ind, pre, f, suf) {
		l.line(ind, pre+f+suf)
		return
	}
	switch x := x.(type) {
	case *OrExpr:
		exprChain(l, x.Args, "or", precOr, ind, pre, suf)
	case *AndExpr:
		exprChain(l, x.Args, "and", precAnd, ind, pre, suf)
	case *NotExpr:
		l.exprChild(x.X, precNot, ind, pre+"not ", suf)
	case *MatchExpr:
		if _, ok := x.Value.(*Literal); ok {
			l.line(ind, pre+flat(x)+suf)
			return
		}
		l.line(ind, pre+field(x.Field)+":(")
		l.value(x.Value, ind+2, "", "")
		l.line(ind, ")"+suf)
	case *NestedExpr:
		l.line(ind, pre+field(x.Path)+":{")
		l.expr(x.X, ind+2, "", "")
		l.line(ind, "}"+suf)
	default:
		l.line(ind, pre+flat(x)+suf)
	}
}

// exprChain lays out a chain: one clause a line, the operator leading.
func exprChain(l *layout, args []Expr, op string, prec, ind int, pre, suf string) {
	for i, a := range args {
		p, s := pre, ""
		if i > 0 {
			p = op + " "
		}
		if i == len(args)-1 {
			s = suf
		}
		l.exprChild(a, prec, ind, p, s)
	}
}

// exprChild lays out x inside an operator of precedence min: in
// parentheses when the tree needs them, or when x is a chain that must be
// broken (an and chain inside an or chain reads clearly only grouped; the
// parentheses do not change the tree).
func (l *layout) exprChild(x Expr, min, ind int, pre, suf string) {
	p := exprPrec(x)
	if p <= min || p < precNot && !l.fits(ind, pre, flat(x), suf) {
		if g := flatGroup(x); l.fits(ind, pre, g, suf) {
			l.line(ind, pre+g+suf)
			return
		}
		l.line(ind, pre+"(")
		l.expr(x, ind+2, "", "")
		l.line(ind, ")"+suf)
		return
	}
	l.expr(x, ind, pre, suf)
}

// value lays out a value list: one value a line, the operator trailing.
func (l *layout) value(v Value, ind int, pre, suf string) {
	if f := flat(v); l.fits(ind, pre, f, suf) {
		l.line(ind, pre+f+suf)
		return
	}
	switch v := v.(type) {
	case *OrValue:
		valueChain(l, v.Args, "or", precOr, ind, pre, suf)
	case *AndValue:
		valueChain(l, v.Args, "and", precAnd, ind, pre, suf)
	case *NotValue:
		l.valueChild(v.X, precNot, ind, pre+"not ", suf)
	default:
		l.line(ind, pre+flat(v)+suf)
	}
}

// valueChain lays out a chain of values, each followed by the operator.
func valueChain(l *layout, args []Value, op string, prec, ind int, pre, suf string) {
	for i, a := range args {
		p, s := "", " "+op
		if i == 0 {
			p = pre
		}
		if i == len(args)-1 {
			s = suf
		}
		l.valueChild(a, prec, ind, p, s)
	}
}

// valueChild is exprChild for values.
func (l *layout) valueChild(v Value, min, ind int, pre, suf string) {
	p := exprPrec(v)
	if p <= min || p < precNot && !l.fits(ind, pre, flat(v), suf) {
		if g := flatGroup(v); l.fits(ind, pre, g, suf) {
			l.line(ind, pre+g+suf)
			return
		}
		l.line(ind, pre+"(")
		l.value(v, ind+2, "", "")
		l.line(ind, ")"+suf)
		return
	}
	l.value(v, ind, pre, suf)
}
