package replay

import (
	"testing"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
)

// TestEventIndex: an event's index is its _index (a backing index
// named as its stream), else its data stream's name when the three
// data_stream fields all have a value; the same over a map and over
// the event's text.
func TestEventIndex(t *testing.T) {
	for _, c := range []struct {
		text   string
		want   string
		wantOK bool
	}{
		{`{"_index":"logs-x"}`, "logs-x", true},
		{`{"_index":".ds-logs-a-b-2024.01.02-000001"}`, "logs-a-b", true},
		{`{"_index":"","data_stream":{"type":"logs","dataset":"d","namespace":"n"}}`, "logs-d-n", true},
		{`{"data_stream.type":"logs","data_stream.dataset":"d","data_stream.namespace":"n"}`, "logs-d-n", true},
		{`{"data_stream":{"dataset":"d","namespace":"n"}}`, "", false},
		{`{"data_stream":{"type":"logs","namespace":"n"}}`, "", false},
		{`{"data_stream":{"type":"logs","dataset":"d"}}`, "", false},
		{`{"data_stream":{"type":"","dataset":"d","namespace":"n"}}`, "", false},
		{`{"data_stream":{"type":"logs","dataset":"d","namespace":""}}`, "", false},
		{`{}`, "", false},
	} {
		rec, err := events.Raw{JSON: []byte(c.text)}.Decode()
		if err != nil {
			t.Fatal(err)
		}
		for name, e := range map[string]eval.Event{"map": eval.Map(rec.Fields), "lazy": events.JSON([]byte(c.text))} {
			if got, ok := eventIndex(e); got != c.want || ok != c.wantOK {
				t.Errorf("%s %s: %q %v, want %q %v", name, c.text, got, ok, c.want, c.wantOK)
			}
		}
	}
}
