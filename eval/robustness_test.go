package eval_test

// Robustness of compiled programs (issue 5): events nested 10,000 levels
// deep, arrays of a million elements, megabyte values, very deep and very
// wide query trees, and one program shared by 64 goroutines. Each gives the
// right answer in bounded time, never a crash. FuzzFTPMatchAllocs fuzzes
// events against the FTP rule's queries and checks that Match stays free of
// allocations.

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// The FTP rule's distinct queries (see rules/builtin/ftp.toml).
var ftpQueries = map[string]string{
	"v1": `network.transport: tcp and destination.port: (20 or 21) and ( network.direction: outbound or ( source.ip: (10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) and not destination.ip: (10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) ) )`,
	"v3": `network.transport:tcp and destination.port:(20 or 21) and source.ip:(10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) and not destination.ip:(10.0.0.0/8 or 127.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 or "::1")`,
	"v4": `event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and source.ip:(10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16) and not destination.ip:(10.0.0.0/8 or 127.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 or "::1")`,
	"v6": `event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and source.ip:( 10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 ) and not destination.ip:( 10.0.0.0/8 or 127.0.0.0/8 or 169.254.0.0/16 or 172.16.0.0/12 or 192.168.0.0/16 or 224.0.0.0/4 or "::1" or "FE80::/10" or "FF00::/8" )`,
}

var ftpVersions = []string{"v1", "v3", "v4", "v6"}

func compileQuery(t testing.TB, q string, opts ...eval.Option) *eval.Program {
	t.Helper()
	x, err := kql.Parse(q)
	if err != nil {
		t.Fatalf("Parse(%.80q): %v", q, err)
	}
	p, err := eval.Compile(x, opts...)
	if err != nil {
		t.Fatalf("Compile(%.80q): %v", q, err)
	}
	return p
}

func ftpPrograms(t testing.TB) []*eval.Program {
	ps := make([]*eval.Program, len(ftpVersions))
	for i, v := range ftpVersions {
		ps[i] = compileQuery(t, ftpQueries[v])
	}
	return ps
}

// ftpMatch is an event every version matches.
func ftpMatch() map[string]any {
	return map[string]any{
		"event":             map[string]any{"category": []any{"network"}, "dataset": "zeek.ftp"},
		"network.transport": "tcp",
		"network.direction": "outbound",
		"destination":       map[string]any{"port": float64(21), "ip": "8.8.8.8"},
		"source.ip":         "10.1.2.3",
	}
}

// FuzzFTPMatchAllocs decodes arbitrary JSON into an event, as encoding/json
// does and with UseNumber, and matches it against each FTP query: no
// panic, the same answer twice and for both decodings, the same answer as
// Explain, and no allocation.
func FuzzFTPMatchAllocs(f *testing.F) {
	for _, s := range []string{
		`{"event.category":"network","network.transport":"tcp","destination.port":21,"source.ip":"10.1.2.3","destination.ip":"8.8.8.8"}`,
		`{"event":{"category":["network_traffic"],"dataset":"zeek.ftp"},"network":{"transport":"tcp"},"destination":{"port":"2121","ip":"::ffff:8.8.8.8"},"source":{"ip":"::ffff:a00:1"}}`,
		`{"source.ip":["1:","::ffff:zz","10.0.0.1%eth0","..","999.1.1.1",""],"destination.ip":[":::",1e3,true,{"a":1},[["fe80::1"]]]}`,
		`{"destination.port":[21.9,"20.5","1e1","-0","NaN","0x15",null,[]],"network.transport":["TCP","tcp"]}`,
		`{"destination":[{"port":21},{"ip":"127.0.0.1"}],"destination.ip":"169.254.1.1","network.direction":"outbound"}`,
		`{"event":{"category":{"network":1}},"network.transport":{"tcp":true},"source":{"ip":{"v":"10.0.0.1"}}}`,
		`{"destination.port":123456789012345678901234567890,"source.ip":"10.255.255.255","destination.ip":"FF02::1"}`,
		`{"a":[[[[[[[[[[{"b":1}]]]]]]]]]],"network.direction":"outbound","destination.port":20,"network.transport":"tcp"}`,
		`{}`,
	} {
		f.Add(s)
	}
	progs := ftpPrograms(f)
	f.Fuzz(func(t *testing.T, js string) {
		var plain map[string]any
		if json.Unmarshal([]byte(js), &plain) != nil {
			return
		}
		var num map[string]any
		d := json.NewDecoder(bytes.NewReader([]byte(js)))
		d.UseNumber()
		if d.Decode(&num) != nil {
			num = nil
		}
		numOK := num != nil
		for i, p := range progs {
			m := p.Match(plain)
			if again := p.Match(plain); again != m {
				t.Fatalf("%s on %s: Match gave %v then %v", ftpVersions[i], js, m, again)
			}
			if e := p.Explain(plain); e.Held != m {
				t.Fatalf("%s on %s: Match %v, Explain %v\n%s", ftpVersions[i], js, m, e.Held, e)
			}
			if numOK {
				if n := p.Match(num); n != m {
					t.Fatalf("%s on %s: Match %v as float64, %v with UseNumber", ftpVersions[i], js, m, n)
				}
			}
			for _, ev := range []map[string]any{plain, num} {
				if ev == nil {
					continue
				}
				a := testing.AllocsPerRun(5, func() { p.Match(ev) })
				if a == 0 {
					continue
				}
				t.Fatalf("%s on %s: Match allocates %v times", ftpVersions[i], js, a)
			}
		}
	})
}

// deepEvent returns an event whose key "a" nests depth objects, with leaf
// at the bottom, beside the fields of ftpMatch at the top.
func deepEvent(depth int, leaf map[string]any) map[string]any {
	m := leaf
	for i := 0; i < depth; i++ {
		m = map[string]any{"a": m}
	}
	for k, v := range ftpMatch() {
		m[k] = v
	}
	return m
}

func TestDeepEvent(t *testing.T) {
	const depth = 10000
	ev := deepEvent(depth, map[string]any{"needle": "found it", "destination.ip": "127.0.0.1"})
	for i, p := range ftpPrograms(t) {
		// The deep branch holds no field the query names at the top.
		if !p.Match(ev) {
			t.Errorf("%s: no match on the deep event", ftpVersions[i])
		}
	}
	// Queries that walk the whole event: free text, a wildcard field name.
	if p := compileQuery(t, `"found it"`); !p.Match(ev) {
		t.Errorf("free text does not find the value 10,000 levels down")
	}
	if p := compileQuery(t, `*.needle:"found it"`); !p.Match(ev) {
		t.Errorf("a wildcard field name does not find the value 10,000 levels down")
	}
	if p := compileQuery(t, `nothere`); p.Match(ev) {
		t.Errorf("free text matched a value that is not there")
	}
	// A path 200 levels down, found through the nested maps.
	path := strings.Repeat("a.", 200) + "b"
	shallow := deepEvent(200, map[string]any{"b": "x"})
	if p := compileQuery(t, path+":x"); !p.Match(shallow) {
		t.Errorf("%.20s...:x does not match 200 levels down", path)
	}
	// The same through JSON: encoding/json decodes up to 10,000 levels.
	js := strings.Repeat(`{"a":`, depth-1) + `{"needle":"found it"}` + strings.Repeat("}", depth-1)
	var dec map[string]any
	if err := json.Unmarshal([]byte(js), &dec); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if p := compileQuery(t, `"found it"`); !p.Match(dec) {
		t.Errorf("free text does not find the value in the decoded deep event")
	}
}

// TestDeepPathQuery compiles field names of many dotted parts: memory must
// grow about linearly with the name. It first measures 1,000 parts (which
// stays affordable while the bug below is there), then compiles and
// matches 10,000.
func TestDeepPathQuery(t *testing.T) {
	field := func(n int) *ast.MatchExpr {
		name := strings.TrimSuffix(strings.Repeat("a.", n), ".")
		return &ast.MatchExpr{Field: &ast.Literal{Kind: ast.String, Text: name}, Value: &ast.Literal{Kind: ast.String, Text: "x"}}
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	if _, err := eval.Compile(field(1000)); err != nil {
		t.Logf("1,000 parts: %v", err) // a clear error is fine
	}
	runtime.ReadMemStats(&after)
	if mb := (after.TotalAlloc - before.TotalAlloc) >> 20; mb > 16 {
		t.Fatalf("compiling a field name of 1,000 parts allocates %d MB", mb)
	}
	p, err := eval.Compile(field(10000))
	if err != nil {
		return // a clear error is fine
	}
	if p.Match(deepEvent(10, map[string]any{"b": "x"})) {
		t.Errorf("matched an event without the field")
	}
	if !p.Match(deepEvent(9999, map[string]any{"a": "x"})) {
		t.Errorf("no match on the field 10,000 levels down")
	}
}

func TestMillionElementArray(t *testing.T) {
	const n = 1000000
	pool := make([]any, 1024)
	for i := range pool {
		pool[i] = fmt.Sprintf("8.8.%d.%d", i>>8, i&255)
	}
	ips := make([]any, n)
	for i := range ips {
		ips[i] = pool[i%len(pool)]
	}
	ev := ftpMatch()
	ev["destination.ip"] = ips
	progs := ftpPrograms(t)
	if !progs[len(progs)-1].Match(ev) {
		t.Errorf("no match with a million public destinations")
	}
	// One loopback address, last: every version that excludes loopback
	// must see it.
	ips[n-1] = "127.0.0.1"
	for i, p := range progs {
		want := ftpVersions[i] == "v1" // v1 matches on outbound alone
		if got := p.Match(ev); got != want {
			t.Errorf("%s: Match = %v with a loopback destination last in a million, want %v", ftpVersions[i], got, want)
		}
	}
	if p := compileQuery(t, `destination.ip:127.0.0.0/8`); !p.Match(ev) {
		t.Errorf("the last of a million elements is not seen")
	}
	// A million numbers, and a million strings in a typed slice.
	ports := make([]any, n)
	for i := range ports {
		ports[i] = float64(1000 + i%60000)
	}
	ports[n-1] = "21"
	if p := compileQuery(t, `destination.port:21`); !p.Match(map[string]any{"destination.port": ports}) {
		t.Errorf("the last of a million ports is not seen")
	}
	tags := make([]string, n)
	for i := range tags {
		tags[i] = "t"
	}
	tags[n-1] = "last"
	if p := compileQuery(t, `tags:last`); !p.Match(map[string]any{"tags": tags}) {
		t.Errorf("the last of a million []string tags is not seen")
	}
}

func TestMegabyteValues(t *testing.T) {
	big := strings.Repeat("ab ", 1<<20/3) // 1 MB
	ev := ftpMatch()
	delete(ev["event"].(map[string]any), "dataset")
	ev["event.dataset"] = big
	ev["network.transport"] = []any{big, "tcp"}
	ev["source.ip"] = []any{big, "10.0.0.1"} // text that looks like nothing
	ev["destination.ip"] = []any{strings.Repeat("1", 1<<20), "8.8.8.8"}
	for i, p := range ftpPrograms(t) {
		if ftpVersions[i] == "v1" || ftpVersions[i] == "v3" {
			continue // their port test holds; the megabyte values change nothing
		}
		if !p.Match(ev) {
			t.Errorf("%s: no match with megabyte values beside the right ones", ftpVersions[i])
		}
	}
	for _, tc := range []struct {
		q    string
		want bool
	}{
		{`event.dataset:zeek.ftp`, false},
		// event.dataset is an ECS keyword with ignore_above 1024: a
		// megabyte value is not indexed (KeywordFieldMapper.indexValue),
		// so not even event.dataset:* finds it.
		{`event.dataset:ab*`, false},
		{`event.dataset:*ab`, false}, // the value ends in a space
		{`event.dataset:*b*a*b*c`, false},
		{`event.dataset:*`, false},
		{`message:needle`, true},
		{`message:"ab needle"`, true},
		{`message:"needle ab"`, false},
	} {
		ev["message"] = big + "needle"
		if got := compileQuery(t, tc.q).Match(ev); got != tc.want {
			t.Errorf("%s on a megabyte value: %v, want %v", tc.q, got, tc.want)
		}
	}
	// A megabyte literal in the query, quoted and unquoted (the default
	// length limit is 1 MB, so the query is just under it).
	lit := strings.Repeat("x", 1<<20-100)
	// The field is mapped without ignore_above, so that the value is
	// indexed; with the ECS default (1024) nothing matches.
	noLimit := eval.WithMapping(mapping.Mapping{"event.dataset": {Type: mapping.Keyword}})
	for _, q := range []string{`event.dataset:"` + lit + `"`, `event.dataset:` + lit} {
		x, err := kql.Parse(q)
		if err != nil {
			t.Fatal(err)
		}
		p, err := eval.Compile(x, noLimit)
		if err != nil {
			t.Fatal(err)
		}
		if !p.Match(map[string]any{"event.dataset": lit}) || p.Match(map[string]any{"event.dataset": lit + "y"}) {
			t.Errorf("a megabyte literal does not match exactly itself")
		}
		if compileQuery(t, q).Match(map[string]any{"event.dataset": lit}) {
			t.Errorf("a megabyte value over ignore_above 1024 matches")
		}
	}
}

// TestDeepAndWideTrees compiles hand-built trees deeper and wider than the
// parser allows: 100,000 nested nots, and an or of 100,000 field tests.
func TestDeepAndWideTrees(t *testing.T) {
	leaf := func(v string) ast.Expr {
		return &ast.MatchExpr{Field: &ast.Literal{Kind: ast.String, Text: "network.transport"}, Value: &ast.Literal{Kind: ast.String, Text: v}}
	}
	var x ast.Expr = leaf("tcp")
	for i := 0; i < 100000; i++ {
		x = &ast.NotExpr{X: x}
	}
	p, err := eval.Compile(x)
	if err != nil {
		t.Fatalf("100,000 nested nots: %v", err)
	}
	if !p.Match(map[string]any{"network.transport": "tcp"}) || p.Match(map[string]any{"network.transport": "udp"}) {
		t.Errorf("100,000 nested nots (an even number) do not match as the leaf")
	}
	or := &ast.OrExpr{}
	for i := 0; i < 100000; i++ {
		or.Args = append(or.Args, leaf(fmt.Sprint("p", i)))
	}
	p, err = eval.Compile(or)
	if err != nil {
		t.Fatalf("an or of 100,000 tests: %v", err)
	}
	if !p.Match(map[string]any{"network.transport": "p99999"}) || p.Match(map[string]any{"network.transport": "tcp"}) {
		t.Errorf("an or of 100,000 tests matches wrongly")
	}
}

// randomEvent builds an FTP-like event from r, in flat or nested shape.
func randomEvent(r *rand.Rand) map[string]any {
	pick := func(xs ...any) any { return xs[r.Intn(len(xs))] }
	fields := map[string]any{
		"event.category":    pick("network", []any{"network_traffic", "process"}, "process", nil),
		"event.dataset":     pick("zeek.ftp", "zeek.conn", nil),
		"network.transport": pick("tcp", "udp", "TCP", nil),
		"network.direction": pick("outbound", "inbound", nil),
		"source.ip":         pick("10.1.2.3", "172.31.255.255", "192.168.0.1", "8.8.8.8", "::ffff:10.0.0.1", nil),
		"destination.ip":    pick("8.8.8.8", "127.0.0.1", "169.254.1.1", "224.0.0.251", "fe80::1", "ff02::1", "::1", "10.0.0.1", "2001:db8::1", nil),
		"destination.port":  pick(float64(20), float64(21), "21", float64(22), float64(2121), nil),
	}
	ev := map[string]any{}
	for k, v := range fields {
		if v == nil {
			continue
		}
		if r.Intn(2) == 0 {
			ev[k] = v
			continue
		}
		top, rest, _ := strings.Cut(k, ".")
		sub, _ := ev[top].(map[string]any)
		if sub == nil {
			sub = map[string]any{}
			ev[top] = sub
		}
		sub[rest] = v
	}
	return ev
}

// TestConcurrentPrograms shares one compiled program per FTP version among
// 64 goroutines (run it with -race): every goroutine gets the answers one
// goroutine got alone, for Match and Explain.
func TestConcurrentPrograms(t *testing.T) {
	r := rand.New(rand.NewSource(5))
	events := make([]map[string]any, 500)
	for i := range events {
		events[i] = randomEvent(r)
	}
	progs := ftpPrograms(t)
	want := make([][]bool, len(progs))
	matched := 0
	for i, p := range progs {
		want[i] = make([]bool, len(events))
		for j, ev := range events {
			want[i][j] = p.Match(ev)
			if want[i][j] {
				matched++
			}
		}
	}
	if matched == 0 || matched == len(progs)*len(events) {
		t.Fatalf("%d of %d matched: the events do not tell answers apart", matched, len(progs)*len(events))
	}
	var wg sync.WaitGroup
	errs := make(chan string, 64)
	for g := 0; g < 64; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for k := range events {
				j := (k*7 + g*13) % len(events) // each goroutine in its own order
				for i, p := range progs {
					got := p.Match(events[j])
					if g%8 == 0 {
						got = p.Explain(events[j]).Held
					}
					if got != want[i][j] {
						errs <- fmt.Sprintf("goroutine %d, %s, event %d: %v, alone %v", g, ftpVersions[i], j, got, want[i][j])
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
