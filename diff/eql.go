package diff

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/eql"
)

// EQLChange is how an EQL query changed, compared by tree: kqlrules does
// not yet search witness events for EQL, so a change of tree is told as
// the parts that differ.
type EQLChange struct {
	// Formatting is true when the trees are equal ([eql.Equal]): only
	// the layout, quoting, comments or spelling of numbers differ.
	Formatting bool
	// Parts are the differences, one a line, each naming where:
	// "category: process → network", "condition: + x == 1", "stage 2:
	// [file where true] → [file where false]", "pipes: ...".
	Parts []string
	// FieldsAdded and FieldsRemoved are the fields only the new or only
	// the old query names, sorted.
	FieldsAdded, FieldsRemoved []string
}

// EQLQueries compares two EQL queries by tree. Errors are the parser's
// (*eql.Error) in a [*QueryError].
func EQLQueries(old, new string) (*EQLChange, error) {
	qo, err := eql.Parse(old)
	if err != nil {
		return nil, &QueryError{Old: true, Err: err}
	}
	qn, err := eql.Parse(new)
	if err != nil {
		return nil, &QueryError{Err: err}
	}
	c := &EQLChange{Formatting: eql.Equal(qo, qn)}
	if c.Formatting {
		return c, nil
	}
	fo, fn := eqlFields(qo), eqlFields(qn)
	for _, f := range fn {
		if !slices.Contains(fo, f) {
			c.FieldsAdded = append(c.FieldsAdded, f)
		}
	}
	for _, f := range fo {
		if !slices.Contains(fn, f) {
			c.FieldsRemoved = append(c.FieldsRemoved, f)
		}
	}
	c.Parts = bodyParts(qo.Body, qn.Body)
	po, pn := pipes(qo), pipes(qn)
	if po != pn {
		c.Parts = append(c.Parts, fmt.Sprintf("pipes: %s → %s", orNoneText(po), orNoneText(pn)))
	}
	return c, nil
}

func orNoneText(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func pipes(q *eql.Query) string {
	var out []string
	for _, p := range q.Pipes {
		out = append(out, p.String())
	}
	return strings.Join(out, " ")
}

// eqlFields returns the fields q names, sorted, without repeats.
func eqlFields(q *eql.Query) []string {
	var out []string
	eql.Inspect(q, func(n eql.Node) bool {
		if f, ok := n.(*eql.Field); ok && !slices.Contains(out, f.Name) {
			out = append(out, f.Name)
		}
		return true
	})
	slices.Sort(out)
	return out
}

// bodyParts tells how two bodies differ.
func bodyParts(old, new eql.Body) []string {
	switch o := old.(type) {
	case *eql.EventFilter:
		if n, ok := new.(*eql.EventFilter); ok {
			return filterParts("", o, n)
		}
	case *eql.Sequence:
		if n, ok := new.(*eql.Sequence); ok {
			var parts []string
			if a, b := keys(o.By), keys(n.By); a != b {
				parts = append(parts, fmt.Sprintf("by: %s → %s", orNoneText(a), orNoneText(b)))
			}
			if a, b := maxSpan(o.MaxSpan), maxSpan(n.MaxSpan); spanOf(o.MaxSpan) != spanOf(n.MaxSpan) {
				parts = append(parts, fmt.Sprintf("maxspan: %s → %s", orNoneText(a), orNoneText(b)))
			}
			parts = append(parts, stageParts(o.Stages, n.Stages)...)
			if a, b := stageText(o.Until), stageText(n.Until); a != b {
				parts = append(parts, fmt.Sprintf("until: %s → %s", orNoneText(a), orNoneText(b)))
			}
			return parts
		}
	case *eql.Sample:
		if n, ok := new.(*eql.Sample); ok {
			var parts []string
			if a, b := keys(o.By), keys(n.By); a != b {
				parts = append(parts, fmt.Sprintf("by: %s → %s", orNoneText(a), orNoneText(b)))
			}
			return append(parts, stageParts(o.Stages, n.Stages)...)
		}
	}
	return []string{fmt.Sprintf("query: %s → %s", old, new)}
}

func keys(xs []eql.Expr) string {
	var out []string
	for _, x := range xs {
		out = append(out, x.String())
	}
	return strings.Join(out, ", ")
}

func maxSpan(m *eql.MaxSpan) string {
	if m == nil {
		return ""
	}
	return m.Value + m.Unit
}

func spanOf(m *eql.MaxSpan) time.Duration {
	if m == nil {
		return 0
	}
	return m.Duration
}

func stageText(s *eql.Stage) string {
	if s == nil {
		return ""
	}
	return s.String()
}

// stageParts tells how the stages of two sequences or samples differ,
// stage by stage.
func stageParts(old, new []*eql.Stage) []string {
	var parts []string
	for i := range max(len(old), len(new)) {
		where := fmt.Sprintf("stage %d", i+1)
		switch {
		case i >= len(old):
			parts = append(parts, fmt.Sprintf("%s: added %s", where, new[i]))
		case i >= len(new):
			parts = append(parts, fmt.Sprintf("%s: removed %s", where, old[i]))
		default:
			o, n := old[i], new[i]
			if o.Missing != n.Missing || keys(o.By) != keys(n.By) || o.Runs != n.Runs {
				parts = append(parts, fmt.Sprintf("%s: %s → %s", where, o, n))
				continue
			}
			parts = append(parts, filterParts(where+" ", o.Filter, n.Filter)...)
		}
	}
	return parts
}

// filterParts tells how two event filters differ: their category, and
// the clauses of their conditions' top-level and-chains added and
// removed.
func filterParts(where string, o, n *eql.EventFilter) []string {
	var parts []string
	cat := func(f *eql.EventFilter) string {
		if f.Any {
			return "any"
		}
		return f.Category
	}
	if cat(o) != cat(n) {
		parts = append(parts, fmt.Sprintf("%scategory: %s → %s", where, cat(o), cat(n)))
	}
	co, cn := clauses(o.Cond), clauses(n.Cond)
	for _, c := range co {
		if !slices.Contains(cn, c) {
			parts = append(parts, fmt.Sprintf("%scondition: - %s", where, c))
		}
	}
	for _, c := range cn {
		if !slices.Contains(co, c) {
			parts = append(parts, fmt.Sprintf("%scondition: + %s", where, c))
		}
	}
	if len(parts) == 0 && !sameCond(o, n) {
		// The same clauses in another order, or a repeat dropped.
		parts = append(parts, fmt.Sprintf("%scondition: %s → %s", where, o.Cond, n.Cond))
	}
	return parts
}

func sameCond(o, n *eql.EventFilter) bool {
	return o.Cond.String() == n.Cond.String()
}

// clauses returns the operands of x's top-level and-chain in canonical
// EQL (x alone when it is no and).
func clauses(x eql.Expr) []string {
	var out []string
	var walk func(eql.Expr)
	walk = func(x eql.Expr) {
		if b, ok := x.(*eql.Binary); ok && b.Op == eql.OpAnd {
			walk(b.X)
			walk(b.Y)
			return
		}
		out = append(out, x.String())
	}
	walk(x)
	return out
}
