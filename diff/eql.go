package diff

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/eql"
)

// EQLChange is how an EQL query changed: by tree (the parts that
// differ) and, where the Query DSL path allows, by meaning. An event
// query is one search whose filter eql.Lower builds (the category term
// included), so two event queries are compared as [Queries] compares two
// KQL queries, with witness events; a sequence or a sample runs each stage
// as its own search, so its keys, maxspan and pipes are compared by
// tree, and each stage (and until) whose filter alone changed is
// compared by meaning.
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
	// Result is the comparison by meaning of two event queries' filters,
	// with witness events; nil for sequences and samples, when the trees
	// are equal, or when a query does not lower (TreeOnly says why).
	Result *Result
	// Stages are, for two sequences or samples with as many stages, the
	// comparisons by meaning of the stages whose filter changed (and
	// nothing else of the stage), then of until's.
	Stages []StageResult
	// TreeOnly says what was compared by tree only, and why: "" when the
	// whole change was compared by meaning.
	TreeOnly string
	// Equivalent is true when the trees differ only in event filters and
	// the search found no event that tells any of them apart.
	Equivalent bool
}

// StageResult is the comparison by meaning of one stage's filter, or
// of the until stage's.
type StageResult struct {
	Stage  int  // from 1; 0 for until
	Until  bool // the until stage
	Result *Result
}

// Changed reports whether the query may match other events: its tree
// changed and the search did not find its filters equivalent.
func (c *EQLChange) Changed() bool { return !c.Formatting && !c.Equivalent }

// EventCategoryField sets the event category field EQL event queries are
// lowered with (a rule's event_category_override; default
// "event.category").
func EventCategoryField(name string) Option { return func(c *config) { c.category = name } }

// EQLQueries compares two EQL queries: by tree, and by meaning where the
// DSL path allows (see [EQLChange]), with the options of [Queries] and
// [EventCategoryField]. Errors are the parser's (*eql.Error) in a
// [*QueryError].
func EQLQueries(old, new string, opts ...Option) (*EQLChange, error) {
	cfg := newConfig(opts)
	return eqlQueries(old, new, cfg.category, cfg.category, cfg)
}

// eqlQueries is EQLQueries with each side's event category field.
func eqlQueries(old, new, oldCat, newCat string, cfg config) (*EQLChange, error) {
	qo, err := eql.Parse(old)
	if err != nil {
		return nil, &QueryError{Old: true, Err: err}
	}
	qn, err := eql.Parse(new)
	if err != nil {
		return nil, &QueryError{Err: err}
	}
	c := &EQLChange{Formatting: eql.Equal(qo, qn) && oldCat == newCat}
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
	if oldCat != newCat {
		c.Parts = append(c.Parts, fmt.Sprintf("event category field: %s → %s", orDefault(oldCat), orDefault(newCat)))
	}
	po, pn := pipes(qo), pipes(qn)
	if po != pn {
		c.Parts = append(c.Parts, fmt.Sprintf("pipes: %s → %s", orNoneText(po), orNoneText(pn)))
	}
	if err := c.byMeaning(qo, qn, oldCat, newCat, po == pn, cfg); err != nil {
		return nil, err
	}
	return c, nil
}

// WriteText writes the change as `kqlrules diff` prints it: "query
// (eql): ...", then, indented, the parts and fields that differ, what was
// compared by tree only, and each comparison by meaning (as
// [Result.WriteText] words its verdict), calling the queries oldName and
// newName.
func (c *EQLChange) WriteText(w io.Writer, oldName, newName string) error {
	var b strings.Builder
	c.write(&b, oldName, newName)
	_, err := io.WriteString(w, b.String())
	return err
}

func (c *EQLChange) write(w io.Writer, oldName, newName string) {
	switch {
	case c.Formatting:
		fmt.Fprintln(w, "query (eql): formatting only")
		return
	case c.Equivalent:
		fmt.Fprintln(w, "query (eql): equivalent (the tree changed, the meaning did not)")
	default:
		fmt.Fprintln(w, "query (eql): changed")
	}
	for _, p := range c.Parts {
		fmt.Fprintf(w, "  %s\n", p)
	}
	if len(c.FieldsAdded) > 0 {
		fmt.Fprintf(w, "  fields added: %s\n", strings.Join(c.FieldsAdded, ", "))
	}
	if len(c.FieldsRemoved) > 0 {
		fmt.Fprintf(w, "  fields removed: %s\n", strings.Join(c.FieldsRemoved, ", "))
	}
	if c.TreeOnly != "" {
		fmt.Fprintf(w, "  by tree only: %s\n", c.TreeOnly)
	}
	if c.Result != nil {
		c.Result.writeVerdict(w, "  ", oldName, newName)
	}
	for _, st := range c.Stages {
		if st.Until {
			fmt.Fprintln(w, "  until:")
		} else {
			fmt.Fprintf(w, "  stage %d:\n", st.Stage)
		}
		st.Result.writeVerdict(w, "    ", oldName, newName)
	}
}

func orDefault(cat string) string {
	if cat == "" {
		return "event.category"
	}
	return cat
}

// filterMeaning compares two event filters by meaning: the witness search
// over their lowered DSL. why is set instead when one does not lower.
func filterMeaning(o, n *eql.Query, oldCat, newCat string, cfg config) (res *Result, why string, err error) {
	do, err := eql.Lower(o, eql.Options{EventCategoryField: oldCat})
	if err != nil {
		return nil, "the old query does not lower to the Query DSL: " + err.Error(), nil
	}
	dn, err := eql.Lower(n, eql.Options{EventCategoryField: newCat})
	if err != nil {
		return nil, "the new query does not lower to the Query DSL: " + err.Error(), nil
	}
	res, err = dslQueries(o.String(), n.String(), do, dn, cfg)
	if err != nil {
		return nil, "", err
	}
	return res, "", nil
}

// byMeaning fills in Result (event queries) or Stages (sequences and
// samples), TreeOnly and Equivalent.
func (c *EQLChange) byMeaning(qo, qn *eql.Query, oldCat, newCat string, samePipes bool, cfg config) error {
	if qo.IsEventQuery() {
		if !qn.IsEventQuery() {
			c.TreeOnly = "an event query and a " + kind(qn.Body) + " are compared by tree only"
			return nil
		}
		res, why, err := filterMeaning(qo, qn, oldCat, newCat, cfg)
		if err != nil {
			return err
		}
		c.Result, c.TreeOnly = res, why
		if res != nil && !samePipes {
			c.TreeOnly = "the pipes are compared by tree only"
		}
		c.Equivalent = res != nil && samePipes && res.Verdict == VerdictEquivalent
		return nil
	}
	so, sn := stagesOf(qo.Body), stagesOf(qn.Body)
	if kind(qo.Body) != kind(qn.Body) || len(so) != len(sn) {
		c.TreeOnly = fmt.Sprintf("a %s of %d stages and a %s of %d are compared by tree only", kind(qo.Body), len(so), kind(qn.Body), len(sn))
		return nil
	}
	c.TreeOnly = fmt.Sprintf("a %s runs each stage as its own search: its keys, maxspan and pipes are compared by tree, each stage's filter (and until's) by meaning", kind(qo.Body))
	onlyFilters := samePipes && oldCat == newCat && headerText(qo.Body) == headerText(qn.Body)
	equivalent := true
	uo, un := untilOf(qo.Body), untilOf(qn.Body)
	if uo != nil && un != nil {
		so, sn = append(slices.Clip(so), uo), append(slices.Clip(sn), un)
	}
	for i := range so {
		o, n := so[i], sn[i]
		if o.Missing != n.Missing || keys(o.By) != keys(n.By) || o.Runs != n.Runs {
			onlyFilters = false
			continue
		}
		if eql.Equal(&eql.Query{Body: o.Filter}, &eql.Query{Body: n.Filter}) && oldCat == newCat {
			continue
		}
		until := o == uo
		name := fmt.Sprintf("stage %d", i+1)
		if until {
			name = "until"
		}
		res, why, err := filterMeaning(&eql.Query{Body: o.Filter}, &eql.Query{Body: n.Filter}, oldCat, newCat, cfg)
		if err != nil {
			return err
		}
		if res == nil {
			c.TreeOnly += fmt.Sprintf("; %s by tree only: %s", name, why)
			onlyFilters = false
			continue
		}
		st := StageResult{Stage: i + 1, Until: until, Result: res}
		if until {
			st.Stage = 0
		}
		c.Stages = append(c.Stages, st)
		equivalent = equivalent && res.Verdict == VerdictEquivalent
	}
	c.Equivalent = onlyFilters && equivalent
	return nil
}

// kind names a body: "event query", "sequence" or "sample".
func kind(b eql.Body) string {
	switch b.(type) {
	case *eql.Sequence:
		return "sequence"
	case *eql.Sample:
		return "sample"
	case *eql.EventFilter:
		return "event query"
	}
	return strings.Fields(b.String())[0]
}

func stagesOf(b eql.Body) []*eql.Stage {
	switch b := b.(type) {
	case *eql.Sequence:
		return b.Stages
	case *eql.Sample:
		return b.Stages
	}
	return nil
}

func untilOf(b eql.Body) *eql.Stage {
	if s, ok := b.(*eql.Sequence); ok {
		return s.Until
	}
	return nil
}

// headerText is what a sequence or sample has besides its stages' and
// until's filters: its keys, maxspan, and whether it has an until.
func headerText(b eql.Body) string {
	switch b := b.(type) {
	case *eql.Sequence:
		return fmt.Sprintf("by %s maxspan %v until %v", keys(b.By), spanOf(b.MaxSpan), b.Until != nil)
	case *eql.Sample:
		return "by " + keys(b.By)
	}
	return ""
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
			if o.Missing != n.Missing {
				parts = append(parts, fmt.Sprintf("%s: %s → %s", where, o, n))
				continue
			}
			if a, b := keys(o.By), keys(n.By); a != b {
				parts = append(parts, fmt.Sprintf("%s by: %s → %s", where, orNoneText(a), orNoneText(b)))
			}
			if o.Runs != n.Runs {
				parts = append(parts, fmt.Sprintf("%s runs: %d → %d", where, max(o.Runs, 1), max(n.Runs, 1)))
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
