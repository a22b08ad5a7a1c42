package replay

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"io/fs"
	"path/filepath"
	"reflect"
	"testing"
)

// TestSortEntryRoundTrip: an entry written to a run reads back as it was,
// also one whose text is the previous entry's (the same event's, written
// once) and one without a text; a run cut anywhere or with a byte changed
// reads back an error or an entry, never a panic.
func TestSortEntryRoundTrip(t *testing.T) {
	in := []sortEntry{
		{t: -62135596800000, seq: 1, rules: []int32{0, 7, 300}, ev: storedEvent{json: []byte(`{"a":1}`), file: "f.ndjson", line: 123456, index: "logs-x"}},
		{t: -62135596800000, seq: 1, rules: []int32{5}, ev: storedEvent{json: []byte(`{"a":1}`), file: "f.ndjson", line: 123456, index: "logs-x"}},
		{t: 1 << 62, seq: 2, ev: storedEvent{m: map[string]any{"b": "c"}, file: "-", line: 1}},
		{t: 1 << 62, seq: 3, rules: []int32{2}, ev: storedEvent{file: "-", line: 2}},
		{t: 1 << 62, seq: 3, rules: []int32{4}, ev: storedEvent{file: "-", line: 2}},
	}
	buf := appendEntries(t, in)
	if n := bytes.Count(buf, []byte(`{"a":1}`)); n != 1 {
		t.Errorf("the text of one event's two entries is written %d times, want once", n)
	}
	r := bufio.NewReader(bytes.NewReader(buf))
	var got sortEntry
	var bodies [2][]byte
	pos := int64(0)
	for i, want := range in {
		var n, off int64
		var same bool
		var err error
		k := i % 2 // another buffer than the previous text's
		if bodies[k], n, off, same, err = readEntry(r, &got, bodies[k]); err != nil {
			t.Fatal(err)
		}
		if same != (i == 1) {
			t.Errorf("entry %d: same %v", i, same)
		}
		if want.ev.m != nil { // a Go-built event is written as JSON
			want.ev.json, want.ev.m = []byte(`{"b":"c"}`), nil
		}
		// the ref's offset, from the entry's start, finds the text in
		// the run (a shared text is where the previous entry's is)
		if text := buf[pos+off : pos+off+int64(len(got.ev.json))]; !same && !bytes.Equal(text, want.ev.json) {
			t.Errorf("entry %d: the text's offset finds %q, want %q", i, text, want.ev.json)
		}
		pos += n
		if len(want.rules) == 0 {
			want.rules = got.rules[:0]
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("entry %d: got %+v, want %+v", i, got, want)
		}
	}
	if pos != int64(len(buf)) {
		t.Errorf("the entries' sizes add up to %d, the run has %d bytes", pos, len(buf))
	}
	var e sortEntry
	if _, _, _, _, err := readEntry(r, &e, nil); err != io.EOF {
		t.Errorf("after the last entry: %v, want io.EOF", err)
	}
	// a shared text with no text before it, or another event's
	for _, prev := range []sortEntry{{}, {seq: 7, ev: storedEvent{json: []byte(`{}`)}}} {
		one, err := appendEntry(nil, &in[1], true)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, _, err := readEntry(bufio.NewReader(bytes.NewReader(one)), &prev, nil); err != errCorrupt {
			t.Errorf("a shared text after %+v: %v, want errCorrupt", prev, err)
		}
	}
	for cut := range len(buf) {
		r := bufio.NewReader(bytes.NewReader(buf[:cut]))
		for {
			if _, _, _, _, err := readEntry(r, &e, nil); err != nil {
				break
			}
		}
		bad := bytes.Clone(buf)
		bad[cut] ^= 0xff
		r = bufio.NewReader(bytes.NewReader(bad))
		for {
			if _, _, _, _, err := readEntry(r, &e, nil); err != nil {
				break
			}
		}
	}
}

// TestSorterTempDir: a spill into a directory that cannot hold files is an
// error that says what the replay was doing.
func TestSorterTempDir(t *testing.T) {
	s := newSorter(1, filepath.Join(t.TempDir(), "missing"))
	s.add(sortEntry{ev: storedEvent{json: s.keepText([]byte(`{}`))}})
	err := s.spillIfFull()
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("spill into a missing directory: %v", err)
	}
	s.close()
}

// appendEntry appends the entry's encoding, preceded by its length, as
// sorter.write writes it in two parts; same: its text is the previous
// entry's in the run, not written again.
func appendEntry(b []byte, e *sortEntry, same bool) ([]byte, error) {
	b, text, err := appendEntryHead(b, e, same)
	return append(b, text...), err
}

// appendEntries writes the entries as a run does, one after another, an
// entry of the same event as the one before it with the text shared.
func appendEntries(t *testing.T, in []sortEntry) []byte {
	t.Helper()
	var buf []byte
	var prev sharedText
	for i := range in {
		var err error
		if buf, err = appendEntry(buf, &in[i], prev.same(&in[i])); err != nil {
			t.Fatal(err)
		}
	}
	return buf
}
