package events_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// ftpQuery is the FTP rule's current query (version 8), as in
// ../shared/seed/ftp_rule.txt and eval's corpus tests.
const ftpQuery = `event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and source.ip:( 10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 ) and not destination.ip:( 10.0.0.0/8 or 127.0.0.0/8 or 169.254.0.0/16 or 172.16.0.0/12 or 192.168.0.0/16 or 224.0.0.0/4 or "::1" or "FE80::/10" or "FF00::/8" )`

func compile(t testing.TB, q string) *eval.Program {
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

// corpusPrograms compiles every query of Elastic's rules corpus that
// compiles with the default (ECS) schema.
func corpusPrograms(t testing.TB) (progs []*eval.Program, queries []string) {
	t.Helper()
	f, err := os.Open(corpus.Path(t, "corpus/elastic_kuery_rules.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	total := 0
	for sc.Scan() {
		var r struct{ Query string }
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		total++
		x, err := kql.Parse(r.Query)
		if err != nil {
			continue
		}
		p, err := eval.Compile(x)
		if err != nil {
			continue
		}
		progs = append(progs, p)
		queries = append(queries, r.Query)
	}
	if total != 792 {
		t.Fatalf("%d queries in the corpus, want 792", total)
	}
	return progs, queries
}

// TestLazyCorpus matches every compiling query of Elastic's 792 rules
// against every one of the 11,042 real Beats events, lazily and decoded:
// the answers must be the same. The queries are matched lazily twice:
// each on its own, and compiled together through one eval.FieldTable on
// an eval.Cache, as a rule set matches them (the lazy event then finds
// the table's paths in one walk of the event). With -short or -race (8.7
// million matches twice take minutes under the race detector) it takes
// every 16th event.
func TestLazyCorpus(t *testing.T) {
	evs := corpus.Lines(t, "corpus/beats_events.ndjson")
	progs, queries := corpusPrograms(t)
	table := eval.NewFieldTable()
	tprogs := make([]*eval.Program, len(queries))
	for i, q := range queries {
		x, err := kql.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		if tprogs[i], err = table.Compile(x); err != nil {
			t.Fatal(err)
		}
	}
	cache := eval.NewCache(table)
	stride := 1
	if testing.Short() || raceEnabled {
		stride = 16
	}
	t.Logf("%d events (every %d), %d queries that compile", len(evs), stride, len(progs))
	var lazy events.Lazy
	matches, fails := 0, 0
	for n, line := range evs {
		if n%stride != 0 {
			continue
		}
		rec, err := events.Raw{JSON: line, File: "beats", Line: n + 1}.Decode()
		if err != nil {
			t.Fatal(err)
		}
		m := eval.Map(rec.Fields)
		lazy.Reset(line)
		for i, p := range progs {
			want := p.MatchEvent(m)
			if got := p.MatchEvent(&lazy); got != want {
				if fails++; fails <= 10 {
					t.Errorf("line %d, query %q: lazy %v, map %v", n+1, queries[i], got, want)
				}
			}
			cache.Reset(&lazy)
			if got := tprogs[i].MatchEvent(cache); got != want {
				if fails++; fails <= 10 {
					t.Errorf("line %d, query %q: lazy through a table %v, map %v", n+1, queries[i], got, want)
				}
			}
			if want {
				matches++
			}
		}
	}
	if matches == 0 {
		t.Error("no query matched any event: the test proves nothing")
	}
	t.Logf("%d matches", matches)
}

// lazyQueries are queries over the shapes the fuzzer writes: flat and
// nested keys, arrays, numbers, booleans, objects, nested queries, free
// text and wildcard field names.
var lazyQueries = []string{
	"a:1", "a:x", "a.b:1", "a.b:x", "a.b.c:1", "a.b.c:x", "a:*", "a.b:*", "a.b.c:*",
	"a:true", "a.b:false", "a > 1", "a.b < 10", "a.b.c >= 0", "a:{ b:1 }", "a:{ b:x and c:* }",
	"x", "1", "a.*:1", "a.*:*", `"a\"b":1`, "a.b:(1 or 2 or x)", "a:1.0", "a.b:\"\"",
	"destination.port:21", "source.ip:10.0.0.0/8", "event.category:network",
}

// FuzzLazy checks that a lazy event answers every query of lazyQueries
// as the decoded map does, for any JSON object (and that it never panics
// on anything else).
func FuzzLazy(f *testing.F) {
	for _, s := range []string{
		`{"a":1}`, `{"a.b":1,"a":{"b":2}}`, `{"a":[{"b":[1,[2,null]]},{"b":{"c":"x"}}]}`,
		`{"a":{},"a.b":[]}`, `{"a":null,"a":"x"}`, `{"\u0061":1,"a\\\"b":1}`, `{"a":"\ud800"}`,
		`{"a":{"b.c":1e400,"b":{"c":-0}}}`, `{"destination":{"port":"21"},"source.ip":["10.1.1.1"]}`,
		`{"event":{"category":["network"]},"destination.port":21.0}`, "{\"a\":\"\xff\"}", `[1]`, `{"a":`,
	} {
		f.Add([]byte(s))
	}
	progs := make([]*eval.Program, len(lazyQueries))
	for i, q := range lazyQueries {
		progs[i] = compile(f, q)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		lazy := events.JSON(in)
		rec, err := events.Raw{JSON: in}.Decode()
		if err != nil {
			for _, p := range progs {
				p.MatchEvent(lazy) // no panic
			}
			return
		}
		for i, p := range progs {
			if got, want := p.MatchEvent(lazy), p.MatchEvent(eval.Map(rec.Fields)); got != want {
				t.Errorf("%s on %s: lazy %v, map %v", lazyQueries[i], in, got, want)
			}
		}
	})
}

// tablePaths are the paths of FuzzLazyTable: flat, nested and mixed
// names, prefixes of one another, empty parts.
var tablePaths = []string{"a", "a.b", "a.b.c", "b", "b.c", "a.c", "a..b", "", ".a", "a.", "x.y.z.w", "file.hash.md5",
	"destination.port", "source.ip", "event.category"}

// valueList is a visitor that records the values it is given and stops at
// the stop-th (never when stop is 0).
type valueList struct {
	vals []any
	stop int
}

func (c *valueList) Visit(x any) bool {
	c.vals = append(c.vals, x)
	return len(c.vals) == c.stop
}

// unboxedList is a valueList that takes strings and numbers unboxed
// (eval.StringVisitor, eval.NumberVisitor), recording copies of them as
// a string and a json.Number.
type unboxedList struct{ valueList }

func (c *unboxedList) VisitString(s string) bool { return c.Visit(strings.Clone(s)) }

func (c *unboxedList) VisitNumber(t string) bool { return c.Visit(json.Number(strings.Clone(t))) }

// FuzzLazyTable checks that a lazy event gives the paths of an
// eval.FieldTable (found in one walk of the event for all of them) the
// values it gives each path looked up on its own, and the map decoded
// from the text, in the same order, and stops where they stop, also
// through an eval.Cache (reused from input to input, as a rule set's
// matcher is, with the strings it boxed before), to a visitor that takes
// values boxed and to one that takes strings and numbers unboxed; on text
// that is not JSON (answers unspecified), that it does not panic. A third
// Lazy reads every input as the reused one does, and its walk of the
// table's paths also notes the leaves of a refusal's tree (it listed to
// an eval.LeafChecker before, as a rule set's worker does): it goes into
// objects for the leaves that no path of the table wants, and gives the
// same values. A fourth reads every input too, and looks a path up on
// its own before the table's.
func FuzzLazyTable(f *testing.F) {
	for _, s := range []string{
		`{"a":1}`, `{"a.b":1,"a":{"b":2}}`, `{"a":[{"b":[1,[2,null]]},{"b":{"c":"x"}}]}`, `{"a":{"b":1},"a":{"b":2}}`,
		`{"a":{"b":{"c":1},"b":{"c":2}},"a":[{"b.c":3}]}`, `{"a":{},"a.b":[]}`, `{"a":null,"a":"x"}`, `{"\u0061":1}`,
		`{"a":{"":{"b":1}},"a.":{"b":2},"":[1],".a":2,".":{"a":3}}`, `{"x":{"y.z":{"w":1}},"x.y":{"z.w":2}}`,
		`{"file":{"hash":{"md5":"1"}},"file.hash":{"md5":"2"}}`, `{"a":[[{"b":1}],{"b":[2,3]}],"b":{"c":[4]}}`,
		`{"event":{"category":["network","x"]},"destination.port":21.0}`, `{"a":{"b":1,"b":{"c":2}}}`, `[1]`, `{"a":`,
		`{"z":{"a":1,"b":{"c":"x"}},"a":3,"z.b":[{"c":2},{"a":{"b":4}}]}`, `{"a":{"b":[{"c":"x","n":2}]},"x":{"y":[{"z":"1"}]}}`,
		// keys no tree holds, met again: the walk passes over their
		// values from what the memory of keys knows
		`{"q":"a\"}b","r":{"s":"]\\"},"a":1,"q":[1,"\"",{}],"n":2}`, `{"r":[{"a":1}],"q":"\\","a":{"b":2},"r":null}`,
		// not JSON where the walk goes in, passes over, or ends (Check)
		`{"a":{"b":1,}}`, `{"a":[1,]}`, `{"a":[1 2]}`, `{"a":{"b":1 "c":2}}`, `{"a":1,}`, `{"a":1 "b":2}`, `{"a":1}x`,
		`{"a":1}}`, `{"q":{"x":01}}`, `{"a":{"b":-}}`, `{"a":[tru]}`, `{"q":"\x"}`, "{\"a\x01\":1}", "{\"a\":{\"b\x1f\":1}}",
		"{\"q\":\"\t\"}", `{"a":{"b":[1,{"c":2,}]}}`, `{"a" 1}`, `{"a":}`, `{,"a":1}`, `{"a":[,1]}`, ` {"a":1} `, `{}`, `{ }`,
	} {
		f.Add([]byte(s))
	}
	table := eval.NewFieldTable()
	for _, p := range tablePaths {
		table.Path(p)
	}
	cache := eval.NewCache(table)
	var reused events.Lazy // reads every input, as a worker reads a stream: it remembers their keys
	// noting's walks note the leaves of ref's tree: names below and
	// beside the table's, of types that refuse some value
	ref := refusalProgram(f, mapping.Mapping{
		"a": {Type: mapping.Object}, "a.b": {Type: mapping.Object}, "a.b.c": {Type: mapping.Long}, "a.n": {Type: mapping.Long},
		"b.c": {Type: mapping.IP}, "x.y": {Type: mapping.Object}, "x.y.z": {Type: mapping.Boolean}, "event.n": {Type: mapping.Date},
		"n": {Type: mapping.Long}, "file.hash.md5": {Type: mapping.Keyword}, "file.size": {Type: mapping.Long},
		"z": {Type: mapping.Object}, "z.a": {Type: mapping.Long}, "z.b.c": {Type: mapping.Date},
	})
	var noting events.Lazy
	noting.Reset([]byte(`{}`))
	ref.RejectsEvent(&noting)
	// indexed reads every input too, but looks a path up on its own
	// first: it lists the top-level members before the walk of the
	// table's paths does
	var indexed events.Lazy
	f.Fuzz(func(t *testing.T, in []byte) {
		var fresh events.Lazy
		fresh.Reset(in)
		reused.Reset(in)
		noting.Reset(in)
		indexed.Reset(in)
		indexed.Values(eval.NewPath("a"), &valueList{})
		want := events.CheckObject(in)
		for _, lazy := range []*events.Lazy{&fresh, &reused, &noting, &indexed} {
			// the check in the walk of the table's paths, before the
			// lookups that walk serves
			if got := lazy.Check(table); fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("%q: Check %v, CheckObject %v", in, got, want)
			}
			fuzzLazyTable(t, in, table, cache, lazy)
		}
		if !json.Valid(in) {
			return // a Lazy's answers are unspecified
		}
		fresh.Reset(in)
		gf, got := ref.RejectsEvent(&noting)
		if wf, want := ref.RejectsEvent(&fresh); got != want || gf != wf {
			t.Errorf("%s: refusal from the notes %q %v, by name %q %v", in, gf, got, wf, want)
		}
	})
}

// refusalProgram compiles a query with the mapping m: its RejectsEvent
// checks m's refusals.
func refusalProgram(t testing.TB, m mapping.Mapping) *eval.Program {
	t.Helper()
	x, err := kql.Parse("n:*")
	if err != nil {
		t.Fatal(err)
	}
	p, err := eval.Compile(x, eval.WithMapping(m))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// fuzzLazyTable is FuzzLazyTable for one Lazy reading in.
func fuzzLazyTable(t *testing.T, in []byte, table *eval.FieldTable, cache *eval.Cache, lazy *events.Lazy) {
	rec, err := events.Raw{JSON: in}.Decode()
	cache.Reset(lazy) // its strings boxed once, met again from its table
	for stop := range 3 {
		for _, name := range tablePaths {
			var got, alone valueList
			got.stop, alone.stop = stop, stop
			gotStop := lazy.Values(table.Path(name), &got)
			if err != nil {
				continue // not JSON: answers unspecified, no panic
			}
			aloneStop := lazy.Values(eval.NewPath(name), &alone)
			if gotStop != aloneStop || !reflect.DeepEqual(got.vals, alone.vals) {
				t.Errorf("%s, path %q (stop at %d): through the table %v %#v, alone %v %#v", in, name, stop, gotStop, got.vals, aloneStop, alone.vals)
			}
			var cached valueList
			cached.stop = stop
			if cacheStop := cache.Values(table.Path(name), &cached); cacheStop != aloneStop || !reflect.DeepEqual(cached.vals, alone.vals) {
				t.Errorf("%s, path %q (stop at %d): through a cache %v %#v, alone %v %#v", in, name, stop, cacheStop, cached.vals, aloneStop, alone.vals)
			}
			var unboxed unboxedList
			unboxed.stop = stop
			if cacheStop := cache.Values(table.Path(name), &unboxed); cacheStop != aloneStop || !reflect.DeepEqual(unboxed.vals, alone.vals) {
				t.Errorf("%s, path %q (stop at %d): unboxed through a cache %v %#v, alone %v %#v", in, name, stop, cacheStop, unboxed.vals, aloneStop, alone.vals)
			}
			unboxed = unboxedList{}
			unboxed.stop = stop
			if lazyStop := lazy.Values(table.Path(name), &unboxed); lazyStop != aloneStop || !reflect.DeepEqual(unboxed.vals, alone.vals) {
				t.Errorf("%s, path %q (stop at %d): unboxed %v %#v, alone %v %#v", in, name, stop, lazyStop, unboxed.vals, aloneStop, alone.vals)
			}
			var want valueList
			want.stop = stop
			wantStop := eval.Map(rec.Fields).Values(eval.NewPath(name), &want)
			if gotStop != wantStop || !reflect.DeepEqual(got.vals, want.vals) {
				t.Errorf("%s, path %q (stop at %d): lazy %v %#v, map %v %#v", in, name, stop, gotStop, got.vals, wantStop, want.vals)
			}
		}
	}
}

// TestLazyAllocs checks that Reset and the scanner allocate nothing: a
// query on fields the event lacks, or holding booleans, costs no
// allocation; each value passed to a visitor is one Go value (a string or
// json.Number boxed in an interface).
func TestLazyAllocs(t *testing.T) {
	line := []byte(`{"@timestamp":"2023-01-01T00:00:00Z","event":{"category":["network"],"kind":"event"},"network.transport":"tcp","x":true,` +
		`"source":{"ip":"10.0.0.5","port":40000},"destination":{"ip":"198.51.100.9","port":21},"host":{"name":"h","os":{"family":"linux"}}}`)
	other := []byte(`{"a":1,"b":{"c":[1,2,3]}}`)
	var l events.Lazy
	absent := compile(t, "nope:1 or event.nope:x or host.os.nope:* or x:false")
	ftp := compile(t, ftpQuery)
	l.Reset(line)
	absent.MatchEvent(&l) // the member index grows once
	if n := testing.AllocsPerRun(100, func() {
		l.Reset(other)
		l.Reset(line)
		if absent.MatchEvent(&l) {
			t.Fatal("matched")
		}
	}); n != 0 {
		t.Errorf("Reset and a match on absent fields: %v allocations, want 0", n)
	}
	// the FTP query reads 5 values here: event.category, network.transport,
	// destination.port, source.ip, destination.ip
	if n := testing.AllocsPerRun(100, func() {
		l.Reset(line)
		if !ftp.MatchEvent(&l) {
			t.Fatal("no match")
		}
	}); n > 10 {
		t.Errorf("the FTP query: %v allocations, want at most 2 a value read", n)
	}
}

// BenchmarkFTPCorpus compares the two ways of matching the FTP query over
// the 11,042 Beats events, one op a pass over the corpus: decoding each
// line into a map (as events.Read does) then Match, and Reset of a Lazy
// event then Match.
func BenchmarkFTPCorpus(b *testing.B) {
	evs := corpus.Lines(b, "corpus/beats_events.ndjson")
	size := 0
	for _, l := range evs {
		size += len(l)
	}
	prog := compile(b, ftpQuery)
	b.Run("map", func(b *testing.B) {
		b.SetBytes(int64(size))
		for b.Loop() {
			for _, l := range evs {
				rec, err := events.Raw{JSON: l}.Decode()
				if err != nil {
					b.Fatal(err)
				}
				prog.Match(rec.Fields)
			}
		}
	})
	b.Run("lazy", func(b *testing.B) {
		b.SetBytes(int64(size))
		var lazy events.Lazy
		for b.Loop() {
			for _, l := range evs {
				lazy.Reset(l)
				prog.MatchEvent(&lazy)
			}
		}
	})
}

// TestLazyFirstDate: eval.FirstDate over the lazy event gives what
// eval.First and eval.DateOf give over the decoded event, for the event
// times of the corpus and for values that are not dates or have escapes,
// and reads a date text with no allocation.
func TestLazyFirstDate(t *testing.T) {
	ts, ing := eval.NewPath("@timestamp"), eval.NewPath("event.ingested")
	check := func(line []byte) {
		t.Helper()
		var m map[string]any
		d := json.NewDecoder(bytes.NewReader(line))
		d.UseNumber()
		if err := d.Decode(&m); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		for _, p := range []*eval.Path{ts, ing} {
			ms, v, found, ok := eval.FirstDate(events.JSON(line), p)
			want, wantFound := eval.First(eval.Map(m), p)
			wantT, wantOK := eval.DateOf(want)
			if found != wantFound || ok != wantOK || (ok && ms != wantT.UnixMilli()) || (found && !ok && v != want) {
				t.Errorf("%s %s: FirstDate = %d, %v, %v, %v; First and DateOf: %v, %v, %v", line, p.Name, ms, v, found, ok, wantT, want, wantOK)
			}
		}
	}
	for _, line := range [][]byte{
		[]byte(`{"@timestamp":"2024-05-06T07:08:09.123Z"}`),
		[]byte(`{"@timestamp":"2024-05-06T07:08:09\u002e123Z"}`),
		[]byte(`{"@timestamp":"yesterday"}`),
		[]byte(`{"@timestamp":"caf\u00e9"}`),
		[]byte(`{"@timestamp":1714979289123}`),
		[]byte(`{"@timestamp":["2024-05-06",1]}`),
		[]byte(`{"@timestamp":true}`),
		[]byte(`{"@timestamp":null}`),
		[]byte(`{"event":{"ingested":"2024-05-06T07:08:09Z"},"event.ingested":"2020-01-01"}`),
		[]byte(`{}`),
	} {
		check(line)
	}
	for _, line := range corpus.Lines(t, "corpus/beats_events.ndjson") {
		check(line)
	}
	var l events.Lazy
	line := []byte(`{"@timestamp":"2024-05-06T07:08:09.123Z","event":{"kind":"event"}}`)
	l.Reset(line)
	eval.FirstDate(&l, ts)
	if n := testing.AllocsPerRun(100, func() {
		l.Reset(line)
		if _, _, _, ok := eval.FirstDate(&l, ts); !ok {
			t.Fatal("no date")
		}
	}); n != 0 {
		t.Errorf("FirstDate of a date text: %v allocations, want 0", n)
	}
}
