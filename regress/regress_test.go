package regress

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

func TestWriteSortedAndParsedBack(t *testing.T) {
	b := &Baseline{Rules: []Rule{
		{RuleID: "b", Name: "B <&>", File: "rules/b.toml", Events: []Event{{ID: "i/2", At: "e.ndjson:2"}, {ID: "i/1", At: "e.ndjson:1"}}},
		{RuleID: "a", Name: "A", File: "rules/a.toml", Skipped: "type eql is not replayed, only query"},
		{RuleID: "c", Name: "C \"quoted\"", Events: []Event{{ID: "hash:00ff"}}},
	}}
	var buf bytes.Buffer
	if err := b.Write(&buf); err != nil {
		t.Fatal(err)
	}
	want := `{
  "kqlrules_baseline": 1,
  "rules": [
    {
      "rule_id": "a",
      "name": "A",
      "file": "rules/a.toml",
      "skipped": "type eql is not replayed, only query",
      "alerts": 0
    },
    {
      "rule_id": "b",
      "name": "B <&>",
      "file": "rules/b.toml",
      "alerts": 2,
      "events": [
        {"id": "i/1", "at": "e.ndjson:1"},
        {"id": "i/2", "at": "e.ndjson:2"}
      ]
    },
    {
      "rule_id": "c",
      "name": "C \"quoted\"",
      "alerts": 1,
      "events": [
        {"id": "hash:00ff"}
      ]
    }
  ]
}
`
	if got := buf.String(); got != want {
		t.Fatalf("Write:\n%s\nwant:\n%s", got, want)
	}
	back, err := Parse(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, b) {
		t.Errorf("Parse(Write(b)) = %+v, want %+v", back, b)
	}
	var again bytes.Buffer
	back.Write(&again)
	if again.String() != want {
		t.Errorf("writing the parsed baseline again changed it:\n%s", again.String())
	}

	buf.Reset()
	(&Baseline{}).Write(&buf)
	if got, want := buf.String(), "{\n  \"kqlrules_baseline\": 1,\n  \"rules\": []\n}\n"; got != want {
		t.Errorf("empty baseline: %q, want %q", got, want)
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range []struct{ in, err string }{
		{``, "line 1: invalid JSON: unexpected end"},
		{`[]`, `line 1: not a baseline: a JSON array, want an object with "kqlrules_baseline" and "rules"`},
		{`{"rules": []}`, `not a baseline: no "kqlrules_baseline" key`},
		{`{"kqlrules_baseline": 2, "rules": []}`, "format version 2 is not supported, only 1"},
		{"{\"kqlrules_baseline\": 1,\n\"rules\": [{\"rule_id\": \"a\", \"alerts\": \"2\"}]}", "line 2: rules.alerts: want a number, got a JSON string"},
		{"{\"kqlrules_baseline\": 1,\n\"rulez\": []}", `line 2: unknown field "rulez"`},
		{`{"kqlrules_baseline": 1, "rules": [{"name": "x", "alerts": 0}]}`, "rules[0] (x): no rule_id"},
		{`{"kqlrules_baseline": 1, "rules": [{"rule_id": "a", "alerts": 0}, {"rule_id": "a", "alerts": 0}]}`, "rules[1]: rule_id a is listed twice"},
		{`{"kqlrules_baseline": 1, "rules": [{"rule_id": "a", "alerts": 1}]}`, "rules[0] (a): alerts is 1 but 0 events are listed"},
		{`{"kqlrules_baseline": 1, "rules": []} {}`, "more than one JSON value"},
	} {
		_, err := Parse([]byte(tc.in))
		var e *Error
		if !errors.As(err, &e) || !strings.Contains(err.Error(), tc.err) {
			t.Errorf("Parse(%q) = %v, want an *Error containing %q", tc.in, err, tc.err)
		}
		// no Go internals reach a user
		if err != nil && (strings.Contains(err.Error(), "json: ") || strings.Contains(err.Error(), "Go value")) {
			t.Errorf("Parse(%q) = %v: encoding/json's words", tc.in, err)
		}
	}

	dir := t.TempDir()
	name := filepath.Join(dir, "b.json")
	os.WriteFile(name, []byte("{\"kqlrules_baseline\": 1,\n\"rules\": 3}"), 0o666)
	_, err := ReadFile(name)
	if want := name + ":2: rules: want an array, got a JSON number"; err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Errorf("ReadFile = %v, want %q...", err, want)
	}
	if _, err := ReadFile(filepath.Join(dir, "none.json")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("ReadFile of a missing file = %v", err)
	}
}

func TestCompare(t *testing.T) {
	ev := func(ids ...string) []Event {
		var es []Event
		for _, id := range ids {
			es = append(es, Event{ID: id, At: "now:" + id})
		}
		return es
	}
	base := &Baseline{Rules: []Rule{
		{RuleID: "same", Events: ev("x", "y")},
		{RuleID: "changed", Events: ev("x", "y")},
		{RuleID: "gone", Events: ev("x")},
		{RuleID: "gone-skipped", Skipped: "eql"},
		{RuleID: "now-skipped", Events: ev("z")},
	}}
	cur := &Baseline{Rules: []Rule{
		{RuleID: "same", Events: []Event{{ID: "y", At: "elsewhere:9"}, {ID: "x"}}},
		{RuleID: "changed", Events: ev("z", "x")},
		{RuleID: "new", Events: ev("b", "a")},
		{RuleID: "new-skipped", Skipped: "eql"},
		{RuleID: "now-skipped", Skipped: "eql"},
	}}
	got := Compare(base, cur)
	want := []Diff{
		{Status: Changed, Rule: Rule{RuleID: "changed"}, Gained: ev("z"), Lost: ev("y")},
		{Status: Removed, Rule: Rule{RuleID: "gone"}, Lost: ev("x")},
		{Status: Added, Rule: Rule{RuleID: "new"}, Gained: ev("a", "b")},
		{Status: Changed, Rule: Rule{RuleID: "now-skipped", Skipped: "eql"}, Lost: ev("z")},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Compare:\n got %+v\nwant %+v", got, want)
	}
	if d := Compare(cur, cur); d != nil {
		t.Errorf("Compare(cur, cur) = %+v, want none", d)
	}
}

func TestIdentity(t *testing.T) {
	r := &rules.Rule{
		RuleID: "r1", Name: "r", Type: rules.TypeQuery, Language: rules.LanguageKuery,
		Query: "destination.port:21", Index: []string{"filebeat-*"},
		Interval: rules.DefaultInterval, From: "now-9m", MaxSignals: 100,
	}
	var got []Event
	collect := replay.WithAlertFunc(func(a *replay.Alert) error {
		got = append(got, EventOf(a))
		return nil
	})
	evs := replay.EventsOf(
		map[string]any{"_index": "filebeat-1", "_id": "a", "@timestamp": "2023-01-01T00:00:00Z", "destination.port": 21},
		map[string]any{"_index": "filebeat-1", "@timestamp": "2023-01-01T00:01:00Z", "destination.port": 21},
		map[string]any{"@timestamp": "2023-01-01T00:02:00Z", "destination.port": 21},
	)
	if _, err := replay.Run(r, evs, replay.WithAnyIndex(), collect); err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 {
		t.Fatalf("got %d alerts, want 3: %+v", len(got), got)
	}
	if got[0] != (Event{ID: "filebeat-1/a", At: "-:1"}) {
		t.Errorf("event with _id: %+v", got[0])
	}
	if !strings.HasPrefix(got[1].ID, "filebeat-1/hash:") || len(got[1].ID) != len("filebeat-1/hash:")+32 || got[1].At != "-:2" {
		t.Errorf("event without _id: %+v", got[1])
	}
	if !strings.HasPrefix(got[2].ID, "hash:") || got[2].At != "-:3" {
		t.Errorf("event without index: %+v", got[2])
	}
	a := &replay.Alert{Index: "i", ID: "x"} // no event: no _id
	if id := Identity(a); id != "i/hash:x" {
		t.Errorf("Identity = %q, want i/hash:x", id)
	}
	th := &replay.Alert{Index: "i", ID: "x", Time: time.Date(2023, 1, 1, 0, 5, 0, 0, time.UTC),
		Threshold: &replay.ThresholdResult{Count: 3, Terms: []replay.ThresholdTerm{{Field: "host.name", Value: "web-1"}, {Field: "user.name", Value: "root"}}}}
	if id, want := Identity(th), "threshold:host.name=web-1,user.name=root@2023-01-01T00:05:00.000Z"; id != want {
		t.Errorf("Identity of a threshold alert = %q, want %q", id, want)
	}
	if at := Location(`dir\e.ndjson`, 0); at != "dir/e.ndjson" {
		t.Errorf("Location = %q", at)
	}
}

// TestJUnitRoundTrip writes a report and reads it back with encoding/xml:
// the document is well-formed, has the shape JUnit readers expect, and
// keeps every field, multi-line texts and characters XML must escape
// included.
func TestJUnitRoundTrip(t *testing.T) {
	cases := []TestCase{
		{Name: "FTP out (r1)", ClassName: "rules/network", File: "rules/network/ftp.toml",
			Failure: &Outcome{Message: `rule FTP out (r1): +1 -1 alerts`, Text: "+ i/a  e.ndjson:1\n- i/b  baseline: e.ndjson:2 <&> ]]> end"}},
		{Name: "ok", ClassName: "rules"},
		{Name: "EQL", ClassName: "rules/windows", Skipped: &Outcome{Message: "type eql is not replayed, only query"}},
		{Name: "bad.toml", ClassName: "rules", Error: &Outcome{Message: "bad.toml:3: x", Text: "line 1\nline 2"}},
	}
	j := NewJUnit("kqlrules test", cases)
	if j.Tests != 4 || j.Failures != 1 || j.Errors != 1 || j.Skipped != 1 {
		t.Errorf("counts: %+v", j)
	}
	var buf bytes.Buffer
	if err := j.Write(&buf); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), xml.Header+"<testsuites ") {
		t.Errorf("document starts with %q", buf.String()[:60])
	}
	var back JUnit
	if err := xml.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("the report does not read back: %v\n%s", err, buf.String())
	}
	back.XMLName = xml.Name{}
	j.XMLName = xml.Name{}
	// A skipped element has no text: it reads back as "".
	if !reflect.DeepEqual(&back, j) {
		t.Errorf("round trip:\n got %+v\nwant %+v\n%s", back, *j, buf.String())
	}

	// Characters XML cannot hold are replaced, the document stays valid.
	j = NewJUnit("x", []TestCase{{Name: "a\x01b", Failure: &Outcome{Message: "m\x02", Text: "t\x00u"}}})
	buf.Reset()
	if err := j.Write(&buf); err != nil {
		t.Fatal(err)
	}
	back = JUnit{}
	if err := xml.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("control characters: %v\n%q", err, buf.String())
	}
	if got := back.Suites[0].Cases[0].Failure.Text; got != "t\uFFFDu" {
		t.Errorf("text = %q", got)
	}
	if j.Suites[0].Cases[0].Failure.Text != "t\x00u" {
		t.Error("Write changed the report")
	}
}
