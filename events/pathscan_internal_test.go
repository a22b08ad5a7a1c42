package events

import (
	"bytes"
	"os"
	"strings"
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

// TestCheckInWalk: Check answers as CheckObject does, and for valid text
// from the walk of the table's paths alone (pathScan.valid: no second
// pass), whether the walk goes into the values, passes over them, or
// meets them at the nesting limit; text that is not JSON is never
// vouched for, wherever the fault is. Over the Beats corpus, read as a
// stream by one Lazy, the walk vouches for every event but those with a
// key to decode.
func TestCheckInWalk(t *testing.T) {
	table := eval.NewFieldTable()
	for _, p := range []string{"a", "a.b", "a.b.c", "x.y", "n"} {
		table.Path(p)
	}
	deep := func(depth int, path bool) string { // an array nested depth deep as the whole event
		key := "q"
		if path {
			key = "a"
		}
		return `{"` + key + `":` + strings.Repeat("[", depth-1) + strings.Repeat("]", depth-1) + "}"
	}
	for _, c := range []struct {
		in      string
		vouched bool // the walk alone checks it (else CheckObject does)
	}{
		{`{}`, true}, {` { } `, true}, {"\t{\"a\":1}\r\n", true},
		{`{"a":{"b":[1,{"c":"x"}],"d":-1.5e+3},"q":[true,false,null,{"r":"\u00e9\n\"\\"}],"x.y":"z","n":0}`, true},
		{`{"q":{"a":{"b":1}},"a":[[{"b":{"c":[]}}]],"x":{"y":{}}}`, true},
		{deep(maxDepth, true), true}, {deep(maxDepth, false), true},
		{`{"a\\u0062":1}`, false}, // a key to decode: the walk looks every path up
		{deep(maxDepth+1, true), false}, {deep(maxDepth+1, false), false},
		{`{"a":{"b":1,}}`, false}, {`{"a":[1,]}`, false}, {`{"q":[1,]}`, false}, {`{"a":[1 2]}`, false},
		{`{"a":{"b":1 "c":2}}`, false}, {`{"a":1,}`, false}, {`{"a":1 "b":2}`, false}, {`{"q":1 "a":2}`, false},
		{`{"a":1}x`, false}, {`{"a":1}}`, false}, {`{"a":1`, false}, {`{"a":{"b":01}}`, false}, {`{"q":{"x":01}}`, false},
		{`{"n":-}`, false}, {`{"a":[tru]}`, false}, {`{"q":"\x"}`, false}, {`{"a":{"b":"\x"}}`, false},
		{"{\"a\x01\":1}", false}, {"{\"a\":{\"b\x1f\":1}}", false}, {"{\"q\":\"\t\"}", false}, {"{\"a\":[\"\n\"]}", false},
		{`{"a" 1}`, false}, {`{"a":}`, false}, {`{,"a":1}`, false}, {`{"a":[,1]}`, false}, {`[{"a":1}]`, false}, {``, false},
		{`{"a":{"b":[1,{"c":2,}]}}`, false}, {`{"x":{"y":"z",,}}`, false}, {`{"q":{"r":1,}}`, false},
	} {
		want := CheckObject([]byte(c.in))
		for _, reuse := range []bool{false, true} {
			var l Lazy
			if reuse {
				l.Reset([]byte(`{"a":1,"q":2,"n":3}`)) // keys the memory of keys then holds
				l.Check(table)
				l.Reset([]byte(c.in))
			} else {
				l = Lazy{b: []byte(c.in)}
			}
			got := l.Check(table)
			if (got == nil) != (want == nil) || got != nil && got.Error() != want.Error() {
				t.Errorf("%.60q (reused %v): Check %v, CheckObject %v", c.in, reuse, got, want)
			}
			if l.paths.valid != c.vouched {
				t.Errorf("%.60q (reused %v): the walk vouched %v, want %v", c.in, reuse, l.paths.valid, c.vouched)
			}
		}
	}

	data, err := os.ReadFile(corpus.Path(t, "corpus/beats_events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	var l Lazy
	n, vouched := 0, 0
	for line := range bytes.Lines(data) {
		l.Reset(line)
		if err := l.Check(table); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		if l.paths.valid {
			vouched++
		} else if !l.paths.whole {
			t.Errorf("line %d: the walk did not vouch for it, and met no key to decode", n)
		}
	}
	if vouched < n*9/10 {
		t.Errorf("the walk vouched for %d of %d events", vouched, n)
	}
	t.Logf("the walk vouched for %d of %d events", vouched, n)
}
