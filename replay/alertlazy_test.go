package replay_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// TestAlertEventLazy replays Elastic's rules tree over the Beats corpus,
// in time order (the texts in the sorter's memory, or, with a sort memory
// small enough, in runs spilled to files) and in arrival order (texts
// kept in a spill), and reads each alert's
// event once the replay has finished, when the memory and files its
// text was read from are gone: an alert on an event gives the fields
// the eager decoding of the event's line gives, and the File and Line
// Event returns are the alert's.
func TestAlertEventLazy(t *testing.T) {
	set := treeSet(t)
	evs := corpus.Path(t, "corpus/beats_events.ndjson")
	lines := ndjsonLines(t, evs)
	for _, mode := range []struct {
		name string
		opts []replay.RunOption
		min  int // alerts on events at least (the corpus is not in time order: in arrival order, executions miss most)
	}{
		{"time", nil, 1000},
		{"time-spilled", []replay.RunOption{replay.WithSortMemory(64 << 10), replay.WithTempDir(t.TempDir())}, 1000},
		{"arrival", []replay.RunOption{replay.WithArrivalOrder(), replay.WithTempDir(t.TempDir())}, 20},
	} {
		var alerts []*replay.Alert
		keep := func(a *replay.Alert) error { alerts = append(alerts, a); return nil }
		opts := append([]replay.RunOption{replay.WithAnyIndex(), replay.WithAlertFunc(keep)}, mode.opts...)
		if _, err := set.Replay(context.Background(), events.ReadRawFiles([]string{evs}, nil), ruleset.ReplayConfig{Options: opts}); err != nil {
			t.Fatal(err)
		}
		onEvents := 0
		for i, a := range alerts {
			rec := a.Event()
			if rec.File != a.File || rec.Line != a.Line {
				t.Fatalf("%s: alert %d: Event at %s:%d, the alert at %s:%d", mode.name, i, rec.File, rec.Line, a.File, a.Line)
			}
			if again := a.Event(); !sameMap(again.Fields, rec.Fields) {
				t.Fatalf("%s: alert %d: a second Event gives another map", mode.name, i)
			}
			if a.Threshold != nil || (a.Sequence != nil && a.Sequence.Index < 0) {
				continue // fields built in Go, not an event's
			}
			if a.File != evs || a.Line < 1 || a.Line > len(lines) {
				t.Fatalf("%s: alert %d on %s:%d, not a line of the corpus", mode.name, i, a.File, a.Line)
			}
			want, err := events.Raw{JSON: lines[a.Line-1], File: a.File, Line: a.Line}.Decode()
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(rec.Fields, want.Fields) {
				t.Fatalf("%s: alert %d (%s, line %d): Event's fields differ from the line's\n got %v\nwant %v", mode.name, i, a.Rule().Name, a.Line, rec.Fields, want.Fields)
			}
			onEvents++
		}
		if onEvents < mode.min {
			t.Errorf("%s: %d alerts on events of %d: too few to tell", mode.name, onEvents, len(alerts))
		}
		t.Logf("%s: %d alerts, %d on events", mode.name, len(alerts), onEvents)
	}
}

// ndjsonLines returns the lines of an NDJSON file.
func ndjsonLines(t *testing.T, name string) [][]byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return bytes.Split(bytes.TrimSuffix(data, []byte("\n")), []byte("\n"))
}

// sameMap reports whether a and b are the same map (not only equal).
func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}

// TestAlertEventConcurrent hands one alert to several goroutines that
// read its event and its document at once (go test -race tells): each
// gets the one decoded map, and the same document.
func TestAlertEventConcurrent(t *testing.T) {
	a := portAlerts(t, 1)[0]
	want, err := a.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	// a second alert on the same event, not decoded yet
	a = portAlerts(t, 1)[0]
	const n = 8
	maps := make([]map[string]any, n)
	docs := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if i%2 == 0 {
				maps[i] = a.Event().Fields
			}
			docs[i], _ = a.MarshalJSON()
			if i%2 == 1 {
				maps[i] = a.Event().Fields
			}
		})
	}
	wg.Wait()
	for i := range n {
		if !sameMap(maps[i], maps[0]) || maps[i] == nil {
			t.Errorf("goroutine %d: Event's fields are not the one map", i)
		}
		if !bytes.Equal(docs[i], want) {
			t.Errorf("goroutine %d: document\n got %s\nwant %s", i, docs[i], want)
		}
	}
}

// TestAlertEventHandedOn: an AlertFunc hands each alert to goroutines
// that read its event while the replay goes on (its texts read again
// from spilled runs into reused buffers, the sorter's memory), some
// after the AlertFunc returned: each reads its own event.
func TestAlertEventHandedOn(t *testing.T) {
	for _, mode := range []struct {
		name string
		opts []replay.RunOption
	}{
		{"memory", nil},
		{"spilled", []replay.RunOption{replay.WithSortMemory(16 << 10), replay.WithTempDir(t.TempDir())}},
		{"arrival", []replay.RunOption{replay.WithArrivalOrder(), replay.WithTempDir(t.TempDir())}},
	} {
		const n = 300
		var wg sync.WaitGroup
		got := make([]string, n)
		i := 0
		portReplay(t, n, func(a *replay.Alert) {
			k := i
			i++
			if k%3 == 0 {
				got[k] = a.Event().Fields["_id"].(string) // in the AlertFunc
			}
			wg.Go(func() {
				if k%2 == 0 {
					time.Sleep(time.Millisecond) // most likely once the replay went on
				}
				if id := a.Event().Fields["_id"].(string); k%3 != 0 {
					got[k] = id
				} else if id != got[k] {
					t.Errorf("%s: alert %d: _id %s, then %s", mode.name, k, got[k], id)
				}
			})
		}, mode.opts...)
		wg.Wait()
		if i != n {
			t.Fatalf("%s: %d alerts, want %d", mode.name, i, n)
		}
		for k, id := range got {
			if want := fmt.Sprintf("flow-%d", k); id != want {
				t.Errorf("%s: alert %d: _id %q, want %q", mode.name, k, id, want)
			}
		}
	}
}

// portAlerts replays a rule on destination.port:21 over n events of a
// network flow (900 bytes of JSON, as Beats writes), a second apart,
// each an alert, added as their texts, and returns the alerts.
func portAlerts(tb testing.TB, n int, opts ...replay.RunOption) []*replay.Alert {
	tb.Helper()
	var alerts []*replay.Alert
	portReplay(tb, n, func(a *replay.Alert) { alerts = append(alerts, a) }, opts...)
	if len(alerts) != n {
		tb.Fatalf("%d alerts, want %d", len(alerts), n)
	}
	return alerts
}

// portReplay is portAlerts calling f with each alert.
func portReplay(tb testing.TB, n int, f func(*replay.Alert), opts ...replay.RunOption) {
	tb.Helper()
	r := testRule(tb, "destination.port:21")
	r.MaxSignals = n
	opts = append(opts, replay.WithAlertFunc(func(a *replay.Alert) error {
		f(a)
		return nil
	}))
	rp, err := replay.NewReplay([]*rules.Rule{r}, opts...)
	if err != nil {
		tb.Fatal(err)
	}
	var text []byte
	for i := range n {
		text = fmt.Appendf(text[:0], flowEvent, i, t0.Add(time.Duration(i)*time.Second).Format(time.RFC3339), 40000+i%20000)
		if err := rp.Add(replay.Event{JSON: text, File: "flows.ndjson", Line: i + 1}, []int{0}); err != nil {
			tb.Fatal(err)
		}
	}
	if _, err := rp.Finish(); err != nil {
		tb.Fatal(err)
	}
}

// flowEvent is the text of an event portAlerts adds: its _id, @timestamp
// and source port.
const flowEvent = `{"_index":"filebeat-8.5.0-2023.01.01","_id":"flow-%d","@timestamp":"%s",` +
	`"agent":{"name":"web-1","type":"filebeat","version":"8.5.0","ephemeral_id":"2f4b7c1e-0d7a-4f3e-9a55-1c3e5d7b9f10","id":"8c1d2e3f-4a5b-6c7d-8e9f-0a1b2c3d4e5f"},` +
	`"ecs":{"version":"8.0.0"},"event":{"category":["network"],"type":["connection","start"],"kind":"event","dataset":"network_traffic.flow","duration":1520000},` +
	`"host":{"name":"web-1","hostname":"web-1","os":{"family":"debian","kernel":"5.15.0-91-generic","name":"Ubuntu","platform":"ubuntu","version":"22.04.3 LTS (Jammy Jellyfish)"},"ip":["10.1.2.3","fe80::1"],"mac":["02-42-AC-11-00-02"]},` +
	`"source":{"ip":"10.1.2.3","port":%d,"bytes":1834,"packets":12},"destination":{"ip":"198.51.100.7","port":21,"bytes":962,"packets":9},` +
	`"network":{"transport":"tcp","type":"ipv4","protocol":"ftp","direction":"egress","bytes":2796,"packets":21,"community_id":"1:LQU9qZlK+B5F3KDmev6m5PMibrg="},` +
	`"flow":{"id":"EQwA////DP//////FP8BAAEC","final":true},"tags":["flows","forwarded"]}`

// BenchmarkAlert replays a rule over 1,000 events that are each an
// alert, added as texts, and reads each alert's event (read), or reads
// nothing of it (unread), as a caller that counts alerts or reads their
// ids: what an alert costs the replay beyond matching, per alert.
func BenchmarkAlert(b *testing.B) {
	const n = 1000
	for _, read := range []bool{false, true} {
		name := "unread"
		if read {
			name = "read"
		}
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				for _, a := range portAlerts(b, n) {
					if read && a.Event().Fields == nil {
						b.Fatal("no fields")
					}
				}
			}
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*n), "ns/alert")
		})
	}
}
