package replay

import (
	"cmp"
	"fmt"
	"slices"
)

// scopeClass is what the events with one index are for every group of
// rules in time order: the events' counts of a Report and the groups'
// time bounds are summed by class and timestamp field as the events come,
// and given to the groups at the end (settle), so that an event costs
// the replay its class and its timestamp fields, not a visit of every
// group. (In arrival order an event moves the schedules of the groups it
// is in: observe visits each group.)
type scopeClass struct {
	scopes []scope     // by group
	n      int         // events
	byTime []classTime // by timestamp field
}

// classTime counts a class's events for one timestamp field.
type classTime struct {
	noTime, refused, inScope      int
	minT, maxT                    int64 // of the events in scope (inScope > 0)
	noTimeSamples, refusedSamples []genSample
}

// genSample is a Sample and its event's place in the stream.
type genSample struct {
	gen int64
	s   Sample
}

// classKey names a class: the events' index, and whether they have one.
type classKey struct {
	index    string
	hasIndex bool
}

// maxClasses bounds the classes held between two settles: a stream of
// many distinct indexes settles them as it goes.
const maxClasses = 256

// classOf returns the class of an event with facts f.
func (r *Replay) classOf(f *Facts) *scopeClass {
	k := classKey{f.index, f.hasIndex}
	if r.lastClass != nil && r.lastKey == k {
		return r.lastClass
	}
	c := r.classes[k]
	if c == nil {
		if len(r.classes) >= maxClasses {
			r.settle()
		}
		c = &scopeClass{scopes: make([]scope, len(r.groups)), byTime: make([]classTime, len(r.times))}
		for gi, g := range r.groups {
			c.scopes[gi] = g.rep.scopeOf(f.index, f.hasIndex)
		}
		if r.classes == nil {
			r.classes = map[classKey]*scopeClass{}
		}
		r.classes[k] = c
	}
	r.lastKey, r.lastClass = k, c
	return c
}

// count counts an event of the class: for each timestamp field, without
// a usable time, refused by the mapping, or in scope at its time.
func (c *scopeClass) count(f *Facts, gen int64, ev *Event) {
	c.n++
	for ti := range c.byTime {
		ct, et := &c.byTime[ti], &f.times[ti]
		switch {
		case et.why != "":
			ct.noTime++
			if len(ct.noTimeSamples) < maxSamples {
				ct.noTimeSamples = append(ct.noTimeSamples, genSample{gen, Sample{File: ev.File, Line: ev.Line, Why: et.why}})
			}
		case f.refused:
			// Elasticsearch would have refused the document at index
			// time (a mapper_parsing_exception): no execution can
			// find it
			ct.refused++
			if len(ct.refusedSamples) < maxSamples {
				ct.refusedSamples = append(ct.refusedSamples, genSample{gen, Sample{File: ev.File, Line: ev.Line, Why: fmt.Sprintf("the mapping of %s refuses its value", f.refusedField)}})
			}
		default:
			if ct.inScope == 0 {
				ct.minT, ct.maxT = et.t, et.t
			}
			ct.minT, ct.maxT = min(ct.minT, et.t), max(ct.maxT, et.t)
			ct.inScope++
		}
	}
}

// takes reports whether group gi's rules take the event being added (of
// class c): in scope, with a usable time, not refused.
func (c *scopeClass) takes(gi int, g *replayGroup, f *Facts) bool {
	return c.scopes[gi] == inScope && f.times[g.time].why == "" && !f.refused
}

// settle gives the groups the counts and time bounds of the classes, and
// forgets the classes.
func (r *Replay) settle() {
	for _, c := range r.classes {
		for gi, g := range r.groups {
			gc := &g.c
			gc.evaluated += c.n
			switch c.scopes[gi] {
			case noIndex:
				gc.noIndex += c.n
				continue
			case otherIndex:
				gc.otherIndex += c.n
				continue
			}
			ct := &c.byTime[g.time]
			gc.noTime += ct.noTime
			gc.refused += ct.refused
			gc.inScope += ct.inScope
			if ct.inScope > 0 {
				if !g.started {
					g.started, g.minT, g.maxT = true, ct.minT, ct.maxT
				}
				g.minT, g.maxT = min(g.minT, ct.minT), max(g.maxT, ct.maxT)
			}
			gc.noTimeGen = firstSamples(gc.noTimeGen, ct.noTimeSamples)
			gc.refusedGen = firstSamples(gc.refusedGen, ct.refusedSamples)
		}
	}
	clear(r.classes)
	r.lastClass = nil
	for _, g := range r.groups {
		g.c.noTimeSamples = samplesOf(g.c.noTimeSamples[:0], g.c.noTimeGen)
		g.c.refusedSamples = samplesOf(g.c.refusedSamples[:0], g.c.refusedGen)
	}
}

// firstSamples returns the first maxSamples samples of a and b, in the
// stream's order.
func firstSamples(a, b []genSample) []genSample {
	if len(b) == 0 {
		return a
	}
	a = append(a, b...)
	slices.SortFunc(a, func(x, y genSample) int { return cmp.Compare(x.gen, y.gen) })
	return a[:min(len(a), maxSamples)]
}

// samplesOf appends the samples of gs to out; nil for none.
func samplesOf(out []Sample, gs []genSample) []Sample {
	for _, g := range gs {
		out = append(out, g.s)
	}
	if len(out) == 0 {
		return nil
	}
	return out
}
