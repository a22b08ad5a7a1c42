package events_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// badValues are values that some field types refuse, and some they take.
var badValues = []string{`"abc"`, `1e20`, `-1`, `"yes"`, `"10.0.0.300"`, `"2023-13-45"`, `{"x":1}`, `{"x":null}`,
	`[1,"x"]`, `""`, `true`, `"1.5"`, `"\u0031\u0032"`, `["10.1.1.1",{"y":"z"}]`, `{}`, `[]`, `null`, `"\ud800"`}

// refusalMapping has a field of each kind of refusal, with and without
// ignore_malformed, and the ECS fields of DefaultMapping beside them.
func refusalMapping() mapping.Mapping {
	m := mapping.ECSMapping(mapping.ECS())
	for name, f := range map[string]mapping.FieldMapping{
		"t.long": {Type: mapping.Long}, "t.int": {Type: mapping.Integer}, "t.ulong": {Type: mapping.UnsignedLong},
		"t.float": {Type: mapping.Float}, "t.ip": {Type: mapping.IP}, "t.bool": {Type: mapping.Boolean},
		"t.date": {Type: mapping.Date}, "t.nanos": {Type: mapping.DateNanos}, "t.kw": {Type: mapping.Keyword, IgnoreAbove: 2},
		"t.obj": {Type: mapping.Object}, "t.flat": {Type: mapping.Flattened}, "t.geo": {Type: mapping.GeoPoint},
		"t.long_im": {Type: mapping.Long, IgnoreMalformed: true}, "t.ip_im": {Type: mapping.IP, IgnoreMalformed: true},
	} {
		m[name] = f
	}
	return m
}

// badEvent is a corpus event with one field set to a value that may be
// refused, as a flat dotted key or nested, at the start or the end.
func badEvent(r *rand.Rand, line []byte, fields []string) []byte {
	name := fields[r.IntN(len(fields))]
	value := badValues[r.IntN(len(badValues))]
	member := fmt.Sprintf("%q:%s", name, value)
	if i := strings.LastIndexByte(name, '.'); i > 0 && r.IntN(2) == 0 {
		member = fmt.Sprintf("%q:{%q:%s}", name[:i], name[i+1:], value)
	}
	s := strings.TrimSpace(string(line))
	if r.IntN(2) == 0 {
		return []byte("{" + member + "," + s[1:])
	}
	return []byte(s[:len(s)-1] + "," + member + "}")
}

// TestLazyRejects is the differential test of Elasticsearch's refusal
// check over the raw text: eval.Rejects on a Lazy event (one scan of
// the text through Leaves, values unboxed) refuses exactly the events it
// refuses decoded, over the Beats corpus (every 16th event with -short or
// -race) and over corpus events given a bad value (a string on a number,
// an address that does not parse, an object on a keyword...), and names
// the same field when there is one at fault. Program.RejectsEvent walks
// the tree of the fields its mapping may refuse (eval.LeafSelector),
// passing over the others: on a Lazy event it names the same field as
// the full listing eval.Rejects makes, always.
func TestLazyRejects(t *testing.T) {
	m := refusalMapping()
	fields := []string{"source.port", "source.ip", "@timestamp", "event.duration", "process.pid", "destination.bytes",
		"user.name", "host.os", "event.start", "source.geo.location", "process.args", "network.transport"}
	for name := range m {
		if strings.HasPrefix(name, "t.") {
			fields = append(fields, name)
		}
	}
	evs := corpus.Lines(t, "corpus/beats_events.ndjson")
	stride := 1
	if testing.Short() || raceEnabled {
		stride = 16
	}
	prog := compile(t, "source.port:*") // DefaultMapping, as Compile uses it
	x, err := kql.Parse("source.port:*")
	if err != nil {
		t.Fatal(err)
	}
	mprog, err := eval.Compile(x, eval.WithMapping(m)) // m's fields, through its tree
	if err != nil {
		t.Fatal(err)
	}
	ecs := mapping.ECSMapping(mapping.ECS()) // the default mapping, every field listed
	r := rand.New(rand.NewPCG(3, 17))
	var lazy events.Lazy
	refused, fails := 0, 0
	// single: the line has at most one field at fault
	check := func(line []byte, single bool) {
		rec, err := events.Raw{JSON: line}.Decode()
		if err != nil {
			t.Fatalf("%s: %v", line, err)
		}
		lazy.Reset(line)
		gotField, got := eval.Rejects(m, &lazy)
		wantField, want := eval.Rejects(m, eval.Map(rec.Fields))
		pf, pgot := prog.RejectsEvent(&lazy)
		_, pwant := prog.Rejects(rec.Fields)
		if mf, mgot := mprog.RejectsEvent(&lazy); mgot != got || mf != gotField {
			if fails++; fails <= 10 {
				t.Errorf("%s:\nthrough the tree %q %v, every field %q %v", line, mf, mgot, gotField, got)
			}
		}
		if df, dgot := eval.Rejects(ecs, &lazy); dgot != pgot || df != pf {
			if fails++; fails <= 10 {
				t.Errorf("%s:\ndefault mapping through the tree %q %v, every field %q %v", line, pf, pgot, df, dgot)
			}
		}
		// with one field at fault the two name the same one (Map lists
		// its fields in map order, so with several they may differ)
		if got != want || pgot != pwant || (single && gotField != wantField) {
			if fails++; fails <= 10 {
				t.Errorf("%s:\nlazy %q %v (program %q %v), map %q %v (program %v)", line, gotField, got, pf, pgot, wantField, want, pwant)
			}
		}
		if got && m.Lookup(gotField).Type == mapping.Unknown {
			t.Errorf("%s: refused at %q, which is not mapped", line, gotField)
		}
		if want {
			refused++
		}
	}
	var taken [][]byte // the corpus events Elasticsearch takes
	for n, line := range evs {
		if n%stride == 0 {
			check(line, false)
		}
		lazy.Reset(line)
		if _, bad := eval.Rejects(m, &lazy); !bad {
			taken = append(taken, line)
		}
	}
	for range 5000 {
		check(badEvent(r, taken[r.IntN(len(taken))], fields), true)
	}
	if refused < 1000 {
		t.Errorf("only %d events refused: the test proves little", refused)
	}
	t.Logf("%d events refused", refused)
}

// TestLazyRejectsAllocs: the refusal check of a Lazy event allocates
// nothing for an event Elasticsearch takes, and no more than the name of
// the field at fault for one it refuses.
func TestLazyRejectsAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	evs := corpus.Lines(t, "corpus/beats_events.ndjson")
	m := refusalMapping()
	prog := compile(t, "source.port:*")
	var lazy events.Lazy
	for _, line := range evs { // warm up: buffers grow to the largest event
		lazy.Reset(line)
		eval.Rejects(m, &lazy)
	}
	checked := 0
	for n := 0; n < len(evs); n += 997 {
		line := evs[n]
		lazy.Reset(line)
		if _, bad := eval.Rejects(m, &lazy); bad {
			continue
		}
		checked++
		if a := testing.AllocsPerRun(20, func() {
			lazy.Reset(line)
			eval.Rejects(m, &lazy)
			prog.RejectsEvent(&lazy)
		}); a != 0 {
			t.Errorf("event %d: %v allocations per check", n+1, a)
		}
	}
	if checked < 5 {
		t.Fatalf("only %d events checked", checked)
	}
	bad := []byte(`{"source":{"port":"abc","ip":"10.0.0.1"},"message":"caf\u00e9"}`)
	if a := testing.AllocsPerRun(20, func() {
		lazy.Reset(bad)
		if f, ok := eval.Rejects(m, &lazy); !ok || f != "source.port" {
			t.Fatalf("Rejects = %q, %v", f, ok)
		}
	}); a > 1 {
		t.Errorf("a refused event: %v allocations, want at most 1 (the field's name)", a)
	}
}

// BenchmarkRejects compares Elasticsearch's refusal check over the Beats
// corpus, one op a pass: on events decoded beforehand (eval.Map, the
// decoding not counted) and on Lazy events (the scan of the text counted).
func BenchmarkRejects(b *testing.B) {
	evs := corpus.Lines(b, "corpus/beats_events.ndjson")
	m := mapping.ECSMapping(mapping.ECS())
	maps := make([]eval.Map, len(evs))
	for i, l := range evs {
		rec, err := events.Raw{JSON: l}.Decode()
		if err != nil {
			b.Fatal(err)
		}
		maps[i] = rec.Fields
	}
	b.Run("map", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, e := range maps {
				eval.Rejects(m, e)
			}
		}
	})
	b.Run("lazy", func(b *testing.B) {
		b.ReportAllocs()
		var lazy events.Lazy
		for b.Loop() {
			for _, l := range evs {
				lazy.Reset(l)
				eval.Rejects(m, &lazy)
			}
		}
	})
	// program: the replay's check (replay.Replay.Facts), through the
	// tree of the fields the default mapping may refuse
	prog := compile(b, "source.port:*")
	b.Run("program", func(b *testing.B) {
		b.ReportAllocs()
		var lazy events.Lazy
		for b.Loop() {
			for _, l := range evs {
				lazy.Reset(l)
				prog.RejectsEvent(&lazy)
			}
		}
	})
}

// FuzzLazyRejects is the differential test of the refusal tree on
// arbitrary objects: Program.RejectsEvent on a Lazy event (which passes
// over the fields the tree does not select) names the same field as the
// full listing of eval.Rejects, and refuses what eval.Rejects refuses on
// the decoded event, with a mapping of short names (a keyword with a
// multi-field, a long below an object, a flattened field, an object, a
// name with an empty part...). A reused Lazy, as a rule set's worker
// reads a stream, checks the leaves its presence scan noted (the scan
// of a FieldTable's paths notes those of the tree of the refusal it
// listed to before: eval.LeafChecker) and names the same field as a
// fresh one, which lists the event by name.
func FuzzLazyRejects(f *testing.F) {
	for _, s := range []string{
		`{"a":{"b":1}}`, `{"a.b":"x","a":{"b":{"c":1}}}`, `{"a":[{"n":"x"},{"n":{"y":1}}]}`, `{"k":{"x":1}}`,
		`{"k":{"x":null}}`, `{"f":"x"}`, `{"f":{"x":{"y":"z"}}}`, `{"o":"x"}`, `{"o":{"n":"1"}}`, `{"":{"n":"x"}}`,
		`{"x":{"":{"n":"y"}}}`, `{"x..n":"y"}`, `{"\u006e":"x"}`, `{"n":"1","n":"x"}`, `{"n":"x","n":"1"}`,
		`{"a":{"b.c":"x"}}`, `{"a.b.c":true}`, `{"k.kw":{"n":"x"}}`, `{"i":"300.1.1.1","d":"x","b":"yes"}`,
		"{\"n\xff\":\"x\"}", `{"a":{"b":{"c":{"d":"e"}}}}`, `{"n":[[1,["x"]]]}`, `[1]`, `{"n":`,
		// duplicate keys the scan must drop as encoding/json does, also
		// when an object inside came between them
		`{"a.n":"x","a":{"n":1},"a.n":2}`, `{"a":{"n":"x","b":{"c":1},"n":1}}`, `{"n":"x","n":null}`,
		`{"a":[{"n":"x"},{"n":1}],"a":[{"n":2}]}`, `{"a":[{"n":"x"},{"n":1}]}`, `{"a":{"n":"x"},"a.n":1}`, `{"o":{"n":"x"},"o":{"n":1}}`, `{"i":["1.1.1.1",null,"x"]}`,
		`{"a":{"b":"x"},"a.b":1,"n":[true,{"z":1}]}`, `{"d":"2020-01-01","d":"x","n":1}`,
	} {
		f.Add([]byte(s))
	}
	m := mapping.Mapping{
		"a": {Type: mapping.Object}, "a.b": {Type: mapping.Keyword}, "a.b.c": {Type: mapping.Long},
		"a.n": {Type: mapping.Long}, "n": {Type: mapping.Long}, "k": {Type: mapping.Keyword}, "k.kw": {Type: mapping.Text},
		"f": {Type: mapping.Flattened}, "f.x.n": {Type: mapping.Long}, "o": {Type: mapping.Object}, "o.n": {Type: mapping.Integer},
		"x..n": {Type: mapping.Long}, ".n": {Type: mapping.Boolean}, "i": {Type: mapping.IP}, "d": {Type: mapping.Date},
		"b": {Type: mapping.Boolean}, "g": {Type: mapping.GeoPoint}, "t": {Type: mapping.Text}, "e": {Type: mapping.Keyword},
		"e.x": {Type: mapping.Long},
	}
	x, err := kql.Parse("n:*")
	if err != nil {
		f.Fatal(err)
	}
	prog, err := eval.Compile(x, eval.WithMapping(m))
	if err != nil {
		f.Fatal(err)
	}
	var reused events.Lazy // reads every input, as a worker reads a stream: it remembers their keys
	scanned := eval.NewFieldTable()
	for _, p := range tablePaths {
		scanned.Path(p)
	}
	reused.Reset([]byte(`{}`))
	prog.RejectsEvent(&reused) // the scans of reused note the leaves of prog's tree from now on
	f.Fuzz(func(t *testing.T, in []byte) {
		var lazy events.Lazy
		lazy.Reset(in)
		gotField, got := prog.RejectsEvent(&lazy)
		wantField, want := eval.Rejects(m, &lazy)
		if got != want || gotField != wantField {
			t.Errorf("%s: through the tree %q %v, every field %q %v", in, gotField, got, wantField, want)
		}
		reused.Reset(in)
		reused.Values(scanned.Path("a.b"), &valueList{}) // the presence scan first, as in a rule set: it gives the key ids
		// on text that is not one JSON object a Lazy's answers are
		// unspecified (its doc; ReadRaw yields none such): there the fresh
		// and the reused Lazy may differ ({"":{"a":0"} is a seed)
		if rf, r := prog.RejectsEvent(&reused); json.Valid(in) && (r != got || rf != gotField) {
			t.Errorf("%s: a Lazy that read the inputs before %q %v, a fresh one %q %v", in, rf, r, gotField, got)
		}
		rec, err := events.Raw{JSON: in}.Decode()
		if err != nil {
			return
		}
		if _, mapGot := eval.Rejects(m, eval.Map(rec.Fields)); mapGot != got {
			t.Errorf("%s: lazy %v, map %v", in, got, mapGot)
		}
	})
}
