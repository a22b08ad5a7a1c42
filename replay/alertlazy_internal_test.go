package replay

import (
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/rules"
)

// TestAlertDecodesOnRead: an alert on an event added as its text keeps
// the text and no fields until Event is called, then the fields and not
// the text; an alert on an event added as its fields (Map) keeps them.
func TestAlertDecodesOnRead(t *testing.T) {
	r := &rules.Rule{
		RuleID: "00000000-0000-4000-8000-000000000001", Name: "port 21", Description: "d",
		Type: rules.TypeQuery, Language: rules.LanguageKuery, Query: "destination.port:21",
		Severity: "low", RiskScore: 21, Interval: 5 * time.Minute, From: "now-6m", MaxSignals: 100, Version: 1,
	}
	var alerts []*Alert
	rp, err := NewReplay([]*rules.Rule{r}, WithAnyIndex(), WithAlertFunc(func(a *Alert) error {
		alerts = append(alerts, a)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	text := `{"@timestamp":"2023-01-01T00:00:00Z","_id":"a","destination":{"port":21}}`
	if err := rp.Add(Event{JSON: []byte(text), File: "e.ndjson", Line: 3}, []int{0}); err != nil {
		t.Fatal(err)
	}
	m := map[string]any{"@timestamp": "2023-01-01T00:00:01Z", "_id": "b", "destination.port": 21}
	if err := rp.Add(Event{Map: m, File: "e.ndjson", Line: 4}, []int{0}); err != nil {
		t.Fatal(err)
	}
	if _, err := rp.Finish(); err != nil {
		t.Fatal(err)
	}
	if len(alerts) != 2 {
		t.Fatalf("%d alerts, want 2", len(alerts))
	}
	a := alerts[0]
	if a.fields != nil || string(a.text) != text || a.File != "e.ndjson" || a.Line != 3 {
		t.Fatalf("alert on a text before Event: fields %v, text %q at %s:%d; want the text only, at e.ndjson:3", a.fields, a.text, a.File, a.Line)
	}
	rec := a.Event()
	if a.text != nil || rec.Fields["_id"] != "a" || rec.File != "e.ndjson" || rec.Line != 3 {
		t.Errorf("alert on a text after Event: text %q, Event %+v", a.text, rec)
	}
	b := alerts[1]
	if b.text != nil || b.fields["_id"] != "b" || b.Event().Fields["_id"] != "b" || b.Line != 4 {
		t.Errorf("alert on a Map: text %q, fields %v at line %d", b.text, b.fields, b.Line)
	}
}
