package ruleset_test

import (
	"context"
	"fmt"
	"log"
	"strings"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
	"github.com/kqlrules/kqlrules/ruleset"
)

// ExampleSet_Replay replays a set of rules over a stream of events, out of
// order: the replay is in time order, as Kibana's manual rule run over an
// index holding them all.
func ExampleSet_Replay() {
	set, err := ruleset.New([]*rules.Rule{builtin.FTP()})
	if err != nil {
		log.Fatal(err)
	}
	in := strings.NewReader(`{"@timestamp":"2023-01-01T00:07:00Z","_index":"packetbeat-1","event.category":"network","network.transport":"tcp","destination.port":21,"source.ip":"10.0.0.5","destination.ip":"198.51.100.7"}
{"@timestamp":"2023-01-01T00:00:00Z","_index":"packetbeat-1","event.category":"network","network.transport":"tcp","destination.port":80,"source.ip":"10.0.0.5","destination.ip":"198.51.100.7"}
not an event
`)
	res, err := set.Replay(context.Background(), events.ReadRaw("in.ndjson", in), ruleset.ReplayConfig{
		Options: []replay.RunOption{replay.WithAlertFunc(func(a *replay.Alert) error {
			fmt.Println("alert:", a.Rule().Name, "on", a.File, "line", a.Line)
			return nil
		})},
	})
	if err != nil {
		log.Fatal(err)
	}
	rep := res.Reports[0]
	fmt.Printf("read %d, rejected %d, matches %d, alerts %d\n", res.EventsRead, res.EventsRejected, rep.Matches, rep.AlertCount)
	// Output:
	// alert: FTP (File Transfer Protocol) Activity to the Internet on in.ndjson line 1
	// read 3, rejected 1, matches 1, alerts 1
}

// ExampleSet_Replay_state replays the events of two hours in two runs, as
// an hourly job would: the first saves its state, the second restores it.
// The rule runs every 5 minutes from the first event's time (00:03): the
// match at 00:59 waits for the execution at 01:03, which the second run
// makes, and the match at 01:30 for the run after.
func ExampleSet_Replay_state() {
	set, err := ruleset.New([]*rules.Rule{builtin.FTP()})
	if err != nil {
		log.Fatal(err)
	}
	event := func(at string) string {
		return `{"@timestamp":"2023-01-01T` + at + `Z","_index":"packetbeat-1","event.category":"network","network.transport":"tcp","destination.port":21,"source.ip":"10.0.0.5","destination.ip":"198.51.100.7"}` + "\n"
	}
	hours := []string{event("00:03:00") + event("00:59:00"), event("01:01:00") + event("01:30:00")}
	var state *replay.State
	for i, hour := range hours {
		res, err := set.Replay(context.Background(), events.ReadRaw(fmt.Sprintf("hour%d.ndjson", i+1), strings.NewReader(hour)), ruleset.ReplayConfig{
			State: state, StateFile: "hourly.state", SaveState: true,
			Options: []replay.RunOption{replay.WithAlertFunc(func(a *replay.Alert) error {
				fmt.Println("alert at", a.Time.Format("15:04"), "on", a.File, "line", a.Line)
				return nil
			})},
		})
		if err != nil {
			log.Fatal(err)
		}
		state = res.State
		rep := res.Reports[0]
		fmt.Printf("run %d: alerts %d, duplicates %d, matches carried to the next run %d\n", i+1, rep.AlertCount, rep.DuplicateEvents, rep.MatchesPending)
	}
	// Output:
	// alert at 00:03 on hour1.ndjson line 1
	// run 1: alerts 1, duplicates 0, matches carried to the next run 1
	// alert at 01:03 on hour1.ndjson line 2
	// alert at 01:03 on hour2.ndjson line 1
	// run 2: alerts 2, duplicates 0, matches carried to the next run 1
}
