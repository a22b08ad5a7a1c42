package ruleset_test

import (
	"bytes"
	"context"
	"encoding/json"
	"iter"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/internal/timesplit"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// linesOf yields events for Set.Replay, each with its line number in the
// file it came from.
func linesOf(lines [][]byte, nos []int) iter.Seq2[events.Raw, error] {
	return func(yield func(events.Raw, error) bool) {
		for i, l := range lines {
			if !yield(events.Raw{JSON: l, File: "events.ndjson", Line: nos[i]}, nil) {
				return
			}
		}
	}
}

// replayState replays the lines through the pipeline, restoring st when
// not nil and saving the state when save; it returns the alerts (their
// documents as JSON), the result and the state, encoded and decoded
// again.
func replayState(t *testing.T, set *ruleset.Set, lines [][]byte, nos []int, st *replay.State, save bool, opts ...replay.RunOption) ([]string, *ruleset.Result, *replay.State) {
	t.Helper()
	var alerts []string
	res, err := set.Replay(context.Background(), linesOf(lines, nos), ruleset.ReplayConfig{
		State: st, StateFile: "state.json", SaveState: save,
		Options: append(slices.Clip(opts), replay.WithAlertFunc(func(a *replay.Alert) error {
			b, err := json.Marshal(a)
			alerts = append(alerts, string(b))
			return err
		})),
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range res.Reports {
		if r.Matches+r.MatchesResumed != r.MatchesAlerted+r.MatchesNotAlerted+r.AlertsLost+r.MatchesUnseen+r.DuplicateEvents+r.MatchesPending {
			t.Errorf("%s: the counts do not add up: %+v", r.Rule, r)
		}
	}
	if !save {
		return alerts, res, nil
	}
	data, err := res.State.Encode()
	if err != nil {
		t.Fatal(err)
	}
	next, err := replay.DecodeState(data, "state.json")
	if err != nil {
		t.Fatal(err)
	}
	return alerts, res, next
}

// TestTreeStateSplit: Elastic's rules tree over the Beats corpus, cut in
// time at several points: two runs through the pipeline, the second
// resuming the first's state, give the alerts (documents, in any order)
// of one run, for every rule type of the tree (query, threshold,
// new_terms, threat_match without indicators, eql event queries,
// suppression). Under the race detector, which makes matching many
// times slower, one rule in twenty and two cuts.
func TestTreeStateSplit(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: several passes of the tree over the corpus")
	}
	files, err := ruleset.Load(corpus.Path(t, "detection-rules"))
	if err != nil {
		t.Fatal(err)
	}
	rs := ruleset.Rules(files)
	ncuts := 3
	if raceEnabled {
		var some []*rules.Rule
		for i, r := range rs {
			if i%20 == 0 || strings.Contains(r.Name, "FTP (File Transfer Protocol)") {
				some = append(some, r)
			}
		}
		rs, ncuts = some, 2
	}
	types := map[rules.Type]int{}
	suppressed := 0
	for _, r := range rs {
		types[r.Type]++
		if r.AlertSuppression != nil {
			suppressed++
		}
	}
	t.Logf("%d rules: %v, %d with alert suppression", len(rs), types, suppressed)
	set, err := ruleset.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(corpus.Path(t, "corpus/beats_events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	var all [][]byte
	var allNos []int
	for i, l := range bytes.Split(data, []byte("\n")) {
		if json.Valid(l) {
			all, allNos = append(all, l), append(allNos, i+1)
		}
	}
	order, cuts := timesplit.Split(rs, all)
	lines, nos := make([][]byte, len(order)), make([]int, len(order))
	for i, j := range order {
		lines[i], nos[i] = all[j], allNos[j]
	}
	t.Logf("%d events, %d points where the corpus can be cut in time", len(lines), len(cuts))
	if len(cuts) < ncuts {
		t.Fatalf("%d cut points", len(cuts))
	}
	want, _, _ := replayState(t, set, lines, nos, nil, false, replay.WithAnyIndex())
	if len(want) < 100 {
		t.Fatalf("%d alerts: the comparison proves little", len(want))
	}
	slices.Sort(want)
	for _, c := range timesplit.Spread(cuts, len(lines), ncuts) {
		first, res1, st := replayState(t, set, lines[:c], nos[:c], nil, true, replay.WithAnyIndex())
		second, res2, _ := replayState(t, set, lines[c:], nos[c:], st, false, replay.WithAnyIndex())
		if res2.Resumed == nil || len(res2.Resumed.Restored) != len(rs) || len(res2.Resumed.Added)+len(res2.Resumed.Removed) != 0 {
			t.Errorf("cut %d: resumed %d of %d rules", c, len(res2.Resumed.Restored), len(rs))
		}
		pending := 0
		for _, r := range res1.Reports {
			pending += r.MatchesPending
		}
		got := slices.Concat(first, second)
		slices.Sort(got)
		t.Logf("cut at %d of %d: %d + %d alerts, %d matches carried", c, len(lines), len(first), len(second), pending)
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("cut at %d of %d: -one run +two runs:\n%s", c, len(lines), d)
		}
	}
}

// BenchmarkStateFile writes and reads the state of Elastic's tree after
// the Beats corpus (replayed once, in the setup), plain and gzip'd, and
// reports the file's size.
func BenchmarkStateFile(b *testing.B) {
	set := treeSet(b)
	res, err := set.Replay(context.Background(), events.ReadRawFiles([]string{corpus.Path(b, "corpus/beats_events.ndjson")}, nil), ruleset.ReplayConfig{
		SaveState: true,
		Options:   []replay.RunOption{replay.WithAnyIndex(), replay.WithAlertFunc(func(*replay.Alert) error { return nil })},
	})
	if err != nil {
		b.Fatal(err)
	}
	for _, name := range []string{"state.json", "state.json.gz"} {
		path := b.TempDir() + "/" + name
		b.Run("write/"+name, func(b *testing.B) {
			for b.Loop() {
				if err := res.State.WriteFile(path); err != nil {
					b.Fatal(err)
				}
			}
			fi, err := os.Stat(path)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(fi.Size()), "bytes")
		})
		b.Run("read/"+name, func(b *testing.B) {
			for b.Loop() {
				if _, err := replay.ReadStateFile(path); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
