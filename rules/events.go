package rules

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
)

// Event is one event read from a file: its fields as encoding/json decodes
// them, with numbers as json.Number so that big integers (ports, byte
// counts, ids) keep their exact value, and where it was read.
type Event struct {
	Fields map[string]any
	File   string // the name given to ReadEvents ("-" for standard input)
	Line   int    // the 1-based line where the event starts; 0 when built in Go
}

// EventError is an event that could not be read: a line (NDJSON) or an
// element (JSON array) that is not a JSON object. ReadEvents yields it and
// goes on with the next line; Run counts it as rejected.
type EventError struct {
	File string
	Line int
	Err  error
}

// Error returns "file:line: msg".
func (e *EventError) Error() string {
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

// Unwrap returns the underlying error.
func (e *EventError) Unwrap() error { return e.Err }

// maxLine bounds one NDJSON line; a longer line is rejected, not read into
// memory.
const maxLine = 64 << 20

// ReadEvents streams the events of r, named name in errors, one at a time:
// never more than one event (or one line) is in memory.
//
// The format is told from the first byte that is not white space: '[' is a
// JSON array of objects, anything else newline-delimited JSON (NDJSON), one
// object a line; blank lines are skipped. A UTF-8 byte-order mark is
// ignored.
//
// A line that is not a JSON object (bad JSON, a number, an array, trailing
// data) is yielded as an *EventError with its line number, and reading goes
// on with the next line. In a JSON array an element that is valid JSON but
// not an object is rejected the same way; a syntax error there ends the
// file (the rest cannot be delimited) with an *EventError at the error's
// line, which counts as one rejected event. Any other error (reading r) is
// yielded as is and ends the sequence.
func ReadEvents(name string, r io.Reader) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		lt := &lineTracker{r: r}
		br := bufio.NewReaderSize(lt, 64<<10)
		// skip a BOM and leading white space to tell the format
		lines := 1
	skip:
		for {
			b, err := br.Peek(1)
			if err != nil {
				if err != io.EOF {
					yield(Event{}, fmt.Errorf("%s: %w", name, err))
				}
				return
			}
			if bytes.HasPrefix(b, []byte{0xef}) {
				if bom, _ := br.Peek(3); bytes.Equal(bom, []byte("\ufeff")) {
					br.Discard(3)
					continue
				}
			}
			switch b[0] {
			case ' ', '\t', '\r':
				br.Discard(1)
				continue
			case '\n':
				br.Discard(1)
				lines++
				continue
			case '[':
				readArray(name, lt, br, yield)
				return
			}
			break skip
		}
		readNDJSON(name, br, lines, yield)
	}
}

// readNDJSON yields the objects of br one a line, starting at line first.
func readNDJSON(name string, br *bufio.Reader, first int, yield func(Event, error) bool) {
	var long []byte
	for n := first; ; n++ {
		line, err := br.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			// a line longer than the buffer: gather it, up to maxLine
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = br.ReadSlice('\n')
				if len(long) <= maxLine {
					long = append(long, line...)
				}
			}
			line = long
		}
		if err != nil && err != io.EOF {
			yield(Event{}, fmt.Errorf("%s:%d: %w", name, n, err))
			return
		}
		if len(bytes.TrimSpace(line)) > 0 {
			var ev Event
			var perr error
			if len(line) > maxLine {
				perr = fmt.Errorf("line longer than %d MiB", maxLine>>20)
			} else {
				ev.Fields, perr = decodeObject(line)
			}
			if perr != nil {
				if !yield(Event{}, &EventError{File: name, Line: n, Err: perr}) {
					return
				}
			} else {
				ev.File, ev.Line = name, n
				if !yield(ev, nil) {
					return
				}
			}
		}
		if err == io.EOF {
			return
		}
	}
}

// decodeObject decodes one JSON object with json.Number numbers.
func decodeObject(data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("invalid JSON: data after the object")
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("an event must be a JSON object, got %s", jsonKind(v))
	}
	return m, nil
}

func jsonError(err error) error {
	var se *json.SyntaxError
	switch {
	case errors.As(err, &se):
		return fmt.Errorf("invalid JSON: %s", se.Error())
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		return errors.New("invalid JSON: unexpected end")
	}
	return fmt.Errorf("invalid JSON: %v", err)
}

func jsonKind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	}
	return fmt.Sprintf("%T", v)
}

// readArray yields the objects of a JSON array, each with the line where
// it starts.
func readArray(name string, lt *lineTracker, br *bufio.Reader, yield func(Event, error) bool) {
	// the tracker counts bytes handed to br; the decoder reads from br,
	// which holds back what it buffered: offsets are relative to the
	// bytes br has given out.
	base := lt.n - int64(br.Buffered())
	dec := json.NewDecoder(br)
	dec.UseNumber()
	if _, err := dec.Token(); err != nil { // '['
		yield(Event{}, &EventError{File: name, Line: lt.lineAt(base), Err: jsonError(err)})
		return
	}
	for dec.More() {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			off := base + dec.InputOffset()
			var se *json.SyntaxError
			if errors.As(err, &se) {
				off = base + se.Offset
			}
			if !errors.As(err, &se) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
				yield(Event{}, fmt.Errorf("%s: %w", name, err)) // reading failed
				return
			}
			yield(Event{}, &EventError{File: name, Line: lt.lineAt(off), Err: fmt.Errorf("%w; the rest of the array is not read", jsonError(err))})
			return
		}
		start := base + dec.InputOffset() - int64(len(raw))
		line := lt.lineAt(start)
		m, err := decodeObject(raw)
		if err != nil {
			if !yield(Event{}, &EventError{File: name, Line: line, Err: err}) {
				return
			}
			continue
		}
		if !yield(Event{Fields: m, File: name, Line: line}, nil) {
			return
		}
	}
	if _, err := dec.Token(); err != nil { // ']'
		yield(Event{}, &EventError{File: name, Line: lt.lineAt(base + dec.InputOffset()), Err: fmt.Errorf("%w; the array is not closed", jsonError(err))})
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		yield(Event{}, &EventError{File: name, Line: lt.lineAt(base + dec.InputOffset()), Err: errors.New("invalid JSON: data after the array")})
	}
}

// lineTracker counts the bytes read through it and remembers the offsets
// of the newlines not yet asked about, so that lineAt can turn an offset
// into a line number with queries in increasing order.
type lineTracker struct {
	r        io.Reader
	n        int64   // bytes read so far
	newlines []int64 // offsets of newlines at or after the last query
	passed   int     // newlines before the last query
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	for i, c := range p[:n] {
		if c == '\n' {
			t.newlines = append(t.newlines, t.n+int64(i))
		}
	}
	t.n += int64(n)
	return n, err
}

// lineAt returns the 1-based line of offset off; off must not decrease
// from one call to the next.
func (t *lineTracker) lineAt(off int64) int {
	i := 0
	for i < len(t.newlines) && t.newlines[i] < off {
		i++
	}
	t.passed += i
	t.newlines = t.newlines[i:]
	if len(t.newlines) == 0 {
		t.newlines = nil // let the array's storage go
	}
	return t.passed + 1
}
