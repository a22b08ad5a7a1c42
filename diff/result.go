package diff

import (
	"errors"
	"iter"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
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

// EventResult is how two queries fare on a set of real events
// ([Events]).
type EventResult struct {
	Events     int // events read
	Unreadable int // lines that are not events, skipped
	OldMatches int // events the old query matches
	NewMatches int // events the new query matches
	// Added counts the events only the new query matches, Removed those
	// only the old one does; AddedEvents and RemovedEvents hold the first
	// of them, in the order read, up to the number Events was asked to
	// keep.
	Added, Removed             int
	AddedEvents, RemovedEvents []events.Record
}

// Events runs both programs over the events of evs (events.ReadFiles
// reads files, directories, .gz and standard input) and counts the
// events whose outcome changed, in both directions, keeping up to keep of
// each. A line that is not an event (an *events.Error) is counted in
// Unreadable and skipped; another error from evs ends the run and is
// returned.
func Events(old, new *eval.Program, evs iter.Seq2[events.Record, error], keep int) (*EventResult, error) {
	d := &EventResult{}
	for ev, err := range evs {
		if err != nil {
			var ee *events.Error
			if !errors.As(err, &ee) {
				return d, err
			}
			d.Unreadable++
			continue
		}
		d.Events++
		o, n := old.Match(ev.Fields), new.Match(ev.Fields)
		if o {
			d.OldMatches++
		}
		if n {
			d.NewMatches++
		}
		switch {
		case n && !o:
			if d.Added++; len(d.AddedEvents) < keep {
				d.AddedEvents = append(d.AddedEvents, ev)
			}
		case o && !n:
			if d.Removed++; len(d.RemovedEvents) < keep {
				d.RemovedEvents = append(d.RemovedEvents, ev)
			}
		}
	}
	return d, nil
}
