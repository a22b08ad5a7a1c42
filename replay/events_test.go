package replay_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
)

// FuzzRunCounts checks that Run's counts add up over any input read by
// package events: events read = evaluated + rejected, each rejection one
// *events.Error. (Reading itself is fuzzed by events.FuzzRead.)
func FuzzRunCounts(f *testing.F) {
	for _, s := range []string{
		"{\"@timestamp\":\"2023-01-01T00:00:00Z\",\"destination.port\":21}\n",
		"{\"a\":1}\nnot json\n{\"b\":[1,2,{\"c\":null}]}\n",
		"[{\"a\":1},{\"b\":2}]",
		"[{\"a\":1},",
		"[1, \"x\", null]",
	} {
		f.Add(s)
	}
	rule := testRule(f, "destination.port:21")
	f.Fuzz(func(t *testing.T, in string) {
		n, rejected := 0, 0
		for _, err := range events.Read("f", strings.NewReader(in)) {
			var ee *events.Error
			switch {
			case errors.As(err, &ee):
				rejected++
			case err != nil:
				t.Fatalf("unexpected error: %v", err)
			default:
				n++
			}
		}
		rep, err := replay.Run(rule, events.Read("f", strings.NewReader(in)), replay.WithAnyIndex())
		if err != nil {
			t.Fatal(err)
		}
		checkCounts(t, rep)
		if rep.EventsRead != n+rejected || rep.EventsRejected != rejected {
			t.Fatalf("report read %d rejected %d, reader gave %d events %d rejections", rep.EventsRead, rep.EventsRejected, n, rejected)
		}
	})
}
