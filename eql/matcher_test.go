package eql_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
)

// ev builds a document "ts cat key" (key "-" for none) for the matcher
// tests; its id is its place in the list.
func evDocs(lines ...string) []eql.Doc {
	var out []eql.Doc
	for i, l := range lines {
		f := strings.Fields(l)
		src := map[string]any{"@timestamp": json.Number(f[0]), "event_type": f[1], "tb": json.Number(fmt.Sprint(i))}
		if f[2] != "-" {
			src["k"] = f[2]
		}
		out = append(out, eql.Doc{Index: "i", ID: fmt.Sprint(i), Source: src})
	}
	return out
}

// seqIDs runs a query with eql.Search and lists each sequence's ids.
func seqIDs(t *testing.T, query string, docs []eql.Doc) string {
	t.Helper()
	m, err := eql.ReadMapping([]byte(diffMapping))
	if err != nil {
		t.Fatal(err)
	}
	resp, err := eql.Search(eql.Request{Query: query, TiebreakerField: "tb", Size: 100}, m, docs)
	if err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	var seqs []string
	for _, s := range resp.Hits.Sequences {
		var ids []string
		for _, e := range s.Events {
			if e.Missing {
				ids = append(ids, "_")
				continue
			}
			ids = append(ids, e.ID)
		}
		seqs = append(seqs, strings.Join(ids, ","))
	}
	return strings.Join(seqs, " ")
}

// TestMatcherSemantics pins the choices of Elasticsearch's
// SequenceMatcher (x-pack/plugin/eql/src/main/java/org/elasticsearch/
// xpack/eql/execution/sequence/SequenceMatcher.java) that decide which
// pending sequence an event extends.
func TestMatcherSemantics(t *testing.T) {
	tests := []struct {
		name, query string
		docs        []string
		want        string
	}{
		// SequenceGroup.trimBefore: the latest sequence before the event
		// is extended and the older ones of its group are dropped.
		{"latest wins", `sequence [a where true] [b where true]`,
			[]string{"1 a -", "2 a -", "3 b -", "4 b -"}, "1,2"},
		{"each extends its own", `sequence [a where true] [b where true]`,
			[]string{"1 a -", "2 b -", "3 a -", "4 b -"}, "0,1 2,3"},
		// join keys: groups per key; a missing key leaves the event out,
		// unless the key is optional (a null key).
		{"by key", `sequence by k [a where true] [b where true]`,
			[]string{"1 a x", "2 a y", "3 b x", "4 b y", "5 b -"}, "0,2 1,3"},
		{"missing key", `sequence by k [a where true] [b where true]`,
			[]string{"1 a -", "2 b -"}, ""},
		{"optional key", `sequence by ?k [a where true] [b where true]`,
			[]string{"1 a -", "2 b -"}, "0,1"},
		// maxspan: measured from the first event; the too-late event
		// consumes the sequence (and does not reach an older one).
		{"maxspan", `sequence with maxspan=2ms [a where true] [b where true]`,
			[]string{"1 a -", "3 b -", "4 a -", "7 b -"}, "0,1"},
		{"maxspan inclusive", `sequence with maxspan=2ms [a where true] [b where true]`,
			[]string{"1 a -", "3 b -"}, "0,1"},
		// until: an until event between the last matched event and the
		// next drops the sequence (Ordinal.between is inclusive).
		{"until", `sequence [a where true] [b where true] until [c where true]`,
			[]string{"1 a -", "2 c -", "3 b -", "4 a -", "5 b -"}, "3,4"},
		// runs: the stage repeated.
		{"runs", `sequence [a where true] with runs=2 [b where true]`,
			[]string{"1 a -", "2 a -", "3 b -"}, "0,1,2"},
		// an event of two stages fills the later one from an earlier event
		// and starts a new sequence too.
		{"same event two stages", `sequence [any where true] [any where true]`,
			[]string{"1 a -", "2 b -", "3 c -"}, "0,1 1,2"},
		// missing events: none of the missing stage between its neighbours
		// (TumblingWindow.doCheckMissingEvents).
		{"missing", `sequence [a where true] ![c where true] [b where true]`,
			[]string{"1 a -", "2 c -", "3 b -", "4 a -", "5 b -"}, "3,_,4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := seqIDs(t, tt.query, evDocs(tt.docs...)); got != tt.want {
				t.Errorf("%s\n got %q\nwant %q", tt.query, got, tt.want)
			}
		})
	}
}

// TestMatcherLimit: a query that holds more than its limit ends with an
// InFlightError (the circuit breaker's part), not with exhausted memory.
func TestMatcherLimit(t *testing.T) {
	m, err := eql.ReadMapping([]byte(diffMapping))
	if err != nil {
		t.Fatal(err)
	}
	plan, err := eql.CompileSequence(eql.Request{Query: `sequence by k [a where true] [b where true]`}, m)
	if err != nil {
		t.Fatal(err)
	}
	plan.MaxFlight = 100
	mt := plan.NewMatcher()
	var got error
	for i := range 1000 {
		d := eql.Doc{Source: map[string]any{"@timestamp": json.Number(fmt.Sprint(i)), "event_type": "a", "k": fmt.Sprint(i)}}
		ev, _ := plan.Event(d, int64(i))
		if got = mt.Add(&ev); got != nil {
			break
		}
	}
	var ie *eql.InFlightError
	if !errors.As(got, &ie) || ie.Limit != 100 {
		t.Fatalf("got %v, want an InFlightError at 100", got)
	}
	// with maxspan the same stream stays within the limit: pending
	// sequences expire.
	plan, err = eql.CompileSequence(eql.Request{Query: `sequence by k with maxspan=5ms [a where true] [b where true]`}, m)
	if err != nil {
		t.Fatal(err)
	}
	plan.MaxFlight = 100
	mt = plan.NewMatcher()
	for i := range 1000 {
		d := eql.Doc{Source: map[string]any{"@timestamp": json.Number(fmt.Sprint(i)), "event_type": "a", "k": fmt.Sprint(i)}}
		ev, _ := plan.Event(d, int64(i))
		if err := mt.Add(&ev); err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
	}
	if p := mt.Pending(); p > 10 {
		t.Errorf("%d pending sequences, want those of the last maxspan", p)
	}
	// events out of order are refused
	d := eql.Doc{Source: map[string]any{"@timestamp": json.Number("1"), "event_type": "a", "k": "x"}}
	ev, _ := plan.Event(d, 0)
	if err := mt.Add(&ev); !errors.Is(err, eql.ErrOutOfOrder) {
		t.Errorf("got %v, want ErrOutOfOrder", err)
	}
}

// TestJoinKeyTypes: a join key is the field's value as the fields API
// gives it for the mapped type: on a keyword field the number 1 and the
// text "1" are the same key "1"; on a date field the text is formatted
// as strict_date_optional_time.
func TestJoinKeyTypes(t *testing.T) {
	m, err := eql.ReadMapping([]byte(`{"properties": {"@timestamp": {"type": "date"}, "event_type": {"type": "keyword"},
  "event": {"properties": {"category": {"type": "alias", "path": "event_type"}}},
  "k": {"type": "keyword"}, "d": {"type": "date"}}}`))
	if err != nil {
		t.Fatal(err)
	}
	docs := []eql.Doc{
		{ID: "0", Source: map[string]any{"@timestamp": json.Number("1"), "event_type": "a", "k": json.Number("1"), "d": "2024-01-02"}},
		{ID: "1", Source: map[string]any{"@timestamp": json.Number("2"), "event_type": "b", "k": "1", "d": json.Number("1704153600000")}},
	}
	for query, want := range map[string]string{
		`sequence by k [a where true] [b where true]`: `["1"]`,
		`sequence by d [a where true] [b where true]`: `["2024-01-02T00:00:00.000Z"]`,
	} {
		resp, err := eql.Search(eql.Request{Query: query}, m, docs)
		if err != nil {
			t.Fatal(err)
		}
		if len(resp.Hits.Sequences) != 1 {
			t.Errorf("%s: %d sequences, want 1", query, len(resp.Hits.Sequences))
			continue
		}
		if got, _ := json.Marshal(resp.Hits.Sequences[0].JoinKeys); string(got) != want {
			t.Errorf("%s: join keys %s, want %s", query, got, want)
		}
	}
}
