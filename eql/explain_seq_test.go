package eql_test

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// explainDocs are events of two hosts that take a sequence through every
// step: a start, an extension and a find; an event no sequence waits
// for; a newer sequence replacing an older one of its key; a pending
// sequence an event reaches after maxspan; one that expires; one an until
// event drops; a document that matches no stage and one without a
// timestamp.
const explainDocs = `
{"@timestamp": "2024-01-01T00:00:00Z", "event": {"category": "process", "type": "start"}, "host": {"id": "a"}, "process": {"name": "bash"}}
{"@timestamp": "2024-01-01T00:00:10Z", "event": {"category": "network"}, "host": {"id": "a"}}
{"@timestamp": "2024-01-01T00:00:20Z", "event": {"category": "network"}, "host": {"id": "b"}}
{"@timestamp": "2024-01-01T00:01:00Z", "event": {"category": "process", "type": "start"}, "host": {"id": "b"}, "process": {"name": "bash"}}
{"@timestamp": "2024-01-01T00:01:05Z", "event": {"category": "process", "type": "start"}, "host": {"id": "b"}, "process": {"name": "bash"}}
{"@timestamp": "2024-01-01T00:02:30Z", "event": {"category": "network"}, "host": {"id": "b"}}
{"@timestamp": "2024-01-01T00:03:00Z", "event": {"category": "process", "type": "start"}, "host": {"id": "c"}, "process": {"name": "bash"}}
{"@timestamp": "2024-01-01T00:03:10Z", "event": {"category": "process", "type": "end"}, "host": {"id": "c"}, "process": {"name": "bash"}}
{"@timestamp": "2024-01-01T00:03:20Z", "event": {"category": "network"}, "host": {"id": "c"}}
{"@timestamp": "2024-01-01T00:04:00Z", "event": {"category": "process", "type": "start"}, "host": {"id": "d"}, "process": {"name": "bash"}}
{"@timestamp": "2024-01-01T00:09:00Z", "event": {"category": "file"}, "host": {"id": "d"}}
{"@timestamp": "2024-01-01T00:09:30Z", "event": {"category": "process", "type": "start"}, "host": {"id": "d"}, "process": {"name": "zsh"}}
{"event": {"category": "network"}, "host": {"id": "e"}}
`

func explainDocList(t *testing.T) []eql.Doc {
	t.Helper()
	var docs []eql.Doc
	for i, line := range strings.Split(strings.TrimSpace(explainDocs), "\n") {
		d := json.NewDecoder(strings.NewReader(line))
		d.UseNumber()
		var src map[string]any
		if err := d.Decode(&src); err != nil {
			t.Fatal(err)
		}
		docs = append(docs, eql.Doc{Index: "test", ID: fmt.Sprintf("doc-%d", i+1), Source: src})
	}
	return docs
}

// TestExplainSequenceGolden pins the explanation of a sequence with
// maxspan and until (issue 19 item 6): which event filled which stage,
// and why each pending sequence was dropped.
func TestExplainSequenceGolden(t *testing.T) {
	q := `sequence by host.id with maxspan=1m
  [process where event.type == "start" and process.name == "bash"]
  [network where true]
until [process where event.type == "end"]`
	x, err := eql.ExplainSequence(eql.Request{Query: q}, nil, explainDocList(t))
	if err != nil {
		t.Fatal(err)
	}
	// The explanation agrees with the search.
	resp, err := eql.Search(eql.Request{Query: q, Size: 100}, nil, explainDocList(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(x.Found) != len(resp.Hits.Sequences) {
		t.Errorf("explained %d sequences, the search finds %d", len(x.Found), len(resp.Hits.Sequences))
	}
	st := x.Stats
	if len(x.Found) != 1 || st.ExpiredMaxspan != 1 || st.RejectedUntil != 1 || x.Pending != 1 {
		t.Errorf("found %d, pending %d, stats %+v: want 1 found, 1 pending, one dropped by maxspan and one by until", len(x.Found), x.Pending, st)
	}
	golden(t, "explain_sequence.golden", x.String())
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("got\n%s\nwant (go test -update)\n%s", got, want)
	}
}

func TestExplainSequenceRefusesOthers(t *testing.T) {
	if _, err := eql.ExplainSequence(eql.Request{Query: `process where true`}, nil, nil); err == nil {
		t.Error("an event query was explained as a sequence")
	}
}

// TestExplainSequenceSpec: over the sequence entries of Elasticsearch's
// spec (../shared/eql-spec) without pipes, the explanation finds the
// sequences the search finds, the same events in the same order, and
// every found sequence is told as completed by its last event.
func TestExplainSequenceSpec(t *testing.T) {
	dir := filepath.Dir(corpusPath(t, "eql-spec/cases.jsonl"))
	n := 0
	for _, c := range specCases(t) {
		if c.Kind != "sequence" || strings.Contains(c.Query, "|") {
			continue
		}
		data, err := os.ReadFile(filepath.Join(dir, "data", c.Mapping))
		if err != nil {
			t.Fatal(err)
		}
		var paths []string
		for _, d := range c.Data {
			paths = append(paths, filepath.Join(dir, "data", d))
		}
		docs, err := eql.ReadDocs(paths, nil)
		if err != nil {
			t.Fatal(err)
		}
		p := c.Params
		req := eql.Request{Query: c.Query, EventCategoryField: p.EventCategoryField, TimestampField: p.TimestampField,
			TiebreakerField: p.TiebreakerField, Size: 1 << 30}
		m1, _ := eql.ReadMapping(data)
		m2, _ := eql.ReadMapping(data)
		resp, err := eql.Search(req, m1, docs)
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		x, err := eql.ExplainSequence(req, m2, docs)
		if err != nil {
			t.Errorf("%s: %v", c.ID, err)
			continue
		}
		n++
		ids := func(evs []*eql.Event) string {
			var out []string
			for _, ev := range evs {
				if ev == nil {
					out = append(out, "missing")
					continue
				}
				out = append(out, ev.Doc.ID)
			}
			return strings.Join(out, " ")
		}
		var want, got, told []string
		for _, s := range resp.Hits.Sequences {
			var out []string
			for _, e := range s.Events {
				if e.Missing {
					out = append(out, "missing")
					continue
				}
				out = append(out, e.ID)
			}
			want = append(want, strings.Join(out, " "))
		}
		for _, s := range x.Found {
			got = append(got, ids(s.Events))
		}
		for _, e := range x.Events {
			for _, s := range e.Steps {
				if s.Kind == eql.StepCompleted {
					told = append(told, ids(s.Sequence))
				}
			}
		}
		slices.Sort(want)
		slices.Sort(got)
		slices.Sort(told)
		if !slices.Equal(want, got) || !slices.Equal(got, told) {
			t.Errorf("%s: search %q\nexplained %q\ntold %q", c.ID, want, got, told)
		}
	}
	t.Logf("%d sequence entries explained", n)
	if n < 100 {
		t.Errorf("only %d spec entries explained", n)
	}
}
