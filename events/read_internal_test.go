package events

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"testing"
)

// repeatReader gives line n times.
type repeatReader struct {
	line string
	n    int
	buf  strings.Reader
}

func (r *repeatReader) Read(p []byte) (int, error) {
	for r.buf.Len() == 0 {
		if r.n == 0 {
			return 0, io.EOF
		}
		r.n--
		r.buf.Reset(r.line)
	}
	return r.buf.Read(p)
}

// TestScanMemoryBounded reads a million NDJSON lines and checks that the
// memory allocated does not grow with them: the line tracker used to keep
// the offset of every newline (8 bytes and more a line, forever).
func TestScanMemoryBounded(t *testing.T) {
	const lines = 1_000_000
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	n := 0
	scan("f", &repeatReader{line: "{\"a\":1}\n", n: lines}, func(raw []byte, line int, err error) bool {
		if err != nil {
			t.Fatal(err)
		}
		n++
		return true
	})
	runtime.ReadMemStats(&after)
	if n != lines {
		t.Fatalf("%d lines read, want %d", n, lines)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 1<<20 {
		t.Errorf("reading %d lines allocated %d bytes; want it bounded, whatever the number of lines", lines, alloc)
	}
}

// FuzzValidObject checks the validating scanner against encoding/json.
func FuzzValidObject(f *testing.F) {
	for _, s := range []string{
		`{}`, ` {"a":1} `, `{"a":[1,2.5,-0,1e5,1E-5,true,false,null,"x\u00e9\n"]}`, `{"a":01}`, `{"a":1.}`,
		`{"a":.5}`, `{"a":"\x"}`, `{"a":tru}`, `{"a":1,}`, `[1]`, `{"a":1}x`, `{"a" 1}`, "{\"a\":\"\x01\"}",
		"{\"a\":\"\xff\"}", `{"a":{"b":[{}]}}`, `{"a":-}`, `{"a":1e}`, `{"a":"\u12"}`, `{,}`, `{"a":[,1]}`,
		strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001),
		strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000),
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		t0 := bytes.TrimLeft(b, " \t\r\n")
		want := json.Valid(b) && len(t0) > 0 && t0[0] == '{'
		if got := validObject(b); got != want {
			t.Errorf("validObject(%q) = %v, encoding/json says %v", b, got, want)
		}
	})
}

// hugeElement is a JSON array whose second element is an object holding
// a string of n bytes, made as it is read.
func hugeElement(open string, n int) io.Reader {
	return io.MultiReader(strings.NewReader(open+"{\"k\":1},\n  {\"a\":\""),
		&repeatReader{line: strings.Repeat("x", 4096), n: n / 4096},
		strings.NewReader("\"},\n{\"k\":3}]"))
}

// TestArrayElementCapped reads an array whose one element is far longer
// than the limit (as a 14 MB gzip of [{"a":"xxx...3 GB"}] is) and checks
// that it is refused as an NDJSON line is, at the element's line, with
// memory bounded by the limit rather than the element.
func TestArrayElementCapped(t *testing.T) {
	defer func(old int) { maxLine = old }(maxLine)
	maxLine = 1 << 20
	for _, tc := range []struct{ name, open, rest string }{
		{"array", "[", "the rest of the array is not read"},
		{"pretty objects", "{\n\"k\": 0\n}\n", "the rest of the file is not read"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			var got []string
			in := hugeElement(tc.open, 64<<20)
			if tc.open != "[" {
				in = io.MultiReader(strings.NewReader(tc.open), strings.NewReader("{\"a\":\""),
					&repeatReader{line: strings.Repeat("x", 4096), n: (64 << 20) / 4096}, strings.NewReader("\"}\n"))
			}
			scan("f", in, func(raw []byte, line int, err error) bool {
				if err != nil {
					got = append(got, err.Error())
				} else {
					got = append(got, "event")
				}
				return true
			})
			runtime.ReadMemStats(&after)
			line := 2
			if tc.open != "[" {
				line = 4
			}
			want := fmt.Sprintf("f:%d: event longer than 1 MiB; %s", line, tc.rest)
			if len(got) != 2 || got[0] != "event" || got[1] != want {
				t.Errorf("got %q, want [event %q]", got, want)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
				t.Errorf("reading a 64 MiB element with a 1 MiB limit allocated %d MiB", alloc>>20)
			}
		})
	}
}

// TestLineCapped: an NDJSON line past the limit gives the same error as
// an array element, at its line, and the next lines are read.
func TestLineCapped(t *testing.T) {
	defer func(old int) { maxLine = old }(maxLine)
	maxLine = 1 << 20
	in := "{\"k\":1}\n{\"a\":\"" + strings.Repeat("x", 2<<20) + "\"}\n{\"k\":3}\n"
	var got []string
	scan("f", strings.NewReader(in), func(raw []byte, line int, err error) bool {
		if err != nil {
			got = append(got, err.Error())
		} else {
			got = append(got, fmt.Sprint(line))
		}
		return true
	})
	want := []string{"1", "f:2: event longer than 1 MiB", "3"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

// TestWhiteSpaceBetweenEventsCapped: newlines between the elements of an
// array (or pretty-printed objects) are bounded as an event is, and the
// line tracker keeps a bit, not an offset, for each newline it has not
// been asked about: a newline bomb costs neither memory nor a hang.
func TestWhiteSpaceBetweenEventsCapped(t *testing.T) {
	defer func(old int) { maxLine = old }(maxLine)
	maxLine = 1 << 20
	for _, tc := range []struct{ name, open, rest string }{
		{"array", "[{\"k\":1},", "the rest of the array is not read"},
		{"pretty objects", "{\n\"k\": 1\n}\n", "the rest of the file is not read"},
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		in := io.MultiReader(strings.NewReader(tc.open), &repeatReader{line: strings.Repeat("\n", 4096), n: 16 << 10}, strings.NewReader("{\"k\":2}]"))
		var got []string
		scan("f", in, func(raw []byte, line int, err error) bool {
			if err != nil {
				got = append(got, err.Error())
			} else {
				got = append(got, fmt.Sprint(line))
			}
			return true
		})
		runtime.ReadMemStats(&after)
		// (in an array the white space after a comma is read as the
		// next element's: "event longer than 1 MiB")
		if len(got) != 2 || got[0] != "1" || !strings.Contains(got[1], "1 MiB") || !strings.HasSuffix(got[1], tc.rest) {
			t.Errorf("%s: got %q", tc.name, got)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 16<<20 {
			t.Errorf("%s: 64 MiB of newlines allocated %d MiB", tc.name, alloc>>20)
		}
	}
}

// TestLineTrackerBits checks the tracker's bitset against counting
// newlines directly, for queries in increasing order.
func TestLineTrackerBits(t *testing.T) {
	text := strings.Repeat("ab\n\n  \nx", 100) + "\n" + strings.Repeat("y", 200) + "\n\n"
	lt := &lineTracker{r: strings.NewReader(text)}
	lt.on = true
	if _, err := io.ReadAll(io.Reader(lt)); err != nil {
		t.Fatal(err)
	}
	for off := 0; off <= len(text); off += 7 {
		want := 1 + strings.Count(text[:off], "\n")
		if got := lt.lineAt(int64(off)); got != want {
			t.Fatalf("lineAt(%d) = %d, want %d", off, got, want)
		}
	}
}

// TestValidStringWords: validString reads plain bytes eight at a time;
// each byte that matters (a quote, a backslash, a control character, and
// bytes beside them: 0x20, 0x7f, 0x80, 0xff, UTF-8) at every offset of a
// word, in strings of every length around a word, is judged as
// encoding/json judges it.
func TestValidStringWords(t *testing.T) {
	specials := []string{`"`, `\`, `\"`, `\\`, `\n`, `\u00e9`, `\u00g9`, `\x`, "\x00", "\x1f", "\x20", "\x7f", "\x80", "\xff", "é", "\x22\x5c"}
	for n := range 20 {
		for at := range n + 1 {
			for _, sp := range specials {
				s := strings.Repeat("a", at) + sp + strings.Repeat("b", n-at)
				for _, doc := range []string{`{"k":"` + s + `"}`, `{"` + s + `":1}`, `{"k":"` + s} {
					want := json.Valid([]byte(doc))
					if got := validObject([]byte(doc)); got != want {
						t.Errorf("validObject(%q) = %v, encoding/json says %v", doc, got, want)
					}
				}
			}
		}
	}
}
