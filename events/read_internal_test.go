package events

import (
	"bytes"
	"encoding/json"
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
