package events_test

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
)

// patternFilter is an eval.FieldFilter for one wildcard field name, written
// here independently of eval's: WantsBelow holds when the text before the
// first '*' and name+"." agree as far as both go.
type patternFilter struct {
	parts []string // the pattern split at '*'
	got   []string // the fields listed, "name=value (type)"
}

func newFilter(pattern string) *patternFilter {
	return &patternFilter{parts: strings.Split(pattern, "*")}
}

func (f *patternFilter) WantsField(name string) bool {
	return ast.MatchWildcard(f.parts, name)
}

func (f *patternFilter) WantsBelow(name string) bool {
	if name == "" {
		return true
	}
	below := name + "."
	first := f.parts[0]
	if len(f.parts) == 1 {
		return strings.HasPrefix(first, below)
	}
	return strings.HasPrefix(first, below) || strings.HasPrefix(below, first)
}

func (f *patternFilter) VisitField(name string, x any) bool {
	if f.WantsField(name) { // a filter is advice: an event may pass more
		f.got = append(f.got, fmt.Sprintf("%s=%v (%T)", name, x, x))
	}
	return false
}

// listing lists the fields of e that pattern wants ("" for all), sorted:
// eval.Map lists them in map order.
func listing(e eval.Event, pattern string) []string {
	var f *patternFilter
	if pattern == "" {
		f = newFilter("*")
		e.Fields(allFields{f}) // not a FieldFilter: every field
	} else {
		f = newFilter(pattern)
		e.Fields(f)
	}
	slices.Sort(f.got)
	return f.got
}

// allFields hides the filter methods of a patternFilter.
type allFields struct{ f *patternFilter }

func (a allFields) VisitField(name string, x any) bool { return a.f.VisitField(name, x) }

// corpusPatterns returns every wildcard field name of the queries of
// Elastic's rules corpus (their query, threat_query and the like), and
// the queries that have one.
func corpusPatterns(t testing.TB) (patterns, queries []string) {
	t.Helper()
	f, err := os.Open(corpus.Path(t, "corpus/elastic_kuery_rules.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	seen := map[string]bool{}
	for sc.Scan() {
		var r struct {
			Query       string
			ThreatQuery string `json:"threat_query"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{r.Query, r.ThreatQuery} {
			x, err := kql.Parse(q)
			if err != nil {
				continue
			}
			wild := false
			for ref := range ast.Fields(x) {
				if n := ref.Name(); strings.Contains(n, "*") && n != "*" {
					wild = true
					if !seen[n] {
						seen[n] = true
						patterns = append(patterns, n)
					}
				}
			}
			if wild {
				queries = append(queries, q)
			}
		}
	}
	if len(patterns) < 5 {
		t.Fatalf("only %d wildcard field names in the corpus", len(patterns))
	}
	return patterns, queries
}

// genEvent writes a random event holding fields the patterns designate
// (each '*' filled with a random piece, dots included), as flat dotted
// keys, nested objects or a mix, inside arrays, with duplicate keys,
// escaped keys, nulls, empty objects and arrays, and every kind of value.
func genEvent(r *rand.Rand, patterns []string) []byte {
	pieces := []string{"md5", "sha256", "0", "x.y", "", "a", "display_name", "é"}
	var b strings.Builder
	b.WriteByte('{')
	n := 1 + r.IntN(5)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		name := patterns[r.IntN(len(patterns))]
		for strings.Contains(name, "*") {
			name = strings.Replace(name, "*", pieces[r.IntN(len(pieces))], 1)
		}
		if r.IntN(4) == 0 { // a sibling field the pattern does not want
			name += "x"
		}
		writeMember(&b, r, strings.Split(name, "."))
	}
	if r.IntN(3) == 0 {
		b.WriteString(`,"other":{"a":[1,{"b":null}],"c":{}},"empty":[]`)
	}
	b.WriteByte('}')
	return []byte(b.String())
}

// writeMember writes the field of the given parts, splitting them into
// nested objects at random.
func writeMember(b *strings.Builder, r *rand.Rand, parts []string) {
	k := 1 + r.IntN(len(parts))
	writeKey(b, r, strings.Join(parts[:k], "."))
	b.WriteByte(':')
	if k == len(parts) {
		writeLeaf(b, r)
		return
	}
	wrap := r.IntN(4) == 0
	if wrap {
		b.WriteByte('[')
		if r.IntN(2) == 0 {
			b.WriteString(`null,`)
		}
	}
	b.WriteByte('{')
	writeMember(b, r, parts[k:])
	if r.IntN(4) == 0 { // the same key again: the last one counts
		b.WriteByte(',')
		writeMember(b, r, parts[k:])
	}
	b.WriteByte('}')
	if wrap {
		b.WriteString(`,{}]`)
	}
}

func writeKey(b *strings.Builder, r *rand.Rand, key string) {
	if r.IntN(5) == 0 && key != "" { // escape the first character
		fmt.Fprintf(b, `"\u%04x%s"`, key[0], key[1:])
		return
	}
	b.WriteString(strconv.Quote(key))
}

func writeLeaf(b *strings.Builder, r *rand.Rand) {
	leaves := []string{`"v"`, `"a\"b\\c\u00e9\ud83d\ude00"`, `"\ud800"`, "12", "-1.5e3", "true", "false", "null",
		"{}", "[]", `["x",null,["y",2]]`, `[{"k":1},{"k":"z"}]`, `{"k":{"l":"m"}}`, "\"\xff\""}
	b.WriteString(leaves[r.IntN(len(leaves))])
}

// TestLazyFieldsCorpus is the differential test of the field listing:
// for every wildcard field name of the 792 corpus rules (and for all
// fields), a Lazy event lists exactly the fields, names and values, that
// eval.Map lists from the decoded event, over the Beats corpus (every 16th
// event with -short or -race) and over generated events that hold the
// fields the patterns designate in every shape.
func TestLazyFieldsCorpus(t *testing.T) {
	patterns, _ := corpusPatterns(t)
	evs := corpus.Lines(t, "corpus/beats_events.ndjson")
	stride := 1
	if testing.Short() || raceEnabled {
		stride = 16
	}
	r := rand.New(rand.NewPCG(1, 17))
	for range 3000 {
		evs = append(evs, genEvent(r, patterns))
	}
	var lazy events.Lazy
	listed, fails := 0, 0
	for n, line := range evs {
		if n%stride != 0 && n < len(evs)-3000 {
			continue
		}
		rec, err := events.Raw{JSON: line}.Decode()
		if err != nil {
			t.Fatalf("event %d %s: %v", n, line, err)
		}
		lazy.Reset(line)
		for _, p := range append([]string{""}, patterns...) {
			got, want := listing(&lazy, p), listing(eval.Map(rec.Fields), p)
			if !slices.Equal(got, want) {
				if fails++; fails <= 10 {
					t.Errorf("event %s, pattern %q:\nlazy %q\nmap  %q", line, p, got, want)
				}
			}
			if p != "" {
				listed += len(want)
			}
		}
	}
	if listed < 1000 {
		t.Errorf("the patterns listed only %d fields: the test proves little", listed)
	}
	t.Logf("%d events, %d patterns, %d fields listed", len(evs), len(patterns), listed)
}

// TestLazyWildcardQueries runs every corpus query with a wildcard field
// name, compiled without a schema (so that no pattern is expanded to the
// fields of a data view: each is a field list), on lazy and decoded
// events, alone and through a FieldTable's Cache: the same answers.
func TestLazyWildcardQueries(t *testing.T) {
	patterns, queries := corpusPatterns(t)
	for _, p := range patterns {
		queries = append(queries, p+":*", p+`:"v"`, p+":12", "not "+p+":true")
	}
	table := eval.NewFieldTable()
	var progs, tabled []*eval.Program
	for _, q := range queries {
		x, err := kql.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := eval.Compile(x, eval.WithSchema(nil))
		if err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		tp, err := table.Compile(x, eval.WithSchema(nil))
		if err != nil {
			t.Fatal(err)
		}
		progs, tabled = append(progs, p), append(tabled, tp)
	}
	evs := corpus.Lines(t, "corpus/beats_events.ndjson")
	r := rand.New(rand.NewPCG(2, 17))
	for range 3000 {
		evs = append(evs, genEvent(r, patterns))
	}
	var lazy events.Lazy
	cache := eval.NewCache(table)
	matches, fails := 0, 0
	for n, line := range evs {
		if (testing.Short() || raceEnabled) && n%16 != 0 && n < len(evs)-3000 {
			continue
		}
		rec, err := events.Raw{JSON: line}.Decode()
		if err != nil {
			t.Fatal(err)
		}
		m := eval.Map(rec.Fields)
		lazy.Reset(line)
		cache.Reset(&lazy)
		for i, p := range progs {
			want := p.MatchEvent(m)
			got, viaCache := p.MatchEvent(&lazy), tabled[i].MatchEvent(cache)
			if got != want || viaCache != want {
				if fails++; fails <= 10 {
					t.Errorf("%s on %s: lazy %v, through a Cache %v, map %v", queries[i], line, got, viaCache, want)
				}
			}
			if want {
				matches++
			}
		}
	}
	if matches < 100 {
		t.Errorf("only %d matches: the test proves little", matches)
	}
	t.Logf("%d queries, %d matches", len(queries), matches)
}

// TestLazyFieldsAllocs: listing the fields a wildcard field name wants
// allocates nothing for an event that has none of them, whether the
// program reads the Lazy event itself or through a FieldTable's Cache;
// each field listed costs its name and value.
func TestLazyFieldsAllocs(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector allocates")
	}
	evs := corpus.Lines(t, "corpus/beats_events.ndjson")
	q := "azure.auditlogs.properties.target_resources.*.display_name:x or file.hash.*:abc or threat.indicator.*:y"
	x, err := kql.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	p, err := eval.Compile(x, eval.WithSchema(nil))
	if err != nil {
		t.Fatal(err)
	}
	table := eval.NewFieldTable()
	tp, err := table.Compile(x, eval.WithSchema(nil))
	if err != nil {
		t.Fatal(err)
	}
	var lazy events.Lazy
	cache := eval.NewCache(table)
	for _, line := range evs { // warm up: buffers grow to the largest event
		lazy.Reset(line)
		p.MatchEvent(&lazy)
		cache.Reset(&lazy)
		tp.MatchEvent(cache)
	}
	for _, n := range []int{0, 1, 100, 5000, len(evs) - 1} {
		line := evs[n]
		if a := testing.AllocsPerRun(20, func() {
			lazy.Reset(line)
			if p.MatchEvent(&lazy) {
				t.Fatal("matched")
			}
		}); a != 0 {
			t.Errorf("event %d: %v allocations per match", n+1, a)
		}
		if a := testing.AllocsPerRun(20, func() {
			lazy.Reset(line)
			cache.Reset(&lazy)
			if tp.MatchEvent(cache) {
				t.Fatal("matched")
			}
		}); a != 0 {
			t.Errorf("event %d through a Cache: %v allocations per match", n+1, a)
		}
	}
	// a deep event with fields around the patterns but none of them
	near := []byte(`{"file":{"hash":null,"path":"/x","name":"a\u00e9"},"file.hashes":{"md5":"1"},"threat":{"feed":{"name":"f"}},` +
		`"azure":{"auditlogs":{"properties":{"target_resources":[{"0":{"type":"User"}},{"1":{"modified_properties":[]}}]}}}}`)
	if a := testing.AllocsPerRun(20, func() {
		lazy.Reset(near)
		if p.MatchEvent(&lazy) {
			t.Fatal("matched")
		}
	}); a != 0 {
		t.Errorf("an event near the patterns: %v allocations per match", a)
	}
	// one field listed: its name and its value
	hit := []byte(`{"event":{"kind":"event"},"file":{"hash":{"sha256":"abc"}}}`)
	lazy.Reset(hit)
	if !p.MatchEvent(&lazy) {
		t.Fatal("file.hash.sha256:abc did not match")
	}
	if a := testing.AllocsPerRun(20, func() {
		lazy.Reset(hit)
		p.MatchEvent(&lazy)
	}); a > 3 {
		t.Errorf("one field listed: %v allocations, want at most 3 (its name, its value's text and the interface boxing it)", a)
	}
}

// FuzzLazyFields checks the field listing against eval.Map's for any JSON
// object, for wildcard field names over the fuzzer's shapes and for all
// fields (and that it never panics on anything else).
func FuzzLazyFields(f *testing.F) {
	for _, s := range []string{
		`{"a":{"b":1}}`, `{"a.b":1,"a":{"b":2},"a":{"c":3}}`, `{"a":[{"b":[1,[2,null]]},{"b":{"c":"x"}}]}`,
		`{"a":{},"a.b":[],"":{"b":1},"a":{"":{"b":2}}}`, `{"a":null,"\u0061":"x","a\\\"b":{"c":1}}`,
		`{"a":{"b.c":1e400,"b":{"c":-0}},"ab":{"c":"\ud800\udc00\ud800"}}`, "{\"a\":{\"b\":\"\xff\"}}",
		`{"a":{"b":1,"b":null}}`, `{"a":{"b":{"x":1},"b":"y"}}`, `[1]`, `{"a":`, `{"a":{"b"`,
		`{"file":{"hash":{"md5":"1","sha256":["2","3"]}},"file.hash.sha1":"4","file.hashes":{"x":1}}`,
	} {
		f.Add([]byte(s))
	}
	patterns := []string{"", "a.*", "a.b*", "*.c", "*", "a*c", "a.b.c", "file.hash.*", "a..*", ".*"}
	var reused events.Lazy // reads every input, as a worker reads a stream: it remembers their keys
	scanned := eval.NewFieldTable()
	for _, p := range tablePaths {
		scanned.Path(p)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		lazy := events.JSON(in)
		reused.Reset(in)
		reused.Values(scanned.Path("a.b"), &valueList{}) // the presence scan first, as in a rule set: it gives the key ids
		rec, err := events.Raw{JSON: in}.Decode()
		if err != nil {
			for _, p := range patterns {
				listing(lazy, p) // no panic
				listing(&reused, p)
			}
			return
		}
		for _, p := range patterns {
			want := listing(eval.Map(rec.Fields), p)
			if got := listing(lazy, p); !slices.Equal(got, want) {
				t.Errorf("pattern %q on %s:\nlazy %q\nmap  %q", p, in, got, want)
			}
			if got := listing(&reused, p); !slices.Equal(got, want) {
				t.Errorf("pattern %q on %s:\nlazy that read the inputs before %q\nmap  %q", p, in, got, want)
			}
		}
	})
}
