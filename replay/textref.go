package replay

import (
	"fmt"
	"os"
	"sync"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
)

// textRef is where the text of a kept event can be read again: in memory
// (the copy an arrival-order replay or a restored state keeps, or the
// text a time-order sorter that never spilled holds), or at an offset of
// one of the sorter's runs (a temporary file, open until the replay
// finishes). A waiting hit holds its event's textRef rather than its
// text, so that what a look-back window holds does not grow with the
// events' size; the text is read again when an alert is built on the
// hit, its identity is first needed, or a state is saved.
type textRef struct {
	mem []byte   // the text, or nil
	f   *os.File // else the run holding it at off
	off int64
	n   int
}

// ok reports whether the ref holds a text.
func (r *textRef) ok() bool { return r.mem != nil || r.f != nil }

// read returns the text: the memory it is in, or a new copy read from its
// run.
func (r *textRef) read() ([]byte, error) {
	if r.f == nil {
		return r.mem, nil
	}
	b := make([]byte, r.n)
	if _, err := r.f.ReadAt(b, r.off); err != nil {
		return nil, fmt.Errorf("replay: reading an event again from %s: %w", r.f.Name(), err)
	}
	return b, nil
}

// refEvent reads a kept event's fields lazily from its text, read again
// at each lookup: an event held this way costs its textRef only (an EQL
// sequence's waiting events, whose join keys are read at each execution).
type refEvent struct{ ref *textRef }

var lazies = sync.Pool{New: func() any { return new(lazyText) }}

// lazyText is a pooled lazy reader and the buffer a text read from a run
// goes into.
type lazyText struct {
	l   events.Lazy
	buf []byte
}

// with calls f with a lazy reader of the text; false when the text
// cannot be read (a run gone: cannot happen before the replay finishes).
func (r refEvent) with(f func(*events.Lazy) bool) bool {
	lt := lazies.Get().(*lazyText)
	defer lazies.Put(lt)
	text := r.ref.mem
	if r.ref.f != nil {
		lt.buf = append(lt.buf[:0], make([]byte, r.ref.n)...)
		if _, err := r.ref.f.ReadAt(lt.buf, r.ref.off); err != nil {
			return false
		}
		text = lt.buf
	}
	lt.l.Reset(text)
	found := f(&lt.l)
	lt.l.Reset(nil)
	return found
}

// Values implements [eval.Event].
func (r refEvent) Values(path *eval.Path, v eval.Visitor) bool {
	return r.with(func(l *events.Lazy) bool { return l.Values(path, v) })
}

// Fields implements [eval.Event].
func (r refEvent) Fields(v eval.FieldVisitor) bool {
	return r.with(func(l *events.Lazy) bool { return l.Fields(v) })
}
