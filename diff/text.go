package diff

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// WriteText writes the verdict as "kqlrules diff" prints it, calling the
// queries oldName and newName: both queries in canonical form, the
// verdict and why, and for a change of meaning the witness events of
// each direction (as JSON, one a line) and how many candidate events
// were searched, how.
func (d *Result) WriteText(w io.Writer, oldName, newName string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %s\n%s: %s\n", oldName, d.Old, newName, d.New)
	d.writeVerdict(&b, "", oldName, newName)
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteText writes the counts as "kqlrules diff --events" prints them,
// calling the queries oldName and newName, then each event kept,
// "+ FILE:LINE EVENT" for one the new query added and "- FILE:LINE EVENT"
// for one it removed.
func (d *EventResult) WriteText(w io.Writer, oldName, newName string) error {
	var b strings.Builder
	fmt.Fprintf(&b, "events: %d read", d.Events)
	if d.Unreadable > 0 {
		fmt.Fprintf(&b, " (%d unreadable, skipped)", d.Unreadable)
	}
	fmt.Fprintf(&b, "; %s matches %d, %s matches %d; %d added, %d removed\n", oldName, d.OldMatches, newName, d.NewMatches, d.Added, d.Removed)
	for _, ev := range d.AddedEvents {
		j, _ := json.Marshal(ev.Fields)
		fmt.Fprintf(&b, "  + %s:%d %s\n", ev.File, ev.Line, j)
	}
	for _, ev := range d.RemovedEvents {
		j, _ := json.Marshal(ev.Fields)
		fmt.Fprintf(&b, "  - %s:%d %s\n", ev.File, ev.Line, j)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// String returns how "kqlrules diff" tells the text change: "unchanged",
// "white space only", "changed (...)"; "" for TextNone.
func (t TextChange) String() string {
	switch t {
	case TextUnchanged:
		return "unchanged"
	case TextWhiteSpace:
		return "white space only"
	case TextChanged:
		return "changed (kqlrules compares only KQL and EQL queries by meaning)"
	}
	return ""
}

// writeVerdict writes the verdict and why, and for a change of meaning
// the witness events of each direction (as JSON, one a line) and how many
// candidate events were searched, how; each line starts with indent.
func (d *Result) writeVerdict(w io.Writer, indent, oldName, newName string) {
	switch d.Verdict {
	case VerdictFormatting:
		fmt.Fprintf(w, "%sverdict: formatting only (the canonical trees are equal)\n", indent)
		return
	case VerdictEquivalent:
		how := "no event tells them apart among"
		if !d.Exhaustive {
			how += " the sampled"
		}
		fmt.Fprintf(w, "%sverdict: equivalent (%s %d candidate events)\n", indent, how, d.Searched)
		return
	}
	what := map[Verdict]string{
		VerdictNarrower: fmt.Sprintf("%s matches fewer events than %s", newName, oldName),
		VerdictWider:    fmt.Sprintf("%s matches more events than %s", newName, oldName),
		VerdictBoth:     fmt.Sprintf("%s matches events %s does not, and misses events %s matched", newName, oldName, oldName),
	}[d.Verdict]
	fmt.Fprintf(w, "%sverdict: %s (%s)\n", indent, d.Verdict, what)
	witnesses := func(label string, evs []map[string]any) {
		if len(evs) == 0 {
			fmt.Fprintf(w, "%s%s: none found\n", indent, label)
			return
		}
		fmt.Fprintf(w, "%s%s:\n", indent, label)
		for _, ev := range evs {
			j, _ := json.Marshal(ev)
			fmt.Fprintf(w, "%s  %s\n", indent, j)
		}
	}
	witnesses(fmt.Sprintf("added (%s matches, %s does not)", newName, oldName), d.Added)
	witnesses(fmt.Sprintf("removed (%s matched, %s does not)", oldName, newName), d.Removed)
	mode := "guided search"
	if d.Exhaustive {
		mode = "every combination"
	}
	fmt.Fprintf(w, "%ssearched %d candidate events (%s)\n", indent, d.Searched, mode)
}
