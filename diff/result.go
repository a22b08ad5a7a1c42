package diff

import (
	"iter"

	"github.com/kqlrules/kqlrules/eval"
)

// Verdict is what an edit of a query does to the set of events it matches.
type Verdict string

// Verdicts of [Queries].
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

// Result is the answer of [Queries].
type Result struct {
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

// EventResult is how two queries fare on a set of real events.
type EventResult struct {
	Events     int // events read
	OldMatches int // events the old query matches
	NewMatches int // events the new query matches
	// Added are the indexes (from 0, in the order read) of the events
	// only the new query matches; Removed of those only the old one does.
	Added, Removed []int
}

// Events runs both programs over events and reports the events
// whose outcome changed, in both directions.
func Events(old, new *eval.Program, events iter.Seq[map[string]any]) *EventResult {
	d := &EventResult{}
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
