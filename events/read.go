package events

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math/bits"
	"strings"
)

// Record is one event read from a file: its fields as encoding/json decodes
// them, with numbers as json.Number so that big integers (ports, byte
// counts, ids) keep their exact value, and where it was read.
type Record struct {
	Fields map[string]any
	File   string // the name the event was read under ("-" for standard input)
	Line   int    // the 1-based line where the event starts; 0 when built in Go
}

// Raw is one event read from a file as its JSON text, checked to be one
// valid JSON object ([ReadRaw]; [ReadRawUnchecked] leaves the check to
// its consumer). JSON is only valid until the next event is read: copy
// it to keep it.
type Raw struct {
	JSON []byte
	File string
	Line int
}

// Decode decodes the event into a Record, as [Read] would have.
func (r Raw) Decode() (Record, error) {
	m, err := decodeObject(r.JSON)
	if err != nil {
		return Record{}, &Error{File: r.File, Line: r.Line, Err: err}
	}
	return Record{Fields: m, File: r.File, Line: r.Line}, nil
}

// Error is an event that could not be read: a line (NDJSON) or an element
// (JSON array) that is not a JSON object. The readers yield it and go on
// with the next line; a replay counts it as rejected.
type Error struct {
	File string
	Line int
	Err  error
}

// Error returns "file:line: msg".
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d: %v", e.File, e.Line, e.Err)
}

// Unwrap returns the underlying error.
func (e *Error) Unwrap() error { return e.Err }

// Position returns where the event is, its file and line: where a
// diagnostic of it is placed (rules.FileDiagnostic).
func (e *Error) Position() (file string, line int) { return e.File, e.Line }

// maxLine bounds one event: an NDJSON line, an element of a JSON array,
// or an object of a file of pretty-printed objects. A longer line is
// rejected, not read into memory; a longer element or object ends the file
// there, read no further than the limit. A variable for tests.
var maxLine = 64 << 20

// MaxEvent is the limit of one event's JSON text, in bytes: an NDJSON
// line, an element of a JSON array, or a pretty-printed object.
const MaxEvent = 64 << 20

// Read streams the events of r, named name in errors, one at a time: never
// more than one event (or one line) is in memory, however long the input.
//
// The format is told from the first byte that is not white space: '[' is a
// JSON array of objects; a first line that opens an object it does not
// close (a pretty-printed object, as jq or an editor writes it, the file
// holding one such object or several one after another) is a stream of
// objects; anything else newline-delimited JSON (NDJSON), one object a
// line; blank lines are skipped. No event longer than [MaxEvent] is read
// into memory. A UTF-8 byte-order mark is
// ignored. Gzip-compressed input is not unpacked here: [ReadFiles] does it.
//
// A line that is not a JSON object (bad JSON, a number, an array, trailing
// data) is yielded as an *Error with its line number, and reading goes on
// with the next line. In a JSON array an element that is valid JSON but
// not an object is rejected the same way; a syntax error there ends the
// file (the rest cannot be delimited) with an *Error at the error's line,
// which counts as one rejected event. Any other error (reading r) is
// yielded as is and ends the sequence.
func Read(name string, r io.Reader) iter.Seq2[Record, error] {
	return func(yield func(Record, error) bool) {
		scan(name, r, func(raw []byte, line int, err error) bool {
			if err != nil {
				return yield(Record{}, err)
			}
			m, err := decodeObject(raw)
			if err != nil {
				return yield(Record{}, &Error{File: name, Line: line, Err: err})
			}
			return yield(Record{Fields: m, File: name, Line: line}, nil)
		})
	}
}

// ReadRaw is [Read] without decoding: it yields each event's JSON text,
// checked to be one JSON object, for a [Lazy] event to read only the
// fields a query needs. Rejections are the same as Read's, with the same
// messages.
func ReadRaw(name string, r io.Reader) iter.Seq2[Raw, error] { return readRaw(name, r, true) }

// ReadRawUnchecked is [ReadRaw] without the check that each text is one
// JSON object: the lines and errors of the input as ReadRaw reads them,
// for a consumer that checks each text itself, in a walk of the event it
// makes anyway ([Lazy.Check]), as ruleset's Set.Replay does. A text it
// yields may be anything but an empty line.
func ReadRawUnchecked(name string, r io.Reader) iter.Seq2[Raw, error] {
	return readRaw(name, r, false)
}

// readRaw is ReadRaw, checking each text when check is set.
func readRaw(name string, r io.Reader, check bool) iter.Seq2[Raw, error] {
	return func(yield func(Raw, error) bool) {
		scan(name, r, func(raw []byte, line int, err error) bool {
			if err != nil {
				return yield(Raw{}, err)
			}
			if check {
				if err := CheckObject(raw); err != nil {
					return yield(Raw{}, &Error{File: name, Line: line, Err: err})
				}
			}
			return yield(Raw{JSON: raw, File: name, Line: line}, nil)
		})
	}
}

// CheckObject returns nil when data is one JSON object (with white space
// around it), as the readers require of an event, else the error
// [Raw.Decode] would give (without its place). It allocates nothing for
// a valid object.
func CheckObject(data []byte) error {
	if validObject(data) {
		return nil
	}
	if _, err := decodeObject(data); err != nil {
		return err
	}
	return errors.New("an event must be a JSON object")
}

// scan calls fn with the text of each event of r (an NDJSON line or an
// element of a JSON array) and the line where it starts, or with an error,
// until fn returns false.
func scan(name string, r io.Reader, fn func(raw []byte, line int, err error) bool) {
	lt := &lineTracker{r: r}
	br := bufio.NewReaderSize(lt, 64<<10)
	// skip a BOM and leading white space to tell the format
	lines := 1
	for {
		b, err := br.Peek(1)
		if err != nil {
			if err != io.EOF {
				fn(nil, 0, fmt.Errorf("%s: %w", name, err))
			}
			return
		}
		if b[0] == 0xef {
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
			lt.start(br, lines-1)
			scanValues(name, lt, br, fn, true)
			return
		case '{':
			if multiLineObject(br) {
				lt.start(br, lines-1)
				scanValues(name, lt, br, fn, false)
				return
			}
		}
		break
	}
	scanNDJSON(name, br, lines, maxLine, fn)
}

// multiLineObject reports whether br starts with an object that its first
// line does not close and that continues as JSON on the next lines (a
// pretty-printed object), rather than with an NDJSON line (a truncated
// line followed by other lines is NDJSON: its lines are read one by one).
func multiLineObject(br *bufio.Reader) bool {
	var first []byte
	for {
		p, err := br.Peek(max(br.Buffered(), 1))
		if i := bytes.IndexByte(p, '\n'); i >= 0 {
			first = p[:i]
			break
		}
		if err != nil || len(p) >= br.Size() {
			return false // one line, or a first line longer than the buffer
		}
		if _, err := br.Peek(len(p) + 1); err != nil && !errors.Is(err, bufio.ErrBufferFull) && len(p) == br.Buffered() {
			return false
		}
	}
	if json.Valid(first) {
		return false
	}
	var v json.RawMessage
	if err := json.Unmarshal(first, &v); !errors.Is(err, io.ErrUnexpectedEOF) && !isUnexpectedEnd(err) {
		return false // a syntax error in the first line: NDJSON rejects it
	}
	// the first object is whole in the buffer, or longer than it
	win, _ := br.Peek(br.Size())
	dec := json.NewDecoder(bytes.NewReader(win))
	err := dec.Decode(&v)
	return err == nil || (errors.Is(err, io.ErrUnexpectedEOF) && len(win) == br.Size())
}

// isUnexpectedEnd reports whether err is encoding/json's error for input
// that ends inside a value.
func isUnexpectedEnd(err error) bool {
	var se *json.SyntaxError
	return errors.As(err, &se) && strings.Contains(se.Error(), "unexpected end")
}

// Lines calls fn with each non-blank line of r (with its line break) and
// its 1-based number, as [Read] reads NDJSON but without decoding, until fn
// returns false: the one line reader of the package and of the command's
// JSON-lines inputs. A line longer than limit bytes is not read into
// memory: fn gets an *Error for it and reading goes on with the next line.
// An error reading r is passed to fn and ends the reading.
func Lines(name string, r io.Reader, limit int, fn func(line []byte, n int, err error) bool) {
	scanNDJSON(name, bufio.NewReaderSize(r, 64<<10), 1, limit, fn)
}

// scanNDJSON passes the lines of br, starting at line first, each at most
// maxLine bytes long.
func scanNDJSON(name string, br *bufio.Reader, first, maxLine int, fn func([]byte, int, error) bool) {
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
			fn(nil, n, fmt.Errorf("%s:%d: %w", name, n, err))
			return
		}
		if len(bytes.TrimSpace(line)) > 0 {
			ok := true
			if len(line) > maxLine {
				ok = fn(nil, n, &Error{File: name, Line: n, Err: fmt.Errorf("event longer than %d MiB", maxLine>>20)})
			} else {
				ok = fn(line, n, nil)
			}
			if !ok {
				return
			}
		}
		if err == io.EOF {
			return
		}
		if cap(long) > 1<<20 {
			long = nil // do not keep a huge buffer for the lines to come
		}
	}
}

// decodeObject decodes one JSON object with json.Number numbers, as
// encoding/json does: directly when it can (decodeFast), else, for
// anything unusual and for every error, with encoding/json itself
// (decodeStd).
func decodeObject(data []byte) (map[string]any, error) {
	if m, ok := decodeFast(data); ok {
		return m, nil
	}
	return decodeStd(data)
}

// decodeStd decodes one JSON object with encoding/json and UseNumber:
// decodeObject's answer for what decodeFast does not take, and the
// reference its tests hold decodeFast to.
func decodeStd(data []byte) (map[string]any, error) {
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

// scanValues passes the elements of a JSON array (array true) or the
// values of a stream of JSON values, one after another, each with the line
// where it starts. A value longer than maxLine ends the file: it is read
// no further than that.
func scanValues(name string, lt *lineTracker, br *bufio.Reader, fn func([]byte, int, error) bool, array bool) {
	// the tracker counts bytes handed to br; the decoder reads from br,
	// which holds back what it buffered: offsets are relative to the
	// bytes br has given out.
	base := lt.n - int64(br.Buffered())
	lim := &limitReader{r: br}
	dec := json.NewDecoder(lim)
	dec.UseNumber()
	rest := "the rest of the array is not read"
	if array {
		if _, err := dec.Token(); err != nil { // '['
			fn(nil, 0, &Error{File: name, Line: lt.lineAt(base), Err: jsonError(err)})
			return
		}
	} else {
		rest = "the rest of the file is not read"
	}
	// In a stream of objects, as in NDJSON, a value begins on a line of its
	// own: the rest of the line where a value ended is one rejection, and a
	// value all on that line is part of it (NDJSON rejects the whole line).
	// So a value is held until the next one shows whether its last line
	// holds more, and a rejection until the next report shows that no
	// error on the same line takes its place (a syntax error there ends the
	// file): a line gets one report at most.
	var held struct {
		raw       []byte
		line, end int // the held value's first and last lines; 0: none
		after     int // a held rejection's line; 0: none
	}
	dataAfter := func(line int) bool {
		return fn(nil, 0, &Error{File: name, Line: line, Err: errors.New("invalid JSON: data after the object")})
	}
	// release reports what is held, but for what a report on line (0:
	// none) replaces: a rejection on that line, a value all on it
	release := func(line int) bool {
		v, end, after := held.line, held.end, held.after
		held.line, held.after = 0, 0
		switch {
		case v != 0 && (v != line || end != line):
			return fn(held.raw, v, nil)
		case after != 0 && after != line:
			return dataAfter(after)
		}
		return true
	}
	endLine := 0 // the line where the last value ended
	for {
		// white space between events is bounded as an event is
		lim.max = dec.InputOffset() + int64(maxLine) + 1
		if !dec.More() {
			break
		}
		start := base + dec.InputOffset() + leadLength(dec.Buffered())
		lim.max = start - base + int64(maxLine) + 1
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			if errors.Is(err, errTooLong) {
				line := lt.lineAt(start)
				if release(line) {
					fn(nil, 0, &Error{File: name, Line: line, Err: fmt.Errorf("event longer than %d MiB; %s", maxLine>>20, rest)})
				}
				return
			}
			off := base + dec.InputOffset()
			var se *json.SyntaxError
			if errors.As(err, &se) {
				off = base + se.Offset
			}
			if !errors.As(err, &se) && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
				if release(0) {
					fn(nil, 0, fmt.Errorf("%s: %w", name, err)) // reading failed
				}
				return
			}
			line := lt.lineAt(max(off, start))
			if release(line) {
				fn(nil, 0, &Error{File: name, Line: line, Err: fmt.Errorf("%w; %s", jsonError(err), rest)})
			}
			return
		}
		line := lt.lineAt(base + dec.InputOffset() - int64(len(raw)))
		end := lt.lineAt(base + dec.InputOffset())
		switch {
		case array:
			if !fn(raw, line, nil) {
				return
			}
		case line == endLine:
			// it begins where the last value ended: the rest of that
			// line is one rejection, which takes the place of a value
			// all on it
			if held.line != 0 && held.line != held.end && !fn(held.raw, held.line, nil) {
				return
			}
			held.line = 0
			if held.after != 0 && held.after != line && !dataAfter(held.after) {
				return
			}
			held.after = line
		default:
			if !release(0) {
				return
			}
			held.raw, held.line, held.end = raw, line, end
		}
		endLine = end
	}
	if lim.hit {
		line := lt.lineAt(base + dec.InputOffset())
		if release(line) {
			fn(nil, 0, &Error{File: name, Line: line, Err: fmt.Errorf("more than %d MiB of white space between events; %s", maxLine>>20, rest)})
		}
		return
	}
	if !array {
		release(0)
		return
	}
	if _, err := dec.Token(); err != nil { // ']'
		fn(nil, 0, &Error{File: name, Line: lt.lineAt(base + dec.InputOffset()), Err: fmt.Errorf("%w; the array is not closed", jsonError(err))})
		return
	}
	if _, err := dec.Token(); err != io.EOF {
		fn(nil, 0, &Error{File: name, Line: lt.lineAt(base + dec.InputOffset()), Err: errors.New("invalid JSON: data after the array")})
	}
}

// leadLength returns the number of bytes of white space and commas at the
// start of the decoder's buffered input: what comes before the next value.
func leadLength(buffered io.Reader) int64 {
	br, ok := buffered.(io.ByteReader)
	if !ok {
		return 0
	}
	n := int64(0)
	for {
		c, err := br.ReadByte()
		if err != nil {
			return n
		}
		switch c {
		case ' ', '\t', '\r', '\n', ',':
			n++
		default:
			return n
		}
	}
}

// errTooLong is the limitReader's error past its limit.
var errTooLong = errors.New("event too long")

// limitReader reads from r, and once max is not 0, fails with errTooLong
// when more than max bytes in all would have been read.
type limitReader struct {
	r   io.Reader
	n   int64 // bytes read so far
	max int64
	hit bool // the limit was reached
}

func (l *limitReader) Read(p []byte) (int, error) {
	if l.max > 0 {
		if l.n >= l.max {
			l.hit = true
			return 0, errTooLong
		}
		p = p[:min(int64(len(p)), l.max-l.n)]
	}
	k, err := l.r.Read(p)
	l.n += int64(k)
	return k, err
}

// lineTracker counts the bytes read through it and, once started (for a
// JSON array or a stream of pretty-printed objects, where lines must be
// found from offsets), marks the newlines not yet asked about in a bitset
// (one bit a byte), so that lineAt can turn an offset into a line number
// with queries in increasing order. The bytes marked are those read ahead
// of the last query: at most one event (bounded by maxLine) and the
// readers' buffers, an eighth of a byte each, however many newlines they
// hold. NDJSON never starts it.
type lineTracker struct {
	r      io.Reader
	n      int64    // bytes read so far
	on     bool     // newlines are recorded
	bits   []uint64 // bit i: a newline at offset base+i
	base   int64    // the offset of bit 0, a multiple of 64
	passed int      // newlines before the last query
}

// mark records a newline at offset off (never before base).
func (t *lineTracker) mark(off int64) {
	i := off - t.base
	for int64(len(t.bits))*64 <= i {
		t.bits = append(t.bits, 0)
	}
	t.bits[i/64] |= 1 << (i % 64)
}

// start records newlines from now on, beginning with those br holds but
// has not given out yet; passed is the number of newlines br gave out.
func (t *lineTracker) start(br *bufio.Reader, passed int) {
	t.on, t.passed = true, passed
	buffered, _ := br.Peek(br.Buffered())
	from := t.n - int64(len(buffered))
	t.base = from &^ 63
	for i, c := range buffered {
		if c == '\n' {
			t.mark(from + int64(i))
		}
	}
}

func (t *lineTracker) Read(p []byte) (int, error) {
	n, err := t.r.Read(p)
	if t.on {
		for i, c := range p[:n] {
			if c == '\n' {
				t.mark(t.n + int64(i))
			}
		}
	}
	t.n += int64(n)
	return n, err
}

// lineAt returns the 1-based line of offset off; off must not decrease
// from one call to the next.
func (t *lineTracker) lineAt(off int64) int {
	if off > t.base {
		rel := off - t.base
		whole := min(rel/64, int64(len(t.bits)))
		for _, w := range t.bits[:whole] {
			t.passed += bits.OnesCount64(w)
		}
		t.bits = t.bits[whole:]
		t.base += whole * 64
		if r := rel - whole*64; r > 0 && len(t.bits) > 0 {
			mask := uint64(1)<<r - 1
			t.passed += bits.OnesCount64(t.bits[0] & mask)
			t.bits[0] &^= mask
		}
		if len(t.bits) == 0 {
			t.bits = nil // let the storage go
			t.base = off &^ 63
		}
	}
	return t.passed + 1
}
