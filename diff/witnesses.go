package diff

import (
	"encoding/json"
	"fmt"
	"slices"
)

// maxWitnesses is how many witnesses each direction keeps.
const maxWitnesses = 5

// finish minimizes the witnesses of one direction and returns up to
// maxWitnesses distinct events: first a minimal one, then variants of
// it that change the value of a field where the two queries part (one per
// literal the value comes from: "169.254.0.0/16", "224.0.0.0/4"...), then
// other minimized witnesses. Every event is checked again after a JSON
// round trip.
func (s *search) finish(removed bool) []map[string]any {
	ws := s.found[removed]
	slices.SortStableFunc(ws, func(x, y []int) int { return presentFields(x) - presentFields(y) })
	holds := func(a []int) bool {
		ev := s.event(a)
		return s.po.Match(ev) == removed && s.pn.Match(ev) != removed
	}
	var mins [][]int
	seenMin := map[string]bool{}
	for k, w := range ws {
		if k >= 50 || len(mins) >= 4*maxWitnesses {
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
		if len(evs) >= maxWitnesses {
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
func (s *search) minimize(w []int, holds func([]int) bool) []int {
	a := slices.Clone(w)
	for i := range a {
		if a[i] == absent {
			continue
		}
		v := a[i]
		a[i] = absent
		if !holds(a) {
			a[i] = v
		}
	}
	for i := range a {
		if a[i] == absent {
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
func (s *search) variants(w []int, removed bool, holds func([]int) bool) [][]int {
	var out [][]int
	a := slices.Clone(w)
	for i, f := range s.fields {
		if w[i] == absent {
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
