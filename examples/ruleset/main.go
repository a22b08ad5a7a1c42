// Command ruleset shows a whole directory of detection rules inside
// another Go program: it loads the rules into a ruleset.Set once and
// matches NDJSON events from standard input with several goroutines
// sharing the set (a Set is safe for concurrent use), printing for each
// event the ids of the rules that match it.
//
//	go run ./examples/ruleset RULES_DIR < events.ndjson
//
// Rules the set cannot run (ES|QL, machine learning, the rule types not
// replayed yet) are skipped, and the reason printed on stderr. It checks
// the queries only, event by event (an EQL sequence rule matches an event
// that can fill one of its stages): for Kibana's schedule, look-back,
// max_signals and sequences see ruleset.Set.Replay and "kqlrules run --rules".
package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/ruleset"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: ruleset RULES_DIR < events.ndjson")
		os.Exit(2)
	}
	if err := detect(os.Args[1], os.Stdin, os.Stdout, os.Stderr, runtime.GOMAXPROCS(0)); err != nil {
		fmt.Fprintln(os.Stderr, "ruleset:", err)
		os.Exit(2)
	}
}

// result is the rules one event matched.
type result struct {
	line int
	ids  []string
}

// detect loads the rules under dir, matches the events of in with workers
// goroutines, and writes "LINE: ID ID..." for each event that matched, in
// input order.
func detect(dir string, in io.Reader, out, log io.Writer, workers int) error {
	files, err := ruleset.Load(dir)
	if err != nil {
		return err
	}
	for _, f := range files {
		switch f.Status {
		case ruleset.Skipped:
			fmt.Fprintf(log, "skipped %s: %s\n", f.Where(), f.Reason)
		case ruleset.Failed:
			fmt.Fprintf(log, "error: %v\n", f.Err)
		}
	}
	set, err := ruleset.FromFiles(files)
	if err != nil {
		return err
	}

	jobs := make(chan events.Raw, 64)
	var mu sync.Mutex
	var results []result
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			var ev events.Lazy // one per goroutine, reused
			var dst []int
			for raw := range jobs {
				ev.Reset(raw.JSON)
				dst = set.Match(&ev, dst[:0])
				if len(dst) == 0 {
					continue
				}
				r := result{line: raw.Line}
				for _, i := range dst {
					r.ids = append(r.ids, set.Rule(i).RuleID)
				}
				mu.Lock()
				results = append(results, r)
				mu.Unlock()
			}
		})
	}
	for raw, err := range events.ReadRaw("-", in) {
		var bad *events.Error
		if errors.As(err, &bad) {
			fmt.Fprintln(log, err) // a bad line: say so and go on
			continue
		}
		if err != nil {
			close(jobs)
			wg.Wait()
			return err
		}
		raw.JSON = bytes.Clone(raw.JSON) // the reader reuses its buffer
		jobs <- raw
	}
	close(jobs)
	wg.Wait()
	slices.SortFunc(results, func(a, b result) int { return a.line - b.line })
	for _, r := range results {
		fmt.Fprintf(out, "%d: %s\n", r.line, strings.Join(r.ids, " "))
	}
	return nil
}
