package events_test

import (
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/events"
)

// readAll collects what Read yields: "line:key=value" for events
// (the value of key "k"), "line!msg" for rejected lines, "ERR msg" for
// other errors.
func readAll(t testing.TB, name string, r io.Reader) []string {
	t.Helper()
	var out []string
	for ev, err := range events.Read(name, r) {
		var ee *events.Error
		switch {
		case errors.As(err, &ee):
			out = append(out, ee.Error())
		case err != nil:
			out = append(out, "ERR "+err.Error())
		default:
			b, _ := json.Marshal(ev.Fields["k"])
			out = append(out, ev.File+":"+strconv.Itoa(ev.Line)+":k="+string(b))
		}
	}
	return out
}

func TestRead(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"ndjson", "{\"k\":1}\n{\"k\":\"a\"}\n", []string{"f:1:k=1", "f:2:k=\"a\""}},
		{"no final newline, crlf, blank lines", "\n\n{\"k\":1}\r\n\r\n{\"k\":2}", []string{"f:3:k=1", "f:5:k=2"}},
		{"bom", "\ufeff{\"k\":1}\n", []string{"f:1:k=1"}},
		{"bad lines go on", "{\"k\":1}\n{\"k\":\n[1,2]\n42\n{\"k\":1} x\n{\"k\":5}\n", []string{
			"f:1:k=1",
			"f:2: invalid JSON: unexpected end",
			"f:3: an event must be a JSON object, got an array",
			"f:4: an event must be a JSON object, got a number",
			"f:5: invalid JSON: data after the object",
			"f:6:k=5",
		}},
		{"big integers stay exact", "{\"k\":12345678901234567890}\n", []string{"f:1:k=12345678901234567890"}},
		{"array", "[\n  {\"k\": 1},\n  {\"k\": 2}, {\"k\": 3},\n\n  {\n    \"k\": 4\n  }\n]\n", []string{"f:2:k=1", "f:3:k=2", "f:3:k=3", "f:5:k=4"}},
		{"array with a non-object", "[{\"k\":1},\n 7,\n {\"k\":2}]", []string{"f:1:k=1", "f:2: an event must be a JSON object, got a number", "f:3:k=2"}},
		{"array syntax error ends the file", "[{\"k\":1},\n {\"k\" 2},\n {\"k\":3}]", []string{"f:1:k=1", "f:2: invalid JSON: invalid character '2' after object key; the rest of the array is not read"}},
		{"array not closed", "[{\"k\":1}", []string{"f:1:k=1", "f:1: invalid JSON: unexpected end; the array is not closed"}},
		{"array after blank lines", "\n\n  \n[{\"k\":1},\n{\"k\":2}]", []string{"f:4:k=1", "f:5:k=2"}},
		{"empty", "  \n", nil},
		// a pretty-printed object (the README's explain example) is one
		// event, not one rejection a line; several follow one another
		{"pretty object", "{\n  \"k\": 1,\n  \"x\": [\n    2\n  ]\n}\n", []string{"f:1:k=1"}},
		{"pretty objects", "\n{\n\"k\": 1\n}\n{\n  \"k\": 2\n}", []string{"f:2:k=1", "f:5:k=2"}},
		{"pretty object crlf", "{\r\n  \"k\": 1\r\n}\r\n", []string{"f:1:k=1"}},
		{"pretty objects, a syntax error ends the file", "{\n\"k\": 1\n}\n{\n\"k\" 2\n}\n{\"k\":3}", []string{"f:1:k=1", "f:5: invalid JSON: invalid character '2' after object key; the rest of the file is not read"}},
		// as in NDJSON, a value begins on a line of its own: the rest of
		// the line where an object ends is one rejection (found by FuzzRead)
		{"pretty objects, data after an object", "{\n}{}0\n{\n\"k\": 2} {\n}\n{\"k\":3}", []string{"f:1:k=null", "f:2: invalid JSON: data after the object", "f:3:k=2", "f:4: invalid JSON: data after the object", "f:6:k=3"}},
		{"pretty objects, a syntax error after an object", "{\n}{}A\n{}", []string{"f:1:k=null", "f:2: invalid JSON: invalid character 'A' looking for beginning of value; the rest of the file is not read"}},
		{"pretty objects, two values on one line", "{\n}{}\n00", []string{"f:1:k=null", "f:2: invalid JSON: data after the object", "f:3: invalid JSON: data after the object"}},
		{"pretty objects, a line of two objects is one rejection", "{\n}\n{\"k\":1} {\"k\":2}\n{\"k\":3}", []string{"f:1:k=null", "f:3: invalid JSON: data after the object", "f:4:k=3"}},
		{"a truncated first line stays NDJSON", "{\"k\":\n{\"k\":2}\n", []string{"f:1: invalid JSON: unexpected end", "f:2:k=2"}},
		{"a broken first line stays NDJSON", "{\"k\" 1\n{\"k\":2}\n", []string{"f:1: invalid JSON: invalid character '1' after object key", "f:2:k=2"}},
		{"empty array", "[]", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := readAll(t, "f", strings.NewReader(tt.in))
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("-want +got:\n%s", d)
			}
			// the same through a reader that gives one byte at a time
			got = readAll(t, "f", iotest.OneByteReader(strings.NewReader(tt.in)))
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("one byte at a time: -want +got:\n%s", d)
			}
		})
	}
}

func TestReadLongLine(t *testing.T) {
	long := `{"k":"` + strings.Repeat("x", 200<<10) + `"}`
	got := readAll(t, "f", strings.NewReader("{\"k\":1}\n"+long+"\n{\"k\":3}\n"))
	if len(got) != 3 || got[0] != "f:1:k=1" || !strings.HasPrefix(got[1], "f:2:k=\"xxx") || got[2] != "f:3:k=3" {
		t.Errorf("got %.80q", got)
	}
}

func TestReadReadError(t *testing.T) {
	r := io.MultiReader(strings.NewReader("{\"k\":1}\n"), iotest.ErrReader(errors.New("disk on fire")))
	got := readAll(t, "f", r)
	want := []string{"f:1:k=1", "ERR f:2: disk on fire"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("-want +got:\n%s", d)
	}
}

// FuzzRead checks that any input is read without a panic, that every
// line is either an event or a rejection, and that ReadRaw yields the same
// events and rejections as Read, with the same text.
func FuzzRead(f *testing.F) {
	for _, s := range []string{
		"{\"@timestamp\":\"2023-01-01T00:00:00Z\",\"destination.port\":21}\n",
		"{\"a\":1}\nnot json\n{\"b\":[1,2,{\"c\":null}]}\n",
		"[{\"a\":1},{\"b\":2}]",
		"[{\"a\":1},",
		"\ufeff\n\n{}\n",
		"{\"a\":1e400}\n",
		"[1, \"x\", null]",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		var got []string
		events0, rejected := 0, 0
		for ev, err := range events.Read("f", strings.NewReader(in)) {
			var ee *events.Error
			switch {
			case errors.As(err, &ee):
				rejected++
				if ee.Line < 1 {
					t.Fatalf("rejection without a line: %v", ee)
				}
				got = append(got, ee.Error())
			case err != nil:
				t.Fatalf("unexpected error: %v", err)
			default:
				events0++
				if ev.Fields == nil || ev.Line < 1 {
					t.Fatalf("bad event %+v", ev)
				}
				got = append(got, ev.File+":"+strconv.Itoa(ev.Line))
			}
		}
		if strings.Count(in, "\n")+1 < events0+rejected && !strings.HasPrefix(strings.TrimLeft(in, " \t\r\n\ufeff"), "[") {
			t.Fatalf("%d events and %d rejections from %d lines", events0, rejected, strings.Count(in, "\n")+1)
		}
		var raw []string
		for ev, err := range events.ReadRaw("f", strings.NewReader(in)) {
			if err != nil {
				raw = append(raw, err.Error())
				continue
			}
			raw = append(raw, ev.File+":"+strconv.Itoa(ev.Line))
		}
		if d := cmp.Diff(got, raw); d != "" {
			t.Fatalf("Read and ReadRaw differ (-Read +ReadRaw):\n%s", d)
		}
	})
}
