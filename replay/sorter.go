package replay

import (
	"bufio"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"sync"
	"unsafe"
)

// storedEvent is a matched event kept for the replay in time order: its
// JSON text (or the fields of an event built in Go), where it was read and
// its index. An event that only threshold rules take, in a replay that
// saves no state, keeps instead of its text what those rules read of it
// (facts: json holds thresholdExec.appendFacts' records, one a rule
// of the entry), which is all they need.
type storedEvent struct {
	json  []byte
	m     map[string]any
	file  string
	line  int
	index string
	facts bool
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

func compareEntries(a, b *sortEntry) int { return compareAt(a.t, a.seq, b.t, b.seq) }

// compareAt orders entries by time, then by place in the stream.
func compareAt(at, aseq, bt, bseq int64) int {
	switch {
	case at != bt:
		return cmp.Compare(at, bt)
	case aseq != bseq:
		return cmp.Compare(aseq, bseq)
	}
	return 0
}

// entrySize is what an entry itself takes in memory.
const entrySize = int(unsafe.Sizeof(sortEntry{}))

// sorter sorts the matched events of a replay by time with bounded
// memory: it keeps entries in memory up to limit bytes, then sorts them
// and writes them to a temporary file as one sorted run (the runs one
// after another in the same file, so that a tiny limit costs no file a
// run); each then reads the runs back merged through a heap (an
// external merge sort; past mergeFanIn runs, they are first merged
// mergeFanIn at a time into longer runs written after them). The
// entries' texts and rule lists are copied into chunks (arena) that the
// next entries reuse once a run is written, so that an entry costs no
// allocation of its own. Memory holds at most limit bytes of entries
// (the chunks, the entries and their slice counted whole), plus, when
// the runs are merged, one entry a run merged at once and their read
// buffers (mergeMemory).
type sorter struct {
	limit   int
	dir     string
	mem     entries
	order   []entryKey // scratch: mem's order
	text    arena[byte]
	rules   arena[int32]
	extra   int           // what the entries hold besides: index names, Map events
	file    *textFile     // the runs, once the first is written
	w       *bufio.Writer // writes the runs to file
	runs    []runSpan     // where each run is in file
	fanIn   int           // the most runs merged at once
	written int64         // file's size
	scratch []byte        // an entry's encoding
	// Spilled counts the entries written to runs.
	spilled int
}

// runSpan is where a sorted run is in the sorter's file: [start, end).
type runSpan struct{ start, end int64 }

// entryKey is an entry's place in the order: its time, its seq, its
// index in mem.
type entryKey struct {
	t, seq int64
	i      int
}

func newSorter(limit int, dir string) *sorter {
	if limit <= 0 {
		limit = DefaultSortMemory
	}
	// a chunk is a small part of the limit, so that the one being
	// filled and the ends of the others (a text that did not fit goes
	// to the next; at most a quarter chunk) waste little of it
	chunk := min(max(limit/32, 4<<10), 1<<20)
	return &sorter{limit: limit, dir: dir, fanIn: mergeFanIn, mem: newEntries(limit),
		text: arena[byte]{chunk: chunk, pool: &textChunks}, rules: arena[int32]{chunk: 4 << 10, pool: &ruleChunks}}
}

// size is what the entries in memory take, counted as limit counts it.
func (s *sorter) size() int {
	return s.mem.capacity()*entrySize + s.text.size + 4*s.rules.size + s.extra
}

// keepText copies an event's text into the sorter's memory, for the
// entries added next.
func (s *sorter) keepText(b []byte) []byte { return s.text.keep(b) }

// add keeps an entry; its rules are copied, its text must be keepText's
// (or nil, with a Map event). Call spillIfFull once the event's entries
// are added.
func (s *sorter) add(e sortEntry) {
	e.rules = s.rules.keep(e.rules)
	s.mem.add(e)
	s.extra += len(e.ev.index)
	if e.ev.m != nil {
		s.extra += 64 * len(e.ev.m) // a rough size of a map event
	}
}

// spillIfFull writes the entries in memory to a run when they take more
// than the limit.
func (s *sorter) spillIfFull() error {
	if s.size() > s.limit {
		return s.spill()
	}
	return nil
}

// sortMem returns the order of the entries in memory.
func (s *sorter) sortMem() []entryKey {
	s.order = slices.Grow(s.order[:0], s.mem.n) // once, not by copies
	for i := range s.mem.n {
		e := s.mem.at(i)
		s.order = append(s.order, entryKey{e.t, e.seq, i})
	}
	// the entries of one event (one a timestamp field) at the same time
	// stay in the order they were added, as the merge keeps them (ties
	// go to the earlier run): the order of the entries does not depend
	// on where the runs end
	slices.SortFunc(s.order, func(a, b entryKey) int {
		if c := compareAt(a.t, a.seq, b.t, b.seq); c != 0 {
			return c
		}
		return cmp.Compare(a.i, b.i)
	})
	return s.order
}

// spill writes the entries in memory, sorted, to a new run.
func (s *sorter) spill() error {
	if s.mem.n == 0 {
		return nil
	}
	if s.file == nil {
		f, err := createTemp(s.dir, "sorting events by time")
		if err != nil {
			return err
		}
		s.file, s.w = &textFile{f: f}, bufio.NewWriterSize(f, 256<<10)
	}
	start := s.written
	var prev sharedText
	for _, k := range s.sortMem() {
		if err := s.write(s.mem.at(k.i), &prev); err != nil {
			return err
		}
	}
	s.runs = append(s.runs, runSpan{start, s.written}) // flushed when the runs are read
	s.spilled += s.mem.n
	s.mem.reset()
	s.extra = 0
	s.text.reset()
	s.rules.reset()
	return nil
}

// sharedText tells, as a run is written, whether an entry's text is the
// previous entry's: the entries of one event (one a timestamp field)
// with the same time are next to each other in a run (no other entry has
// their seq), and the text is written with the first of them only. An
// entry's facts are its own: never shared.
type sharedText struct {
	seq  int64
	text bool // the previous entry (of seq) has a text
}

// same reports whether e's text is the previous entry's, and makes e the
// previous entry.
func (p *sharedText) same(e *sortEntry) bool {
	text := (e.ev.json != nil && !e.ev.facts) || e.ev.m != nil
	same := text && p.text && e.seq == p.seq
	p.seq, p.text = e.seq, text
	return same
}

// write appends an entry to the run being written (its text unless it is
// the previous entry's).
func (s *sorter) write(e *sortEntry, prev *sharedText) error {
	var text []byte
	var err error
	if s.scratch, text, err = appendEntryHead(s.scratch[:0], e, prev.same(e)); err != nil {
		return err
	}
	// the text as it is, not copied after the head first
	if _, err := s.w.Write(s.scratch); err != nil {
		return fmt.Errorf("replay: sorting events by time: %w", err)
	}
	if _, err := s.w.Write(text); err != nil {
		return fmt.Errorf("replay: sorting events by time: %w", err)
	}
	s.written += int64(len(s.scratch) + len(text))
	return nil
}

// entries holds the sorter's entries in memory in chunks of a fixed
// length, which the next entries reuse once a run is written: the entries
// grow without being copied to a larger slice (and to memory the process
// has not touched yet) at each growth.
type entries struct {
	chunk  int // a chunk's length
	chunks [][]sortEntry
	n      int                   // the entries in use: the first n
	pool   *chunkPool[sortEntry] // where the chunks come from and go back to (release)
}

// newEntries returns entries in chunks of a sixteenth of limit (bytes),
// between 16 and 1,024 entries.
func newEntries(limit int) entries {
	return entries{chunk: min(max(limit/16/entrySize, 16), 1024), pool: &entryChunks}
}

func (m *entries) add(e sortEntry) {
	k := m.n / m.chunk
	if k == len(m.chunks) {
		m.chunks = append(m.chunks, m.pool.get(m.chunk)[:m.chunk])
	}
	m.chunks[k][m.n%m.chunk] = e
	m.n++
}

// at returns entry i.
func (m *entries) at(i int) *sortEntry { return &m.chunks[i/m.chunk][i%m.chunk] }

// capacity is the number of entries the chunks hold.
func (m *entries) capacity() int { return len(m.chunks) * m.chunk }

// reset frees the chunks for the next entries, dropping what the entries
// held.
func (m *entries) reset() {
	for k := 0; k*m.chunk < m.n; k++ {
		clear(m.chunks[k][:min(m.chunk, m.n-k*m.chunk)])
	}
	m.n = 0
}

// free drops the chunks.
func (m *entries) free() { m.chunks, m.n = nil, 0 }

// release gives the chunks back to their pool, emptied, and drops them:
// nothing may read an entry any more.
func (m *entries) release() {
	m.reset()
	for _, c := range m.chunks {
		m.pool.put(c)
	}
	m.free()
}

// arena holds slices of T in chunks of a fixed length, so that keeping one
// costs no allocation of its own; a slice longer than a quarter chunk
// gets its own. reset makes the chunks free for the next slices.
type arena[T any] struct {
	chunk  int   // a chunk's length
	chunks [][]T // the first n are in use, the last of them being filled
	n      int
	size   int           // the elements of the chunks in use and of the own slices
	pool   *chunkPool[T] // where the chunks come from and go back to (release)
}

// keep returns a copy of v in the arena (nil for nil).
func (a *arena[T]) keep(v []T) []T {
	switch {
	case v == nil:
		return nil
	case len(v) > a.chunk/4:
		a.size += len(v)
		return slices.Clone(v)
	}
	if a.n == 0 || len(a.chunks[a.n-1])+len(v) > a.chunk {
		if a.n == len(a.chunks) {
			a.chunks = append(a.chunks, a.pool.get(a.chunk))
		}
		a.chunks[a.n] = a.chunks[a.n][:0]
		a.n++
		a.size += a.chunk
	}
	c := &a.chunks[a.n-1]
	start := len(*c)
	*c = append(*c, v...)
	return (*c)[start:len(*c):len(*c)]
}

// reset frees the chunks for the next slices: the slices kept are no
// longer used.
func (a *arena[T]) reset() { a.n, a.size = 0, 0 }

// release gives the chunks back to their pool and drops them: nothing
// may read a slice kept any more.
func (a *arena[T]) release() {
	for _, c := range a.chunks {
		a.pool.put(c)
	}
	*a = arena[T]{chunk: a.chunk, pool: a.pool}
}

// chunkPool holds the chunks of the sorters closed (sorter.close), for
// the sorters made next: a process that replays again and again (a set
// replayed batch after batch) fills the same memory again rather than
// allocating it, until the garbage collector empties the pool. A nil
// pool makes and drops chunks.
type chunkPool[T any] struct{ p sync.Pool }

// The pools of the sorters' chunks: texts, rule lists, entries.
var (
	textChunks  chunkPool[byte]
	ruleChunks  chunkPool[int32]
	entryChunks chunkPool[sortEntry]
)

// get returns an empty chunk of capacity n.
func (c *chunkPool[T]) get(n int) []T {
	if c != nil {
		if v, ok := c.p.Get().(*[]T); ok && cap(*v) == n {
			return (*v)[:0]
		}
	}
	return make([]T, 0, n)
}

// put keeps the chunk s (whose elements hold no pointer any more) for a
// later get.
func (c *chunkPool[T]) put(s []T) {
	if c != nil {
		c.p.Put(&s)
	}
}

// The text of an entry in a run is written as a uvarint code: textNone
// (no text), textSame (the previous entry's text: the same event's),
// textOwn+2n followed by n bytes of text, or textOwn+2n+1 followed by n
// bytes of facts (storedEvent.facts).
const (
	textNone = iota
	textSame
	textOwn
)

// appendEntryHead appends the entry's encoding but its text, which it
// returns: the encoding goes on with it.
func appendEntryHead(b []byte, e *sortEntry, same bool) (head, text []byte, err error) {
	text, code := e.ev.json, uint64(textSame)
	switch {
	case same:
		text = nil
	case text == nil && e.ev.m == nil:
		code = textNone
	default:
		if text == nil {
			if text, err = json.Marshal(e.ev.m); err != nil {
				return b, nil, fmt.Errorf("%s:%d: replay: %w", e.ev.file, e.ev.line, err)
			}
		}
		code = textOwn + 2*uint64(len(text))
		if e.ev.facts {
			code++
		}
	}
	n := varintLen(e.t) + varintLen(e.seq) + uvarintLen(uint64(len(e.rules)))
	for _, r := range e.rules {
		n += uvarintLen(uint64(r))
	}
	n += uvarintLen(uint64(len(e.ev.file))) + len(e.ev.file) + uvarintLen(uint64(len(e.ev.index))) + len(e.ev.index)
	n += uvarintLen(uint64(e.ev.line)) + uvarintLen(code) + len(text)
	b = binary.AppendUvarint(b, uint64(n))
	b = binary.AppendVarint(b, e.t)
	b = binary.AppendVarint(b, e.seq)
	b = binary.AppendUvarint(b, uint64(len(e.rules)))
	for _, r := range e.rules {
		b = binary.AppendUvarint(b, uint64(r))
	}
	b = binary.AppendUvarint(b, uint64(len(e.ev.file)))
	b = append(b, e.ev.file...)
	b = binary.AppendUvarint(b, uint64(len(e.ev.index)))
	b = append(b, e.ev.index...)
	b = binary.AppendUvarint(b, uint64(e.ev.line))
	b = binary.AppendUvarint(b, code)
	return b, text, nil
}

// varintLen is the length of v's varint encoding.
func varintLen(v int64) int {
	u := uint64(v) << 1
	if v < 0 {
		u = ^u
	}
	return uvarintLen(u)
}

// maxEntry bounds an entry's encoding: an event line is at most 64 MiB
// (package events), and what goes with it far less.
const maxEntry = 80 << 20

// errCorrupt is a run that does not read back as it was written.
var errCorrupt = errors.New("replay: a temporary file of sorted events is corrupt")

// readEntry reads the next entry of a run into e, its text into buf
// (reused: the text is valid until buf is), and returns buf, the entry's
// size in the run and the text's offset from the entry's start; io.EOF
// at its end. An entry whose text is the previous entry's (same) leaves
// e.ev.json as the previous entry left it, which must be that text: the
// caller reads it into another buffer than the one holding the text.
func readEntry(r *bufio.Reader, e *sortEntry, buf []byte) (body []byte, size, textOff int64, same bool, err error) {
	n, err := binary.ReadUvarint(r)
	if err != nil {
		if err == io.EOF {
			return buf, 0, 0, false, err // the end
		}
		return buf, 0, 0, false, errCorrupt
	}
	if n > maxEntry {
		return buf, 0, 0, false, errCorrupt
	}
	prevSeq, prevText := e.seq, e.ev.json
	if e.ev.facts {
		prevText = nil // facts are not shared
	}
	head := int64(uvarintLen(n))
	body = append(buf[:0], make([]byte, n)...)
	if _, err := io.ReadFull(r, body); err != nil {
		return body, 0, 0, false, errCorrupt
	}
	d := recordReader{b: body}
	e.t = d.varint()
	e.seq = d.varint()
	nr := d.uvarint()
	if d.bad || nr > uint64(len(body)) {
		return body, 0, 0, false, errCorrupt
	}
	e.rules = e.rules[:0]
	for range nr {
		e.rules = append(e.rules, int32(d.uvarint()))
	}
	file, index := d.bytes(), d.bytes()
	if string(file) != e.ev.file { // the same file as the run's last entry, mostly
		e.ev.file = string(file)
	}
	if string(index) != e.ev.index {
		e.ev.index = string(index)
	}
	e.ev.line = int(d.uvarint())
	switch code := d.uvarint(); {
	case d.bad:
	case code == textNone:
		e.ev.json, e.ev.facts = nil, false
	case code == textSame:
		// the previous entry's text: the same event's, which has one
		if prevText == nil || e.seq != prevSeq {
			return body, 0, 0, false, errCorrupt
		}
		same = true
	case (code-textOwn)/2 > uint64(len(d.b)):
		d.bad = true
	default:
		l := int((code - textOwn) / 2)
		e.ev.json, e.ev.facts = d.b[:l:l], (code-textOwn)%2 == 1
		d.b = d.b[l:]
	}
	if d.bad || len(d.b) != 0 {
		return body, 0, 0, false, errCorrupt
	}
	if same || e.ev.json == nil || e.ev.facts {
		return body, head + int64(n), 0, same, nil
	}
	return body, head + int64(n), head + int64(len(body)-len(e.ev.json)), false, nil
}

// recordReader reads the varints and byte strings of a record: a run's
// entry (readEntry), a threshold rule's facts (readThresholdFacts). bad
// is set once b does not hold what is read; what is read then is zero.
type recordReader struct {
	b   []byte
	bad bool
}

func (d *recordReader) uvarint() uint64 {
	if d.bad {
		return 0
	}
	v, k := binary.Uvarint(d.b)
	if k <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[k:]
	return v
}

func (d *recordReader) varint() int64 {
	if d.bad {
		return 0
	}
	v, k := binary.Varint(d.b)
	if k <= 0 {
		d.bad = true
		return 0
	}
	d.b = d.b[k:]
	return v
}

// bytes reads a length, then as many bytes (capped: an append to them
// copies).
func (d *recordReader) bytes() []byte {
	l := d.uvarint()
	if d.bad || l > uint64(len(d.b)) {
		d.bad = true
		return nil
	}
	b := d.b[:l:l]
	d.b = d.b[l:]
	return b
}

// count reads a count of items of a byte at least each.
func (d *recordReader) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b))+1 {
		d.bad = true
		return 0
	}
	return int(n)
}

// strings reads a count, then as many strings as bytes reads them.
func (d *recordReader) strings() []string {
	n := d.count()
	if n == 0 || d.bad {
		return nil
	}
	ss := make([]string, n)
	for i := range ss {
		b := d.bytes()
		if d.bad {
			return nil
		}
		ss[i] = string(b)
	}
	return ss
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

// each calls f with the entries in time order, and where each one's text
// is read again until close (e.ev.json itself is valid during the call).
func (s *sorter) each(f func(e *sortEntry, ref textRef) error) error {
	if len(s.runs) == 0 {
		// the entries stay until close: their text is the hits' (and
		// within the limit)
		for _, k := range s.sortMem() {
			e := s.mem.at(k.i)
			ref := textRef{mem: e.ev.json}
			if e.ev.facts {
				ref = textRef{}
			}
			if err := f(e, ref); err != nil {
				return err
			}
		}
		return nil
	}
	if err := s.spill(); err != nil {
		return err
	}
	s.mem.free()
	s.order, s.text, s.rules = nil, arena[byte]{}, arena[int32]{} // in the runs now
	// more runs than fanIn: merge them fanIn at a time into longer runs,
	// written after them in the file, until fanIn at most are left
	for len(s.runs) > s.fanIn {
		var longer []runSpan
		for i := 0; i < len(s.runs); i += s.fanIn {
			group := s.runs[i:min(i+s.fanIn, len(s.runs))]
			if len(group) == 1 {
				longer = append(longer, group[0])
				continue
			}
			if err := s.w.Flush(); err != nil {
				return fmt.Errorf("replay: sorting events by time: %w", err)
			}
			start := s.written
			var prev sharedText
			err := s.merge(group, func(e *sortEntry, _ textRef) error {
				return s.write(e, &prev)
			})
			if err != nil {
				return err
			}
			longer = append(longer, runSpan{start, s.written})
		}
		s.runs = longer
	}
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("replay: sorting events by time: %w", err)
	}
	s.w = nil // all written
	return s.merge(s.runs, f)
}

// merge calls f with the entries of the runs, merged in time order.
func (s *sorter) merge(spans []runSpan, f func(e *sortEntry, ref textRef) error) error {
	runs := make([]*mergeRun, len(spans))
	next := func(r *mergeRun) error {
		// into the buffer not holding the current text, which the
		// next entry may share
		k := 1 - r.text
		var n, off int64
		var same bool
		var err error
		r.bufs[k], n, off, same, err = readEntry(r.r, &r.cur, r.bufs[k])
		r.ok = err == nil
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", r.f.f.Name(), err)
		}
		switch {
		case same: // the text and its ref are the previous entry's
		case r.cur.ev.json == nil:
			r.ref = textRef{}
		case r.cur.ev.facts: // not a text to read again
			r.text = k
			r.ref = textRef{}
		default:
			r.text = k
			r.ref = textRef{f: r.f, off: r.pos + off, n: len(r.cur.ev.json)}
		}
		r.pos += n
		return nil
	}
	// the read buffers share mergeMemory, so that memory does not grow
	// with the number of runs (the events' number)
	bufSize := min(64<<10, max(4<<10, mergeMemory/len(spans)))
	for i, span := range spans {
		sec := io.NewSectionReader(s.file.f, span.start, span.end-span.start)
		runs[i] = &mergeRun{f: s.file, r: bufio.NewReaderSize(sec, bufSize), pos: span.start}
		if err := next(runs[i]); err != nil {
			return err
		}
	}
	// the runs with an entry left, in a heap by their entry: the least
	// first, ties (one event's entries for several fields) to the
	// earlier run, as a scan of the runs in order would pick
	h := make(mergeHeap, 0, len(runs))
	for i, r := range runs {
		if r.ok {
			r.place = i
			h = append(h, r)
		}
	}
	h.init()
	for len(h) > 0 {
		best := h[0]
		if err := f(&best.cur, best.ref); err != nil {
			return err
		}
		if err := next(best); err != nil {
			return err
		}
		if !best.ok {
			h[0] = h[len(h)-1]
			h = h[:len(h)-1]
		}
		h.down(0)
	}
	return nil
}

// mergeRun is a run being merged: its reader, its current entry and
// where the entry's text is.
type mergeRun struct {
	f     *textFile
	r     *bufio.Reader
	pos   int64 // the offset of cur's end in the file
	bufs  [2][]byte
	text  int // the buffer holding cur's text
	cur   sortEntry
	ref   textRef
	ok    bool // cur is an entry (not the run's end)
	place int  // the run's place among the runs
}

// mergeHeap is a binary min-heap of runs by their current entry, then by
// their place, so that a merge of k runs costs O(log k) an entry. It is
// written here rather than with container/heap to keep the merge free of
// interface calls.
type mergeHeap []*mergeRun

func (h mergeHeap) less(i, j int) bool {
	if c := compareEntries(&h[i].cur, &h[j].cur); c != 0 {
		return c < 0
	}
	return h[i].place < h[j].place
}

// init orders the heap.
func (h mergeHeap) init() {
	for i := len(h)/2 - 1; i >= 0; i-- {
		h.down(i)
	}
}

// down moves item i down to its place, after its entry grew.
func (h mergeHeap) down(i int) {
	for {
		l := 2*i + 1
		if l >= len(h) {
			return
		}
		least := l
		if r := l + 1; r < len(h) && h.less(r, l) {
			least = r
		}
		if !h.less(least, i) {
			return
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
}

// mergeMemory is what the read buffers of the runs take at most when
// they are merged (each between 4 KiB and 64 KiB): mergeFanIn runs at
// most are merged at once.
const mergeMemory = 4 << 20

// mergeFanIn is the most runs a merge reads at once, each through a read
// buffer of 4 KiB at least (mergeMemory).
const mergeFanIn = mergeMemory / (4 << 10)

// close removes the runs.
func (s *sorter) close() {
	if s.file != nil {
		s.file.close()
	}
	s.file, s.w, s.runs = nil, nil, nil
	s.mem.release()
	s.text.release()
	s.rules.release()
}
