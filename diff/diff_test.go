package diff_test

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/diff"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

func mustParse(t *testing.T, q string) *eval.Program {
	t.Helper()
	x, err := kql.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	p, err := eval.Compile(x)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkWitnesses matches every witness again, from its JSON text, and
// fails unless it really tells the queries apart in its direction.
func checkWitnesses(t *testing.T, oldQ, newQ string, d *diff.Result) {
	t.Helper()
	po, pn := mustParse(t, oldQ), mustParse(t, newQ)
	for _, dir := range []struct {
		evs      []map[string]any
		old, new bool
	}{{d.Added, false, true}, {d.Removed, true, false}} {
		for _, w := range dir.evs {
			b, _ := json.Marshal(w)
			var ev map[string]any
			if err := json.Unmarshal(b, &ev); err != nil {
				t.Fatal(err)
			}
			if po.Match(ev) != dir.old || pn.Match(ev) != dir.new {
				t.Errorf("witness %s: old %v new %v, want old %v new %v", b, po.Match(ev), pn.Match(ev), dir.old, dir.new)
			}
		}
	}
}

func TestQueries(t *testing.T) {
	for _, tc := range []struct {
		old, new string
		want     diff.Verdict
		added    string // JSON of the first added witness, "" for none
		removed  string
	}{
		{"f:a", "f : a", diff.VerdictFormatting, "", ""},
		{"f:a", "f:(a or b)", diff.VerdictWider, `{"f":"b"}`, ""},
		{"f:a", "f:a and g:b", diff.VerdictNarrower, "", `{"f":"a"}`},
		{"not f:a", "not f:(a or b)", diff.VerdictNarrower, "", `{"f":"b"}`},
		{"x:1", "x:2", diff.VerdictBoth, `{"x":2}`, `{"x":1}`},
		{"destination.port:21", `destination.port:"21"`, diff.VerdictEquivalent, "", ""},
		{"f:(a and b)", "f:a and f:b", diff.VerdictEquivalent, "", ""},
		{"f:a or f:b", "f:(a or b)", diff.VerdictEquivalent, "", ""},
		{"source.ip:10.0.0.0/8", "source.ip:10.0.0.0/9", diff.VerdictNarrower, "", `{"source.ip":"10.128.0.0"}`},
		{"destination.port >= 21", "destination.port > 21", diff.VerdictNarrower, "", `{"destination.port":21}`},
		{"event.category:network", "event.category:Network", diff.VerdictBoth, `{"event.category":"Network"}`, `{"event.category":"network"}`},
		{"not f:a", "f:* and not f:a", diff.VerdictNarrower, "", `{}`},
		// nested queries: the witness is an object under the path
		{"items:{ name:x }", "items:{ name:(x or y) }", diff.VerdictWider, `{"items":{"name":"y"}}`, ""},
		{"items:{ name:x and stock > 10 }", "items:{ name:x } and items:{ stock > 10 }", diff.VerdictEquivalent, "", ""},
		// a nested query inside another: an object inside an object (this
		// was "equivalent": the events put {"c":...} under the key "a.b",
		// which no nested query reads)
		{"a:{ b:{ c:1 } }", "a:{ b:{ c:2 } }", diff.VerdictBoth, `{"a":{"b":{"c":2}}}`, `{"a":{"b":{"c":1}}}`},
		// a wildcard field name stands for a schema field that fits it
		// (process.*:x no longer compiles: Kibana builds a match on
		// process.pid too, which Elasticsearch refuses, kibana#149920)
		{"process.*name:x", "process.name:x", diff.VerdictNarrower, "", `{"process.code_signature.subject_name":"x"}`},
	} {
		t.Run(tc.old+" → "+tc.new, func(t *testing.T) {
			a, err := kql.Parse(tc.old)
			if err != nil {
				t.Fatal(err)
			}
			b, err := kql.Parse(tc.new)
			if err != nil {
				t.Fatal(err)
			}
			d, err := diff.Queries(a, b)
			if err != nil {
				t.Fatal(err)
			}
			if d.Verdict != tc.want {
				t.Errorf("verdict %q, want %q (added %v, removed %v)", d.Verdict, tc.want, d.Added, d.Removed)
			}
			first := func(evs []map[string]any) string {
				if len(evs) == 0 {
					return ""
				}
				b, _ := json.Marshal(evs[0])
				return string(b)
			}
			if got := first(d.Added); got != tc.added {
				t.Errorf("added witness %s, want %s", got, tc.added)
			}
			if got := first(d.Removed); got != tc.removed {
				t.Errorf("removed witness %s, want %s", got, tc.removed)
			}
			if tc.want != diff.VerdictFormatting && !d.Exhaustive {
				t.Errorf("small diff searched with a guided search (%d events)", d.Searched)
			}
			checkWitnesses(t, tc.old, tc.new, d)
		})
	}
}

// TestVersionsFTP pins the verdicts of the FTP rule's history.
func TestVersionsFTP(t *testing.T) {
	r := builtin.FTP()
	for _, tc := range []struct {
		from, to int
		want     diff.Verdict
		check    func(t *testing.T, d *diff.Result)
	}{
		{1, 3, diff.VerdictNarrower, func(t *testing.T, d *diff.Result) {
			// an outbound connection without a private source: v1 matched it.
			if d.Removed[0]["network.direction"] != "outbound" {
				t.Errorf("first removed witness %v: want network.direction outbound", d.Removed[0])
			}
		}},
		{2, 3, diff.VerdictNarrower, nil},
		{3, 4, diff.VerdictBoth, func(t *testing.T, d *diff.Result) {
			// v4 adds a Zeek FTP record off ports 20 and 21
			a := d.Added[0]
			if a["event.dataset"] != "zeek.ftp" || a["destination.port"] == 20.0 || a["destination.port"] == 21.0 {
				t.Errorf("first added witness %v: want a zeek.ftp record off ports 20/21", a)
			}
			// v3 matched an event without event.category, v4 does not
			if _, ok := d.Removed[0]["event.category"]; ok {
				t.Errorf("first removed witness %v: want no event.category", d.Removed[0])
			}
		}},
		{4, 5, diff.VerdictFormatting, nil},
		{5, 6, diff.VerdictNarrower, func(t *testing.T, d *diff.Result) {
			var dst []string
			for _, w := range d.Removed {
				dst = append(dst, w["destination.ip"].(string))
			}
			for _, want := range []string{"169.254.", "224.", "fe80::", "ff00::"} {
				if !slices.ContainsFunc(dst, func(s string) bool { return strings.HasPrefix(s, want) }) {
					t.Errorf("removed witnesses' destination.ip %v: none in %s", dst, want)
				}
			}
		}},
		{6, 7, diff.VerdictFormatting, nil},
		{7, 8, diff.VerdictFormatting, nil},
		{6, 8, diff.VerdictFormatting, nil},
	} {
		c, err := diff.Versions(r, tc.from, tc.to)
		if err != nil {
			t.Fatal(err)
		}
		d := c.Query.Result
		if d == nil {
			t.Fatalf("v%d → v%d: the queries were not compared by meaning: %+v", tc.from, tc.to, c)
		}
		if d.Verdict != tc.want {
			t.Errorf("v%d → v%d: %q, want %q", tc.from, tc.to, d.Verdict, tc.want)
			continue
		}
		oldQ, _ := r.History.QueryAt(tc.from)
		newQ, _ := r.History.QueryAt(tc.to)
		checkWitnesses(t, oldQ, newQ, d)
		if tc.check != nil {
			tc.check(t, d)
		}
		for _, w := range d.Added {
			b, _ := json.Marshal(w)
			t.Logf("v%d → v%d added:   %s", tc.from, tc.to, b)
		}
		for _, w := range d.Removed {
			b, _ := json.Marshal(w)
			t.Logf("v%d → v%d removed: %s", tc.from, tc.to, b)
		}
	}
}

// TestEvents: both queries over real events, a line that is not an event
// counted and skipped, the events whose outcome changed kept up to the
// limit asked, and another error of the reader returned.
func TestEvents(t *testing.T) {
	po, pn := mustParse(t, "f:a"), mustParse(t, "f:(a or b or c)")
	in := "{\"f\":\"a\"}\n{\"f\":\"b\"}\nnot an event\n{\"f\":\"c\"}\n{}\n"
	d, err := diff.Events(po, pn, events.Read("in.ndjson", strings.NewReader(in)), 1)
	if err != nil || d.Events != 4 || d.Unreadable != 1 || d.OldMatches != 1 || d.NewMatches != 3 || d.Added != 2 || d.Removed != 0 ||
		len(d.AddedEvents) != 1 || d.AddedEvents[0].Line != 2 || len(d.RemovedEvents) != 0 {
		t.Fatalf("got %+v, %v", d, err)
	}
	var b strings.Builder
	if err := d.WriteText(&b, "old", "new"); err != nil {
		t.Fatal(err)
	}
	if want := "events: 4 read (1 unreadable, skipped); old matches 1, new matches 3; 2 added, 0 removed\n  + in.ndjson:2 {\"f\":\"b\"}\n"; b.String() != want {
		t.Errorf("WriteText = %q, want %q", b.String(), want)
	}
	boom := errors.New("boom")
	fails := func(yield func(events.Record, error) bool) { yield(events.Record{}, boom) }
	if _, err := diff.Events(po, pn, fails, 1); err != boom {
		t.Errorf("a reader's error: %v", err)
	}
}

// TestResultWriteText pins the verdict's text for each verdict.
func TestResultWriteText(t *testing.T) {
	for _, tc := range []struct{ old, new, want string }{
		{"f:a", "f : a", "old: f:a\nnew: f:a\nverdict: formatting only (the canonical trees are equal)\n"},
		{"f:a and g:b", "g:b and f:a", "verdict: equivalent (no event tells them apart among "},
		{"f:a", "f:(a or b)", "verdict: wider (new matches more events than old)\nadded (new matches, old does not):\n  {\"f\":\"b\"}\nremoved (old matched, new does not): none found\nsearched "},
		{"f:(a or b)", "f:a", "verdict: narrower (new matches fewer events than old)\n"},
		{"f:a", "f:b", "verdict: both (new matches events old does not, and misses events old matched)\n"},
	} {
		xo, err := kql.Parse(tc.old)
		if err != nil {
			t.Fatal(err)
		}
		xn, err := kql.Parse(tc.new)
		if err != nil {
			t.Fatal(err)
		}
		d, err := diff.Queries(xo, xn)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := d.WriteText(&b, "old", "new"); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.want) {
			t.Errorf("%s → %s: WriteText =\n%s\nwant it to hold\n%s", tc.old, tc.new, b.String(), tc.want)
		}
	}
}
