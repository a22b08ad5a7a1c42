package rules_test

// Property tests for every query the FTP rule has had (issue 5): generated
// ECS network events, a hand-written oracle per distinct query, relations
// between versions with generated witnesses, formatting-only versions, and
// boolean laws (double negation, De Morgan) on trees built from the rule's
// own field tests.
//
// Every property runs with the seed of internal/proptest ($KQLRULES_SEED,
// a fixed default, or "random"); a failing test prints the command that
// reruns it with the same seed.

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"math/rand"
	"net/netip"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/gen"
	"github.com/leanovate/gopter/prop"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/internal/asttest"
	"github.com/kqlrules/kqlrules/internal/proptest"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

// propEvents is how many generated events each version's oracle property
// checks per run.
const propEvents = 10000

func propSeed(t *testing.T) int64 { return proptest.Seed(t, "./rules") }

// propParams returns gopter's parameters for n successful tests with seed.
func propParams(seed int64, n int) *gopter.TestParameters {
	p := gopter.DefaultTestParametersWithSeed(seed)
	p.MinSuccessfulTests = n
	p.MaxShrinkCount = 200
	return p
}

// checkProps runs props and fails t, with the seed, when one fails.
func checkProps(t *testing.T, seed int64, n int, props map[string]gopter.Prop) {
	t.Helper()
	ps := gopter.NewProperties(propParams(seed, n))
	for name, p := range props {
		ps.Property(name, p)
	}
	if !ps.Run(gopter.NewFormatedReporter(false, 100, os.Stdout)) {
		t.Errorf("property failed (seed %d)", seed)
	}
}

// ---------------------------------------------------------------------------
// The queries

// The distinct queries, by the first version that had them.
const (
	qV1  = 1 // versions 1 and 2
	qV3  = 3
	qV4  = 4 // versions 4 and 5
	qCur = 6 // versions 6, 7 and 8
)

type ftpProgram struct {
	version int
	query   string
	expr    ast.Expr
	prog    *eval.Program
}

// ftpPrograms compiles the query of every version of the bundled rule's
// history (with eval's default ECS schema), by version number.
func ftpPrograms(t *testing.T) map[int]*ftpProgram {
	t.Helper()
	r := builtin.FTP()
	out := map[int]*ftpProgram{}
	for _, v := range r.History {
		x, err := kql.Parse(v.Query)
		if err != nil {
			t.Fatalf("version %d: %v", v.Number, err)
		}
		p, err := eval.Compile(x)
		if err != nil {
			t.Fatalf("version %d: %v", v.Number, err)
		}
		out[v.Number] = &ftpProgram{version: v.Number, query: v.Query, expr: x, prog: p}
	}
	for n := 1; n <= 8; n++ {
		if out[n] == nil {
			t.Fatalf("the bundled history has no version %d", n)
		}
	}
	return out
}

// ---------------------------------------------------------------------------
// Generated events

// portVal is a port as an event may hold it: N, written in one of several
// forms (see portVal.value); the forms with a fraction hold N plus a
// fraction, which an integer field truncates to N.
type portVal struct {
	N    int
	Form int
}

const portForms = 7

func (p portVal) value() any {
	switch p.Form % portForms {
	case 0:
		return float64(p.N) // as encoding/json decodes it
	case 1:
		return p.N // as Go code builds it
	case 2:
		return strconv.Itoa(p.N) // numeric text
	case 3:
		return json.Number(strconv.Itoa(p.N)) // json.Decoder.UseNumber
	case 4:
		return float64(p.N) + 0.5 // coerced (truncated) by a long field
	case 5:
		return strconv.Itoa(p.N) + ".9" // numeric text with a fraction
	default:
		return int64(p.N)
	}
}

// Value modes: how a field's values are written into the event.
const (
	modeAbsent      = iota // the field is not there
	modeNatural            // one value as a scalar, several as an array
	modeArray              // always an array
	modeNullInArray        // an array with a null among the values
	modeNull               // the field is there, with null
	modeEmpty              // the field is there, with []
	modeTyped              // []string for text fields, else as modeArray
	numModes
)

// Field styles: where a field's values go in the event.
const (
	styleFlat     = iota // {"source.ip": v}
	styleNested          // {"source": {"ip": v}}
	styleObjArray        // {"source": [{"ip": v}]}
	styleSplit           // first value flat, the others nested
	numStyles
)

// netEvent is a generated ECS network event before it is written out as a
// map: each field's values (empty: none), how they are written (Mode*) and
// in which shape (Styles, one per field in fieldNames order), and which
// distracting fields are added (Extra, a bit set).
type netEvent struct {
	Category      []string
	CategoryMode  int
	Transport     []string
	TransportMode int
	Dataset       []string
	DatasetMode   int
	Direction     []string
	DirectionMode int
	Src           []string
	SrcMode       int
	Dst           []string
	DstMode       int
	Port          []portVal
	PortMode      int
	Styles        []int
	Extra         int
}

var fieldNames = [...]string{"event.category", "network.transport", "event.dataset", "network.direction", "source.ip", "destination.ip", "destination.port"}

// has returns the values of a field that count: none when the mode writes
// no values.
func has[T any](vals []T, mode int) []T {
	switch mode {
	case modeAbsent, modeNull, modeEmpty:
		return nil
	}
	return vals
}

func (e netEvent) category() []string  { return has(e.Category, e.CategoryMode) }
func (e netEvent) transport() []string { return has(e.Transport, e.TransportMode) }
func (e netEvent) dataset() []string   { return has(e.Dataset, e.DatasetMode) }
func (e netEvent) direction() []string { return has(e.Direction, e.DirectionMode) }
func (e netEvent) src() []string       { return has(e.Src, e.SrcMode) }
func (e netEvent) dst() []string       { return has(e.Dst, e.DstMode) }
func (e netEvent) port() []portVal     { return has(e.Port, e.PortMode) }

// Map writes the event out as the map an NDJSON reader would give.
func (e netEvent) Map() map[string]any {
	m := map[string]any{}
	style := func(i int) int {
		if i < len(e.Styles) {
			return e.Styles[i] % numStyles
		}
		return styleFlat
	}
	strs := func(vs []string) []any {
		out := make([]any, len(vs))
		for i, v := range vs {
			out[i] = v
		}
		return out
	}
	ports := make([]any, len(e.Port))
	for i, p := range e.Port {
		ports[i] = p.value()
	}
	fields := []struct {
		vals  []any
		typed any
		mode  int
	}{
		{strs(e.Category), e.Category, e.CategoryMode},
		{strs(e.Transport), e.Transport, e.TransportMode},
		{strs(e.Dataset), e.Dataset, e.DatasetMode},
		{strs(e.Direction), e.Direction, e.DirectionMode},
		{strs(e.Src), e.Src, e.SrcMode},
		{strs(e.Dst), e.Dst, e.DstMode},
		{ports, nil, e.PortMode},
	}
	for i, f := range fields {
		putField(m, fieldNames[i], style(i), f.vals, f.typed, f.mode%numModes)
	}
	// Distractors: fields the queries do not name, some with names close
	// to the ones they do.
	if e.Extra&1 != 0 {
		putField(m, "host.name", style(0), []any{"ftp.example.com"}, nil, modeNatural)
	}
	if e.Extra&2 != 0 {
		m["@timestamp"] = "2021-04-15T10:00:00.000Z"
	}
	if e.Extra&4 != 0 {
		putField(m, "source.port", style(4), []any{float64(21)}, nil, modeNatural)
	}
	if e.Extra&8 != 0 && len(e.Dst) > 0 {
		putField(m, "related.ip", styleFlat, strs(e.Dst), nil, modeArray)
	}
	if e.Extra&16 != 0 {
		putField(m, "destination.address", style(5), []any{"ftp.example.net"}, nil, modeNatural)
	}
	if e.Extra&32 != 0 {
		putField(m, "destination.port_name", style(6), []any{"ftp"}, nil, modeNatural)
		m["destination.portnumber"] = float64(21)
	}
	if e.Extra&64 != 0 {
		putField(m, "event.kind", style(0), []any{"event"}, nil, modeNatural)
		putField(m, "network.protocol", style(1), []any{"ftp"}, nil, modeNatural)
	}
	return m
}

// putField writes a two-part field name's values into m.
func putField(m map[string]any, name string, style int, vals []any, typed any, mode int) {
	var v any
	switch mode {
	case modeAbsent:
		return
	case modeNull:
		v = nil
	case modeEmpty:
		v = []any{}
	case modeNatural:
		switch len(vals) {
		case 0:
			return
		case 1:
			v = vals[0]
		default:
			v = vals
		}
	case modeNullInArray:
		arr := append([]any{}, vals...)
		at := len(arr) / 2
		arr = append(arr[:at], append([]any{nil}, arr[at:]...)...)
		v = arr
	case modeTyped:
		if ss, ok := typed.([]string); ok {
			v = ss
		} else {
			v = vals
		}
	default: // modeArray
		v = vals
	}
	prefix, rest, _ := strings.Cut(name, ".")
	switch style {
	case styleFlat:
		m[name] = v
	case styleNested:
		sub(m, prefix, false)[rest] = v
	case styleObjArray:
		sub(m, prefix, true)[rest] = v
	case styleSplit:
		arr, ok := v.([]any)
		if !ok || len(arr) < 2 {
			sub(m, prefix, false)[rest] = v
			return
		}
		m[name] = arr[:1]
		sub(m, prefix, false)[rest] = arr[1:]
	}
}

// sub returns the object under key prefix, creating it (inside a
// one-element array when inArray).
func sub(m map[string]any, prefix string, inArray bool) map[string]any {
	switch x := m[prefix].(type) {
	case map[string]any:
		return x
	case []any:
		return x[0].(map[string]any)
	}
	s := map[string]any{}
	if inArray {
		m[prefix] = []any{s}
	} else {
		m[prefix] = s
	}
	return s
}

// JSON returns the event as JSON, for failure messages and witnesses.
func (e netEvent) JSON() string {
	b, err := json.Marshal(e.Map())
	if err != nil {
		return fmt.Sprintf("<%v>", err)
	}
	return string(b)
}

// Every CIDR any version of the query names, and the address ranges that
// matter next to them.
var (
	netPrivate   = prefixes("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
	netV1Dst     = netPrivate
	netV3Dst     = append(prefixes("10.0.0.0/8", "127.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"), netip.PrefixFrom(netip.IPv6Loopback(), 128))
	netCurDst    = append(append([]netip.Prefix{}, netV3Dst...), prefixes("169.254.0.0/16", "224.0.0.0/4", "fe80::/10", "ff00::/8")...)
	netLinkLocal = prefixes("169.254.0.0/16", "fe80::/10")
	netMulticast = prefixes("224.0.0.0/4", "ff00::/8")
	netLoopback  = append(prefixes("127.0.0.0/8"), netip.PrefixFrom(netip.IPv6Loopback(), 128))
	// netAll are the ranges whose boundaries the generator hits; the last
	// ones are neighbours and look-alikes named by no query.
	netAll = append(append([]netip.Prefix{}, netCurDst...), prefixes("::ffff:0:0/96", "fec0::/10", "2001:db8::/32", "8.8.8.0/24", "100.64.0.0/10")...)
)

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// lastAddr returns the last address of p.
func lastAddr(p netip.Prefix) netip.Addr {
	b := p.Addr().AsSlice()
	bits := p.Bits()
	for i := range b {
		for j := 0; j < 8; j++ {
			if i*8+j >= bits {
				b[i] |= 0x80 >> j
			}
		}
	}
	a, _ := netip.AddrFromSlice(b)
	return a
}

// addrForms returns the texts an event may hold for a: IPv4 as itself and
// as IPv4-mapped IPv6 (dotted and hex), IPv6 in lower, upper and expanded
// form.
func addrForms(a netip.Addr) []string {
	if a.Is4() {
		b := a.As4()
		return []string{
			a.String(),
			"::ffff:" + a.String(),
			fmt.Sprintf("::ffff:%x:%x", uint16(b[0])<<8|uint16(b[1]), uint16(b[2])<<8|uint16(b[3])),
			"0:0:0:0:0:FFFF:" + a.String(),
		}
	}
	return []string{a.String(), strings.ToUpper(a.String()), a.StringExpanded()}
}

// boundaryAddrs returns, for every range in netAll, its first and last
// address and the addresses just outside, in every form.
func boundaryAddrs() []string {
	var out []string
	seen := map[string]bool{}
	add := func(a netip.Addr) {
		if !a.IsValid() {
			return
		}
		for _, s := range addrForms(a) {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	for _, p := range netAll {
		first, last := p.Addr(), lastAddr(p)
		add(first)
		add(last)
		add(first.Prev())
		add(last.Next())
	}
	for _, s := range []string{"::", "::2", "8.8.8.8", "198.51.100.7", "2001:db8::21", "0.0.0.0", "255.255.255.255"} {
		add(netip.MustParseAddr(s))
	}
	return out
}

// The leaf generators below draw straight from gopter's random source:
// gopter's reflective combinators cost more than everything else in these
// tests, ten times more under -race. Shrinking works where it helps: value
// lists lose elements, and modes, styles and extras shrink towards 0.

// weighted picks one of choices, choice i with weight ws[i].
func weighted[T any](choices []T, ws []int) func(r *rand.Rand) T {
	total := 0
	for _, w := range ws {
		total += w
	}
	return func(r *rand.Rand) T {
		n := r.Intn(total)
		for i, w := range ws {
			if n < w {
				return choices[i]
			}
			n -= w
		}
		return choices[len(choices)-1]
	}
}

// pickString picks one of the keys of m, with the weights its values give.
func pickString(m map[string]int) func(r *rand.Rand) string {
	keys := slices.Sorted(maps.Keys(m))
	ws := make([]int, len(keys))
	for i, k := range keys {
		ws[i] = m[k]
	}
	return weighted(keys, ws)
}

// insideOf returns a random address inside one of ps, in a random form.
func insideOf(ps []netip.Prefix) func(r *rand.Rand) string {
	return func(r *rand.Rand) string {
		p := ps[r.Intn(len(ps))]
		b := p.Addr().As16()
		off := 0
		if p.Addr().Is4() {
			off = 12 // the IPv4 address sits in the last 4 bytes of As16
		}
		for i := off; i < 16; i++ {
			rb := byte(r.Intn(256))
			for j := 0; j < 8; j++ {
				if (i-off)*8+j >= p.Bits() {
					b[i] = b[i]&^(0x80>>j) | rb&(0x80>>j)
				}
			}
		}
		a := netip.AddrFrom16(b)
		if p.Addr().Is4() {
			a = a.Unmap()
		}
		forms := addrForms(a)
		return forms[r.Intn(len(forms))]
	}
}

// addrOf draws addresses: boundaries of every range, random addresses
// inside the ranges, and random addresses anywhere.
func addrOf() func(r *rand.Rand) string {
	bounds := boundaryAddrs()
	boundary := func(r *rand.Rand) string { return bounds[r.Intn(len(bounds))] }
	anywhere := insideOf(prefixes("0.0.0.0/0", "::/0"))
	pick := weighted([]func(*rand.Rand) string{boundary, insideOf(netAll), anywhere}, []int{5, 4, 1})
	return func(r *rand.Rand) string { return pick(r)(r) }
}

func genAddr() gopter.Gen { return valuesOf(addrOf()) }

// genSrcAddr leans to private (RFC 1918) addresses, which every version
// asks of the source.
func genSrcAddr() gopter.Gen {
	pick := weighted([]func(*rand.Rand) string{insideOf(netPrivate), addrOf()}, []int{1, 1})
	return valuesOf(func(r *rand.Rand) string { return pick(r)(r) })
}

func genPort() gopter.Gen {
	common := weighted([]int{20, 21, 19, 22, 0, 2020, 2021, 210, 121, 65535, 990}, []int{5, 5, 1, 1, 1, 1, 1, 1, 1, 1, 1})
	return valuesOf(func(r *rand.Rand) portVal {
		n := common(r)
		if r.Intn(5) == 0 {
			n = r.Intn(65536)
		}
		return portVal{N: n, Form: r.Intn(portForms)}
	})
}

// valuesOf generates one to three values, mostly one; it shrinks by
// dropping values.
func valuesOf[T any](f func(r *rand.Rand) T) gopter.Gen {
	count := weighted([]int{1, 2, 3}, []int{7, 2, 1})
	return func(p *gopter.GenParameters) *gopter.GenResult {
		vs := make([]T, count(p.Rng))
		for i := range vs {
			vs[i] = f(p.Rng)
		}
		return gopter.NewGenResult(vs, dropShrinker[T])
	}
}

// dropShrinker shrinks a slice by dropping one element at a time.
func dropShrinker[T any](v any) gopter.Shrink {
	vs := v.([]T)
	i := 0
	return func() (any, bool) {
		if i >= len(vs) {
			return nil, false
		}
		out := append(append([]T{}, vs[:i]...), vs[i+1:]...)
		i++
		return out, true
	}
}

// zeroShrinker shrinks an int slice by setting one element at a time to 0.
func zeroShrinker(v any) gopter.Shrink {
	vs := v.([]int)
	i := 0
	return func() (any, bool) {
		for i < len(vs) && vs[i] == 0 {
			i++
		}
		if i >= len(vs) {
			return nil, false
		}
		out := append([]int{}, vs...)
		out[i] = 0
		i++
		return out, true
	}
}

func genInt(f func(r *rand.Rand) int) gopter.Gen {
	return func(p *gopter.GenParameters) *gopter.GenResult {
		return gopter.NewGenResult(f(p.Rng), gen.IntShrinker)
	}
}

func genMode() gopter.Gen {
	return genInt(weighted(
		[]int{modeAbsent, modeNatural, modeArray, modeNullInArray, modeNull, modeEmpty, modeTyped},
		[]int{12, 60, 10, 5, 4, 4, 5}))
}

func genStrings(m map[string]int) gopter.Gen { return valuesOf(pickString(m)) }

// genNetEvent generates ECS network events shaped as issue 5 asks.
func genNetEvent() gopter.Gen {
	return gen.Struct(reflect.TypeOf(netEvent{}), map[string]gopter.Gen{
		"Category": genStrings(map[string]int{
			"network": 8, "network_traffic": 5, "process": 2, "Network": 1, "NETWORK_TRAFFIC": 1,
			"network ": 1, "authentication": 1, "": 1, "intrusion_detection": 1,
		}),
		"CategoryMode": genMode(),
		"Transport": genStrings(map[string]int{
			"tcp": 10, "udp": 3, "TCP": 2, "Tcp": 1, "icmp": 1, "tcp ": 1, "6": 1,
		}),
		"TransportMode": genMode(),
		"Dataset": genStrings(map[string]int{
			"zeek.ftp": 6, "zeek.conn": 2, "Zeek.ftp": 1, "zeek.ftp_data": 1, "zeek": 1, "packetbeat.flow": 2, "network_traffic.flow": 1,
		}),
		"DatasetMode": genMode(),
		"Direction": genStrings(map[string]int{
			"outbound": 6, "inbound": 3, "internal": 2, "external": 2, "Outbound": 1, "egress": 1, "unknown": 1,
		}),
		"DirectionMode": genMode(),
		"Src":           genSrcAddr(),
		"SrcMode":       genMode(),
		"Dst":           genAddr(),
		"DstMode":       genMode(),
		"Port":          genPort(),
		"PortMode":      genMode(),
		"Styles": func(p *gopter.GenParameters) *gopter.GenResult {
			st := make([]int, len(fieldNames))
			for i := range st {
				st[i] = p.Rng.Intn(numStyles)
			}
			return gopter.NewGenResult(st, zeroShrinker)
		},
		"Extra": genInt(func(r *rand.Rand) int { return r.Intn(128) }),
	})
}

// ---------------------------------------------------------------------------
// The oracles, written from what each query says, in plain Go

func anyIs(vals []string, want ...string) bool {
	for _, v := range vals {
		for _, w := range want {
			if v == w { // keyword: exact and case-sensitive
				return true
			}
		}
	}
	return false
}

// anyFTPPort: a long field holds the value truncated to an integer.
func anyFTPPort(vals []portVal) bool {
	for _, p := range vals {
		var f float64
		switch v := p.value().(type) {
		case float64:
			f = v
		case int:
			f = float64(v)
		case int64:
			f = float64(v)
		case string:
			f, _ = strconv.ParseFloat(v, 64)
		case json.Number:
			f, _ = v.Float64()
		}
		if n := math.Trunc(f); n == 20 || n == 21 {
			return true
		}
	}
	return false
}

// anyIn: an ip field holds addresses, IPv4-mapped IPv6 being IPv4.
func anyIn(vals []string, nets []netip.Prefix) bool {
	for _, v := range vals {
		a, err := netip.ParseAddr(v)
		if err != nil {
			continue
		}
		a = a.Unmap()
		for _, p := range nets {
			if p.Contains(a) {
				return true
			}
		}
	}
	return false
}

// oracleV1 is versions 1 and 2: TCP to port 20 or 21, either outbound or
// from a private address to a non-private one.
func oracleV1(e netEvent) bool {
	return anyIs(e.transport(), "tcp") && anyFTPPort(e.port()) &&
		(anyIs(e.direction(), "outbound") ||
			anyIn(e.src(), netPrivate) && !anyIn(e.dst(), netV1Dst))
}

// oracleV3: TCP to port 20 or 21 from a private address to an address that
// is neither private nor loopback.
func oracleV3(e netEvent) bool {
	return anyIs(e.transport(), "tcp") && anyFTPPort(e.port()) &&
		anyIn(e.src(), netPrivate) && !anyIn(e.dst(), netV3Dst)
}

// oracleV4 is versions 4 and 5: v3 restricted to network events, with Zeek
// FTP records on any port.
func oracleV4(e netEvent) bool {
	return anyIs(e.category(), "network", "network_traffic") && anyIs(e.transport(), "tcp") &&
		(anyFTPPort(e.port()) || anyIs(e.dataset(), "zeek.ftp")) &&
		anyIn(e.src(), netPrivate) && !anyIn(e.dst(), netV3Dst)
}

// oracleCur is versions 6 to 8: v4 with link-local and multicast
// destinations excluded too.
func oracleCur(e netEvent) bool {
	return anyIs(e.category(), "network", "network_traffic") && anyIs(e.transport(), "tcp") &&
		(anyFTPPort(e.port()) || anyIs(e.dataset(), "zeek.ftp")) &&
		anyIn(e.src(), netPrivate) && !anyIn(e.dst(), netCurDst)
}

var ftpOracles = []struct {
	name    string
	version int
	oracle  func(netEvent) bool
}{
	{"v1-v2", qV1, oracleV1},
	{"v3", qV3, oracleV3},
	{"v4-v5", qV4, oracleV4},
	{"v6-v8", qCur, oracleCur},
}

// ---------------------------------------------------------------------------
// Properties

// TestFTPVersionsMatchOracle checks Match against the oracle of each
// distinct query, every query on each of propEvents generated events.
func TestFTPVersionsMatchOracle(t *testing.T) {
	seed := propSeed(t)
	progs := ftpPrograms(t)
	yes := make([]int, len(ftpOracles))
	no := make([]int, len(ftpOracles))
	checkProps(t, seed, propEvents, map[string]gopter.Prop{
		"Match = oracle, every version": prop.ForAll(func(e netEvent) string {
			m := e.Map()
			for i, o := range ftpOracles {
				p := progs[o.version].prog
				got, want := p.Match(m), o.oracle(e)
				if got {
					yes[i]++
				} else {
					no[i]++
				}
				if got != want {
					return fmt.Sprintf("%s: Match = %v, oracle = %v on %s\n%s", o.name, got, want, e.JSON(), p.Explain(m))
				}
			}
			return ""
		}, genNetEvent()),
	})
	for i, o := range ftpOracles {
		t.Logf("%s: %d matched, %d did not", o.name, yes[i], no[i])
		// The generator must exercise both outcomes.
		if !t.Failed() && (yes[i] < propEvents/50 || no[i] < propEvents/50) {
			t.Errorf("%s: %d matches and %d non-matches in %d events: the generator is too lopsided", o.name, yes[i], no[i], yes[i]+no[i])
		}
	}
}

// sample draws events from the generator with its own seeded source, for
// witness searches.
func sample(seed int64) func() netEvent {
	g := genNetEvent()
	params := gopter.DefaultGenParameters()
	params.Rng = rand.New(rand.NewSource(seed))
	return func() netEvent {
		for {
			if v, ok := g(params).Retrieve(); ok {
				return v.(netEvent)
			}
		}
	}
}

// witness describes a class of events that should show a relation strict.
type witness struct {
	what  string
	class func(netEvent) bool
	found *netEvent
}

// findWitnesses draws up to n events and fills in, for each class, the
// first event with a && !b in that class.
func findWitnesses(t *testing.T, seed int64, n int, a, b *eval.Program, ws []*witness) {
	t.Helper()
	next := sample(seed)
	missing := len(ws)
	for i := 0; i < n && missing > 0; i++ {
		e := next()
		m := e.Map()
		if !a.Match(m) || b.Match(m) {
			continue
		}
		for _, w := range ws {
			if w.found == nil && w.class(e) {
				w.found = &e
				missing--
				t.Logf("witness (%s): %s", w.what, e.JSON())
			}
		}
	}
	for _, w := range ws {
		if w.found == nil {
			t.Errorf("no witness (%s) among %d generated events", w.what, n)
		}
	}
}

// subset returns a property: every event a matches, b matches too.
func subset(a, b *eval.Program) gopter.Prop {
	return prop.ForAll(func(e netEvent) string {
		m := e.Map()
		if a.Match(m) && !b.Match(m) {
			return "matched by the narrower query, not by the wider: " + e.JSON()
		}
		return ""
	}, genNetEvent())
}

// TestFTPVersionRelations checks how the distinct queries relate, with
// generated witnesses where a relation is strict.
func TestFTPVersionRelations(t *testing.T) {
	seed := propSeed(t)
	progs := ftpPrograms(t)
	v1, v3, v4, cur := progs[qV1].prog, progs[qV3].prog, progs[qV4].prog, progs[qCur].prog
	const n = 2000
	checkProps(t, seed, n, map[string]gopter.Prop{
		"current ⊆ v4": subset(cur, v4),
		"v3 ⊆ v1":      subset(v3, v1),
		"v4 ⊆ v3 or zeek on another port": prop.ForAll(func(e netEvent) string {
			// v4 differs from v3 only by asking for a network category
			// and by admitting Zeek FTP records on any port.
			if m := e.Map(); v4.Match(m) && !v3.Match(m) && !(anyIs(e.dataset(), "zeek.ftp") && !anyFTPPort(e.port())) {
				return "v4 but not v3, yet no Zeek FTP record on another port: " + e.JSON()
			}
			return ""
		}, genNetEvent()),
	})
	const tries = 200000
	dstIn := func(nets []netip.Prefix) func(netEvent) bool {
		return func(e netEvent) bool { return anyIn(e.dst(), nets) }
	}
	t.Run("current ⊊ v4", func(t *testing.T) {
		// Strict: the four ranges version 6 added, link-local and multicast.
		var ws []*witness
		for _, p := range append(append([]netip.Prefix{}, netLinkLocal...), netMulticast...) {
			ws = append(ws, &witness{what: "destination in " + p.String(), class: dstIn([]netip.Prefix{p})})
		}
		findWitnesses(t, seed, tries, v4, cur, ws)
		for _, w := range ws {
			if w.found != nil && !anyIn(w.found.dst(), append(append([]netip.Prefix{}, netLinkLocal...), netMulticast...)) {
				t.Errorf("witness %s has no link-local or multicast destination", w.found.JSON())
			}
		}
	})
	t.Run("v3 ⊊ v1", func(t *testing.T) {
		findWitnesses(t, seed, tries, v1, v3, []*witness{
			{what: "outbound from a public source", class: func(e netEvent) bool {
				return anyIs(e.direction(), "outbound") && !anyIn(e.src(), netPrivate)
			}},
			{what: "destination loopback", class: dstIn(netLoopback)},
		})
	})
	t.Run("v4 ⊄ v3", func(t *testing.T) {
		findWitnesses(t, seed, tries, v4, v3, []*witness{
			{what: "a Zeek FTP record on another port", class: func(e netEvent) bool {
				return anyIs(e.dataset(), "zeek.ftp") && !anyFTPPort(e.port())
			}},
		})
	})
	t.Run("v3 ⊄ v4", func(t *testing.T) {
		findWitnesses(t, seed, tries, v3, v4, []*witness{
			{what: "no event.category", class: func(e netEvent) bool { return len(e.category()) == 0 }},
			{what: "event.category not a network one", class: func(e netEvent) bool {
				return len(e.category()) > 0 && !anyIs(e.category(), "network", "network_traffic")
			}},
		})
	})
}

// TestFTPFormattingOnlyVersions checks that the versions the history marks
// as formatting only (5, 7, 8) parse to the tree of the version before
// them and match the same events, and that the history has exactly four
// distinct queries.
func TestFTPFormattingOnlyVersions(t *testing.T) {
	seed := propSeed(t)
	progs := ftpPrograms(t)
	h := builtin.FTP().History
	var formatting []int
	var pairs [][2]*ftpProgram
	for i, v := range h {
		if !v.FormattingOnly() {
			continue
		}
		formatting = append(formatting, v.Number)
		prev := h[i-1].Number
		a, b := progs[prev], progs[v.Number]
		if !ast.Equal(a.expr, b.expr) {
			t.Errorf("version %d is formatting only, but its tree differs from version %d's:\n%s", v.Number, prev, asttest.Diff(a.expr, b.expr))
		}
		if a.expr.String() != b.expr.String() {
			t.Errorf("versions %d and %d print differently:\n%s\n%s", prev, v.Number, a.expr, b.expr)
		}
		pairs = append(pairs, [2]*ftpProgram{a, b})
	}
	props := map[string]gopter.Prop{
		"formatting-only versions match alike": prop.ForAll(func(e netEvent) string {
			m := e.Map()
			for _, pair := range pairs {
				if x, y := pair[0].prog.Match(m), pair[1].prog.Match(m); x != y {
					return fmt.Sprintf("v%d: %v, v%d: %v on %s", pair[0].version, x, pair[1].version, y, e.JSON())
				}
			}
			return ""
		}, genNetEvent()),
	}
	if fmt.Sprint(formatting) != "[5 7 8]" {
		t.Errorf("formatting-only versions %v, want [5 7 8]", formatting)
	}
	checkProps(t, seed, 2000, props)

	// The distinct queries, by tree: {1,2} {3} {4,5} {6,7,8}.
	var classes [][]int
	for n := 1; n <= 8; n++ {
		placed := false
		for i, c := range classes {
			if ast.Equal(progs[c[0]].expr, progs[n].expr) {
				classes[i] = append(c, n)
				placed = true
				break
			}
		}
		if !placed {
			classes = append(classes, []int{n})
		}
	}
	if got := fmt.Sprint(classes); got != "[[1 2] [3] [4 5] [6 7 8]]" {
		t.Errorf("versions grouped by tree: %s, want [[1 2] [3] [4 5] [6 7 8]]", got)
	}
}

// ---------------------------------------------------------------------------
// Boolean laws on trees built from the rule's own field tests

// ftpAtoms are the field tests the FTP queries are made of, each with its
// meaning in plain Go.
var ftpAtoms = []struct {
	query  string
	oracle func(netEvent) bool
}{
	{"event.category:(network or network_traffic)", func(e netEvent) bool { return anyIs(e.category(), "network", "network_traffic") }},
	{"network.transport:tcp", func(e netEvent) bool { return anyIs(e.transport(), "tcp") }},
	{"destination.port:(20 or 21)", func(e netEvent) bool { return anyFTPPort(e.port()) }},
	{"event.dataset:zeek.ftp", func(e netEvent) bool { return anyIs(e.dataset(), "zeek.ftp") }},
	{"network.direction:outbound", func(e netEvent) bool { return anyIs(e.direction(), "outbound") }},
	{"source.ip:(10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16)", func(e netEvent) bool { return anyIn(e.src(), netPrivate) }},
	{`destination.ip:(10.0.0.0/8 or 127.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 or "::1")`, func(e netEvent) bool { return anyIn(e.dst(), netV3Dst) }},
	{`destination.ip:(10.0.0.0/8 or 127.0.0.0/8 or 169.254.0.0/16 or 172.16.0.0/12 or 192.168.0.0/16 or 224.0.0.0/4 or "::1" or "FE80::/10" or "FF00::/8")`, func(e netEvent) bool { return anyIn(e.dst(), netCurDst) }},
	{"destination.port >= 20", func(e netEvent) bool {
		return anyPort(e.port(), func(n float64) bool { return n >= 20 })
	}},
	{"destination.port < 22", func(e netEvent) bool {
		return anyPort(e.port(), func(n float64) bool { return n < 22 })
	}},
	{"source.ip:*", func(e netEvent) bool { return len(e.src()) > 0 }},
}

func anyPort(vals []portVal, f func(float64) bool) bool {
	for _, p := range vals {
		if f(float64(p.N)) {
			return true
		}
	}
	return false
}

// boolTree is a boolean combination of ftpAtoms, decoded from a list of
// small numbers (so that gopter shrinks it by shrinking the list).
type boolTree struct {
	op    string // "atom", "and", "or", "not"
	atom  int
	kids  []*boolTree
	query ast.Expr
}

// decodeTree reads a tree from code, at most depth levels deep.
func decodeTree(code []int, atoms []ast.Expr) *boolTree {
	i := 0
	next := func() int {
		if i >= len(code) {
			return 0
		}
		i++
		return code[i-1]
	}
	var rec func(depth int) *boolTree
	rec = func(depth int) *boolTree {
		c := next()
		if depth <= 0 || c < len(atoms) {
			a := c % len(atoms)
			return &boolTree{op: "atom", atom: a, query: atoms[a]}
		}
		switch (c - len(atoms)) % 3 {
		case 0:
			return &boolTree{op: "not", kids: []*boolTree{rec(depth - 1)}}
		case 1:
			return &boolTree{op: "and", kids: []*boolTree{rec(depth - 1), rec(depth - 1)}}
		default:
			return &boolTree{op: "or", kids: []*boolTree{rec(depth - 1), rec(depth - 1)}}
		}
	}
	return rec(4)
}

// expr builds the tree's query as an ast tree, as the parser would.
func (b *boolTree) expr() ast.Expr {
	switch b.op {
	case "atom":
		return b.query
	case "not":
		return &ast.NotExpr{X: b.kids[0].expr()}
	}
	args := []ast.Expr{b.kids[0].expr(), b.kids[1].expr()}
	if b.op == "and" {
		return &ast.AndExpr{Args: args}
	}
	return &ast.OrExpr{Args: args}
}

// oracle evaluates the tree with the atoms' oracles.
func (b *boolTree) oracle(e netEvent) bool {
	switch b.op {
	case "atom":
		return ftpAtoms[b.atom].oracle(e)
	case "not":
		return !b.kids[0].oracle(e)
	case "and":
		return b.kids[0].oracle(e) && b.kids[1].oracle(e)
	}
	return b.kids[0].oracle(e) || b.kids[1].oracle(e)
}

// reparse prints x and parses it back.
func reparse(x ast.Expr) (ast.Expr, error) { return kql.Parse(ast.Print(x)) }

// TestFTPBooleanLaws checks, on trees of the rule's field tests and
// generated events: the compiled tree matches as the oracle composed from
// the atoms says; the printed tree parses back to the same tree; "not (not
// x)" matches as x; De Morgan's laws hold on results.
func TestFTPBooleanLaws(t *testing.T) {
	seed := propSeed(t)
	atoms := make([]ast.Expr, len(ftpAtoms))
	for i, a := range ftpAtoms {
		x, err := kql.Parse(a.query)
		if err != nil {
			t.Fatalf("%s: %v", a.query, err)
		}
		atoms[i] = x
	}
	genCode := gen.SliceOfN(24, gen.IntRange(0, len(atoms)+8))
	compile := func(x ast.Expr) (*eval.Program, string) {
		p, err := eval.Compile(x)
		if err != nil {
			return nil, fmt.Sprintf("Compile(%s): %v", x, err)
		}
		return p, ""
	}
	// Each tree is checked on several events: compiling is the costly part.
	const trees, perTree = 200, 12
	genEvents := gen.SliceOfN(perTree, genNetEvent())
	checkProps(t, seed, trees, map[string]gopter.Prop{
		"Match = composed oracle, and round trip": prop.ForAll(func(code []int, es []netEvent) string {
			tr := decodeTree(code, atoms)
			x := tr.expr()
			y, err := reparse(x)
			if err != nil {
				return fmt.Sprintf("%s does not parse back: %v", x, err)
			}
			if !ast.Equal(x, y) {
				return fmt.Sprintf("%s parses back to another tree:\n%s", x, asttest.Diff(x, y))
			}
			p, msg := compile(y)
			if p == nil {
				return msg
			}
			for _, e := range es {
				if got, want := p.Match(e.Map()), tr.oracle(e); got != want {
					return fmt.Sprintf("%s: Match = %v, oracle = %v on %s", x, got, want, e.JSON())
				}
			}
			return ""
		}, genCode, genEvents),
		"not (not x) = x": prop.ForAll(func(code []int, es []netEvent) string {
			x := decodeTree(code, atoms).expr()
			nn, err := kql.Parse("not (not (" + ast.Print(x) + "))")
			if err != nil {
				return fmt.Sprintf("not (not %s): %v", x, err)
			}
			if want := (&ast.NotExpr{X: &ast.NotExpr{X: x}}); !ast.Equal(nn, want) {
				return fmt.Sprintf("not (not %s) parses to %s", x, nn)
			}
			p, msg := compile(x)
			if p == nil {
				return msg
			}
			q, msg := compile(nn)
			if q == nil {
				return msg
			}
			for _, e := range es {
				if m := e.Map(); p.Match(m) != q.Match(m) {
					return fmt.Sprintf("%s: %v, %s: %v on %s", x, p.Match(m), nn, q.Match(m), e.JSON())
				}
			}
			return ""
		}, genCode, genEvents),
		"De Morgan": prop.ForAll(func(ca, cb []int, es []netEvent) string {
			a, b := decodeTree(ca, atoms).expr(), decodeTree(cb, atoms).expr()
			not := func(x ast.Expr) ast.Expr { return &ast.NotExpr{X: x} }
			laws := [][2]ast.Expr{
				{not(&ast.OrExpr{Args: []ast.Expr{a, b}}), &ast.AndExpr{Args: []ast.Expr{not(a), not(b)}}},
				{not(&ast.AndExpr{Args: []ast.Expr{a, b}}), &ast.OrExpr{Args: []ast.Expr{not(a), not(b)}}},
			}
			for _, law := range laws {
				var ps [2]*eval.Program
				for i, x := range law {
					p, msg := compile(x)
					if p == nil {
						return msg
					}
					ps[i] = p
				}
				for _, e := range es {
					if m := e.Map(); ps[0].Match(m) != ps[1].Match(m) {
						return fmt.Sprintf("%s: %v but %s: %v on %s", ps[0], ps[0].Match(m), ps[1], ps[1].Match(m), e.JSON())
					}
				}
			}
			return ""
		}, genCode, genCode, genEvents),
	})
}

// TestFTPGeneratorCoverage checks that the generator reaches what issue 5
// asks of it: every range inside, on both boundaries and just outside, in
// IPv4, IPv6 and IPv4-mapped form; ports 20 and 21 as numbers and text; all
// value modes and event shapes.
func TestFTPGeneratorCoverage(t *testing.T) {
	next := sample(propSeed(t))
	seen := map[string]bool{}
	type mark struct {
		what string
		addr netip.Addr
	}
	marks := map[netip.Addr][]string{}
	for _, p := range netAll {
		for _, m := range []mark{{"first ", p.Addr()}, {"last ", lastAddr(p)}, {"before ", p.Addr().Prev()}, {"after ", lastAddr(p).Next()}} {
			marks[m.addr] = append(marks[m.addr], m.what+p.String())
		}
	}
	for i := 0; i < propEvents/2; i++ {
		e := next()
		for _, s := range append(append([]string{}, e.Src...), e.Dst...) {
			a := netip.MustParseAddr(s)
			for _, u := range []netip.Addr{a, a.Unmap()} {
				for _, w := range marks[u] {
					seen[w] = true
				}
				for _, p := range netAll {
					if p.Contains(u) {
						seen["in "+p.String()] = true
						if a.Is4In6() && u.Is4() {
							seen["mapped in "+p.String()] = true
						}
					}
				}
			}
		}
		for _, p := range e.Port {
			seen[fmt.Sprintf("port %d form %d", p.N, p.Form)] = true
		}
		for i, s := range e.Styles {
			seen[fmt.Sprintf("field %d style %d", i, s)] = true
		}
		seen[fmt.Sprintf("category mode %d", e.CategoryMode)] = true
		if len(e.category()) == 0 {
			seen["no category"] = true
		}
	}
	var want []string
	for _, p := range netAll {
		for _, w := range []string{"first ", "last ", "in "} {
			want = append(want, w+p.String())
		}
		if p.Addr().Is4() && p.Bits() > 0 {
			want = append(want, "mapped in "+p.String())
		}
		if p.Addr().Prev().IsValid() {
			want = append(want, "before "+p.String())
		}
		if lastAddr(p).Next().IsValid() {
			want = append(want, "after "+p.String())
		}
	}
	for _, n := range []int{20, 21, 19, 22} {
		for f := 0; f < portForms; f++ {
			want = append(want, fmt.Sprintf("port %d form %d", n, f))
		}
	}
	for i := range fieldNames {
		for s := 0; s < numStyles; s++ {
			want = append(want, fmt.Sprintf("field %d style %d", i, s))
		}
	}
	for m := 0; m < numModes; m++ {
		want = append(want, fmt.Sprintf("category mode %d", m))
	}
	want = append(want, "no category")
	for _, w := range want {
		if !seen[w] {
			t.Errorf("the generator never produced: %s", w)
		}
	}
}
