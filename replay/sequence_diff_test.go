package replay_test

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/rules"
)

// TestSequenceExecutionsDifferential compares the replay of sequence
// rules over random small streams with Kibana's executor written out
// plainly: every execution of the schedule (WithNow: now - k×interval)
// runs eql.Search over the events of its window with size = max_signals,
// and a sequence alerts the first time an execution returns it. The
// replay runs only the executions that can find something new (a window
// with an event no execution saw, or one whose last search was cut by
// max_signals): the sequences alerted must be the same, in the same
// order.
func TestSequenceExecutionsDifferential(t *testing.T) {
	queries := []string{
		`sequence by host.name with maxspan=2m [process where true] [network where true]`,
		`sequence by host.name [process where true] [network where true] [file where true]`,
		`sequence by host.name with maxspan=3m [process where true] [network where true] until [file where true]`,
		`sequence with maxspan=1m [process where true] by host.name [network where true] by host.name`,
		`sequence by host.name [process where true] with runs=2 [network where true]`,
		`sequence by host.name with maxspan=2m [process where true] ![file where true] [network where true]`,
		`sequence by host.name with maxspan=2m ![file where true] [process where true] [network where true]`,
		`sample by host.name [process where true] [network where true]`,
	}
	cats := []string{"process", "network", "file"}
	rnd := rand.New(rand.NewPCG(1, 19))
	runs := 300
	if testing.Short() {
		runs = 50
	}
	total := 0
	for i := range runs {
		q := queries[i%len(queries)]
		maxSignals := 1 + rnd.IntN(2)
		from := []string{"now-5m", "now-7m", "now-12m"}[rnd.IntN(3)]
		var evs []map[string]any
		n := 4 + rnd.IntN(30)
		for j := range n {
			sec := rnd.IntN(12 * 60)
			evs = append(evs, map[string]any{
				"_id": fmt.Sprint("e", j), "_index": "logs-a",
				"@timestamp": seqNow.Add(-time.Duration(sec) * time.Second).Format(time.RFC3339),
				"event":      map[string]any{"category": cats[rnd.IntN(3)]},
				"host":       map[string]any{"name": []string{"h1", "h2", "h3", "h4"}[rnd.IntN(4)]},
			})
		}
		r := eqlRule(t, q, fmt.Sprintf("max_signals = %d\n", maxSignals))
		r.From = from
		rep, err := runRule(r, evs)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, a := range rep.Alerts {
			if a.Sequence.Index < 0 {
				var ids []string
				for _, an := range a.Sequence.Ancestors {
					if an.Type == "event" {
						ids = append(ids, an.ID)
					}
				}
				got = append(got, strings.Join(ids, ","))
			}
		}
		want := kibanaExecutions(t, r, q, maxSignals, evs)
		total += len(want)
		if !slices.Equal(got, want) {
			t.Fatalf("run %d: %s max_signals %d from %s over %v:\nreplay %v\nKibana %v", i, q, maxSignals, from, evs, got, want)
		}
	}
	t.Logf("%d sequences in %d runs", total, runs)
	if total < runs/2 {
		t.Errorf("only %d sequences in %d runs: the streams test little", total, runs)
	}
}

// kibanaExecutions runs each execution's _eql/search (eql.Search over the
// window's events, size max_signals) and returns the sequences in the
// order they would first alert, each as its events' ids.
func kibanaExecutions(t *testing.T, r *rules.Rule, q string, maxSignals int, evs []map[string]any) []string {
	t.Helper()
	lb, err := r.LookBack()
	if err != nil {
		t.Fatal(err)
	}
	var first time.Time
	for _, m := range evs {
		ts, _ := time.Parse(time.RFC3339, m["@timestamp"].(string))
		if first.IsZero() || ts.Before(first) {
			first = ts
		}
	}
	var execs []time.Time
	for e := seqNow; !e.Before(first); e = e.Add(-r.Interval) {
		execs = append(execs, e)
	}
	slices.Reverse(execs)
	seen := map[string]bool{}
	var out []string
	for _, e := range execs {
		var docs []eql.Doc
		for _, m := range evs {
			ts, _ := time.Parse(time.RFC3339, m["@timestamp"].(string))
			if ts.Before(e.Add(-lb)) || ts.After(e) {
				continue
			}
			src := map[string]any{}
			for k, v := range m {
				if k != "_id" && k != "_index" {
					src[k] = v
				}
			}
			docs = append(docs, eql.Doc{Index: "logs-a", ID: m["_id"].(string), Source: src})
		}
		if len(docs) == 0 {
			continue
		}
		resp, err := eql.Search(eql.Request{Query: q, Size: maxSignals}, nil, docs)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range resp.Hits.Sequences {
			var ids []string
			for _, ev := range s.Events {
				ids = append(ids, ev.ID)
			}
			key := strings.Join(ids, ",")
			if !seen[key] {
				seen[key] = true
				out = append(out, key)
			}
		}
	}
	return out
}
