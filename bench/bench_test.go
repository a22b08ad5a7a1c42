package bench

import (
	"bufio"
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
)

// The sample events, as encoding/json decodes them (numbers are float64).
const (
	// flatMatch is a Packetbeat-style flow with flat dotted keys: an FTP
	// control connection from a private address to a public one.
	flatMatch = `{"@timestamp": "2024-05-01T10:00:00.000Z", "event.kind": "event", "event.category": ["network"], "event.type": ["connection"], "event.dataset": "network_traffic.flow", "network.transport": "tcp", "network.type": "ipv4", "network.direction": "egress", "source.ip": "10.1.2.3", "source.port": 51234, "destination.ip": "8.8.8.8", "destination.port": 21, "host.name": "ws-17", "agent.type": "packetbeat"}`
	// flatNoMatch is the same connection to an address inside 10.0.0.0/8.
	flatNoMatch = `{"@timestamp": "2024-05-01T10:00:00.000Z", "event.kind": "event", "event.category": ["network"], "event.type": ["connection"], "event.dataset": "network_traffic.flow", "network.transport": "tcp", "network.type": "ipv4", "network.direction": "internal", "source.ip": "10.1.2.3", "source.port": 51234, "destination.ip": "10.9.8.7", "destination.port": 21, "host.name": "ws-17", "agent.type": "packetbeat"}`
	// nestedMatch is a matching event with nested objects, as Elasticsearch
	// returns _source for documents indexed that way.
	nestedMatch = `{"@timestamp": "2024-05-01T10:00:00.000Z", "event": {"kind": "event", "category": ["network"], "type": ["connection", "start"], "dataset": "endpoint.events.network"}, "network": {"transport": "tcp", "type": "ipv4", "direction": "egress"}, "source": {"ip": "192.168.1.5", "port": 50022}, "destination": {"ip": "93.184.216.34", "port": 20}, "host": {"name": "ws-17"}, "process": {"name": "ftp.exe", "pid": 4242}}`
)

// edgeEvents are further events, only for TestEnginesAgree: the value
// coercions and shapes on which engines could part ways.
var edgeEvents = map[string]string{
	"port as text":             `{"event.category": "network", "network.transport": "tcp", "destination.port": "21", "source.ip": "10.0.0.1", "destination.ip": "1.1.1.1"}`,
	"port with fraction":       `{"event.category": "network", "network.transport": "tcp", "destination.port": 21.9, "source.ip": "10.0.0.1", "destination.ip": "1.1.1.1"}`,
	"port array":               `{"event.category": "network", "network.transport": "tcp", "destination.port": [8080, 20], "source.ip": "10.0.0.1", "destination.ip": "1.1.1.1"}`,
	"zeek.ftp on another port": `{"event.category": "network", "network.transport": "tcp", "destination.port": 2121, "event.dataset": "zeek.ftp", "source.ip": "172.16.4.4", "destination.ip": "1.1.1.1"}`,
	"wrong port":               `{"event.category": "network", "network.transport": "tcp", "destination.port": 22, "source.ip": "10.0.0.1", "destination.ip": "1.1.1.1"}`,
	"TCP upper case":           `{"event.category": "network", "network.transport": "TCP", "destination.port": 21, "source.ip": "10.0.0.1", "destination.ip": "1.1.1.1"}`,
	"network_traffic category": `{"event.category": ["network_traffic"], "network.transport": "tcp", "destination.port": 21, "source.ip": "10.0.0.1", "destination.ip": "1.1.1.1"}`,
	"no destination.ip":        `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "10.0.0.1"}`,
	"null destination.ip":      `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "10.0.0.1", "destination.ip": null}`,
	"mapped private dest":      `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "10.0.0.1", "destination.ip": "::ffff:10.1.1.1"}`,
	"mapped private source":    `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "::FFFF:192.168.0.9", "destination.ip": "1.1.1.1"}`,
	"link-local v6 dest":       `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "10.0.0.1", "destination.ip": "fe80::1"}`,
	"multicast v6 dest":        `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "10.0.0.1", "destination.ip": "FF02::1"}`,
	"loopback v6 dest":         `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "10.0.0.1", "destination.ip": "0:0:0:0:0:0:0:1"}`,
	"public v6 dest":           `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "10.0.0.1", "destination.ip": "2001:db8::1"}`,
	"dest array, one private":  `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "10.0.0.1", "destination.ip": ["1.1.1.1", "192.168.3.3"]}`,
	"dest not an address":      `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "10.0.0.1", "destination.ip": "ftp.example.com"}`,
	"public source":            `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "1.2.3.4", "destination.ip": "1.1.1.1"}`,
	"172.32 is not private":    `{"event.category": "network", "network.transport": "tcp", "destination.port": 21, "source.ip": "172.32.0.1", "destination.ip": "1.1.1.1"}`,
	"mixed shapes":             `{"event": {"category": "network"}, "network.transport": "tcp", "destination": {"port": 21, "ip": "1.1.1.1"}, "source": {"ip": "10.0.0.1"}}`,
	"dotted key below object":  `{"event.category": "network", "network": {"transport": "tcp"}, "destination": {"port": 21, "geo.country_iso_code": "US", "ip": "1.1.1.1"}, "source.ip": "10.0.0.1"}`,
	"array of objects":         `{"event.category": "network", "network.transport": "tcp", "destination": [{"port": 21, "ip": "1.1.1.1"}], "source.ip": "10.0.0.1"}`,
	"empty event":              `{}`,
}

func decode(t testing.TB, s string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatalf("sample event %s: %v", s, err)
	}
	return m
}

type engine struct {
	name string
	m    Matcher
}

var (
	enginesOnce sync.Once
	enginesList []engine
	enginesErr  error
)

// engines compiles each engine's program once for all tests and benchmarks.
// The hand-written baseline comes first.
func engines(t testing.TB) []engine {
	t.Helper()
	enginesOnce.Do(func() {
		enginesList = []engine{{"handwritten", HandWritten}}
		for _, c := range []struct {
			name    string
			compile func() (Matcher, error)
		}{{"kqlrules", CompileKQL}, {"expr", CompileExpr}, {"cel", CompileCEL}} {
			m, err := c.compile()
			if err != nil {
				enginesErr = err
				return
			}
			enginesList = append(enginesList, engine{c.name, m})
		}
	})
	if enginesErr != nil {
		t.Fatal(enginesErr)
	}
	return enginesList
}

// corpusPath finds the shared Beats corpus: $KQLRULES_SHARED/corpus, or the
// "shared" folder beside the repository (../../shared from bench/). It skips
// tb, saying why, when the file is absent.
func corpusPath(tb testing.TB) string {
	tb.Helper()
	const rel = "corpus/beats_events.ndjson"
	dirs := []string{filepath.Join("..", "..", "shared")}
	if d := os.Getenv("KQLRULES_SHARED"); d != "" {
		dirs = append([]string{d}, dirs...)
	}
	for _, d := range dirs {
		p := filepath.Join(d, rel)
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	tb.Skipf("skipped: the shared corpus %s is absent (looked in %v; set KQLRULES_SHARED to the shared folder)", rel, dirs)
	return ""
}

var (
	corpusOnce   sync.Once
	corpusEvents []map[string]any
	corpusErr    error
)

// loadCorpus decodes every event of the Beats corpus once.
func loadCorpus(tb testing.TB) []map[string]any {
	tb.Helper()
	p := corpusPath(tb)
	corpusOnce.Do(func() {
		data, err := os.ReadFile(p)
		if err != nil {
			corpusErr = err
			return
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Buffer(nil, 16<<20)
		for line := 1; sc.Scan(); line++ {
			if len(bytes.TrimSpace(sc.Bytes())) == 0 {
				continue
			}
			var m map[string]any
			if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
				corpusErr = &lineError{p, line, err}
				return
			}
			corpusEvents = append(corpusEvents, m)
		}
		corpusErr = sc.Err()
	})
	if corpusErr != nil {
		tb.Fatalf("reading the corpus: %v", corpusErr)
	}
	return corpusEvents
}

type lineError struct {
	path string
	line int
	err  error
}

func (e *lineError) Error() string { return e.path + ":" + strconv.Itoa(e.line) + ": " + e.err.Error() }
func (e *lineError) Unwrap() error { return e.err }

// TestEnginesAgree checks that every engine gives kqlrules' answer on the
// sample events, the edge cases and every corpus event, and that the samples
// give the answers the benchmarks are named after.
func TestEnginesAgree(t *testing.T) {
	es := engines(t)
	check := func(name string, ev map[string]any) bool {
		t.Helper()
		want := es[1].m(ev) // kqlrules
		for _, e := range es {
			if got := e.m(ev); got != want {
				js, _ := json.Marshal(ev)
				t.Errorf("%s: %s says %v, kqlrules says %v\nevent: %s", name, e.name, got, want, js)
			}
		}
		return want
	}
	for name, c := range map[string]struct {
		src  string
		want bool
	}{"flat-match": {flatMatch, true}, "flat-nomatch": {flatNoMatch, false}, "nested-match": {nestedMatch, true}} {
		if got := check(name, decode(t, c.src)); got != c.want {
			t.Errorf("%s: kqlrules says %v, want %v", name, got, c.want)
		}
	}
	for name, src := range edgeEvents {
		check(name, decode(t, src))
	}

	if n := celNetsParsed.Load(); n != 0 {
		t.Errorf("cel parsed its CIDR lists %d times at run time; the planner should have bound them once", n)
	}

	t.Run("corpus", func(t *testing.T) {
		events := loadCorpus(t)
		counts := make([]int, len(es))
		bad := 0
		for i, ev := range events {
			want := es[1].m(ev)
			for j, e := range es {
				got := e.m(ev)
				if got {
					counts[j]++
				}
				if got != want {
					if bad++; bad <= 5 {
						js, _ := json.Marshal(ev)
						t.Errorf("corpus event %d: %s says %v, kqlrules says %v\nevent: %s", i+1, e.name, got, want, js)
					}
				}
			}
		}
		if bad > 5 {
			t.Errorf("... %d disagreements in all", bad)
		}
		t.Logf("%d events; matches: %v", len(events), counts)
		if counts[1] == 0 {
			t.Errorf("no corpus event matches: the batch benchmark would measure only rejections")
		}
	})
}

var sink int

// baselineNs holds the hand-written function's ns/op per benchmark case,
// measured in the same run, so the other engines can report their ratio to it.
var baselineNs = map[string]float64{}

// run benchmarks each engine on one case: first the hand-written baseline,
// then the others, each reporting "x-handwritten", its time per operation
// divided by the baseline's.
// Each operation handles perOp events; above one, ns/event is reported too.
func run(b *testing.B, caseName string, perOp int, op func(Matcher) int) {
	for _, e := range engines(b) {
		b.Run(e.name, func(b *testing.B) {
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n += op(e.m)
			}
			sink += n
			ns := float64(b.Elapsed()) / float64(b.N)
			if perOp > 1 {
				b.ReportMetric(ns/float64(perOp), "ns/event")
			}
			if e.name == "handwritten" {
				baselineNs[caseName] = ns
			} else if base := baselineNs[caseName]; base > 0 {
				b.ReportMetric(ns/base, "x-handwritten")
			}
		})
	}
}

func one(ev map[string]any) func(Matcher) int {
	return func(m Matcher) int {
		if m(ev) {
			return 1
		}
		return 0
	}
}

// BenchmarkFTP measures one event per operation: (a) flat keys, matching;
// (b) flat keys, not matching (the destination is inside 10.0.0.0/8, so
// every test but the last runs); (c) nested objects, matching.
func BenchmarkFTP(b *testing.B) {
	for _, c := range []struct{ name, src string }{
		{"flat-match", flatMatch},
		{"flat-nomatch", flatNoMatch},
		{"nested-match", nestedMatch},
	} {
		ev := decode(b, c.src)
		b.Run(c.name, func(b *testing.B) { run(b, c.name, 1, one(ev)) })
	}
}

// BenchmarkFTPCorpus measures one pass over every event of the Beats corpus
// per operation, counting matches; it also reports ns per event.
func BenchmarkFTPCorpus(b *testing.B) {
	events := loadCorpus(b)
	run(b, "corpus", len(events), func(m Matcher) int {
		n := 0
		for _, ev := range events {
			if m(ev) {
				n++
			}
		}
		return n
	})
}
