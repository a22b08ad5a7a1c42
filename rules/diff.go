package rules

import (
	"encoding/json"
	"fmt"
	"iter"
	"math"
	"math/rand"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/cidr"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
)

// Verdict is what an edit of a query does to the set of events it matches.
type Verdict string

// Verdicts of [Diff].
const (
	// VerdictFormatting: the canonical trees are equal (ast.Equal); only
	// spacing, keyword case, redundant parentheses or escapes changed.
	VerdictFormatting Verdict = "formatting only"
	// VerdictEquivalent: the trees differ but the search found no event
	// that one query matches and the other does not.
	VerdictEquivalent Verdict = "equivalent"
	// VerdictNarrower: the new query drops events the old one matched,
	// and no event was found that it adds.
	VerdictNarrower Verdict = "narrower"
	// VerdictWider: the new query adds events, and drops none found.
	VerdictWider Verdict = "wider"
	// VerdictBoth: the new query both adds and drops events
	// (incomparable).
	VerdictBoth Verdict = "both"
)

// DiffResult is the answer of [Diff].
type DiffResult struct {
	Verdict Verdict
	// Old and New are the queries in canonical form.
	Old, New string
	// Added are witness events that the new query matches and the old
	// one does not; Removed the reverse. Each list holds up to five
	// distinct events, fewest fields first: the first is a minimal witness
	// (no field can be removed from it). Every witness was matched again,
	// after a round trip through JSON, before being reported.
	Added, Removed []map[string]any
	// Searched is the number of candidate events evaluated.
	Searched int
	// Exhaustive tells that every combination of the candidate values was
	// tried (otherwise the search was guided and sampled, with a fixed
	// seed, so results are reproducible).
	Exhaustive bool
}

// DiffOption changes how [Diff] searches.
type DiffOption func(*diffConfig)

type diffConfig struct {
	schema     eval.Schema
	exhaustive int // largest number of combinations tried exhaustively
	budget     int // most candidate events of a guided search
	seed       int64
}

// DiffSchema sets the field types used to compile both queries (default
// eval.DefaultSchema).
func DiffSchema(s eval.Schema) DiffOption { return func(c *diffConfig) { c.schema = s } }

// DiffBudget bounds the search: up to exhaustive combinations are all
// tried (default 100,000); beyond that, a guided search evaluates about
// budget candidate events (default 200,000).
func DiffBudget(exhaustive, budget int) DiffOption {
	return func(c *diffConfig) { c.exhaustive, c.budget = exhaustive, budget }
}

// DiffSeed sets the seed of the guided search's random choices (default 1).
func DiffSeed(seed int64) DiffOption { return func(c *diffConfig) { c.seed = seed } }

// diffMaxWitnesses is how many witnesses each direction keeps.
const diffMaxWitnesses = 5

// diffTextField is the event field that stands for free text in diffCandidates.
const diffTextField = "kqlrules_free_text"

// Diff compares two queries. Equal trees (ast.Equal) are "formatting
// only". Otherwise both are compiled with the same schema and Diff searches
// the events the two can tell apart, built from the literals they mention:
// for each field, each value and its neighbours (a number ±1, a keyword in
// other cases, a CIDR's first, middle and last addresses and the ones just
// outside, IPv4 addresses also in their IPv4-mapped IPv6 form, an address
// of the other family), the field diffAbsent, and arrays of two values where
// the field is tested more than once. When the combinations are few they
// are all tried; otherwise the search starts from events that one query
// matches (built by satisfying its tree) and from random events, and
// varies one and two fields at a time. The verdict follows from the
// witnesses found in each direction; "equivalent" means none was found
// (a proof only when Exhaustive is true).
func Diff(old, new ast.Expr, opts ...DiffOption) (*DiffResult, error) {
	cfg := diffConfig{exhaustive: 100_000, budget: 200_000, seed: 1}
	for _, o := range opts {
		o(&cfg)
	}
	if cfg.schema == nil {
		cfg.schema = eval.DefaultSchema()
	}
	if old == nil || new == nil {
		return nil, fmt.Errorf("rules: Diff: nil query")
	}
	res := &DiffResult{Old: ast.Print(old), New: ast.Print(new)}
	if ast.Equal(old, new) {
		res.Verdict = VerdictFormatting
		return res, nil
	}
	po, err := eval.Compile(old, eval.WithSchema(cfg.schema))
	if err != nil {
		return nil, fmt.Errorf("rules: Diff: old query: %w", err)
	}
	pn, err := eval.Compile(new, eval.WithSchema(cfg.schema))
	if err != nil {
		return nil, fmt.Errorf("rules: Diff: new query: %w", err)
	}
	s := newDiffSearch(cfg, po, pn)
	s.collect(old, "")
	s.collect(new, "")
	for _, f := range s.fields {
		f.cands, f.origin = diffCandidates(f)
	}
	s.prepare(old, po)
	s.prepare(new, pn)
	s.run()
	res.Searched, res.Exhaustive = s.searched, s.exhaustiveDone
	res.Added = s.finish(false)
	res.Removed = s.finish(true)
	switch {
	case len(res.Added) > 0 && len(res.Removed) > 0:
		res.Verdict = VerdictBoth
	case len(res.Added) > 0:
		res.Verdict = VerdictWider
	case len(res.Removed) > 0:
		res.Verdict = VerdictNarrower
	default:
		res.Verdict = VerdictEquivalent
	}
	return res, nil
}

// DiffVersions compares the queries of two versions of r's history (see
// History.QueryAt), parsed with kql.Parse.
func DiffVersions(r *Rule, from, to int, opts ...DiffOption) (*DiffResult, error) {
	parse := func(n int) (ast.Expr, error) {
		q, err := r.History.QueryAt(n)
		if err != nil {
			return nil, err
		}
		x, err := kql.Parse(q)
		if err != nil {
			return nil, fmt.Errorf("version %d: %w", n, err)
		}
		return x, nil
	}
	a, err := parse(from)
	if err != nil {
		return nil, err
	}
	b, err := parse(to)
	if err != nil {
		return nil, err
	}
	return Diff(a, b, opts...)
}

// EventDiff is how two queries fare on a set of real events.
type EventDiff struct {
	Events     int // events read
	OldMatches int // events the old query matches
	NewMatches int // events the new query matches
	// Added are the indexes (from 0, in the order read) of the events
	// only the new query matches; Removed of those only the old one does.
	Added, Removed []int
}

// CompareEvents runs both programs over events and reports the events
// whose outcome changed, in both directions.
func CompareEvents(old, new *eval.Program, events iter.Seq[map[string]any]) *EventDiff {
	d := &EventDiff{}
	for ev := range events {
		i := d.Events
		d.Events++
		o, n := old.Match(ev), new.Match(ev)
		if o {
			d.OldMatches++
		}
		if n {
			d.NewMatches++
		}
		switch {
		case n && !o:
			d.Added = append(d.Added, i)
		case o && !n:
			d.Removed = append(d.Removed, i)
		}
	}
	return d
}

// field is one event field the search assigns.
type diffField struct {
	name  string // full dotted name
	nest  string // the nested field it lies in, "" if none
	rel   string // its name relative to nest
	typ   eval.Type
	lits  []*ast.Literal
	leafs int  // leaves that test it
	listy bool // tested by a value list with and/not
	cands []any
	// origin[i] is the literal (canonical text) cands[i] was derived
	// from, "" for the generic values.
	origin []string
}

// diffAbsent stands for an diffAbsent field in an assignment.
const diffAbsent = -1

type diffSearch struct {
	cfg    diffConfig
	po, pn *eval.Program
	fields []*diffField
	byName map[string]int
	rng    *rand.Rand

	leaves map[ast.Expr]*diffLeaf // per query node: compiled sub-programs and fields
	roots  [2]ast.Expr

	ev             map[string]any
	searched       int
	exhaustiveDone bool
	// found[true]: removed witnesses (old only); found[false]: added.
	found map[bool][][]int
	seen  map[string]bool
}

type diffLeaf struct {
	prog   *eval.Program
	fields []int
}

func newDiffSearch(cfg diffConfig, po, pn *eval.Program) *diffSearch {
	return &diffSearch{cfg: cfg, po: po, pn: pn, byName: map[string]int{}, rng: rand.New(rand.NewSource(cfg.seed)),
		leaves: map[ast.Expr]*diffLeaf{}, ev: map[string]any{}, found: map[bool][][]int{}, seen: map[string]bool{}}
}

func diffLitText(l *ast.Literal) string {
	switch l.Kind {
	case ast.Wildcard:
		return strings.Join(l.Parts, "*")
	case ast.Bool:
		return strconv.FormatBool(l.Bool)
	case ast.Null:
		return "null"
	}
	return l.Text
}

func (s *diffSearch) field(name, nest, rel string) *diffField {
	if i, ok := s.byName[name]; ok {
		return s.fields[i]
	}
	f := &diffField{name: name, nest: nest, rel: rel, typ: s.cfg.schema.Lookup(name)}
	s.byName[name] = len(s.fields)
	s.fields = append(s.fields, f)
	return f
}

// fieldOf returns the event field a field literal stands for: its name,
// or for a wildcard name a schema field that fits it (else the pattern with
// "x" for each '*').
func (s *diffSearch) fieldOf(l *ast.Literal, scope string) (name, rel string) {
	rel = diffLitText(l)
	if l.Kind == ast.Wildcard {
		pat := rel
		if scope != "" {
			pat = scope + "." + rel
		}
		rel = strings.Join(l.Parts, "x")
		for _, n := range s.cfg.schema.Fields() {
			if eval.MatchWildcard(strings.Split(pat, "*"), n) {
				if scope == "" {
					rel = n
				} else if r, ok := strings.CutPrefix(n, scope+"."); ok {
					rel = r
				}
				break
			}
		}
	}
	if scope == "" {
		return rel, rel
	}
	return scope + "." + rel, rel
}

// collect records the fields and literals of x.
func (s *diffSearch) collect(x ast.Expr, scope string) {
	switch x := x.(type) {
	case *ast.AndExpr:
		for _, a := range x.Args {
			s.collect(a, scope)
		}
	case *ast.OrExpr:
		for _, a := range x.Args {
			s.collect(a, scope)
		}
	case *ast.NotExpr:
		s.collect(x.X, scope)
	case *ast.MatchExpr:
		if ast.IsMatchAll(x) {
			return
		}
		var f *diffField
		if x.Field.IsStar() {
			f = s.field(diffTextField, "", diffTextField)
		} else {
			name, rel := s.fieldOf(x.Field, scope)
			f = s.field(name, scope, rel)
		}
		f.leafs++
		ast.Inspect(x.Value, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.Literal:
				f.lits = append(f.lits, n)
			case *ast.AndValue, *ast.NotValue:
				f.listy = true
			}
			return true
		})
	case *ast.RangeExpr:
		name, rel := s.fieldOf(x.Field, scope)
		f := s.field(name, scope, rel)
		f.leafs++
		f.lits = append(f.lits, x.Value)
	case *ast.NestedExpr:
		name, _ := s.fieldOf(x.Path, scope)
		s.collect(x.X, name)
	case *ast.TextExpr:
		f := s.field(diffTextField, "", diffTextField)
		f.leafs++
		f.lits = append(f.lits, x.Value)
	}
}

// prepare compiles every node of a query outside nested queries, for the
// constructive search, and records the fields below each.
func (s *diffSearch) prepare(root ast.Expr, p *eval.Program) {
	if s.roots[0] == nil {
		s.roots[0] = root
	} else {
		s.roots[1] = root
	}
	var walk func(x ast.Expr)
	walk = func(x ast.Expr) {
		prog, err := eval.Compile(x, eval.WithSchema(s.cfg.schema))
		if err != nil {
			return
		}
		lf := &diffLeaf{prog: prog}
		var names []string
		var scan func(x ast.Expr, scope string)
		scan = func(x ast.Expr, scope string) {
			switch x := x.(type) {
			case *ast.AndExpr:
				for _, a := range x.Args {
					scan(a, scope)
				}
			case *ast.OrExpr:
				for _, a := range x.Args {
					scan(a, scope)
				}
			case *ast.NotExpr:
				scan(x.X, scope)
			case *ast.MatchExpr:
				if ast.IsMatchAll(x) {
					return
				}
				if x.Field.IsStar() {
					names = append(names, diffTextField)
				} else {
					n, _ := s.fieldOf(x.Field, scope)
					names = append(names, n)
				}
			case *ast.RangeExpr:
				n, _ := s.fieldOf(x.Field, scope)
				names = append(names, n)
			case *ast.NestedExpr:
				n, _ := s.fieldOf(x.Path, scope)
				scan(x.X, n)
			case *ast.TextExpr:
				names = append(names, diffTextField)
			}
		}
		scan(x, "")
		for _, n := range names {
			if i, ok := s.byName[n]; ok && !slices.Contains(lf.fields, i) {
				lf.fields = append(lf.fields, i)
			}
		}
		s.leaves[x] = lf
		switch x := x.(type) {
		case *ast.AndExpr:
			for _, a := range x.Args {
				walk(a)
			}
		case *ast.OrExpr:
			for _, a := range x.Args {
				walk(a)
			}
		case *ast.NotExpr:
			walk(x.X)
		}
	}
	walk(root)
	_ = p
}

// event builds the event of an assignment into s.ev (reused).
func (s *diffSearch) event(a []int) map[string]any {
	clear(s.ev)
	for i, f := range s.fields {
		if a[i] == diffAbsent {
			continue
		}
		v := f.cands[a[i]]
		if f.nest == "" {
			s.ev[f.name] = v
			continue
		}
		m, _ := s.ev[f.nest].(map[string]any)
		if m == nil {
			m = map[string]any{}
			s.ev[f.nest] = m
		}
		m[f.rel] = v
	}
	return s.ev
}

// try evaluates an assignment and records it when the queries disagree.
func (s *diffSearch) try(a []int) (o, n bool) {
	s.searched++
	ev := s.event(a)
	o, n = s.po.Match(ev), s.pn.Match(ev)
	if o != n {
		s.record(a, o)
	}
	return o, n
}

// record keeps a witness (a copy), up to a bound per direction.
func (s *diffSearch) record(a []int, removed bool) {
	if len(s.found[removed]) >= 200 {
		// Keep the smallest: replace the largest when a is smaller.
		worst, wi := -1, -1
		for i, w := range s.found[removed] {
			if c := presentFields(w); c > worst {
				worst, wi = c, i
			}
		}
		if presentFields(a) < worst {
			s.found[removed][wi] = slices.Clone(a)
		}
		return
	}
	s.found[removed] = append(s.found[removed], slices.Clone(a))
}

func presentFields(a []int) int {
	n := 0
	for _, x := range a {
		if x != diffAbsent {
			n++
		}
	}
	return n
}

func (s *diffSearch) run() {
	total := 1
	for _, f := range s.fields {
		total *= len(f.cands) + 1
		if total > s.cfg.exhaustive {
			break
		}
	}
	if total <= s.cfg.exhaustive {
		s.exhaustive()
		s.exhaustiveDone = true
		return
	}
	s.guided()
}

// exhaustive tries every assignment.
func (s *diffSearch) exhaustive() {
	a := make([]int, len(s.fields))
	for i := range a {
		a[i] = diffAbsent
	}
	for {
		s.try(a)
		i := 0
		for ; i < len(a); i++ {
			a[i]++
			if a[i] < len(s.fields[i].cands) {
				break
			}
			a[i] = diffAbsent
		}
		if i == len(a) {
			return
		}
	}
}

// guided searches around events that one query matches.
func (s *diffSearch) guided() {
	var seeds [][]int
	for q := range 2 {
		got := 0
		for attempt := 0; attempt < 60 && got < 12; attempt++ {
			if a, ok := s.construct(s.roots[q]); ok {
				seeds = append(seeds, a)
				got++
			}
		}
	}
	// Random events, a few of which seed the variations too.
	for range min(3000, s.cfg.budget/10) {
		a := s.random()
		if o, n := s.try(a); o || n {
			if len(seeds) < 40 {
				seeds = append(seeds, a)
			}
		}
	}
	one := 0
	for _, f := range s.fields {
		one += len(f.cands) + 1
	}
	for _, seed := range seeds {
		if s.searched+one > s.cfg.budget {
			break
		}
		s.vary1(seed)
	}
	for _, seed := range seeds {
		if s.searched >= s.cfg.budget {
			break
		}
		s.vary2(seed)
	}
}

func (s *diffSearch) random() []int {
	a := make([]int, len(s.fields))
	for i, f := range s.fields {
		a[i] = s.rng.Intn(len(f.cands)+1) - 1
	}
	return a
}

func (s *diffSearch) vary1(seed []int) {
	a := slices.Clone(seed)
	s.try(a)
	for i, f := range s.fields {
		for v := diffAbsent; v < len(f.cands); v++ {
			if v == seed[i] {
				continue
			}
			a[i] = v
			s.try(a)
		}
		a[i] = seed[i]
	}
}

func (s *diffSearch) vary2(seed []int) {
	a := slices.Clone(seed)
	for i := range s.fields {
		for j := i + 1; j < len(s.fields); j++ {
			for v := diffAbsent; v < len(s.fields[i].cands); v++ {
				a[i] = v
				for w := diffAbsent; w < len(s.fields[j].cands); w++ {
					a[j] = w
					s.try(a)
					if s.searched >= s.cfg.budget {
						return
					}
				}
				a[j] = seed[j]
			}
			a[i] = seed[i]
		}
	}
}

// construct builds an event the query matches by satisfying its tree with
// random choices; ok is false when the attempt failed.
func (s *diffSearch) construct(root ast.Expr) ([]int, bool) {
	a := make([]int, len(s.fields))
	for i := range a {
		a[i] = diffAbsent
	}
	locked := make([]bool, len(s.fields))
	if !s.satisfy(root, true, a, locked) {
		return nil, false
	}
	lf := s.leaves[root]
	if lf == nil || !lf.prog.Match(s.event(a)) {
		return nil, false
	}
	return a, true
}

func (s *diffSearch) satisfy(x ast.Expr, want bool, a []int, locked []bool) bool {
	pick := func(args []ast.Expr) ast.Expr { return args[s.rng.Intn(len(args))] }
	switch x := x.(type) {
	case *ast.AndExpr:
		if want {
			for _, c := range x.Args {
				if !s.satisfy(c, true, a, locked) {
					return false
				}
			}
			return true
		}
		return s.satisfy(pick(x.Args), false, a, locked)
	case *ast.OrExpr:
		if want {
			return s.satisfy(pick(x.Args), true, a, locked)
		}
		for _, c := range x.Args {
			if !s.satisfy(c, false, a, locked) {
				return false
			}
		}
		return true
	case *ast.NotExpr:
		return s.satisfy(x.X, !want, a, locked)
	}
	lf := s.leaves[x]
	if lf == nil {
		return false
	}
	if lf.prog.Match(s.event(a)) == want {
		for _, i := range lf.fields {
			locked[i] = true
		}
		return true
	}
	var free []int
	for _, i := range lf.fields {
		if !locked[i] {
			free = append(free, i)
		}
	}
	if len(free) == 0 {
		return false
	}
	save := make([]int, len(free))
	for k, i := range free {
		save[k] = a[i]
	}
	for range 40 {
		for _, i := range free {
			a[i] = s.rng.Intn(len(s.fields[i].cands)+1) - 1
		}
		if lf.prog.Match(s.event(a)) == want {
			for _, i := range lf.fields {
				locked[i] = true
			}
			return true
		}
	}
	if len(free) == 1 { // try every value of a single field
		i := free[0]
		for v := diffAbsent; v < len(s.fields[i].cands); v++ {
			a[i] = v
			if lf.prog.Match(s.event(a)) == want {
				locked[i] = true
				return true
			}
		}
	}
	for k, i := range free {
		a[i] = save[k]
	}
	return false
}

// finish minimizes the witnesses of one direction and returns up to
// diffMaxWitnesses distinct events: first a minimal one, then variants of
// it that change the value of a field where the two queries part (one per
// literal the value comes from: "169.254.0.0/16", "224.0.0.0/4"...), then
// other minimized witnesses. Every event is checked again after a JSON
// round trip.
func (s *diffSearch) finish(removed bool) []map[string]any {
	ws := s.found[removed]
	slices.SortStableFunc(ws, func(x, y []int) int { return presentFields(x) - presentFields(y) })
	holds := func(a []int) bool {
		ev := s.event(a)
		return s.po.Match(ev) == removed && s.pn.Match(ev) != removed
	}
	var mins [][]int
	seenMin := map[string]bool{}
	for k, w := range ws {
		if k >= 50 || len(mins) >= 4*diffMaxWitnesses {
			break
		}
		a := s.minimize(w, holds)
		key := fmt.Sprint(a)
		if !seenMin[key] {
			seenMin[key] = true
			mins = append(mins, a)
		}
	}
	if len(mins) == 0 {
		return nil
	}
	slices.SortStableFunc(mins, func(x, y []int) int { return presentFields(x) - presentFields(y) })
	list := [][]int{mins[0]}
	list = append(list, s.variants(mins[0], removed, holds)...)
	list = append(list, mins[1:]...)
	var evs []map[string]any
	seen := map[string]bool{}
	for _, a := range list {
		if len(evs) >= diffMaxWitnesses {
			break
		}
		b, err := json.Marshal(s.event(a))
		if err != nil || seen[string(b)] {
			continue
		}
		seen[string(b)] = true
		var back map[string]any
		if json.Unmarshal(b, &back) != nil || s.po.Match(back) != removed || s.pn.Match(back) == removed {
			continue
		}
		evs = append(evs, back)
	}
	return evs
}

// minimize drops the fields a witness does not need, then gives each
// remaining field the earliest candidate value that keeps it a witness
// (the literals' own values come first, arrays last).
func (s *diffSearch) minimize(w []int, holds func([]int) bool) []int {
	a := slices.Clone(w)
	for i := range a {
		if a[i] == diffAbsent {
			continue
		}
		v := a[i]
		a[i] = diffAbsent
		if !holds(a) {
			a[i] = v
		}
	}
	for i := range a {
		if a[i] == diffAbsent {
			continue
		}
		cur := a[i]
		for v := 0; v < cur; v++ {
			a[i] = v
			if holds(a) {
				cur = v
				break
			}
		}
		a[i] = cur
	}
	return a
}

// variants returns witnesses that differ from w in the value of one field
// where the queries part: a field that has a value with which both queries
// match. One variant per literal origin.
func (s *diffSearch) variants(w []int, removed bool, holds func([]int) bool) [][]int {
	var out [][]int
	a := slices.Clone(w)
	for i, f := range s.fields {
		if w[i] == diffAbsent {
			continue
		}
		parts := false
		var vs []int
		for v := range f.cands {
			if v == w[i] {
				continue
			}
			a[i] = v
			ev := s.event(a)
			o, n := s.po.Match(ev), s.pn.Match(ev)
			switch {
			case o && n:
				parts = true
			case o == removed && n != removed:
				if _, arr := f.cands[v].([]any); !arr {
					vs = append(vs, v)
				}
			}
		}
		a[i] = w[i]
		if !parts {
			continue
		}
		used := map[string]bool{f.origin[w[i]]: true}
		for _, v := range vs {
			if used[f.origin[v]] {
				continue
			}
			used[f.origin[v]] = true
			b := slices.Clone(w)
			b[i] = v
			out = append(out, b)
		}
	}
	return out
}

// diffCandidates returns the values worth trying for a field, from the
// literals the queries use on it.
func diffCandidates(f *diffField) ([]any, []string) {
	var out []any
	var origins []string
	origin := ""
	seen := map[string]bool{}
	add := func(v any) {
		k := fmt.Sprintf("%T:%v", v, v)
		if !seen[k] {
			seen[k] = true
			out = append(out, v)
			origins = append(origins, origin)
		}
	}
	baseSeen := map[string]bool{}
	var base []any // the literals' own values, for arrays
	addBase := func(v any) {
		k := fmt.Sprintf("%T:%v", v, v)
		if !baseSeen[k] {
			baseSeen[k] = true
			base = append(base, v)
		}
	}
	typ := f.typ
	numeric := diffNumeric(typ)
	isFloat := typ == eval.Double || typ == eval.Float || typ == eval.HalfFloat || typ == eval.ScaledFloat
	ipFam := map[bool]bool{}
	for _, l := range f.lits {
		text := diffLitText(l)
		origin = ast.Print(l)
		switch {
		case l.IsStar():
			add("x")
		case l.Kind == ast.Wildcard:
			if numeric || typ == eval.IP || typ == eval.Boolean || typ == eval.Date {
				continue
			}
			v := strings.Join(l.Parts, "")
			add(v)
			addBase(v)
			add(strings.Join(l.Parts, "x"))
			add(strings.ToUpper(v))
		case l.Kind == ast.Bool || typ == eval.Boolean:
			add(true)
			add(false)
			addBase(l.Kind == ast.Bool && l.Bool)
		case l.Kind == ast.Null:
			add("null")
		default:
			p, perr := cidr.ParseAddrOrPrefix(text)
			if typ == eval.IP || (typ == eval.Unknown && perr == nil) {
				if perr != nil {
					continue
				}
				ipFam[p.Addr().Is4()] = true
				for i, c := range diffIPCandidates(p) {
					add(c)
					if i == 0 {
						addBase(c)
					}
				}
				continue
			}
			num, nerr := strconv.ParseFloat(strings.TrimSpace(text), 64)
			if numeric || (typ == eval.Unknown && nerr == nil && !math.IsInf(num, 0) && !math.IsNaN(num)) {
				if nerr != nil {
					continue
				}
				add(num)
				addBase(num)
				add(num - 1)
				add(num + 1)
				if isFloat {
					add(num - 0.5)
					add(num + 0.5)
				}
				if typ == eval.Unknown {
					add(text)
				}
				continue
			}
			add(text)
			addBase(text)
			if typ != eval.Date {
				add(strings.ToUpper(text))
				add(strings.ToLower(text))
				if r := []rune(text); len(r) > 0 {
					add(strings.ToUpper(string(r[0])) + string(r[1:]))
				}
			}
		}
	}
	origin = ""
	switch {
	case typ == eval.IP || len(ipFam) > 0:
		if !ipFam[true] || !ipFam[false] {
			add("8.8.8.8")
			add("2001:4860:4860::8888")
		}
	case numeric:
		add(float64(7919))
	case typ == eval.Boolean:
	case typ == eval.Date:
	default:
		add("zz-other")
	}
	if f.leafs > 1 || f.listy {
		if len(base) > 4 {
			base = base[:4]
		}
		for i := range base {
			for j := i + 1; j < len(base); j++ {
				add([]any{base[i], base[j]})
			}
		}
		if len(base) == 1 {
			add([]any{base[0], out[len(out)-1]})
		}
	}
	return out, origins
}

func diffNumeric(t eval.Type) bool {
	switch t {
	case eval.Long, eval.Integer, eval.Short, eval.Byte, eval.UnsignedLong,
		eval.Double, eval.Float, eval.HalfFloat, eval.ScaledFloat:
		return true
	}
	return false
}

// diffIPCandidates returns addresses around a prefix: for one address, it and
// its neighbours; for a block, its first, middle and last addresses and
// the ones just outside; IPv4 ones also in IPv4-mapped IPv6 form. The
// first is inside the prefix.
func diffIPCandidates(p netip.Prefix) []string {
	p = p.Masked()
	first := p.Addr()
	var addrs []netip.Addr
	if p.IsSingleIP() {
		addrs = append(addrs, first, first.Prev(), first.Next())
	} else {
		b := first.AsSlice()
		host := first.BitLen() - p.Bits()
		last := make([]byte, len(b))
		copy(last, b)
		for i := 0; i < host; i++ {
			bit := first.BitLen() - 1 - i
			last[bit/8] |= 1 << (7 - bit%8)
		}
		mid := make([]byte, len(b))
		copy(mid, b)
		bit := p.Bits()
		mid[bit/8] |= 1 << (7 - bit%8)
		la, _ := netip.AddrFromSlice(last)
		ma, _ := netip.AddrFromSlice(mid)
		addrs = append(addrs, first, ma, la, first.Prev(), la.Next())
	}
	var out []string
	for _, a := range addrs {
		if !a.IsValid() {
			continue
		}
		out = append(out, a.String())
	}
	for _, a := range addrs {
		if a.IsValid() && a.Is4() {
			out = append(out, "::ffff:"+a.String())
		}
	}
	return out
}
