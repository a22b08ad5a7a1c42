package rules

import (
	"encoding/json"
	"unsafe"
)

// Detach copies every string of r (and of its Source's warnings) into
// one block of memory of its own and drops its Source's text (as
// [Source.Value] and [Source.Line] then find nothing), so that r no
// longer holds the file it was decoded from: [Parse] gives strings that
// share the file's memory, and a rule kept for long, such as a rule
// set's, would keep its whole file alive with them. Clear what the
// caller does not keep (Note, Setup) before, and it is not copied.
// The strings are replaced in place: in r, in its slices and in the maps
// of its tables (Extra), which another rule sharing them sees too.
// Detach returns r.
func (r *Rule) Detach() *Rule { return r.DetachWith(nil) }

// DetachWith is [Rule.Detach] keeping one copy in shared (when not nil)
// of the strings many rules hold alike: the rules detached with it hold
// the same copy of a tag, an author, a license, an index pattern, the
// names, ids and references of MITRE ATT&CK tactics and techniques, the
// keys of Extra and the like (their type, language, severity, dates and
// maturity).
func (r *Rule) DetachWith(shared *Strings) *Rule {
	var own walkScratch
	d := detacher{shared: shared, scratch: &own}
	if shared != nil {
		d.scratch = &shared.scratch
	}
	d.rule(r) // count
	d.buf = make([]byte, 0, d.n)
	d.rule(r) // copy
	d.scratch.reset()
	r.Source = Source{File: r.Source.File, Format: r.Source.Format, Warnings: r.Source.Warnings}
	return r
}

// detacher walks a rule's strings twice: first counting their bytes (buf
// nil), then copying them into buf, which holds them all. A string the
// first walk did not count is copied still (buf then grows, and what it
// held before stays where it was). The second walk visits the strings in
// the order of the first: the first notes the entries of each table in
// the order it visits them (scratch.order), and what it found in shared
// for each common string (scratch.found), which the second takes rather
// than look each string up again.
type detacher struct {
	n       int
	buf     []byte
	shared  *Strings // nil: common copies as str does
	scratch *walkScratch
	// next and nextFound are where the second walk is in scratch.order
	// and scratch.found
	next, nextFound int
}

// Strings holds one copy of each string that rules detached with it
// ([Rule.DetachWith]) hold alike. Its zero value is empty and ready; it
// is not safe for concurrent use.
type Strings struct {
	m       map[string]string
	scratch walkScratch // the detacher's notes, reused rule after rule
}

// sharedHint is the room a Strings makes at its first string.
const sharedHint = 4096

// walkScratch is what a detacher's first walk notes for its second.
type walkScratch struct {
	order []pair   // the entries of the tables, each table's together, in the order visited
	found []string // the copy in shared of each common string, "" when it had none
	hit   []bool   // whether shared had it
}

// reset empties s, keeping its memory but none of the strings it noted.
func (s *walkScratch) reset() {
	clear(s.order)
	clear(s.found)
	s.order, s.found, s.hit = s.order[:0], s.found[:0], s.hit[:0]
}

// common is str for a string many rules hold alike: the copy in
// d.shared, made once.
func (d *detacher) common(s string) string {
	if d.shared == nil {
		return d.str(s)
	}
	if d.buf == nil {
		c, ok := d.shared.m[s]
		d.scratch.found, d.scratch.hit = append(d.scratch.found, c), append(d.scratch.hit, ok)
		if ok {
			return c
		}
		d.n += len(s)
		return s
	}
	if i := d.nextFound; i < len(d.scratch.hit) {
		d.nextFound++
		if d.scratch.hit[i] {
			return d.scratch.found[i]
		}
	}
	// not in shared when the first walk looked: copied earlier in this
	// walk, maybe
	c, ok := d.shared.m[s]
	if ok {
		return c
	}
	c = d.str(s)
	if d.shared.m == nil {
		// sized for a tree of rules: Elastic's holds about 2,600 such
		// strings, and a map grown to them by doubling leaves its
		// smaller tables behind as garbage
		d.shared.m = make(map[string]string, sharedHint)
	}
	d.shared.m[c] = c
	return c
}

func (d *detacher) commons(ss []string) {
	for i := range ss {
		ss[i] = d.common(ss[i])
	}
}

func (d *detacher) str(s string) string {
	if d.buf == nil {
		d.n += len(s)
		return s
	}
	if s == "" {
		return "" // an empty substring points into the text too
	}
	i := len(d.buf)
	d.buf = append(d.buf, s...)
	return unsafe.String(&d.buf[i], len(s))
}

func (d *detacher) strs(ss []string) {
	for i := range ss {
		ss[i] = d.str(ss[i])
	}
}

func (d *detacher) raw(ms []json.RawMessage) {
	for i, m := range ms {
		if d.buf == nil {
			d.n += len(m)
			continue
		}
		j := len(d.buf)
		d.buf = append(d.buf, m...)
		ms[i] = d.buf[j:len(d.buf):len(d.buf)]
	}
}

func (d *detacher) rule(r *Rule) {
	r.RuleID, r.Name, r.Description = d.str(r.RuleID), d.str(r.Name), d.str(r.Description)
	r.Type, r.Language = Type(d.common(string(r.Type))), Language(d.common(string(r.Language)))
	r.Query, r.Severity = d.str(r.Query), Severity(d.common(string(r.Severity)))
	d.commons(r.Index)
	r.From, r.TimestampOverride = d.common(r.From), d.common(r.TimestampOverride)
	if t := r.Threshold; t != nil {
		d.strs(t.Field)
		for i := range t.Cardinality {
			t.Cardinality[i].Field = d.str(t.Cardinality[i].Field)
		}
	}
	d.strs(r.NewTermsFields)
	r.HistoryWindowStart = d.str(r.HistoryWindowStart)
	if s := r.AlertSuppression; s != nil {
		d.strs(s.GroupBy)
		if s.Duration != nil {
			s.Duration.Unit = d.str(s.Duration.Unit)
		}
		s.MissingFieldsStrategy = d.str(s.MissingFieldsStrategy)
	}
	d.strs(r.ThreatIndex)
	r.ThreatQuery, r.ThreatLanguage = d.str(r.ThreatQuery), Language(d.str(string(r.ThreatLanguage)))
	d.raw(r.ThreatFilters)
	for i := range r.ThreatMapping {
		for j := range r.ThreatMapping[i].Entries {
			e := &r.ThreatMapping[i].Entries[j]
			e.Field, e.Value, e.Type = d.str(e.Field), d.str(e.Value), d.str(e.Type)
		}
	}
	r.ThreatIndicatorPath = d.str(r.ThreatIndicatorPath)
	d.raw(r.Filters)
	r.RuleNameOverride = d.str(r.RuleNameOverride)
	for i := range r.SeverityMapping {
		m := &r.SeverityMapping[i]
		m.Field, m.Operator, m.Value, m.Severity = d.str(m.Field), d.str(m.Operator), d.str(m.Value), Severity(d.str(string(m.Severity)))
	}
	for i := range r.RiskScoreMapping {
		m := &r.RiskScoreMapping[i]
		m.Field, m.Operator, m.Value = d.str(m.Field), d.str(m.Operator), d.str(m.Value)
	}
	for i := range r.ExceptionsList {
		x := &r.ExceptionsList[i]
		x.ID, x.ListID, x.Type, x.NamespaceType = d.str(x.ID), d.str(x.ListID), d.str(x.Type), d.str(x.NamespaceType)
	}
	d.commons(r.Tags)
	for i := range r.Threat {
		t := &r.Threat[i]
		t.Framework = d.common(t.Framework)
		t.Tactic = Tactic{ID: d.common(t.Tactic.ID), Name: d.common(t.Tactic.Name), Reference: d.common(t.Tactic.Reference)}
		d.techniques(t.Techniques)
	}
	d.strs(r.FalsePositives)
	d.strs(r.References)
	d.commons(r.Author)
	r.License, r.Note, r.Setup, r.BuildingBlockType = d.common(r.License), d.str(r.Note), d.str(r.Setup), d.common(r.BuildingBlockType)
	md := &r.Metadata
	md.CreationDate, md.UpdatedDate, md.DeprecationDate = d.common(md.CreationDate), d.common(md.UpdatedDate), d.common(md.DeprecationDate)
	md.Maturity, md.MinStackVersion, md.MinStackComments = d.common(md.Maturity), d.common(md.MinStackVersion), d.common(md.MinStackComments)
	d.commons(md.Integration)
	md.Extra = d.table(md.Extra)
	for i := range r.History {
		v := &r.History[i]
		v.Release, v.Query, v.Note = d.str(v.Release), d.str(v.Query), d.str(v.Note)
		for j := range v.Changes {
			v.Changes[j] = Change(d.str(string(v.Changes[j])))
		}
		d.strs(v.Index)
		d.strs(v.Inferred)
	}
	r.Extra = d.table(r.Extra)
	for i := range r.Source.Warnings {
		p := &r.Source.Warnings[i]
		p.File, p.Field, p.Msg, p.Snippet = d.str(p.File), d.str(p.Field), d.str(p.Msg), d.str(p.Snippet)
	}
}

func (d *detacher) techniques(ts []Technique) {
	for i := range ts {
		t := &ts[i]
		t.ID, t.Name, t.Reference = d.common(t.ID), d.common(t.Name), d.common(t.Reference)
		d.techniques(t.Subtechniques)
	}
}

// table copies the keys and values of a decoded table (Extra) into the
// same map: its entries, which the first walk set aside in the order it
// visited them (scratch.order, where the tables in its values follow),
// go in again as copies once the map is cleared, as a key cannot change
// in place.
func (d *detacher) table(m map[string]any) map[string]any {
	if m == nil {
		return nil
	}
	sc := d.scratch
	if d.buf == nil {
		start := len(sc.order)
		for k, v := range m {
			sc.order = append(sc.order, pair{k, v})
		}
		end := len(sc.order)
		for i := start; i < end; i++ { // the tables in the values note theirs after
			d.common(sc.order[i].k)
			d.value(sc.order[i].v)
		}
		return m
	}
	start := d.next
	d.next += len(m)
	clear(m)
	for _, p := range sc.order[start:d.next] {
		m[d.common(p.k)] = d.value(p.v)
	}
	return m
}

// pair is an entry of a table being copied.
type pair struct {
	k string
	v any
}

// value copies a decoded value: the strings, lists and tables in it.
func (d *detacher) value(v any) any {
	switch x := v.(type) {
	case string:
		if d.buf == nil {
			d.n += len(x)
			return v
		}
		return d.str(x)
	case []any:
		for i, e := range x {
			x[i] = d.value(e)
		}
	case []string:
		d.strs(x)
	case map[string]any:
		return d.table(x)
	case []map[string]any:
		for i, e := range x {
			x[i] = d.table(e)
		}
	}
	return v
}
