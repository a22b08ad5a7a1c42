package ruleset

import (
	"context"
	"errors"
	"iter"
	"runtime"
	"slices"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
)

// BatchSize is the number of events a worker of [Set.Replay] takes at once.
const BatchSize = 64

// profileEvery: with ReplayConfig.Profile, one event in profileEvery is
// matched with each rule's time measured.
const profileEvery = 64

// ReplayConfig configures [Set.Replay].
type ReplayConfig struct {
	// Workers is the number of goroutines matching events; 0 means
	// runtime.GOMAXPROCS(0).
	Workers int
	// Options apply to every rule's replay: replay.WithAnyIndex,
	// WithNow, WithAlertFunc (called on the goroutine that called
	// Set.Replay), WithArrivalOrder, WithSortMemory...
	Options []replay.RunOption
	// Progress, when not nil, is called with the number of events read
	// so far, after each batch.
	Progress func(read int)
	// Profile samples the time each rule's query takes (Result.Spent).
	Profile bool
	// State, when not nil, is the state of an earlier run, restored
	// before the first event (replay.Replay.Restore, Result.Resumed);
	// StateFile names it in errors.
	State     *replay.State
	StateFile string
	// SaveState leaves the executions that events of a next run may
	// still feed to that run and returns the state to give it in
	// Result.State (replay.Replay.FinishState).
	SaveState bool
}

// Result is what [Set.Replay] did.
type Result struct {
	// Reports has one report per rule of the set, in the set's order.
	Reports []*replay.Report
	// EventsRead counts the events and bad lines read; EventsRejected
	// the bad lines.
	EventsRead, EventsRejected int
	// Unreadable lists the entries of directories that could not be read
	// (an *events.FileError from evs): the rest was read and replayed.
	Unreadable []*events.FileError
	// Spent is, with Profile, the estimated time spent matching each
	// rule's query (sampled on one event in 64 and scaled up).
	Spent []time.Duration
	// Resumed tells which rules ReplayConfig.State restored, and which
	// were added or removed since; State is the state to save, with
	// ReplayConfig.SaveState.
	Resumed *replay.Resumed
	State   *replay.State
}

// Replay runs the set's rules over a stream of events as Kibana's
// detection engine would (package replay): events are read from evs
// (events.ReadRawFiles reads files, directories, .gz and standard input),
// matched against every rule at once on Workers goroutines as lazy events
// (only the fields the queries ask for are decoded), and replayed in the
// order of the stream; an event is decoded in full only when a rule
// matched it. Each query is compiled once, by New or FromFiles: the
// replay runs the set's programs (and, of a set FromFiles made, the EQL
// queries Load parsed).
//
// Each event's text is checked to be one JSON object as it is matched
// (events.Lazy.Check, in the walk the matching makes anyway): evs may
// yield texts unchecked (events.ReadRawFilesUnchecked, as the command
// line reads them), and one that is not an object is a bad line with
// the error events.ReadRaw would give it.
//
// A bad line (an *events.Error from evs) is counted and the run goes on;
// so does an unreadable entry of a directory (an *events.FileError, kept
// in Result.Unreadable); another error from evs, an alert function's error or the end of ctx
// ends the run: Replay returns the error with the result so far (the
// reports of the events replayed). Memory: Workers+3 batches of
// BatchSize events in flight (reused through the run; the set keeps up to
// 2×Workers+4 of them, with at most 4 MiB of text each, and a key memo
// of up to about 2 MiB for each of GOMAXPROCS workers, for its next
// run), plus what the replay holds (see replay.Replay).
func (s *Set) Replay(ctx context.Context, evs iter.Seq2[events.Raw, error], cfg ReplayConfig) (*Result, error) {
	opts := cfg.Options
	if !cfg.SaveState {
		opts = append(slices.Clip(opts), replay.WithoutState())
	}
	rp, err := replay.NewReplayPrepared(s.rules, s.preps, opts...)
	if err != nil {
		return nil, err
	}
	res := &Result{}
	if cfg.State != nil {
		if res.Resumed, err = rp.Restore(cfg.State, cfg.StateFile); err != nil {
			return nil, err
		}
	}
	if cfg.Profile {
		res.Spent = make([]time.Duration, len(s.rules))
	}
	runErr := s.stream(ctx, rp, evs, cfg, res)
	var reps []*replay.Report
	if cfg.SaveState && runErr == nil && ctx.Err() == nil {
		reps, res.State, err = rp.FinishState()
	} else {
		reps, err = rp.Finish()
	}
	res.Reports = reps
	if runErr != nil {
		return res, runErr
	}
	if err == nil {
		err = ctx.Err()
	}
	return res, err
}

// batch is a run of events read in order, matched by one worker.
type batch struct {
	text    []byte // the events' JSON, one after another
	raws    []events.Raw
	errs    []error // a bad line, or nil
	matched [][]int
	facts   []replay.Facts
	spent   []time.Duration // per rule, the sampled time, or empty
	done    chan struct{}   // a worker matched it (capacity 1)
}

// maxKeptText bounds the text of a batch kept for reuse.
const maxKeptText = 4 << 20

// stream reads, matches and replays the events.
func (s *Set) stream(ctx context.Context, rp *replay.Replay, evs iter.Seq2[events.Raw, error], cfg ReplayConfig, res *Result) error {
	workers := cfg.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	work := make(chan *batch, workers)
	order := make(chan *batch, workers+1)
	var readErr error
	var unreadable []*events.FileError // the reader's, until order is closed
	// free: the batches replayed, for the reader to fill again (as many
	// as can be in flight at once: read, queued, matched, replayed)
	free := make(chan *batch, 2*workers+4)
	defer func() { // left to the next replay (Set.batches)
		for {
			select {
			case b := <-free:
				s.batches.put(b, cap(free))
			default:
				return
			}
		}
	}()
	newBatch := func() *batch {
		select {
		case b := <-free:
			return b.reset()
		default:
		}
		if b, ok := s.batches.get(); ok {
			return b.reset()
		}
		return &batch{done: make(chan struct{}, 1)}
	}
	go func() { // the reader: batches in order
		defer close(work)
		defer close(order)
		b := newBatch()
		// the last batch taken is never sent: left to the next replay
		defer func() { s.batches.put(b, cap(free)) }()
		send := func() bool {
			select {
			case order <- b:
			case <-ctx.Done():
				return false
			}
			work <- b
			b = newBatch()
			return true
		}
		for raw, err := range evs {
			if err != nil {
				var fe *events.FileError
				if errors.As(err, &fe) {
					unreadable = append(unreadable, fe)
					continue
				}
				var ee *events.Error
				if !errors.As(err, &ee) {
					readErr = err
					break
				}
				b.raws = append(b.raws, events.Raw{File: ee.File, Line: ee.Line})
				b.errs = append(b.errs, err)
			} else {
				start := len(b.text)
				if len(b.text)+len(raw.JSON) > cap(b.text) {
					// twice the size, not append's quarter more: a
					// new batch reaches its size in a few copies
					b.text = slices.Grow(b.text, max(len(raw.JSON), cap(b.text)))
				}
				b.text = append(b.text, raw.JSON...)
				raw.JSON = nil
				b.raws = append(b.raws, raw)
				b.errs = append(b.errs, nil)
				b.raws[len(b.raws)-1].JSON = b.text[start:len(b.text):len(b.text)]
			}
			if len(b.raws) == BatchSize && !send() {
				return
			}
		}
		if len(b.raws) > 0 {
			send()
		}
	}()
	for range workers {
		go s.matchBatches(rp, work, cfg.Profile)
	}
	read := 0
	var ev replay.Event
	for b := range order {
		<-b.done
		for i, d := range b.spent {
			res.Spent[i] += d * profileEvery
		}
		for i, raw := range b.raws {
			read++
			if err := b.errs[i]; err != nil {
				res.EventsRejected++
				var ee *events.Error
				if !errors.As(err, &ee) {
					ee = &events.Error{File: raw.File, Line: raw.Line, Err: err}
				}
				rp.Reject(ee)
				continue
			}
			ev = replay.Event{JSON: raw.JSON, File: raw.File, Line: raw.Line}
			if err := rp.AddFacts(ev, &b.facts[i], b.matched[i]); err != nil {
				res.EventsRead = read
				drain(order)
				return err
			}
		}
		res.EventsRead = read
		if cap(b.text) > maxKeptText {
			b.text = nil // a batch of huge events: not kept for the next
		}
		select { // replayed: the reader may fill it again
		case free <- b:
		default:
			s.batches.put(b, cap(free))
		}
		if cfg.Progress != nil {
			cfg.Progress(read)
		}
		if err := ctx.Err(); err != nil {
			drain(order)
			return err
		}
	}
	res.Unreadable = unreadable
	return readErr
}

// reset empties the batch, keeping its memory.
func (b *batch) reset() *batch {
	b.text, b.raws, b.errs, b.spent = b.text[:0], b.raws[:0], b.errs[:0], b.spent[:0]
	return b
}

// drain lets the reader and the workers end after the consumer stopped:
// the reader sees ctx done (the caller cancels it) and closes order.
func drain(order chan *batch) {
	go func() {
		for b := range order {
			<-b.done
		}
	}()
}

// matchBatches matches the events of the batches from work: the rules
// their queries match, and their facts for the replay.
func (s *Set) matchBatches(rp *replay.Replay, work chan *batch, profile bool) {
	lazy, ok := s.lazies.get()
	if !ok {
		lazy = new(events.Lazy)
	}
	defer func() {
		lazy.Reset(nil) // keep no text of this replay's
		s.lazies.put(lazy, runtime.GOMAXPROCS(0))
	}()
	var dst []int
	for b := range work {
		// a batch filled again keeps its rule lists and facts (the
		// replay copies what it keeps)
		b.matched = slices.Grow(b.matched[:0], len(b.raws))[:len(b.raws)]
		b.facts = slices.Grow(b.facts[:0], len(b.raws))[:len(b.raws)]
		for i, raw := range b.raws {
			b.matched[i] = b.matched[i][:0]
			if b.errs[i] != nil {
				continue
			}
			lazy.Reset(raw.JSON)
			if err := s.Check(lazy); err != nil {
				b.errs[i] = &events.Error{File: raw.File, Line: raw.Line, Err: err}
				continue
			}
			var e eval.Event = lazy
			if profile && raw.Line%profileEvery == 0 {
				if len(b.spent) == 0 {
					b.spent = slices.Grow(b.spent, len(s.rules))[:len(s.rules)]
					clear(b.spent)
				}
				dst = s.MatchTimed(e, dst[:0], b.spent)
			} else {
				dst = s.Match(e, dst[:0])
			}
			b.matched[i] = append(b.matched[i], dst...)
			rp.FactsMatched(e, dst, &b.facts[i])
		}
		b.done <- struct{}{}
	}
}
