package eql

// Matcher finds the sequences of a [SequencePlan] in events fed to it in
// event time (by [Ordinal]), as Elasticsearch's SequenceMatcher does
// over the pages its TumblingWindow fetches
// (x-pack/plugin/eql/src/main/java/org/elasticsearch/xpack/eql/execution/sequence/).
//
// Elasticsearch keeps, per join key and stage, a SequenceGroup of the
// sequences waiting for the next stage; an event of stage s extends the
// latest sequence of stage s-1 before it (SequenceGroup.trimBefore) and
// drops every older one of that group. Fed in event time, every
// sequence waiting in a group is before the event, so the one extended
// is always the newest and the group never needs more than one entry:
// a Matcher keeps one pending sequence per join key and stage, and a
// newer one replaces an older one. The extended sequence is then checked
// as SequenceMatcher.match does: maxspan from its first event (a
// sequence that is too long is dropped, and so is the event's chance to
// extend an older one), then until (an until event of the same key
// between the sequence's last event and this one drops it; the matcher
// drops the key's pending sequences when the until event arrives, which
// is the same). Pending sequences older than maxspan are expired, so
// with maxspan memory is bounded by the events of one maxspan. A
// sequence with missing-event stages ("![...]") is checked as
// TumblingWindow.doCheckMissingEvents checks it once its positive
// stages are complete: no event of a middle missing stage with the same
// key strictly between its neighbours' timestamps (in milliseconds), and
// the leading and trailing conditions on the latest event before its
// start and the first after its end.
//
// A Matcher is not safe for concurrent use. Save and [RestoreMatcher]
// carry its state from one execution window to the next.
type Matcher struct {
	plan     *SequencePlan
	limit    int
	keys     map[string]*keyState
	live     int
	expiry   []*pending // by start, with maxspan only
	hist     map[histKey]*marks
	histFIFO []histMark // with maxspan only
	histN    int
	waiting  []*candidate
	done     []*FoundSequence
	last     Ordinal
	started  bool
	stats    MatcherStats
	observe  func(Step) // nil: not observed
	cur      *Event     // the event being added, for the observer
}

// Step is one thing a [Matcher] did with a pending sequence, as the
// function given to [Matcher.Observe] sees it: which event filled which
// stage, and why a pending sequence was dropped.
type Step struct {
	Kind StepKind
	// Stage is the stage the step is about, from 0 (the until stage is
	// Stages()).
	Stage int
	// Key are the join key's values (nil for a null key).
	Key []any
	// Event is the event being added when the step happened: the one
	// that filled the stage, the until event, the event whose time
	// expired a sequence (or, for a step of Flush, nil).
	Event *Event
	// Sequence is the pending sequence's events by stage (nil where not
	// filled yet), after the step. It is the matcher's own: copy what is
	// kept beyond the call.
	Sequence []*Event
}

// StepKind is what a [Step] did.
type StepKind uint8

// The steps of a [Matcher].
const (
	// StepStarted: the event filled the first stage, a new pending
	// sequence of its key.
	StepStarted StepKind = iota
	// StepExtended: the event filled Stage of its key's sequence waiting
	// for it.
	StepExtended
	// StepNoPending: the event matched Stage but no sequence of its key
	// waits for that stage.
	StepNoPending
	// StepReplaced: a newer sequence of the same key reached the same
	// stage and replaced this one (SequenceGroup.trimBefore keeps the
	// latest).
	StepReplaced
	// StepMaxspan: the event would have extended the sequence, but came
	// after maxspan from its first event: the sequence is dropped.
	StepMaxspan
	// StepUntil: an until event of the same key dropped the sequence.
	StepUntil
	// StepExpired: the sequence outlived maxspan without being extended.
	StepExpired
	// StepCompleted: the sequence is complete and found.
	StepCompleted
	// StepMissing: a missing-event stage discarded the complete
	// sequence.
	StepMissing
)

var stepNames = [...]string{"started", "extended", "no pending sequence", "replaced", "dropped: maxspan", "dropped: until", "expired: maxspan", "completed", "discarded: missing event"}

// String names the step kind.
func (k StepKind) String() string { return stepNames[k] }

// Observe makes the matcher call f with each step it takes from now on
// (nil stops it). f must not call the matcher.
func (m *Matcher) Observe(f func(Step)) { m.observe = f }

func (m *Matcher) step(k StepKind, stage int, key []any, seq []*Event) {
	if m.observe != nil {
		m.observe(Step{Kind: k, Stage: stage, Key: key, Event: m.cur, Sequence: seq})
	}
}

// MatcherStats counts what a Matcher did, as SequenceMatcher.Stats.
type MatcherStats struct {
	Seen             int // stage matches looked at
	Completed        int // sequences found
	RejectedMaxspan  int // pending sequences an event reached after maxspan
	RejectedUntil    int // pending sequences an until event dropped
	ExpiredMaxspan   int // pending sequences that outlived maxspan unextended
	DiscardedMissing int // sequences a missing-event stage discarded
}

type keyState struct {
	vals  []any
	slots []*pending
}

type pending struct {
	key    joinKey
	events []*Event
	start  Ordinal
	stage  int
	dead   bool
}

type histKey struct {
	stage int
	key   string
}

// marks are the timestamps of the events of one missing-event stage
// with one key, in event time.
type marks struct {
	vals []any
	ts   []int64
}

type histMark struct {
	k  histKey
	ts int64
}

type candidate struct {
	seq   *FoundSequence
	start int64
	ll    *int64
	done  bool
}

// NewMatcher returns a Matcher with no pending sequences.
func (p *SequencePlan) NewMatcher() *Matcher {
	limit := p.MaxFlight
	if limit <= 0 {
		limit = DefaultMaxInFlight
	}
	return &Matcher{plan: p, limit: limit, keys: map[string]*keyState{}, hist: map[histKey]*marks{}}
}

// Stats returns what the matcher did so far.
func (m *Matcher) Stats() MatcherStats { return m.stats }

// Pending is the number of sequences waiting for their next stage.
func (m *Matcher) Pending() int { return m.live }

// Add feeds one event. Events must come in [Ordinal] order
// ([ErrOutOfOrder] otherwise). The sequences it completes are returned by
// [Matcher.Drain]. An [*InFlightError] ends a run that would hold more
// than the plan's limit.
func (m *Matcher) Add(ev *Event) error {
	if m.started && ev.Ordinal.Compare(m.last) < 0 {
		return ErrOutOfOrder
	}
	m.last, m.started = ev.Ordinal, true
	m.cur = ev
	p := m.plan
	now := ev.Ordinal.Timestamp
	m.expire(now)
	if !ev.masked {
		ev.mask, ev.masked = p.stageMask(ev.Doc)
	}
	if p.anyMiss {
		for i, s := range p.stages {
			if s.missing && p.matches(ev, i) {
				for _, k := range s.joinKeys(ev.Doc, false) {
					m.mark(i, k, now)
				}
			}
		}
	}
	for s := p.lastPos; s >= p.firstPos; s-- {
		st := p.stages[s]
		if st.missing || !p.matches(ev, s) {
			continue
		}
		for _, k := range st.joinKeys(ev.Doc, false) {
			m.stats.Seen++
			m.advance(s, k, ev)
		}
	}
	if p.until != nil && p.matches(ev, -1) {
		for _, k := range p.until.joinKeys(ev.Doc, false) {
			m.untilKey(k.enc)
		}
	}
	if n := m.live + len(m.expiry) + m.histN + len(m.waiting) + len(m.done); n > m.limit {
		return &InFlightError{Limit: m.limit}
	}
	return nil
}

// Flush ends the input: sequences waiting for a trailing missing-event
// stage are decided as if no later event came. Call it at the end of the
// events, not between execution windows.
func (m *Matcher) Flush() {
	m.cur = nil
	for _, c := range m.waiting {
		if !c.done {
			m.decide(c, nil)
		}
	}
	m.waiting = nil
}

// Drain returns the sequences completed since the last call, in the
// order they were decided, and forgets them.
func (m *Matcher) Drain() []*FoundSequence {
	out := m.done
	m.done = nil
	return out
}

func (p *SequencePlan) prevPositive(s int) int {
	for i := s - 1; i >= 0; i-- {
		if !p.stages[i].missing {
			return i
		}
	}
	return -1
}

func (p *SequencePlan) nextPositive(s int) int {
	for i := s + 1; i < len(p.stages); i++ {
		if !p.stages[i].missing {
			return i
		}
	}
	return -1
}

func (m *Matcher) advance(s int, k joinKey, ev *Event) {
	p := m.plan
	if s == p.firstPos {
		pd := &pending{key: k, events: make([]*Event, len(p.stages)), start: ev.Ordinal, stage: s}
		pd.events[s] = ev
		m.step(StepStarted, s, k.vals, pd.events)
		if s == p.lastPos {
			m.complete(pd)
			return
		}
		m.put(s, pd)
		if p.maxSpan > 0 {
			m.expiry = append(m.expiry, pd)
		}
		return
	}
	prev := p.prevPositive(s)
	ks := m.keys[k.enc]
	if ks == nil || ks.slots[prev] == nil {
		m.step(StepNoPending, s, k.vals, nil)
		return
	}
	pd := ks.slots[prev]
	m.take(ks, k.enc, prev)
	if p.maxSpan > 0 && ev.Ordinal.Timestamp-pd.start.Timestamp > p.maxSpan {
		m.stats.RejectedMaxspan++
		pd.dead = true
		m.step(StepMaxspan, s, k.vals, pd.events)
		return
	}
	pd.events[s] = ev
	pd.stage = s
	m.step(StepExtended, s, k.vals, pd.events)
	if s == p.lastPos {
		pd.dead = true
		m.complete(pd)
		return
	}
	m.put(s, pd)
}

// put makes pd the pending sequence of its key at stage s.
func (m *Matcher) put(s int, pd *pending) {
	ks := m.keys[pd.key.enc]
	if ks == nil {
		ks = &keyState{vals: pd.key.vals, slots: make([]*pending, len(m.plan.stages))}
		m.keys[pd.key.enc] = ks
	}
	if old := ks.slots[s]; old != nil {
		old.dead = true
		m.live--
		m.step(StepReplaced, s, old.key.vals, old.events)
	}
	ks.slots[s] = pd
	pd.stage = s
	m.live++
}

// take removes the pending sequence of stage s of a key.
func (m *Matcher) take(ks *keyState, enc string, s int) {
	ks.slots[s] = nil
	m.live--
	for _, o := range ks.slots {
		if o != nil {
			return
		}
	}
	delete(m.keys, enc)
}

func (m *Matcher) untilKey(enc string) {
	ks := m.keys[enc]
	if ks == nil {
		return
	}
	for _, pd := range ks.slots {
		if pd != nil {
			pd.dead = true
			m.live--
			m.stats.RejectedUntil++
			m.step(StepUntil, len(m.plan.stages), pd.key.vals, pd.events)
		}
	}
	delete(m.keys, enc)
}

// expire drops what maxspan has made useless by now.
func (m *Matcher) expire(now int64) {
	p := m.plan
	if p.maxSpan <= 0 {
		return
	}
	i := 0
	for ; i < len(m.expiry) && now-m.expiry[i].start.Timestamp > p.maxSpan; i++ {
		pd := m.expiry[i]
		if pd.dead {
			continue
		}
		if ks := m.keys[pd.key.enc]; ks != nil && ks.slots[pd.stage] == pd {
			pd.dead = true
			m.take(ks, pd.key.enc, pd.stage)
			m.stats.ExpiredMaxspan++
			m.step(StepExpired, pd.stage, pd.key.vals, pd.events)
		}
	}
	m.expiry = compact(m.expiry, i)
	// Missing-event marks older than maxspan (and a millisecond, the
	// precision of the range queries) can no longer decide anything.
	unit := int64(1)
	if p.nanos {
		unit = 1e6
	}
	j := 0
	for ; j < len(m.histFIFO) && m.histFIFO[j].ts < now-p.maxSpan-unit; j++ {
		hk := m.histFIFO[j].k
		if l := m.hist[hk]; l != nil && len(l.ts) > 1 {
			l.ts = l.ts[1:]
		} else {
			delete(m.hist, hk)
		}
		m.histN--
	}
	m.histFIFO = compact(m.histFIFO, j)
	if len(m.waiting) > 0 {
		kept := m.waiting[:0]
		for _, c := range m.waiting {
			switch {
			case c.done:
			case now-c.start > p.maxSpan:
				m.decide(c, nil)
			default:
				kept = append(kept, c)
			}
		}
		clear(m.waiting[len(kept):])
		m.waiting = kept
	}
}

// compact drops the first n elements, reusing the array when it is
// mostly consumed.
func compact[T any](s []T, n int) []T {
	if n == 0 {
		return s
	}
	if n >= len(s)/2 {
		rest := copy(s, s[n:])
		clear(s[rest:])
		return s[:rest]
	}
	return s[n:]
}

// mark records an event of missing-event stage i with key enc, and
// decides the sequences waiting for a trailing event of that key.
func (m *Matcher) mark(i int, k joinKey, ts int64) {
	enc := k.enc
	hk := histKey{i, enc}
	l := m.hist[hk]
	if l == nil {
		l = &marks{vals: k.vals}
		m.hist[hk] = l
	}
	l.ts = append(l.ts, ts)
	m.histN++
	if m.plan.maxSpan > 0 {
		m.histFIFO = append(m.histFIFO, histMark{hk, ts})
	}
	if i > m.plan.lastPos {
		for _, c := range m.waiting {
			if !c.done && c.seq.key == enc && ts > m.msFloor(c.seq.last.Timestamp) {
				t := ts
				m.decide(c, &t)
			}
		}
	}
}

// msFloor is a timestamp cut to the millisecond, as the range queries of
// the missing-event checks bound it (Instant.toEpochMilli).
func (m *Matcher) msFloor(ts int64) int64 {
	if m.plan.nanos {
		return ts - ts%1e6
	}
	return ts
}

func (m *Matcher) complete(pd *pending) {
	p := m.plan
	seq := &FoundSequence{JoinKeys: pd.key.vals, Events: pd.events, key: pd.key.enc, last: pd.events[p.lastPos].Ordinal}
	if !p.anyMiss {
		m.stats.Completed++
		m.done = append(m.done, seq)
		m.step(StepCompleted, p.lastPos, seq.JoinKeys, seq.Events)
		return
	}
	// TumblingWindow.prepareQueryForMissingEvents: the middle stages
	// search between their neighbours, the leading ones before the
	// start (the latest), the trailing ones after the end (the first).
	var ll *int64
	start := pd.start.Timestamp
	for i, s := range p.stages {
		if !s.missing {
			continue
		}
		var marks []int64
		if l := m.hist[histKey{i, pd.key.enc}]; l != nil {
			marks = l.ts
		}
		switch {
		case i < p.firstPos:
			bound := m.msFloor(start)
			for j := len(marks) - 1; j >= 0; j-- {
				if marks[j] < bound {
					if ll == nil || *ll < marks[j] {
						t := marks[j]
						ll = &t
					}
					break
				}
			}
		case i > p.lastPos:
		default:
			lo := m.msFloor(pd.events[p.prevPositive(i)].Ordinal.Timestamp)
			hi := m.msFloor(pd.events[p.nextPositive(i)].Ordinal.Timestamp)
			for _, t := range marks {
				if t > lo && t < hi {
					m.stats.DiscardedMissing++
					m.step(StepMissing, i, seq.JoinKeys, seq.Events)
					return
				}
			}
		}
	}
	c := &candidate{seq: seq, start: start, ll: ll}
	if p.lastPos == len(p.stages)-1 {
		m.decide(c, nil)
		return
	}
	var ft *int64
	bound := m.msFloor(seq.last.Timestamp)
	for i := p.lastPos + 1; i < len(p.stages); i++ {
		l := m.hist[histKey{i, pd.key.enc}]
		if l == nil {
			continue
		}
		for _, t := range l.ts {
			if t > bound && (ft == nil || t < *ft) {
				tt := t
				ft = &tt
			}
		}
	}
	if ft != nil {
		m.decide(c, ft)
		return
	}
	m.waiting = append(m.waiting, c)
}

// decide keeps or discards a sequence with missing-event stages as
// TumblingWindow.doCheckMissingEvents does, given the latest leading
// missing event (c.ll) and the first trailing one (ft), nil for none.
func (m *Matcher) decide(c *candidate, ft *int64) {
	c.done = true
	p := m.plan
	m0, mL := p.stages[0].missing, p.stages[len(p.stages)-1].missing
	ll := c.ll
	last := c.seq.last.Timestamp
	big := func(a, b *int64) bool {
		if a == nil || b == nil {
			return true
		}
		return p.maxSpan > 0 && *b-*a > p.maxSpan
	}
	keep := (ft == nil && ll == nil) ||
		(ll == nil && m0) ||
		(ft == nil && mL) ||
		(m0 && mL && big(ll, ft)) ||
		(m0 && !mL && big(ll, &last)) ||
		(!m0 && mL && big(&c.start, ft))
	if !keep {
		m.stats.DiscardedMissing++
		m.step(StepMissing, p.lastPos, c.seq.JoinKeys, c.seq.Events)
		return
	}
	m.stats.Completed++
	m.done = append(m.done, c.seq)
	m.step(StepCompleted, p.lastPos, c.seq.JoinKeys, c.seq.Events)
}
