package replay_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// TestAlertJSON replays Elastic's rules tree over the Beats corpus
// (any index, in time order and in arrival order), as "kqlrules run
// --rules" does, and writes each alert's document both ways: with
// events.AppendJSON, as the command writes its alert lines, and with
// encoding/json.
func TestAlertJSON(t *testing.T) {
	set := treeSet(t)
	evs := corpus.Path(t, "corpus/beats_events.ndjson")
	types := map[rules.Type]int{}
	for _, order := range [][]replay.RunOption{nil, {replay.WithArrivalOrder()}} {
		n := 0
		check := func(a *replay.Alert) error {
			n++
			types[a.Rule().Type]++
			doc := a.Document()
			doc["kqlrules.source.file"], doc["kqlrules.source.line"] = a.File, a.Line
			var std bytes.Buffer
			enc := json.NewEncoder(&std)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(doc); err != nil {
				t.Fatalf("alert %d: %v", n, err)
			}
			want := bytes.TrimSuffix(std.Bytes(), []byte("\n"))
			got, err := events.AppendJSON(nil, doc)
			if err != nil || !bytes.Equal(got, want) {
				t.Fatalf("alert %d: %v\n got %s\nwant %s", n, err, got, want)
			}
			return nil
		}
		opts := append([]replay.RunOption{replay.WithAnyIndex(), replay.WithAlertFunc(check)}, order...)
		if _, err := set.Replay(context.Background(), events.ReadRawFiles([]string{evs}, nil), ruleset.ReplayConfig{Options: opts}); err != nil {
			t.Fatal(err)
		}
		if n < 10 {
			t.Errorf("%d alerts: the replay found too few to tell", n)
		}
	}
	t.Logf("alerts by rule type: %v", types)
}

// treeSet loads Elastic's rules tree (../shared/detection-rules) into a
// set of every rule that loads; skipped with -short.
func treeSet(t *testing.T) *ruleset.Set {
	t.Helper()
	if testing.Short() {
		t.Skip("skipped with -short: the rules tree is loaded")
	}
	files, err := ruleset.Load(corpus.Path(t, "detection-rules"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := ruleset.FromFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	return set
}
