package eql

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/kqlrules/kqlrules/ast"
)

// Format lays the query out for reading within width runes a line: on
// one line ([Query.String]) when it fits; otherwise the header of an
// event query ("category where") or of a sequence, sample or join
// ("sequence by k with maxspan=1m") on a line of its own, each stage of a
// sequence on a line of its own indented by two spaces ("until" before the
// last one), each clause of an and/or chain that does not fit on a line
// of its own with its operator leading ("and x == 1"), a chain nested in
// another in parentheses opened and closed on lines of their own, and
// each pipe on a line of its own. A clause that is no chain stays on one
// line, however long. A width of 0 or less means [ast.DefaultWidth].
//
// The layout depends on the tree alone: parsing the result gives a tree
// [Equal] to q, and formatting that tree gives the same text.
func Format(q *Query, width int) string {
	if width <= 0 {
		width = ast.DefaultWidth
	}
	one := q.String()
	if utf8.RuneCountInString(one) <= width && !strings.Contains(one, "\n") {
		return one
	}
	l := layout{width: width}
	l.body(q.Body)
	for _, p := range q.Pipes {
		l.line(0, p.String())
	}
	return strings.Join(l.lines, "\n")
}

// layout collects the lines of a formatted query.
type layout struct {
	width int
	lines []string
}

func (l *layout) line(ind int, text string) {
	l.lines = append(l.lines, strings.Repeat(" ", ind)+text)
}

// fits reports whether text fits on a line indented by ind.
func (l *layout) fits(ind int, text string) bool {
	return ind+utf8.RuneCountInString(text) <= l.width
}

// header returns the text of an event filter up to its condition.
func header(f *EventFilter) string {
	var p printer
	p.filter(&EventFilter{Any: f.Any, Category: f.Category, Cond: &Literal{Kind: Bool, Bool: true}})
	return strings.TrimSuffix(p.String(), " true")
}

// filter lays out an event filter at indent ind, after the text open
// ("" or "[" or "![") and before close ("" or "]..."), as lines.
func (l *layout) filter(f *EventFilter, ind int, open, close string) {
	var p printer
	p.filter(f)
	if l.fits(ind, open+p.String()+close) {
		l.line(ind, open+p.String()+close)
		return
	}
	l.line(ind, open+header(f))
	l.cond(f.Cond, ind+2, "", 0)
	if close != "" {
		l.line(ind, close)
	}
}

// chain returns the operands of the and/or chain x (a left-nested run of
// one operator), or nil when x is no chain.
func chain(x Expr) (Op, []Expr) {
	b, ok := x.(*Binary)
	if !ok || (b.Op != OpOr && b.Op != OpAnd) {
		return 0, nil
	}
	var ops []Expr
	for {
		ops = append(ops, b.Y)
		left, ok := b.X.(*Binary)
		if !ok || left.Op != b.Op {
			ops = append(ops, b.X)
			break
		}
		b = left
	}
	for i, j := 0, len(ops)-1; i < j; i, j = i+1, j-1 {
		ops[i], ops[j] = ops[j], ops[i]
	}
	return b.Op, ops
}

// cond lays out condition x at indent ind after lead ("" or "and " or
// "or "); min is the precedence x must have to go without parentheses.
func (l *layout) cond(x Expr, ind int, lead string, min int) {
	var p printer
	p.expr(x, min)
	if l.fits(ind, lead+p.String()) {
		l.line(ind, lead+p.String())
		return
	}
	op, ops := chain(x)
	if ops == nil {
		l.line(ind, lead+p.String())
		return
	}
	if lead != "" || prec(x) < min {
		// A chain inside another goes in parentheses of its own lines.
		l.line(ind, lead+"(")
		l.chain(op, ops, ind+2)
		l.line(ind, ")")
		return
	}
	l.chain(op, ops, ind)
}

// chain lays out the operands of an and/or chain, one a line.
func (l *layout) chain(op Op, ops []Expr, ind int) {
	pr := precOr
	if op == OpAnd {
		pr = precAnd
	}
	for i, o := range ops {
		if i == 0 {
			l.cond(o, ind, "", pr)
			continue
		}
		l.cond(o, ind, op.String()+" ", pr+1)
	}
}

// stage lays out one stage of a sequence, sample or join at indent ind.
func (l *layout) stage(s *Stage, ind int, lead string) {
	var tail printer
	tail.by(s.By)
	if s.Runs != 0 {
		fmt.Fprintf(&tail, " with runs=%d", s.Runs)
	}
	open := lead + "["
	if s.Missing {
		open = lead + "!["
	}
	l.filter(s.Filter, ind, open, "]"+tail.String())
}

func (l *layout) stages(head string, ss []*Stage, until *Stage) {
	l.line(0, head)
	for _, s := range ss {
		l.stage(s, 2, "")
	}
	if until != nil {
		l.stage(until, 2, "until ")
	}
}

func (l *layout) body(b Body) {
	var p printer
	switch b := b.(type) {
	case *EventFilter:
		l.filter(b, 0, "", "")
	case *Sequence:
		p.WriteString("sequence")
		p.by(b.By)
		if b.MaxSpan != nil {
			p.WriteString(" " + b.MaxSpan.String())
		}
		l.stages(p.String(), b.Stages, b.Until)
	case *Sample:
		p.WriteString("sample")
		p.by(b.By)
		l.stages(p.String(), b.Stages, nil)
	case *Join:
		p.WriteString("join")
		p.by(b.By)
		l.stages(p.String(), b.Stages, b.Until)
	}
}

// Equal reports whether a and b are the same tree: the same nodes with
// the same operators, names and values, wherever they are in their text
// and however they were written (quotes, parentheses, spacing, case of
// keywords, the digits of an equal number).
func Equal(a, b *Query) bool {
	if a == nil || b == nil {
		return a == b
	}
	sa, sb := signature(a), signature(b)
	if len(sa) != len(sb) {
		return false
	}
	for i := range sa {
		if sa[i] != sb[i] {
			return false
		}
	}
	return true
}

// signature lists the nodes of q in depth-first order, each with what
// distinguishes it and how many children it has.
func signature(q *Query) []string {
	var out []string
	Inspect(q, func(n Node) bool {
		var s string
		switch n := n.(type) {
		case *Query:
			s = fmt.Sprintf("query %d", len(n.Pipes))
		case *EventFilter:
			s = fmt.Sprintf("filter %t %q", n.Any, n.Category)
		case *Sequence:
			span := ""
			if n.MaxSpan != nil {
				span = n.MaxSpan.Duration.String()
			}
			s = fmt.Sprintf("sequence %d %d %t %s", len(n.By), len(n.Stages), n.Until != nil, span)
		case *Sample:
			s = fmt.Sprintf("sample %d %d", len(n.By), len(n.Stages))
		case *Join:
			s = fmt.Sprintf("join %d %d %t", len(n.By), len(n.Stages), n.Until != nil)
		case *Stage:
			s = fmt.Sprintf("stage %t %d %d", n.Missing, len(n.By), n.Runs)
		case *Pipe:
			s = fmt.Sprintf("pipe %s %d", n.Name, len(n.Args))
		case *Binary:
			s = "binary " + n.Op.String()
		case *Not:
			s = "not"
		case *Neg:
			s = "neg"
		case *In:
			s = fmt.Sprintf("in %t %t %d", n.Not, n.Insensitive, len(n.List))
		case *Match:
			s = fmt.Sprintf("match %s %d", n.Op, len(n.Patterns))
		case *Call:
			s = fmt.Sprintf("call %s %t %d", n.Name, n.Insensitive, len(n.Args))
		case *Field:
			s = fmt.Sprintf("field %t %q", n.Optional, n.Path)
		case *Literal:
			s = fmt.Sprintf("literal %d %#v", n.Kind, n.Value())
		}
		out = append(out, s)
		return true
	})
	return out
}

// Comments returns the comments of src ("// ..." and "/* ... */", those
// between two tokens joined with the white space between them), in
// order; nil when src holds none or does not lex. [Query.String] and
// [Format] print no comments: a tool that rewrites a query holding some
// would drop them.
func Comments(src string) []string {
	toks, err := lex(src)
	if err != nil {
		return nil
	}
	rs := []rune(src)
	var out []string
	prev := 0
	for _, t := range toks {
		if gap := strings.TrimSpace(string(rs[prev:t.start])); gap != "" {
			out = append(out, gap)
		}
		prev = t.end
	}
	return out
}
