package eql

import (
	"fmt"
	"strings"
)

// Printing. String on any node gives canonical EQL: one space around
// operators, ", " between list items, lowercase keywords, parentheses only
// where the grammar needs them to keep the tree, strings in double quotes
// with escapes (or in triple quotes when written so and the value allows),
// field segments and categories backquoted or quoted only when they are
// not plain identifiers. Parsing the output gives the same tree.

// Precedence levels, loosest first.
const (
	precOr = iota + 1
	precAnd
	precNot
	precCompare
	precAdd
	precMul
	precUnary
	precPredicate
	precPrimary
)

func prec(x Expr) int {
	switch x := x.(type) {
	case *Binary:
		switch {
		case x.Op == OpOr:
			return precOr
		case x.Op == OpAnd:
			return precAnd
		case x.Op.IsComparison():
			return precCompare
		case x.Op == OpAdd || x.Op == OpSub:
			return precAdd
		}
		return precMul
	case *Not:
		return precNot
	case *Neg:
		return precUnary
	case *In, *Match:
		return precPredicate
	}
	return precPrimary
}

type printer struct{ strings.Builder }

func (p *printer) expr(x Expr, min int) {
	if prec(x) < min {
		p.WriteByte('(')
		p.expr(x, 0)
		p.WriteByte(')')
		return
	}
	switch x := x.(type) {
	case *Binary:
		l := prec(x)
		left, right := l, l+1
		if x.Op.IsComparison() {
			left, right = precAdd, precAdd
		}
		p.expr(x.X, left)
		p.WriteString(" " + x.Op.String() + " ")
		p.expr(x.Y, right)
	case *Not:
		p.WriteString("not ")
		p.expr(x.X, precNot)
	case *Neg:
		p.WriteByte('-')
		p.expr(x.X, precUnary)
	case *In:
		p.expr(x.X, precPrimary)
		if x.Not {
			p.WriteString(" not")
		}
		if x.Insensitive {
			p.WriteString(" in~ (")
		} else {
			p.WriteString(" in (")
		}
		p.list(x.List)
		p.WriteByte(')')
	case *Match:
		p.expr(x.X, precPrimary)
		if x.Op == Seq {
			p.WriteString(" : ")
		} else {
			p.WriteString(" " + x.Op.String() + " ")
		}
		if len(x.Patterns) == 1 {
			p.literal(x.Patterns[0])
			return
		}
		p.WriteByte('(')
		for i, l := range x.Patterns {
			if i > 0 {
				p.WriteString(", ")
			}
			p.literal(l)
		}
		p.WriteByte(')')
	case *Call:
		p.WriteString(x.Name)
		if x.Insensitive {
			p.WriteByte('~')
		}
		p.WriteByte('(')
		p.list(x.Args)
		p.WriteByte(')')
	case *Field:
		if x.Optional {
			p.WriteByte('?')
		}
		for i, s := range x.Path {
			if i > 0 {
				p.WriteByte('.')
			}
			p.WriteString(identifier(s))
		}
	case *Literal:
		p.literal(x)
	}
}

func (p *printer) list(xs []Expr) {
	for i, x := range xs {
		if i > 0 {
			p.WriteString(", ")
		}
		p.expr(x, 0)
	}
}

func (p *printer) literal(l *Literal) {
	switch l.Kind {
	case Null:
		p.WriteString("null")
	case Bool:
		fmt.Fprint(p, l.Bool)
	case Int, Decimal:
		p.WriteString(l.Raw)
	case String:
		p.WriteString(quote(l.Str, strings.HasPrefix(l.Raw, `"""`)))
	}
}

// quote writes s as an EQL string: in triple quotes when raw is asked and
// s can be written so, else in double quotes with escapes.
func quote(s string, raw bool) string {
	if raw && !strings.ContainsAny(s, "\r\n") && !strings.Contains(s, `"""`) && !strings.HasSuffix(s, `"`) {
		return `"""` + s + `"""`
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u{%02x}`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
	return b.String()
}

// plainIdentifier reports whether s lexes as one IDENTIFIER.
func plainIdentifier(s string) bool {
	if s == "" || keywords[s] {
		return false
	}
	for i, r := range s {
		if !(isLetter(r) || r == '_' || i == 0 && r == '@' || i > 0 && isDigit(r)) {
			return false
		}
	}
	return true
}

// identifier writes a field segment, backquoted when it must be.
func identifier(s string) string {
	if plainIdentifier(s) {
		return s
	}
	return "`" + strings.ReplaceAll(s, "`", "``") + "`"
}

func (p *printer) filter(f *EventFilter) {
	switch {
	case f.Any:
		p.WriteString("any")
	case plainIdentifier(f.Category):
		p.WriteString(f.Category)
	default:
		p.WriteString(quote(f.Category, false))
	}
	p.WriteString(" where ")
	p.expr(f.Cond, 0)
}

func (p *printer) by(keys []Expr) {
	if len(keys) > 0 {
		p.WriteString(" by ")
		p.list(keys)
	}
}

func (p *printer) stage(s *Stage) {
	if s.Missing {
		p.WriteString("![")
	} else {
		p.WriteByte('[')
	}
	p.filter(s.Filter)
	p.WriteByte(']')
	p.by(s.By)
	if s.Runs != 0 {
		fmt.Fprintf(p, " with runs=%d", s.Runs)
	}
}

func (p *printer) stages(ss []*Stage, until *Stage) {
	for _, s := range ss {
		p.WriteByte(' ')
		p.stage(s)
	}
	if until != nil {
		p.WriteString(" until ")
		p.stage(until)
	}
}

func (p *printer) body(b Body) {
	switch b := b.(type) {
	case *EventFilter:
		p.filter(b)
	case *Sequence:
		p.WriteString("sequence")
		p.by(b.By)
		if b.MaxSpan != nil {
			p.WriteString(" " + b.MaxSpan.String())
		}
		p.stages(b.Stages, b.Until)
	case *Sample:
		p.WriteString("sample")
		p.by(b.By)
		p.stages(b.Stages, nil)
	case *Join:
		p.WriteString("join")
		p.by(b.By)
		p.stages(b.Stages, b.Until)
	}
}

// String prints the query in canonical EQL.
func (q *Query) String() string {
	var p printer
	p.body(q.Body)
	for _, pipe := range q.Pipes {
		p.WriteString(" " + pipe.String())
	}
	return p.String()
}

func exprString(x Expr) string {
	var p printer
	p.expr(x, 0)
	return p.String()
}

func bodyString(b Body) string {
	var p printer
	p.body(b)
	return p.String()
}

// String prints "with maxspan=N unit".
func (m *MaxSpan) String() string { return "with maxspan=" + m.Value + m.Unit }

// String prints "| name args".
func (pp *Pipe) String() string {
	var p printer
	p.WriteString("| " + pp.Name)
	if len(pp.Args) > 0 {
		p.WriteByte(' ')
		p.list(pp.Args)
	}
	return p.String()
}

// String prints the stage, brackets and keys included.
func (s *Stage) String() string {
	var p printer
	p.stage(s)
	return p.String()
}

func (f *EventFilter) String() string { return bodyString(f) }
func (s *Sequence) String() string    { return bodyString(s) }
func (s *Sample) String() string      { return bodyString(s) }
func (j *Join) String() string        { return bodyString(j) }
func (x *Binary) String() string      { return exprString(x) }
func (x *Not) String() string         { return exprString(x) }
func (x *Neg) String() string         { return exprString(x) }
func (x *In) String() string          { return exprString(x) }
func (x *Match) String() string       { return exprString(x) }
func (x *Call) String() string        { return exprString(x) }
func (x *Field) String() string       { return exprString(x) }
func (x *Literal) String() string     { return exprString(x) }
