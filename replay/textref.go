package replay

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"slices"
	"sync"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
)

// textRef is where the text of a kept event can be read again: in memory
// (a restored state's, or the text a time-order sorter that never
// spilled holds), or at an offset of a temporary file (one of the
// sorter's runs, or an arrival-order replay's spill), open until the
// replay finishes. A waiting hit holds its event's textRef rather than
// its text, so that what a look-back window holds does not grow with the
// events' size; the text is read again when an alert is built on the
// hit, its identity is first needed, or a state is saved.
type textRef struct {
	mem []byte    // the text, or nil
	f   *textFile // else the file holding it at off
	off int64
	n   int
}

// ok reports whether the ref holds a text.
func (r *textRef) ok() bool { return r.mem != nil || r.f != nil }

// read returns the text: the memory it is in, or a new copy read from its
// file.
func (r *textRef) read() ([]byte, error) { return r.readInto(nil) }

// readInto returns the text: the memory it is in, or buf's memory (grown
// to the text's length when it is shorter) with the text read from its
// file.
func (r *textRef) readInto(buf []byte) ([]byte, error) {
	if r.f == nil {
		return r.mem, nil
	}
	return r.f.readAt(slices.Grow(buf[:0], r.n)[:r.n], r.off)
}

// textFile is a temporary file of event texts: a sorter's run (read
// only), or a spill the texts are appended to (w).
type textFile struct {
	f       *os.File
	w       *bufio.Writer // a spill's, else nil
	size    int64         // a spill's bytes written
	flushed int64         // of them, in the file
}

// newSpill creates a spill in dir (os.TempDir when "").
func newSpill(dir string) (*textFile, error) {
	f, err := createTemp(dir, "keeping event texts")
	if err != nil {
		return nil, err
	}
	return &textFile{f: f, w: bufio.NewWriterSize(f, 64<<10)}, nil
}

// createTemp creates the temporary file of a replay (a spill, a sorter's
// runs) in dir (os.TempDir when ""), removed at once so that it is gone
// once closed, whatever happens; doing says what for in an error.
func createTemp(dir, doing string) (*os.File, error) {
	f, err := os.CreateTemp(dir, "kqlrules-replay-*")
	if err != nil {
		return nil, fmt.Errorf("replay: %s: %w", doing, err)
	}
	_ = os.Remove(f.Name())
	return f, nil
}

// keep appends a text to a spill and returns where it is.
func (tf *textFile) keep(b []byte) (textRef, error) {
	if _, err := tf.w.Write(b); err != nil {
		return textRef{}, fmt.Errorf("replay: keeping event texts: %w", err)
	}
	ref := textRef{f: tf, off: tf.size, n: len(b)}
	tf.size += int64(len(b))
	return ref, nil
}

// readAt reads len(b) bytes at off into b.
func (tf *textFile) readAt(b []byte, off int64) ([]byte, error) {
	if tf.w != nil && off+int64(len(b)) > tf.flushed {
		if err := tf.w.Flush(); err != nil {
			return nil, fmt.Errorf("replay: keeping event texts: %w", err)
		}
		tf.flushed = tf.size
	}
	if _, err := tf.f.ReadAt(b, off); err != nil {
		return nil, fmt.Errorf("replay: reading an event again from %s: %w", tf.f.Name(), err)
	}
	return b, nil
}

// close closes and removes the file.
func (tf *textFile) close() {
	tf.f.Close()
	os.Remove(tf.f.Name())
}

// refEvent reads a kept event's fields lazily from its text, read again
// at each lookup: an event held this way costs its textRef only (an EQL
// sequence's waiting events, whose join keys are read at each execution).
// Consecutive lookups of one event (a query's fields) read and list its
// text once: the pooled reader remembers the text it reads.
type refEvent struct{ ref *textRef }

var lazies = sync.Pool{New: func() any { return new(lazyText) }}

// lazyText is a pooled lazy reader and the buffer a text read from a run
// goes into. It remembers which text l reads, so that the next lookup of
// the same text skips reading and listing it again: a file's (f, off, n:
// a file's texts are never written over while f is held), or memory, mem,
// whose bytes were seen (memory can be reused for another text: a
// sorter's chunks are, once a run is written; so mem is the same text
// only at the same address with the same bytes).
type lazyText struct {
	l     events.Lazy
	buf   []byte // a file's text
	ready bool   // l reads the text below
	f     *textFile
	off   int64
	n     int
	mem   []byte // l reads it, when f is nil
	seen  []byte // mem's bytes when l was reset to read it
}

// read makes lt.l read r's text, reading it again unless it is the one
// lt.l reads already; false when it cannot be read (a run gone: cannot
// happen before the replay finishes).
func (lt *lazyText) read(r *textRef) bool {
	if r.f != nil {
		if lt.ready && lt.f == r.f && lt.off == r.off && lt.n == r.n {
			return true
		}
		lt.ready = false
		var err error
		if lt.buf, err = r.readInto(lt.buf); err != nil {
			return false
		}
		lt.l.Reset(lt.buf)
		lt.ready, lt.f, lt.off, lt.n, lt.mem = true, r.f, r.off, r.n, nil
		return true
	}
	if lt.ready && lt.f == nil && len(r.mem) == len(lt.mem) && len(r.mem) > 0 &&
		&r.mem[0] == &lt.mem[0] && bytes.Equal(r.mem, lt.seen) {
		return true
	}
	lt.l.Reset(r.mem)
	lt.ready, lt.f, lt.mem = true, nil, r.mem
	lt.seen = append(lt.seen[:0], r.mem...)
	return true
}

// with calls f with a lazy reader of the text; false when the text
// cannot be read.
func (r refEvent) with(f func(*events.Lazy) bool) bool {
	lt := lazies.Get().(*lazyText)
	defer lazies.Put(lt)
	if !lt.read(r.ref) {
		return false
	}
	return f(&lt.l)
}

// Values implements [eval.Event].
func (r refEvent) Values(path *eval.Path, v eval.Visitor) bool {
	return r.with(func(l *events.Lazy) bool { return l.Values(path, v) })
}

// Fields implements [eval.Event].
func (r refEvent) Fields(v eval.FieldVisitor) bool {
	return r.with(func(l *events.Lazy) bool { return l.Fields(v) })
}
