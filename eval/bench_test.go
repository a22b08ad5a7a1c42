package eval

import (
	"net/netip"
	"testing"
)

// The FTP rule's events in the two shapes Beats write, matching and not
// (the non-matching ones fail only at the last test, "not destination.ip",
// so that both sides do all the work).
func ftpEvents(t testing.TB) map[string]map[string]any {
	return map[string]map[string]any{
		"flat/match":     decode(t, `{"@timestamp":"2021-01-01T00:00:00Z","event.category":["network"],"event.kind":"event","event.dataset":"zeek.ftp","network.transport":"tcp","network.protocol":"ftp","source.ip":"192.168.1.182","source.port":52654,"destination.ip":"89.160.20.112","destination.port":21,"user.name":"anonymous"}`),
		"flat/nomatch":   decode(t, `{"@timestamp":"2021-01-01T00:00:00Z","event.category":["network"],"event.kind":"event","event.dataset":"zeek.ftp","network.transport":"tcp","network.protocol":"ftp","source.ip":"192.168.1.182","source.port":52654,"destination.ip":"192.168.1.231","destination.port":21,"user.name":"anonymous"}`),
		"nested/match":   decode(t, `{"@timestamp":"2021-01-01T00:00:00Z","event":{"category":["web","network"],"kind":"event","outcome":"success"},"network":{"transport":"tcp","community_id":"1:x"},"source":{"ip":"10.0.1.49","port":49590},"destination":{"ip":"89.160.20.112","port":21,"geo":{"country_iso_code":"SE"}},"user":{"name":["testuser"]}}`),
		"nested/nomatch": decode(t, `{"@timestamp":"2021-01-01T00:00:00Z","event":{"category":["web","network"],"kind":"event","outcome":"success"},"network":{"transport":"tcp","community_id":"1:x"},"source":{"ip":"10.0.1.49","port":49590},"destination":{"ip":"fe80::1","port":21,"geo":{"country_iso_code":"SE"}},"user":{"name":["testuser"]}}`),
		"mixed/match":    decode(t, `{"event.category":"network","network":{"transport":"tcp"},"source.ip":"::ffff:10.1.2.3","destination":{"ip":"8.8.8.8","port":"21"}}`),
	}
}

var wantFTP = map[string]bool{"flat/match": true, "flat/nomatch": false, "nested/match": true, "nested/nomatch": false, "mixed/match": true}

// The hand-written baselines: what a Go programmer would write for this
// one query, knowing the event's shape.

var (
	srcNets = []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"),
	}
	dstNets = []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("169.254.0.0/16"),
		netip.MustParsePrefix("172.16.0.0/12"), netip.MustParsePrefix("192.168.0.0/16"), netip.MustParsePrefix("224.0.0.0/4"),
		netip.MustParsePrefix("::1/128"), netip.MustParsePrefix("fe80::/10"), netip.MustParsePrefix("ff00::/8"),
	}
)

func hwAnyString(v any, want ...string) bool {
	switch v := v.(type) {
	case string:
		for _, w := range want {
			if v == w {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hwAnyString(e, want...) {
				return true
			}
		}
	}
	return false
}

func hwAnyPort(v any) bool {
	switch v := v.(type) {
	case float64:
		return v == 20 || v == 21
	case []any:
		for _, e := range v {
			if hwAnyPort(e) {
				return true
			}
		}
	}
	return false
}

func hwInNets(v any, nets []netip.Prefix) bool {
	switch v := v.(type) {
	case string:
		a, err := netip.ParseAddr(v)
		if err != nil {
			return false
		}
		a = a.Unmap()
		for _, p := range nets {
			if p.Contains(a) {
				return true
			}
		}
	case []any:
		for _, e := range v {
			if hwInNets(e, nets) {
				return true
			}
		}
	}
	return false
}

func handwrittenFlat(ev map[string]any) bool {
	return hwAnyString(ev["event.category"], "network", "network_traffic") &&
		hwAnyString(ev["network.transport"], "tcp") &&
		(hwAnyPort(ev["destination.port"]) || hwAnyString(ev["event.dataset"], "zeek.ftp")) &&
		hwInNets(ev["source.ip"], srcNets) &&
		!hwInNets(ev["destination.ip"], dstNets)
}

func get(ev map[string]any, a, b string) any {
	m, _ := ev[a].(map[string]any)
	return m[b]
}

func handwrittenNested(ev map[string]any) bool {
	return hwAnyString(get(ev, "event", "category"), "network", "network_traffic") &&
		hwAnyString(get(ev, "network", "transport"), "tcp") &&
		(hwAnyPort(get(ev, "destination", "port")) || hwAnyString(get(ev, "event", "dataset"), "zeek.ftp")) &&
		hwInNets(get(ev, "source", "ip"), srcNets) &&
		!hwInNets(get(ev, "destination", "ip"), dstNets)
}

func TestFTPEventsAndBaselines(t *testing.T) {
	p := compileT(t, ftpQuery)
	for name, ev := range ftpEvents(t) {
		if got := p.Match(ev); got != wantFTP[name] {
			t.Errorf("%s: Match = %v, want %v\n%s", name, got, wantFTP[name], p.Explain(ev))
		}
	}
	evs := ftpEvents(t)
	for _, name := range []string{"flat/match", "flat/nomatch"} {
		if got := handwrittenFlat(evs[name]); got != wantFTP[name] {
			t.Errorf("handwrittenFlat(%s) = %v", name, got)
		}
	}
	for name, ev := range evs {
		if got := handwrittenAnyShape(ev); got != wantFTP[name] && name != "mixed/match" {
			t.Errorf("handwrittenAnyShape(%s) = %v", name, got)
		}
	}
	for _, name := range []string{"nested/match", "nested/nomatch"} {
		if got := handwrittenNested(evs[name]); got != wantFTP[name] {
			t.Errorf("handwrittenNested(%s) = %v", name, got)
		}
	}
}

// TestMatchAllocs guards the promise that Match allocates nothing for
// JSON-decoded events, in every shape, matching or not.
func TestMatchAllocs(t *testing.T) {
	queries := []string{
		ftpQuery,
		`process.name:(cmd.exe or powershell.exe or *.scr) and not user.name:SYSTEM`,
		`destination.bytes > 1000 and @timestamp >= 2021-01-01 and tags:(a and b)`,
		`related.ip:(1.1.1.1 or "2001:db8::/32") or dns.question.name:*.example.com`,
	}
	evs := ftpEvents(t)
	evs["numbers"] = decodeNumber(t, `{"destination":{"bytes":"12345","port":21},"@timestamp":1609459200000,"tags":["a","b"],"related.ip":["8.8.8.8","2001:db8::1"]}`)
	for _, q := range queries {
		p := compileT(t, q)
		for name, ev := range evs {
			if n := testing.AllocsPerRun(100, func() { p.Match(ev) }); n != 0 {
				t.Errorf("%s on %s: %v allocations per Match, want 0", q, name, n)
			}
		}
	}
}

// BenchmarkFTP compares Match with the hand-written function on the same
// event in the same run.
//
//	go test ./eval -run '^$' -bench FTP -benchmem
func BenchmarkFTP(b *testing.B) {
	p := compileT(b, ftpQuery)
	evs := ftpEvents(b)
	for _, c := range []struct {
		name string
		hw   func(map[string]any) bool
	}{
		{"flat/match", handwrittenFlat},
		{"flat/nomatch", handwrittenFlat},
		{"nested/match", handwrittenNested},
		{"nested/nomatch", handwrittenNested},
	} {
		ev, want := evs[c.name], wantFTP[c.name]
		b.Run(c.name+"/engine", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if p.Match(ev) != want {
					b.Fatal("wrong answer")
				}
			}
		})
		b.Run(c.name+"/handwritten", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if c.hw(ev) != want {
					b.Fatal("wrong answer")
				}
			}
		})
		b.Run(c.name+"/handwritten-anyshape", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if handwrittenAnyShape(ev) != want {
					b.Fatal("wrong answer")
				}
			}
		})
	}
}

func BenchmarkCompileFTP(b *testing.B) {
	x := compileT(b, ftpQuery).Query()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(x); err != nil {
			b.Fatal(err)
		}
	}
}

// getAny returns the value of a two-part field in either shape, flat key
// or nested map, as the query's semantics require of any implementation
// that does not know the event's shape. It is a baseline for Match.
func getAny(ev map[string]any, flat, a, b string, f func(any) bool) bool {
	if x, ok := ev[flat]; ok && f(x) {
		return true
	}
	m, _ := ev[a].(map[string]any)
	x, ok := m[b]
	return ok && f(x)
}

func isNetCategory(x any) bool { return hwAnyString(x, "network", "network_traffic") }
func isTCP(x any) bool         { return hwAnyString(x, "tcp") }
func isZeekFTP(x any) bool     { return hwAnyString(x, "zeek.ftp") }
func isSrcNet(x any) bool      { return hwInNets(x, srcNets) }
func isDstNet(x any) bool      { return hwInNets(x, dstNets) }

func handwrittenAnyShape(ev map[string]any) bool {
	return getAny(ev, "event.category", "event", "category", isNetCategory) &&
		getAny(ev, "network.transport", "network", "transport", isTCP) &&
		(getAny(ev, "destination.port", "destination", "port", hwAnyPort) ||
			getAny(ev, "event.dataset", "event", "dataset", isZeekFTP)) &&
		getAny(ev, "source.ip", "source", "ip", isSrcNet) &&
		!getAny(ev, "destination.ip", "destination", "ip", isDstNet)
}
