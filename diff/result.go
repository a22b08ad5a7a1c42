package diff

import (
	"encoding/json"
	"fmt"
	"io"
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

// Write prints the verdict as `kqlrules diff` does: "verdict: ..." and,
// when the meaning changed, the witnesses in each direction as JSON, one
// a line, and how many candidate events were searched. oldName and
// newName name the two queries ("old", "new", "v1"...). Each line starts
// with indent.
func (r *Result) Write(w io.Writer, indent, oldName, newName string) {
	switch r.Verdict {
	case VerdictFormatting:
		fmt.Fprintf(w, "%sverdict: formatting only (the canonical trees are equal)\n", indent)
		return
	case VerdictEquivalent:
		how := "no event tells them apart among"
		if !r.Exhaustive {
			how += " the sampled"
		}
		fmt.Fprintf(w, "%sverdict: equivalent (%s %d candidate events)\n", indent, how, r.Searched)
		return
	}
	what := map[Verdict]string{
		VerdictNarrower: fmt.Sprintf("%s matches fewer events than %s", newName, oldName),
		VerdictWider:    fmt.Sprintf("%s matches more events than %s", newName, oldName),
		VerdictBoth:     fmt.Sprintf("%s matches events %s does not, and misses events %s matched", newName, oldName, oldName),
	}[r.Verdict]
	fmt.Fprintf(w, "%sverdict: %s (%s)\n", indent, r.Verdict, what)
	witnesses := func(label string, evs []map[string]any) {
		if len(evs) == 0 {
			fmt.Fprintf(w, "%s%s: none found\n", indent, label)
			return
		}
		fmt.Fprintf(w, "%s%s:\n", indent, label)
		for _, ev := range evs {
			b, _ := json.Marshal(ev)
			fmt.Fprintf(w, "%s  %s\n", indent, b)
		}
	}
	witnesses(fmt.Sprintf("added (%s matches, %s does not)", newName, oldName), r.Added)
	witnesses(fmt.Sprintf("removed (%s matched, %s does not)", oldName, newName), r.Removed)
	mode := "guided search"
	if r.Exhaustive {
		mode = "every combination"
	}
	fmt.Fprintf(w, "%ssearched %d candidate events (%s)\n", indent, r.Searched, mode)
}
