package ruleset_test

import (
	"bytes"
	"context"
	"iter"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/ruleset"
)

// faulty returns the first n lines of the Beats corpus with a fault put
// into about a third of them, the same on every call: a line cut short,
// a byte replaced, a control character or a zero put in, a comma added
// before a brace or after a bracket or taken out, a bad escape in a key,
// a brace after the object. Some faults leave the line valid JSON.
func faulty(tb testing.TB, n int) []byte {
	lines := corpus.Lines(tb, "corpus/beats_events.ndjson")[:n]
	r := rand.New(rand.NewPCG(7, 17))
	var out bytes.Buffer
	for _, l := range lines {
		l = slices.Clone(l)
		if len(l) > 2 && r.IntN(3) == 0 {
			p := 1 + r.IntN(len(l)-2)
			switch r.IntN(9) {
			case 0:
				l = l[:p]
			case 1:
				l[p] = byte(r.IntN(256))
			case 2:
				if j := bytes.LastIndexByte(l[:p], '}'); j > 0 {
					l = slices.Insert(l, j, ',')
				}
			case 3:
				l = slices.Insert(l, p, byte(r.IntN(32)))
			case 4:
				l = append(l, '}')
			case 5:
				if j := bytes.IndexByte(l[p:], ','); j >= 0 {
					l = slices.Delete(l, p+j, p+j+1)
				}
			case 6:
				if j := bytes.Index(l[p:], []byte(`":`)); j >= 0 {
					l = slices.Insert(l, p+j, '\\', 'q')
				}
			case 7:
				if j := bytes.IndexByte(l[p:], '['); j >= 0 {
					l = slices.Insert(l, p+j+1, ',')
				}
			case 8:
				l = slices.Insert(l, p, '0')
			}
		}
		out.Write(bytes.TrimRight(l, "\n"))
		out.WriteByte('\n')
	}
	return out.Bytes()
}

// TestUncheckedLines: the whole tree over corpus lines with faults put in
// them, read unchecked (the pipeline checks each line in its walk, as the
// command line reads) and checked by the reader, in time and in arrival
// order: the same reports, with the same rejected lines and errors, and
// the same alerts.
func TestUncheckedLines(t *testing.T) {
	set := treeSet(t)
	n := 3000
	if testing.Short() {
		n = 600
	}
	text := faulty(t, n)
	for _, order := range [][]replay.RunOption{nil, {replay.WithArrivalOrder()}} {
		run := func(evs iter.Seq2[events.Raw, error]) (*ruleset.Result, []string) {
			var alerts []string
			res, err := set.Replay(context.Background(), evs, ruleset.ReplayConfig{
				Options: append(slices.Clone(order), replay.WithAnyIndex(), replay.WithAlertFunc(func(a *replay.Alert) error {
					alerts = append(alerts, a.UUID)
					return nil
				})),
			})
			if err != nil {
				t.Fatal(err)
			}
			return res, alerts
		}
		want, wantAlerts := run(events.ReadRaw("faulty", bytes.NewReader(text)))
		got, gotAlerts := run(events.ReadRawUnchecked("faulty", bytes.NewReader(text)))
		if want.EventsRejected < n/8 || len(wantAlerts) == 0 {
			t.Fatalf("%d lines rejected, %d alerts: the test proves little", want.EventsRejected, len(wantAlerts))
		}
		if got.EventsRead != want.EventsRead || got.EventsRejected != want.EventsRejected {
			t.Errorf("unchecked: %d read, %d rejected; checked %d, %d", got.EventsRead, got.EventsRejected, want.EventsRead, want.EventsRejected)
		}
		for i, rep := range got.Reports {
			if !reflect.DeepEqual(rep, want.Reports[i]) {
				t.Errorf("rule %d (%s): the report read unchecked differs:\n%+v\nchecked:\n%+v", i, set.Rule(i).Name, rep, want.Reports[i])
				break
			}
		}
		if !slices.Equal(gotAlerts, wantAlerts) {
			t.Errorf("unchecked: %d alerts, checked %d", len(gotAlerts), len(wantAlerts))
		}
		t.Logf("%d lines, %d rejected, %d alerts", n, want.EventsRejected, len(wantAlerts))
	}
}
