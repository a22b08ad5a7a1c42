package events

import (
	"bytes"
	"os"
	"testing"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
)

// TestScanNotesLeaves: over the Beats corpus, a Lazy that reads the
// stream, whose presence scan notes the leaves of the refusal tree of
// the default mapping (Program.RejectsEvent listed to it before), checks
// nearly every event from its notes without listing it by name (an event
// with an escaped key, or a field the tree holds no node for, is listed),
// and its refusal check names the same field as that of a fresh Lazy,
// which lists every event by name; so also for events given a value the
// mapping refuses, flat or nested, at the start or the end. With -short,
// every 8th event.
func TestScanNotesLeaves(t *testing.T) {
	data, err := os.ReadFile(corpus.Path(t, "corpus/beats_events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	x, err := kql.Parse("source.port:*")
	if err != nil {
		t.Fatal(err)
	}
	prog, err := eval.Compile(x) // the default mapping
	if err != nil {
		t.Fatal(err)
	}
	table := eval.NewFieldTable()
	for _, p := range []string{"event.category", "process.name", "process.args", "source.ip", "destination.port", "host.os.type", "user.name", "winlog.event_data.LogonType"} {
		table.Path(p)
	}
	bits := make([]uint64, 1)
	var reused Lazy
	reused.Reset([]byte(`{}`))
	prog.RejectsEvent(&reused)
	bad := []string{`"source.port":"x"`, `"source":{"ip":"1.2.3.400"}`, `"event.created":"yesterday"`, `"process":{"pid":[1,"x"]}`}
	events, noted, refused, n := 0, 0, 0, 0
	for line := range bytes.Lines(data) {
		if line = bytes.TrimSpace(line); len(line) < 2 {
			continue
		}
		if n++; testing.Short() && n%8 != 0 {
			continue
		}
		if n%5 == 0 { // a refused value
			m := bad[n/5%len(bad)]
			if n%2 == 0 {
				line = []byte("{" + m + "," + string(line[1:]))
			} else {
				line = []byte(string(line[:len(line)-1]) + "," + m + "}")
			}
		}
		events++
		reused.Reset(line)
		reused.Present(table, bits)
		if reused.paths.noted(reused.leafHint) {
			noted++
		}
		field, bad := prog.RejectsEvent(&reused)
		fresh := Lazy{b: line}
		wantField, want := prog.RejectsEvent(&fresh)
		if bad != want || field != wantField {
			t.Errorf("%s: from the notes %q %v, by name %q %v", line, field, bad, wantField, want)
		}
		if want {
			refused++
		}
	}
	if noted < events*9/10 || refused < events/10 {
		t.Errorf("%d of %d events checked from the notes", noted, events)
	}
	t.Logf("%d events, %d checked from the notes, %d refused", events, noted, refused)
}
