package replay_test

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestDocumentEventFields: an alert's document marks the event
// "signal" (in its "event" object when it has one, else under the flat
// key, never in the event itself), keeps the event's own event.* values
// under kibana.alert.original_event (from the object, the flat keys or
// both), and gives the reason from the event's category, addresses and
// host.
func TestDocumentEventFields(t *testing.T) {
	rule := testRule(t, "destination.port:21")
	for _, tc := range []struct {
		name   string
		fields map[string]any
		want   map[string]any // the document's values of these keys; nil: absent
		reason string
	}{{
		name:   "none",
		fields: map[string]any{},
		want:   map[string]any{"event.kind": "signal", "event": nil, "kibana.alert.original_event": nil},
		reason: "event created low alert test rule.",
	}, {
		name:   "flat",
		fields: map[string]any{"event.category": "network", "event.kind": "event", "source.ip": "10.1.2.3", "source.port": "51000"},
		want: map[string]any{"event.kind": "signal", "event.category": "network", "event": nil,
			"kibana.alert.original_event": map[string]any{"category": "network", "kind": "event"}},
		reason: "network event with source 10.1.2.3:51000 created low alert test rule.",
	}, {
		name:   "nested",
		fields: map[string]any{"event": map[string]any{"category": []any{"network", "web"}, "module": "m"}, "destination.ip": "::1", "destination.port": 21, "host.name": "web-1"},
		want: map[string]any{"event.kind": nil,
			"event":                       map[string]any{"category": []any{"network", "web"}, "module": "m", "kind": "signal"},
			"kibana.alert.original_event": map[string]any{"category": []any{"network", "web"}, "module": "m"}},
		reason: "network event with destination [::1]:21, on web-1 created low alert test rule.",
	}, {
		name:   "both",
		fields: map[string]any{"event": map[string]any{"module": "m"}, "event.action": "x", "source.ip": "::1", "destination.ip": "10.0.0.1", "destination.port": "21"},
		want: map[string]any{"event.kind": nil, "event.action": "x",
			"event":                       map[string]any{"module": "m", "kind": "signal"},
			"kibana.alert.original_event": map[string]any{"module": "m", "action": "x"}},
		reason: "event with source ::1, destination 10.0.0.1:21 created low alert test rule.",
	}, {
		name:   "empty object",
		fields: map[string]any{"event": map[string]any{}},
		want:   map[string]any{"event.kind": nil, "event": map[string]any{"kind": "signal"}, "kibana.alert.original_event": nil},
		reason: "event created low alert test rule.",
	}, {
		name:   "not an object",
		fields: map[string]any{"event": "text"},
		want:   map[string]any{"event.kind": "signal", "event": "text", "kibana.alert.original_event": nil},
		reason: "event created low alert test rule.",
	}} {
		t.Run(tc.name, func(t *testing.T) {
			e := ev(0, 21, "x")
			for k, v := range tc.fields {
				e[k] = v
			}
			before := cmp.Diff(map[string]any{}, e) // the event, to see it unchanged
			rep := run(t, rule, []map[string]any{e})
			if len(rep.Alerts) != 1 {
				t.Fatalf("%d alerts", len(rep.Alerts))
			}
			doc := rep.Alerts[0].Document()
			for k, want := range tc.want {
				if d := cmp.Diff(want, doc[k]); d != "" {
					t.Errorf("%s -want +got:\n%s", k, d)
				}
			}
			if got := doc["kibana.alert.reason"]; got != tc.reason {
				t.Errorf("reason %q, want %q", got, tc.reason)
			}
			if after := cmp.Diff(map[string]any{}, e); after != before {
				t.Errorf("the event changed:\n%s", after)
			}
		})
	}
}
