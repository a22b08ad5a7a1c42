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
			fmt.Println("alert:", a.Rule().Name, "on", a.Event.File, "line", a.Event.Line)
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
