package regress

import (
	"cmp"
	"slices"
)

// Status says how a rule's outcome differs from its baseline.
type Status string

// Statuses of a Diff.
const (
	// Changed: the rule is in both, with other alerted events.
	Changed Status = "changed"
	// Added: the rule was replayed but is not in the baseline.
	Added Status = "added"
	// Removed: the baseline has the rule but the replay does not.
	Removed Status = "removed"
)

// Diff is how one rule's outcome differs from its baseline.
type Diff struct {
	Status Status
	// Rule is the rule as replayed (for Removed: as in the baseline),
	// without its events.
	Rule Rule
	// Gained are the events alerted now and not in the baseline; Lost
	// those in the baseline and not alerted now. Both sorted by ID; an
	// event's At is where it is now (Gained) or was (Lost).
	Gained, Lost []Event
}

// Compare compares a replay's outcome with the baseline, rule by rule
// (matched on rule_id), and returns the rules whose alerted events differ,
// in rule_id order. Events are compared on their identity only: a change
// of file or line is no difference. A rule skipped on one side and absent
// from the other is no difference either: only rules that were replayed
// must be in the baseline, and only rules the baseline says were replayed
// must still be there.
func Compare(base, cur *Baseline) []Diff {
	old := make(map[string]*Rule, len(base.Rules))
	for i := range base.Rules {
		old[base.Rules[i].RuleID] = &base.Rules[i]
	}
	var diffs []Diff
	seen := make(map[string]bool, len(cur.Rules))
	for i := range cur.Rules {
		r := &cur.Rules[i]
		seen[r.RuleID] = true
		b, ok := old[r.RuleID]
		if !ok {
			if r.Skipped == "" {
				diffs = append(diffs, Diff{Status: Added, Rule: header(r), Gained: sorted(r.Events)})
			}
			continue
		}
		gained, lost := minus(r.Events, b.Events), minus(b.Events, r.Events)
		if len(gained) > 0 || len(lost) > 0 {
			diffs = append(diffs, Diff{Status: Changed, Rule: header(r), Gained: gained, Lost: lost})
		}
	}
	for i := range base.Rules {
		b := &base.Rules[i]
		if !seen[b.RuleID] && b.Skipped == "" {
			diffs = append(diffs, Diff{Status: Removed, Rule: header(b), Lost: sorted(b.Events)})
		}
	}
	slices.SortFunc(diffs, func(x, y Diff) int {
		return cmp.Or(cmp.Compare(x.Rule.RuleID, y.Rule.RuleID), cmp.Compare(x.Status, y.Status))
	})
	return diffs
}

// header returns the rule without its events.
func header(r *Rule) Rule {
	h := *r
	h.Events = nil
	return h
}

// minus returns the events of a whose ID is not in b, sorted by ID.
func minus(a, b []Event) []Event {
	in := make(map[string]bool, len(b))
	for _, e := range b {
		in[e.ID] = true
	}
	var out []Event
	for _, e := range a {
		if !in[e.ID] {
			out = append(out, e)
		}
	}
	return sorted(out)
}

func sorted(es []Event) []Event {
	es = slices.Clone(es)
	slices.SortFunc(es, func(x, y Event) int { return cmp.Compare(x.ID, y.ID) })
	return es
}
