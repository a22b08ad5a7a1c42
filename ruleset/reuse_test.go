package ruleset_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/ruleset"
)

// TestReplayOutputsOutliveTheNextReplay checks that what a replay hands
// out (its alerts, its state) holds none of the memory the next replay
// of the set fills again (the sorter's chunks, the batches): the alerts
// and the state of a replay over the corpus, written again after a
// second replay over other texts, are the bytes written at once.
func TestReplayOutputsOutliveTheNextReplay(t *testing.T) {
	data, err := os.ReadFile(corpus.Path(t, "corpus/beats_events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	set := treeSet(t)
	for _, save := range []bool{false, true} {
		var kept []*replay.Alert
		var docs [][]byte
		cfg := ruleset.ReplayConfig{SaveState: save, Options: []replay.RunOption{replay.WithAnyIndex(), replay.WithAlertFunc(func(a *replay.Alert) error {
			b, err := json.Marshal(a)
			kept, docs = append(kept, a), append(docs, b)
			return err
		})}}
		res, err := set.Replay(context.Background(), events.ReadRaw("corpus", bytes.NewReader(data)), cfg)
		if err != nil {
			t.Fatal(err)
		}
		var state []byte
		if save {
			if state, err = res.State.Encode(); err != nil {
				t.Fatal(err)
			}
		}
		if len(kept) < 400 {
			t.Fatalf("%d alerts over the corpus, want more than 400", len(kept))
		}
		// every object of every event with one more member, first: other
		// texts where the first replay's were
		other := bytes.ReplaceAll(data, []byte("{"), []byte(`{"zz":"overwritten",`))
		other = bytes.ReplaceAll(other, []byte(`"overwritten",}`), []byte(`"overwritten"}`))
		if _, err := set.Replay(context.Background(), events.ReadRaw("other", bytes.NewReader(other)), ruleset.ReplayConfig{Options: []replay.RunOption{replay.WithAnyIndex()}}); err != nil {
			t.Fatal(err)
		}
		for i, a := range kept {
			b, err := json.Marshal(a)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, docs[i]) {
				t.Fatalf("state %t: alert %d (%s:%d) changed after the next replay:\n%s\nwas\n%s", save, i, a.File, a.Line, b, docs[i])
			}
		}
		if save {
			again, err := res.State.Encode()
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(again, state) {
				t.Fatal("the state changed after the next replay")
			}
		}
	}
}

// treeSet loads Elastic's rules tree (../shared/detection-rules) into a
// set of the rules that load.
func treeSet(tb testing.TB) *ruleset.Set {
	tb.Helper()
	files, err := ruleset.Load(corpus.Path(tb, "detection-rules"))
	if err != nil {
		tb.Fatal(err)
	}
	set, err := ruleset.FromFiles(files)
	if err != nil {
		tb.Fatal(err)
	}
	return set
}
