package ruleset

import "sync"

// spares is a bounded list of things a set's replays leave for the next
// replay to reuse (batches, the workers' lazy events with their memos of
// the stream's keys), safe for concurrent use. Unlike a sync.Pool, which
// the garbage collector empties, it keeps them: a process that replays
// batch after batch (a detector fed every minute, a benchmark) finds
// them again however many collections came between, rather than
// allocating and growing them anew. What it holds is bounded by the
// caller: put keeps at most max of them.
type spares[T any] struct {
	mu   sync.Mutex
	list []T
}

// get returns a spare, if there is one.
func (s *spares[T]) get() (v T, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if n := len(s.list); n > 0 {
		v, ok = s.list[n-1], true
		var zero T
		s.list[n-1] = zero
		s.list = s.list[:n-1]
	}
	return v, ok
}

// put keeps v, unless max spares are kept already.
func (s *spares[T]) put(v T, max int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.list) < max {
		s.list = append(s.list, v)
	}
}
