package ruleset

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/bits"
	"slices"
	"sync"
	"time"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// Set is rules compiled together to be matched on each event at once. It
// is immutable: Match may be called from many goroutines at once.
type Set struct {
	rules  []*rules.Rule
	progs  []*eval.Program
	preps  []*replay.Prepared // progs[i] with what replay.Prepare built (Replay runs them)
	table  *eval.FieldTable
	keys   []*indexKey    // the indexed fields of the rules' first disjunctions
	more   []*indexKey    // those of their further ones
	always []int          // the rules no index term selects: tested on every event...
	gates  [][]*eval.Path // ...that has a value at one of gates[j] (always[j]'s), when not nil
	// the indexed disjunctions: ruleOf[d] is the rule disjunction d is
	// of; a rule is a candidate when the event meets all needs[i] of its
	// indexed disjunctions
	ruleOf []int32
	needs  []int32
	// the keys of Set.more of rule i's further disjunctions, as a bit set
	// of moreWords words: bit k%64 of moreOf[i*moreWords+k/64] for key k
	moreOf    []uint64
	moreWords int
	// the same as slots of the table, to read against the slots an
	// event has (eval.Cache.Presence): keySlots those of Set.keys, whose
	// keys are keysAt[slot]; gateSlots[j] those of gates[j]
	keySlots  slotSet
	keysAt    [][]*indexKey
	gateSlots []slotSet
	pool      sync.Pool // of *matcher
	// what the replays done leave to the next (Replay): their batches,
	// and their workers' events.Lazy, each of which remembers the
	// top-level keys of the stream it read and where they lead in the
	// set's trees, which the next replay's events share
	batches spares[*batch]
	lazies  spares[*events.Lazy]
}

// slotSet is a set of slots of the set's table: bit s%64 of bits[s/64]
// for slot s; end is 1 + the highest.
type slotSet struct {
	bits []uint64
	end  int
}

// slotSetOf returns the slots of paths, of the table t.
func slotSetOf(t *eval.FieldTable, paths []*eval.Path) slotSet {
	ss := slotSet{bits: make([]uint64, (t.Len()+63)/64)}
	for _, p := range paths {
		_, s := p.Slot()
		ss.bits[s/64] |= 1 << (s % 64)
		ss.end = max(ss.end, s+1)
	}
	return ss
}

// meets reports whether the event has a value at one of the slots of ss,
// from the slots it may have values for (eval.Cache.Presence: present,
// below n); known is false when present does not tell.
func (ss *slotSet) meets(present []uint64, n int) (met, known bool) {
	if n < ss.end || len(present) < len(ss.bits) {
		return false, false
	}
	for w, b := range ss.bits {
		if b&present[w] != 0 {
			return true, true
		}
	}
	return false, true
}

// indexKey is one indexed field: the disjunctions (of Set.ruleOf) that
// one of its values meets, by value. A keyword field's values are
// strings; a numeric key's (an integer field's: eval.Term.Numeric) are
// integers in eval.IntTerm's form, strings or numbers.
type indexKey struct {
	path    *eval.Path
	numeric bool
	byValue map[string][]int32
	all     []int32 // the disjunctions with values of the field: met when a value is not one of the key's kind
	exists  []int32 // the disjunctions met by any value of the field
	at      int32   // the key's index in Set.keys or Set.more
	// sigs has bit valueSig(v) set for each value v of byValue: most
	// values an event has for a key are none of its values, and most of
	// those a test of their bit tells apart without hashing them
	sigs [4]uint64
}

// valueSig is the bit of indexKey.sigs of the value v: a mix of its
// length and its first and last bytes.
func valueSig(v string) uint {
	if v == "" {
		return 0
	}
	return uint(len(v)*7+int(v[0])*31+int(v[len(v)-1])) % 256
}

// lookup returns the disjunctions the value v meets through byValue.
func (k *indexKey) lookup(v string) []int32 {
	if s := valueSig(v); k.sigs[s/64]&(1<<(s%64)) == 0 {
		return nil
	}
	return k.byValue[v]
}

// maxIndexed is the most disjunctions of a rule the index files: the
// lightest first. Each further one spares the rule's program the events
// that fail it, at the cost of a lookup of its fields on every event.
const maxIndexed = 2

// New compiles the queries of rs (their own query: KQL, or the EQL query
// of a rule of type eql lowered by [replay.EQLSearch]: for a sequence
// or a sample, the filter of its stages, so that a sequence rule matches
// the events that can fill one of its stages and is indexed like an event
// query) into a set, with eval options such as a schema. It fails when a query does not
// compile, naming each rule that fails. [FromFiles] makes the set of the
// rules [Load] loaded without compiling them again.
func New(rs []*rules.Rule, opts ...eval.Option) (*Set, error) {
	return newSet(rs, make([]*replay.Prepared, len(rs)), opts)
}

// FromFiles is [New] of the rules of the files that loaded ([Rules]),
// in order. Each query is compiled once a run: Load compiled it
// ([File.Prepared]) and, without options, the set adopts that program
// into its table of fields rather than compile the query again, and its
// [Set.Replay] does not parse an EQL query again. A program is adopted by
// one set only ([replay.Prepared.Take]): a second set of the same files,
// a set with options or a rule whose query was changed since Load
// compiles its own.
func FromFiles(files []File, opts ...eval.Option) (*Set, error) {
	var rs []*rules.Rule
	var preps []*replay.Prepared
	for _, f := range files {
		if f.Status == Loaded {
			rs, preps = append(rs, f.Rule), append(preps, f.Prepared)
		}
	}
	if len(opts) > 0 {
		clear(preps) // compiled without options: not this set's programs
	}
	return newSet(rs, preps, opts)
}

// newSet compiles the set of rs; preps[i], when not nil, is rs[i]'s
// query as Load compiled it, whose program the set takes when it can.
func newSet(rs []*rules.Rule, preps []*replay.Prepared, opts []eval.Option) (*Set, error) {
	s := &Set{rules: rs, progs: make([]*eval.Program, len(rs)), preps: preps, table: eval.NewFieldTable()}
	var errs []error
	terms := make([][][]eval.Term, len(rs))
	for i, r := range rs {
		if p := preps[i].Take(r); p != nil { // compiled by Load
			s.table.Adopt(p)
			s.progs[i], terms[i] = p, p.RequiredTerms()
			continue
		}
		var err error
		if r.Type == rules.TypeEQL {
			// an EQL query: its lowered DSL, indexed as KQL is
			var dsl esdsl.Query
			if dsl, err = replay.EQLSearch(r); err == nil {
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
		s.preps[i] = replay.PreparedProgram(s.progs[i])
		terms[i] = s.progs[i].RequiredTerms()
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	s.index(terms)
	s.gates = make([][]*eval.Path, len(s.always))
	s.gateSlots = make([]slotSet, len(s.always))
	for j, i := range s.always {
		if ps, ok := s.progs[i].PresencePaths(); ok && len(ps) > 0 {
			s.gates[j] = ps
			s.gateSlots[j] = slotSetOf(s.table, ps)
		}
	}
	paths := make([]*eval.Path, len(s.keys))
	s.keysAt = make([][]*indexKey, s.table.Len())
	for i, k := range s.keys {
		paths[i] = k.path
		_, slot := k.path.Slot()
		s.keysAt[slot] = append(s.keysAt[slot], k)
	}
	s.keySlots = slotSetOf(s.table, paths)
	s.pool.New = func() any { return s.newMatcher() }
	return s, nil
}

// index files each rule under the disjunctions its query requires, at
// most maxIndexed of them, lightest first (those whose values the fewest
// rules need; one with an exists term after those without): an event
// makes the rule a candidate when it meets every one of them. The fields
// of further disjunctions are read only for an event that met a rule's
// first one.
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
	type fieldKind struct {
		field   string
		numeric bool
	}
	byField := [2]map[fieldKind]*indexKey{{}, {}}
	s.needs = make([]int32, len(required))
	moreOf := make([][]int32, len(required))
	for i, conj := range required {
		if len(conj) == 0 {
			s.always = append(s.always, i)
			continue
		}
		conj = slices.Clone(conj)
		slices.SortStableFunc(conj, func(a, b []eval.Term) int { return cost(a) - cost(b) })
		for rank, ts := range conj[:min(len(conj), maxIndexed)] {
			d := int32(len(s.ruleOf))
			s.ruleOf = append(s.ruleOf, int32(i))
			s.needs[i]++
			phase, keys := 0, &s.keys
			if rank > 0 {
				phase, keys = 1, &s.more
			}
			for _, t := range ts {
				fk := fieldKind{t.Field, t.Numeric}
				k := byField[phase][fk]
				if k == nil {
					k = &indexKey{path: s.table.Path(t.Field), numeric: t.Numeric, byValue: map[string][]int32{}, at: int32(len(*keys))}
					byField[phase][fk] = k
					*keys = append(*keys, k)
				}
				if phase == 1 && !slices.Contains(moreOf[i], k.at) {
					moreOf[i] = append(moreOf[i], k.at)
				}
				if t.Exists() {
					k.exists = append(k.exists, d)
					continue
				}
				k.all = append(k.all, d)
				for _, v := range t.Values {
					k.byValue[v] = append(k.byValue[v], d)
					sig := valueSig(v)
					k.sigs[sig/64] |= 1 << (sig % 64)
				}
			}
		}
	}
	s.moreWords = (len(s.more) + 63) / 64
	s.moreOf = make([]uint64, len(required)*s.moreWords)
	for i, ks := range moreOf {
		for _, k := range ks {
			s.moreOf[i*s.moreWords+int(k/64)] |= 1 << (k % 64)
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
	fields := map[string]bool{}
	for _, k := range slices.Concat(s.keys, s.more) {
		fields[k.path.Name] = true
	}
	return Stats{Rules: len(s.rules), Fields: s.table.Len(), IndexedRules: len(s.rules) - len(s.always), IndexFields: len(fields)}
}

// Check returns nil when the text of the lazy event is one JSON object,
// else the error events.CheckObject gives: e.Check with the set's table
// of fields, so that the walk Match makes of the event checks it too
// (events.ReadRawUnchecked). Call it after e.Reset and before Match, and
// match only an event it accepts.
func (s *Set) Check(e *events.Lazy) error { return e.Check(s.table) }

// Match appends to dst the indexes of the rules whose query matches the
// event, in increasing order, and returns it. The result is that of each
// rule's own program; the set resolves each field once and tests only the
// rules the event's values select. It allocates nothing in steady state
// for map events; a lazy event passes its strings and numbers unboxed
// (eval.Cache keeps their text), and allocates only the objects it decodes
// and the values a matcher takes boxed.
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
	met   []uint32 // met[d] == gen: the event meets disjunction d
	mark  []uint32 // mark[i] == gen: hits[i] counts rule i's disjunctions met
	hits  []int32
	want  []uint64 // bit k%64 of want[k/64]: a rule of Set.more[k] met a disjunction
	// further: the keys read are those of Set.more (add)
	further bool
	cands   []int
	pick    picker
	s       *Set
}

func (s *Set) newMatcher() *matcher {
	m := &matcher{cache: eval.NewCache(s.table), met: make([]uint32, len(s.ruleOf)),
		mark: make([]uint32, len(s.rules)), hits: make([]int32, len(s.rules)), want: make([]uint64, s.moreWords), s: s}
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
	switch v := x.(type) {
	case string:
		return p.VisitString(v)
	case json.Number:
		return p.VisitNumber(string(v))
	}
	p.m.add(p.key.exists)
	p.m.add(p.key.all)
	return false
}

// VisitString implements [eval.StringVisitor]: a string value, unboxed.
func (p *picker) VisitString(v string) bool {
	p.m.add(p.key.exists)
	if p.key.numeric && !eval.IntTerm(v) {
		p.m.add(p.key.all) // it may still be one of the integers
		return false
	}
	p.m.add(p.key.lookup(v))
	return false
}

// VisitNumber implements [eval.NumberVisitor]: a number's text, unboxed.
// A keyword field matches it through its text form, which may be any
// of the values; an integer field's numeric key looks it up when it is
// an integer in eval.IntTerm's form.
func (p *picker) VisitNumber(text string) bool {
	p.m.add(p.key.exists)
	if p.key.numeric && eval.IntTerm(text) {
		p.m.add(p.key.lookup(text))
		return false
	}
	p.m.add(p.key.all)
	return false
}

// add records that the event meets the disjunctions ds: a rule that
// has all of its own met becomes a candidate. The first disjunction a
// rule meets makes the keys of its further ones wanted: only a rule that
// met some may need them (a rule that meets all of its own needs none,
// and a rule that meets none cannot become a candidate through them;
// reading a key no rule needs changes no answer).
//
// Once the keys of the first disjunctions are read (further), a rule
// that met none of its own (its first) can no longer become a
// candidate: its further disjunctions are passed over without a mark.
// The long lists are those of further keys (event.type:start is a
// further disjunction of some 250 rules), most of whose rules did not
// meet their first.
func (m *matcher) add(ds []int32) {
	if len(ds) > 0 { // most lists a value looks up: inlined, no call
		m.addAll(ds)
	}
}

// addAll is add of a list that is not empty.
func (m *matcher) addAll(ds []int32) {
	gen, met, mark, hits := m.gen, m.met, m.mark, m.hits
	ruleOf, needs, moreOf, words := m.s.ruleOf, m.s.needs, m.s.moreOf, m.s.moreWords
	further := m.further
	for _, d := range ds {
		i := ruleOf[d]
		if further && mark[i] != gen {
			continue
		}
		if met[d] == gen {
			continue
		}
		met[d] = gen
		if mark[i] != gen {
			mark[i], hits[i] = gen, 0
			for w, b := range moreOf[int(i)*words : int(i+1)*words] {
				m.want[w] |= b
			}
		}
		if hits[i]++; hits[i] == needs[i] {
			m.cands = append(m.cands, int(i))
		}
	}
}

// absentAll reports whether the event is known to have no value at any
// of the paths of gate j: a rule that needs one (Program.PresencePaths)
// cannot match. present and n are the event's (eval.Cache.Presence).
func (m *matcher) absentAll(j int, present []uint64, n int) bool {
	if met, known := m.s.gateSlots[j].meets(present, n); known {
		return !met
	}
	for _, p := range m.s.gates[j] {
		if !m.cache.Absent(p) {
			return false
		}
	}
	return true
}

// values visits the values of the field of key k with the picker. The
// values of an event that told which fields it has (direct) are read
// from it: a lazy event reads them where its walk noted them, and the
// cache keeps only the fields the rules' programs read (most of the
// keys' values select no rule, and a copy of each into the cache cost
// more than reading again the few a program reads); those of another
// event through the cache, which the programs read them from.
func (m *matcher) values(k *indexKey, direct bool) {
	m.pick.key = k
	if direct {
		m.cache.Event().Values(k.path, &m.pick)
	} else {
		m.cache.Values(k.path, &m.pick)
	}
}

func (m *matcher) match(s *Set, e eval.Event, dst []int, spent []time.Duration) []int {
	m.gen++
	if m.gen == 0 {
		clear(m.met)
		clear(m.mark)
		m.gen = 1
	}
	m.cands = m.cands[:0]
	clear(m.want)
	m.further = false
	m.cache.Reset(e)
	present, n := m.cache.Presence()
	_, known := s.keySlots.meets(present, n)
	if known {
		// the keys whose fields the event has, by their slots: most
		// keys, for most events, cost nothing
		for w, b := range s.keySlots.bits {
			for x := b & present[w]; x != 0; x &= x - 1 {
				for _, k := range s.keysAt[w*64+bits.TrailingZeros64(x)] {
					m.values(k, true)
				}
			}
		}
	} else {
		for _, k := range s.keys {
			if !m.cache.Absent(k.path) {
				m.values(k, false)
			}
		}
	}
	// the further keys of the rules that met a disjunction (a rule can
	// be a candidate only when it met its first: the keys its further
	// ones make wanted here change nothing)
	m.further = true
	for w, b := range m.want {
		for x := b; x != 0; x &= x - 1 {
			if k := s.more[w*64+bits.TrailingZeros64(x)]; !m.cache.Absent(k.path) {
				m.values(k, known)
			}
		}
	}
	for j, i := range s.always {
		if g := s.gates[j]; g == nil || !m.absentAll(j, present, n) {
			m.cands = append(m.cands, i)
		}
	}
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
