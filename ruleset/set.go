package ruleset

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules"
)

// Set is rules compiled together to be matched on each event at once. It
// is immutable: Match may be called from many goroutines at once.
type Set struct {
	rules  []*rules.Rule
	progs  []*eval.Program
	table  *eval.FieldTable
	keys   []*indexKey // the indexed fields
	always []int       // the rules no index term selects: tested on every event
	pool   sync.Pool   // of *matcher
}

// indexKey is one indexed keyword field: the rules that require one of
// its values, by value.
type indexKey struct {
	path    *eval.Path
	byValue map[string][]int
	all     []int // the rules indexed by value: candidates when a value is not a string
	exists  []int // the rules that need any value of the field
}

// New compiles the queries of rs (their own query: KQL, or the EQL query
// of a rule of type eql lowered by [rules.Rule.EQLSearch]: for a sequence
// or a sample, the filter of its stages, so that a sequence rule matches
// the events that can fill one of its stages and is indexed like an event
// query) into a set, with eval options such as a schema. It fails when a query does not
// compile, naming each rule that fails.
//
// A rule [Load] loaded comes with its query compiled: without options,
// New adopts that program (once: a second set of the same rules compiles
// its own).
func New(rs []*rules.Rule, opts ...eval.Option) (*Set, error) {
	s := &Set{rules: rs, progs: make([]*eval.Program, len(rs)), table: eval.NewFieldTable()}
	var errs []error
	terms := make([][][]eval.Term, len(rs))
	for i, r := range rs {
		if p := takeProgram(r, opts); p != nil { // compiled by Load
			s.table.Adopt(p)
			s.progs[i], terms[i] = p, p.RequiredTerms()
			continue
		}
		var err error
		if r.Type == rules.TypeEQL {
			// an EQL query: its lowered DSL, indexed as KQL is
			var dsl esdsl.Query
			if dsl, err = r.EQLSearch(); err == nil {
				s.progs[i], err = s.table.CompileQuery(dsl, opts...)
			}
		} else {
			var x ast.Expr
			if x, err = kql.Parse(r.Query); err == nil {
				s.progs[i], err = s.table.Compile(x, opts...)
			}
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("ruleset: rule %q (%s): %w", r.Name, r.RuleID, err))
			continue
		}
		terms[i] = s.progs[i].RequiredTerms()
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s.index(terms)
	s.pool.New = func() any { return s.newMatcher() }
	return s, nil
}

// index chooses for each rule one of the disjunctions its query requires
// (the one whose values the fewest rules need; one with an exists term
// only when there is no other), and files the rule under its terms.
func (s *Set) index(required [][][]eval.Term) {
	type fv struct {
		field, value string
		exists       bool
	}
	need := map[fv]int{}
	for _, conj := range required {
		for _, ts := range conj {
			for _, t := range ts {
				if t.Exists() {
					need[fv{t.Field, "", true}]++
				}
				for _, v := range t.Values {
					need[fv{t.Field, v, false}]++
				}
			}
		}
	}
	cost := func(ts []eval.Term) int {
		c := 0
		for _, t := range ts {
			if t.Exists() {
				c += 1 << 20
			}
			for _, v := range t.Values {
				c += need[fv{t.Field, v, false}]
			}
		}
		return c
	}
	byField := map[string]*indexKey{}
	for i, conj := range required {
		if len(conj) == 0 {
			s.always = append(s.always, i)
			continue
		}
		for _, t := range slices.MinFunc(conj, func(a, b []eval.Term) int { return cost(a) - cost(b) }) {
			k := byField[t.Field]
			if k == nil {
				k = &indexKey{path: s.table.Path(t.Field), byValue: map[string][]int{}}
				byField[t.Field] = k
				s.keys = append(s.keys, k)
			}
			if t.Exists() {
				k.exists = append(k.exists, i)
				continue
			}
			k.all = append(k.all, i)
			for _, v := range t.Values {
				k.byValue[v] = append(k.byValue[v], i)
			}
		}
	}
}

// Len returns the number of rules.
func (s *Set) Len() int { return len(s.rules) }

// Rule returns rule i, in the order given to New.
func (s *Set) Rule(i int) *rules.Rule { return s.rules[i] }

// Program returns the compiled query of rule i.
func (s *Set) Program(i int) *eval.Program { return s.progs[i] }

// Stats describes a set's sharing and index.
type Stats struct {
	Rules        int // rules in the set
	Fields       int // distinct fields their queries read
	IndexedRules int // rules selected through an index term
	IndexFields  int // fields whose values select rules
}

// Stats returns the set's figures.
func (s *Set) Stats() Stats {
	return Stats{Rules: len(s.rules), Fields: s.table.Len(), IndexedRules: len(s.rules) - len(s.always), IndexFields: len(s.keys)}
}

// Match appends to dst the indexes of the rules whose query matches the
// event, in increasing order, and returns it. The result is that of each
// rule's own program; the set resolves each field once and tests only the
// rules the event's values select. It allocates nothing in steady state
// (for map events; a lazy event allocates the values it decodes).
func (s *Set) Match(e eval.Event, dst []int) []int {
	m := s.pool.Get().(*matcher)
	dst = m.match(s, e, dst, nil)
	s.pool.Put(m)
	return dst
}

// MatchTimed is Match that also adds to spent[i] the time rule i's
// program took on the event (spent has Len elements; a rule the index
// did not select took none). It reads the clock twice for each rule it
// tests: profile a sample of the events with it.
func (s *Set) MatchTimed(e eval.Event, dst []int, spent []time.Duration) []int {
	m := s.pool.Get().(*matcher)
	dst = m.match(s, e, dst, spent)
	s.pool.Put(m)
	return dst
}

// MatchMap is Match for an event as encoding/json decodes it.
func (s *Set) MatchMap(event map[string]any, dst []int) []int {
	return s.Match(eval.Map(event), dst)
}

// matcher is the per-goroutine state of Match.
type matcher struct {
	cache *eval.Cache
	gen   uint32
	mark  []uint32 // mark[i] == gen: rule i is a candidate
	cands []int
	pick  picker
}

func (s *Set) newMatcher() *matcher {
	m := &matcher{cache: eval.NewCache(s.table), mark: make([]uint32, len(s.rules))}
	m.pick.m = m
	return m
}

// picker visits the values of an indexed field and marks the rules they
// select.
type picker struct {
	m   *matcher
	key *indexKey
}

func (p *picker) Visit(x any) bool {
	p.m.add(p.key.exists)
	if v, ok := x.(string); ok {
		p.m.add(p.key.byValue[v])
	} else {
		p.m.add(p.key.all)
	}
	return false
}

func (m *matcher) add(rs []int) {
	for _, i := range rs {
		if m.mark[i] != m.gen {
			m.mark[i] = m.gen
			m.cands = append(m.cands, i)
		}
	}
}

func (m *matcher) match(s *Set, e eval.Event, dst []int, spent []time.Duration) []int {
	m.gen++
	if m.gen == 0 {
		clear(m.mark)
		m.gen = 1
	}
	m.cands = m.cands[:0]
	m.cache.Reset(e)
	for _, k := range s.keys {
		m.pick.key = k
		m.cache.Values(k.path, &m.pick)
	}
	m.add(s.always)
	slices.Sort(m.cands)
	for _, i := range m.cands {
		var t0 time.Time
		if spent != nil {
			t0 = time.Now()
		}
		ok := s.progs[i].MatchEvent(m.cache)
		if spent != nil {
			spent[i] += time.Since(t0)
		}
		if ok {
			dst = append(dst, i)
		}
	}
	m.cache.Reset(nil)
	return dst
}
