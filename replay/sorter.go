package replay

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
)

// storedEvent is a matched event kept for the replay in time order: its
// JSON text (or the fields of an event built in Go), where it was read and
// its index.
type storedEvent struct {
	json  []byte
	m     map[string]any
	file  string
	line  int
	index string
	// ref: where json is read again once each has handed the entry on
	// (json itself is then a buffer the next entry reuses)
	ref textRef
}

// sortEntry is a matched event at its time for one timestamp field, with
// the rules (their indexes in the replay) that matched it and use that
// field. seq is the event's place in the stream: events at the same time
// keep their order.
type sortEntry struct {
	t     int64
	seq   int64
	rules []int32
	ev    storedEvent
}

func compareEntries(a, b *sortEntry) int {
	switch {
	case a.t < b.t:
		return -1
	case a.t > b.t:
		return 1
	case a.seq < b.seq:
		return -1
	case a.seq > b.seq:
		return 1
	}
	return 0
}

// entryOverhead is what an entry costs in memory besides its text.
const entryOverhead = 160

// sorter sorts the matched events of a replay by time with bounded
// memory: it keeps entries in memory up to limit bytes, then sorts them
// and writes them to a temporary file as one sorted run; each then reads
// the runs back merged (an external merge sort). Memory holds at most
// limit bytes of entries, plus one entry a run and the runs' read buffers
// (mergeMemory, or 4 KiB a run past 1,024 runs).
type sorter struct {
	limit int
	dir   string
	mem   []sortEntry
	size  int
	runs  []*os.File
	// Spilled counts the entries written to runs.
	spilled int
}

func newSorter(limit int, dir string) *sorter {
	if limit <= 0 {
		limit = DefaultSortMemory
	}
	return &sorter{limit: limit, dir: dir}
}

// add keeps an entry, spilling the entries in memory to a run when they
// pass the limit.
func (s *sorter) add(e sortEntry) error {
	s.mem = append(s.mem, e)
	s.size += s.cost(&e)
	if s.size > s.limit {
		return s.spill()
	}
	return nil
}

// cost is what keeping e in memory takes.
func (s *sorter) cost(e *sortEntry) int {
	c := entryOverhead + len(e.ev.json) + 4*len(e.rules) + len(e.ev.index)
	if e.ev.m != nil {
		c += 64 * len(e.ev.m) // a rough size of a map event
	}
	return c
}

// spill writes the entries in memory, sorted, to a new run.
func (s *sorter) spill() error {
	if len(s.mem) == 0 {
		return nil
	}
	f, err := os.CreateTemp(s.dir, "kqlrules-replay-*")
	if err != nil {
		return fmt.Errorf("replay: sorting events by time: %w", err)
	}
	_ = os.Remove(f.Name()) // gone once closed, whatever happens
	s.runs = append(s.runs, f)
	slices.SortFunc(s.mem, func(a, b sortEntry) int { return compareEntries(&a, &b) })
	w := bufio.NewWriterSize(f, 256<<10)
	var buf []byte
	for i := range s.mem {
		if buf, err = appendEntry(buf[:0], &s.mem[i]); err != nil {
			return err
		}
		if _, err := w.Write(buf); err != nil {
			return fmt.Errorf("replay: sorting events by time: %w", err)
		}
	}
	if err := w.Flush(); err != nil {
		return fmt.Errorf("replay: sorting events by time: %w", err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("replay: sorting events by time: %w", err)
	}
	s.spilled += len(s.mem)
	clear(s.mem)
	s.mem, s.size = s.mem[:0], 0
	return nil
}

// appendEntry appends the entry's encoding, preceded by its length.
func appendEntry(b []byte, e *sortEntry) ([]byte, error) {
	text := e.ev.json
	if text == nil {
		var err error
		if text, err = json.Marshal(e.ev.m); err != nil {
			return nil, fmt.Errorf("%s:%d: replay: %w", e.ev.file, e.ev.line, err)
		}
	}
	var body []byte
	body = binary.AppendVarint(body, e.t)
	body = binary.AppendVarint(body, e.seq)
	body = binary.AppendUvarint(body, uint64(len(e.rules)))
	for _, r := range e.rules {
		body = binary.AppendUvarint(body, uint64(r))
	}
	for _, s := range []string{e.ev.file, e.ev.index} {
		body = binary.AppendUvarint(body, uint64(len(s)))
		body = append(body, s...)
	}
	body = binary.AppendUvarint(body, uint64(e.ev.line))
	body = binary.AppendUvarint(body, uint64(len(text)))
	body = append(body, text...)
	b = binary.AppendUvarint(b, uint64(len(body)))
	return append(b, body...), nil
}

// maxEntry bounds an entry's encoding: an event line is at most 64 MiB
// (package events), and what goes with it far less.
const maxEntry = 80 << 20

// errCorrupt is a run that does not read back as it was written.
var errCorrupt = errors.New("replay: a temporary file of sorted events is corrupt")

// readEntry reads the next entry of a run into e, its text into buf
// (reused: the text is valid until the next call), and returns buf and
// the entry's size in the run; io.EOF at its end. e.ev.ref.off is the
// text's offset from the entry's start.
func readEntry(r *bufio.Reader, e *sortEntry, buf []byte) ([]byte, int64, error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		if err == io.EOF {
			return buf, 0, err // the end
		}
		return buf, 0, errCorrupt
	}
	if n > maxEntry {
		return buf, 0, errCorrupt
	}
	head := int64(uvarintLen(n))
	body := append(buf[:0], make([]byte, n)...)
	if _, err := io.ReadFull(r, body); err != nil {
		return body, 0, errCorrupt
	}
	p := 0
	varint := func() int64 {
		if p > len(body) {
			return 0
		}
		v, k := binary.Varint(body[p:])
		if k <= 0 {
			p = len(body) + 1
			return 0
		}
		p += k
		return v
	}
	uvarint := func() uint64 {
		if p > len(body) {
			return 0
		}
		v, k := binary.Uvarint(body[p:])
		if k <= 0 {
			p = len(body) + 1
			return 0
		}
		p += k
		return v
	}
	bytesOf := func() []byte {
		l := uvarint()
		if p > len(body) || l > uint64(len(body)-p) {
			p = len(body) + 1
			return nil
		}
		b := body[p : p+int(l) : p+int(l)]
		p += int(l)
		return b
	}
	e.t = varint()
	e.seq = varint()
	nr := uvarint()
	if p > len(body) || nr > uint64(len(body)) {
		return body, 0, errCorrupt
	}
	e.rules = e.rules[:0]
	for range nr {
		e.rules = append(e.rules, int32(uvarint()))
	}
	file, index := bytesOf(), bytesOf()
	if string(file) != e.ev.file { // the same file as the run's last entry, mostly
		e.ev.file = string(file)
	}
	if string(index) != e.ev.index {
		e.ev.index = string(index)
	}
	e.ev.line = int(uvarint())
	e.ev.json = bytesOf()
	e.ev.ref = textRef{off: head + int64(p-len(e.ev.json)), n: len(e.ev.json)}
	if p != len(body) {
		return body, 0, errCorrupt
	}
	return body, head + int64(n), nil
}

// uvarintLen is the length of v's uvarint encoding.
func uvarintLen(v uint64) int {
	n := 1
	for v >= 0x80 {
		v >>= 7
		n++
	}
	return n
}

// each calls f with the entries in time order; e.ev.json is valid
// during the call, e.ev.ref until close.
func (s *sorter) each(f func(*sortEntry) error) error {
	if len(s.runs) == 0 {
		// the entries stay until close: their text is the hits' (and
		// within the limit)
		slices.SortFunc(s.mem, func(a, b sortEntry) int { return compareEntries(&a, &b) })
		for i := range s.mem {
			e := &s.mem[i]
			e.ev.ref = textRef{mem: e.ev.json}
			if err := f(e); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.spill(); err != nil {
		return err
	}
	type run struct {
		f   *os.File
		r   *bufio.Reader
		pos int64 // the offset of cur's end
		buf []byte
		cur sortEntry
		ok  bool
	}
	runs := make([]*run, len(s.runs))
	next := func(r *run) error {
		var n int64
		var err error
		r.buf, n, err = readEntry(r.r, &r.cur, r.buf)
		r.ok = err == nil
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", r.f.Name(), err)
		}
		r.cur.ev.ref.f, r.cur.ev.ref.off = r.f, r.pos+r.cur.ev.ref.off
		r.pos += n
		return nil
	}
	// the read buffers share mergeMemory, so that memory does not grow
	// with the number of runs (the events' number)
	bufSize := min(64<<10, max(4<<10, mergeMemory/len(s.runs)))
	for i, f := range s.runs {
		runs[i] = &run{f: f, r: bufio.NewReaderSize(f, bufSize)}
		if err := next(runs[i]); err != nil {
			return err
		}
	}
	for {
		var best *run
		for _, r := range runs {
			if r.ok && (best == nil || compareEntries(&r.cur, &best.cur) < 0) {
				best = r
			}
		}
		if best == nil {
			return nil
		}
		if err := f(&best.cur); err != nil {
			return err
		}
		if err := next(best); err != nil {
			return err
		}
	}
}

// mergeMemory is what the read buffers of the runs take at most when
// they are merged (each between 4 KiB and 64 KiB).
const mergeMemory = 4 << 20

// close removes the runs.
func (s *sorter) close() {
	for _, f := range s.runs {
		f.Close()
		os.Remove(f.Name())
	}
	s.runs, s.mem = nil, nil
}
