// Command gen writes internal/sample/ftp_sample.ndjson, the bundled sample of
// synthetic ECS network events that examples/ftp runs the FTP rule's
// versions over. It is deterministic: the same program writes the same
// file. Run it from the repository root:
//
//	go run ./internal/sample/gen
//
// Each FTP case carries labels.case, a few words on what it exercises;
// the noise events (DNS, HTTPS, SSH...) carry none.
package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log"
	"os"
	"slices"
	"time"
)

const (
	fb = "filebeat-8.5.0-2023.01.01"
	pb = "packetbeat-8.5.0-2023.01.01"
	ab = "auditbeat-8.5.0-2023.01.01"
	wb = "winlogbeat-8.5.0-2023.01.01"
	mb = "metricbeat-8.5.0-2023.01.01"
	ep = "data_stream:logs-endpoint.events.network-default" // data_stream fields, no _index
)

// c is one event to write.
type c struct {
	id       string
	index    string
	nested   bool
	category any // string, []string or nil (absent)
	dataset  string
	trans    string
	dir      string
	src      string
	sport    any
	dst      string
	dport    any // int or numeric string
	what     string
	noIngest bool // no event.ingested
	noTime   bool // neither @timestamp nor event.ingested
	lateBy   time.Duration
}

var cases = []c{
	{id: "ftp-01", index: fb, category: "network", trans: "tcp", src: "10.0.0.5", dst: "198.51.100.9", dport: 21, what: "FTP control to a public IPv4 address"},
	{id: "ftp-02", index: fb, nested: true, category: []string{"network"}, trans: "tcp", src: "10.0.0.5", dst: "198.51.100.9", dport: 20, what: "FTP data port 20, nested shape"},
	{id: "ftp-03", index: fb, category: "network", trans: "tcp", src: "10.0.0.6", dst: "203.0.113.10", dport: "21", what: "port as a numeric string"},
	{id: "ftp-04", index: fb, category: []string{"network", "network_traffic"}, trans: "tcp", src: "192.168.1.20", dst: "198.51.100.30", dport: 21, what: "category array, 192.168/16 source"},
	{id: "ftp-05", index: pb, category: "network_traffic", dataset: "network_traffic.flow", trans: "tcp", src: "10.0.0.7", dst: "198.51.100.4", dport: 21, what: "packetbeat flow (index dropped in v2, back in v4)"},
	{id: "ftp-06", index: pb, nested: true, category: []string{"network"}, dataset: "network_traffic.ftp", trans: "tcp", src: "172.20.1.1", dst: "203.0.113.44", dport: 21, what: "packetbeat FTP, 172.16/12 source"},
	{id: "ftp-07", index: ep, nested: true, category: []string{"network"}, dataset: "endpoint.events.network", trans: "tcp", src: "10.0.3.3", dst: "198.51.100.77", dport: 21, what: "Elastic Endpoint data stream (index from v4)"},
	{id: "ftp-08", index: ab, category: "network", trans: "tcp", src: "10.0.0.8", dst: "198.51.100.8", dport: 21, what: "auditbeat index (v1 only)"},
	{id: "ftp-09", index: wb, nested: true, category: []string{"network"}, trans: "tcp", src: "10.0.0.9", dst: "198.51.100.90", dport: 21, what: "winlogbeat index (v1 only)"},
	{id: "ftp-10", index: fb, category: "network", trans: "tcp", dir: "outbound", src: "10.0.0.10", dst: "10.9.9.9", dport: 21, what: "outbound to a private address (v1-v2 direction test)"},
	{id: "ftp-11", index: fb, nested: true, category: "network", trans: "tcp", dir: "outbound", src: "203.0.113.5", dst: "198.51.100.11", dport: 21, what: "outbound from a public source"},
	{id: "ftp-12", index: fb, category: "network", trans: "tcp", dir: "inbound", src: "198.51.100.20", dst: "10.0.0.21", dport: 21, what: "inbound from the Internet to an inside server"},
	{id: "ftp-13", index: fb, category: "network", trans: "tcp", src: "10.0.0.13", dst: "127.0.0.1", dport: 21, what: "loopback 127/8 destination"},
	{id: "ftp-14", index: fb, category: "network", trans: "tcp", src: "10.0.0.14", dst: "::1", dport: 21, what: "IPv6 loopback ::1 destination"},
	{id: "ftp-15", index: fb, trans: "tcp", src: "10.0.0.15", dst: "198.51.100.15", dport: 21, what: "no event.category"},
	{id: "ftp-16", index: fb, category: "network", dataset: "zeek.ftp", trans: "tcp", src: "10.0.0.16", dst: "198.51.100.16", dport: 2121, what: "Zeek FTP record on port 2121"},
	{id: "ftp-17", index: fb, nested: true, category: []string{"network"}, dataset: "zeek.ftp", trans: "tcp", src: "10.0.0.17", dst: "198.51.100.17", dport: 21, what: "Zeek FTP record on port 21"},
	{id: "ftp-18", index: fb, category: "network", trans: "tcp", src: "10.0.0.18", dst: "169.254.10.20", dport: 21, what: "link-local 169.254/16 destination"},
	{id: "ftp-19", index: fb, category: "network", trans: "tcp", src: "10.0.0.19", dst: "224.0.0.251", dport: 21, what: "multicast 224/4 destination"},
	{id: "ftp-20", index: pb, nested: true, category: []string{"network"}, trans: "tcp", src: "10.0.0.20", dst: "239.255.255.250", dport: 20, what: "multicast 239.255.255.250 destination"},
	{id: "ftp-21", index: fb, category: "network", trans: "tcp", src: "10.0.0.21", dst: "fe80::1", dport: 21, what: "link-local fe80::/10 destination"},
	{id: "ftp-22", index: fb, category: "network", trans: "tcp", src: "10.0.0.22", dst: "ff02::fb", dport: 21, what: "multicast ff00::/8 destination"},
	{id: "ftp-23", index: fb, nested: true, category: "network", trans: "tcp", src: "10.0.0.23", dst: "FE80::ABCD", dport: 21, what: "upper-case FE80:: destination"},
	{id: "ftp-24", index: fb, category: "network", trans: "tcp", src: "::ffff:10.1.2.3", dst: "198.51.100.24", dport: 21, what: "IPv4-mapped private source"},
	{id: "ftp-25", index: fb, category: "network", trans: "tcp", src: "10.0.0.25", dst: "::ffff:192.168.1.10", dport: 21, what: "IPv4-mapped private destination"},
	{id: "ftp-26", index: fb, category: "network", trans: "tcp", src: "10.0.0.26", dst: "::ffff:169.254.1.1", dport: 21, what: "IPv4-mapped link-local destination"},
	{id: "ftp-27", index: fb, nested: true, category: []string{"network"}, trans: "tcp", src: "10.0.0.27", dst: "2001:db8:85a3::8a2e:370:7334", dport: 21, what: "public IPv6 destination"},
	{id: "ftp-28", index: fb, category: "network", trans: "tcp", src: "fd12::1", dst: "2001:db8::28", dport: 21, what: "IPv6 unique-local source"},
	{id: "ftp-29", index: fb, category: "network", trans: "tcp", dir: "outbound", src: "fd12::1", dst: "2001:db8::29", dport: 21, what: "IPv6 source, outbound"},
	{id: "ftp-30", index: fb, category: "network", trans: "TCP", src: "10.0.0.30", dst: "198.51.100.30", dport: 21, what: "transport TCP in capitals (keywords are exact)"},
	{id: "ftp-31", index: fb, category: "network", trans: "udp", src: "10.0.0.31", dst: "198.51.100.31", dport: 21, what: "UDP to port 21"},
	{id: "ftp-32", index: fb, category: "network", trans: "tcp", src: "10.0.0.32", dst: "198.51.100.32", dport: 2121, what: "port 2121 without Zeek"},
	{id: "ftp-33", index: fb, category: "network", trans: "tcp", src: "172.31.255.254", dst: "172.32.0.1", dport: 21, what: "172.32.0.1 is outside 172.16/12"},
	{id: "ftp-34", index: fb, nested: true, category: "network", trans: "tcp", src: "10.0.0.34", dst: "100.64.0.1", dport: "20", what: "carrier-grade NAT 100.64/10 destination"},
	{id: "ftp-35", index: fb, category: "network", trans: "tcp", src: "192.168.1.35", dst: "192.168.7.7", dport: 21, what: "private to private"},
	{id: "ftp-36", index: mb, category: "network", trans: "tcp", src: "10.0.0.36", dst: "198.51.100.36", dport: 21, what: "metricbeat index (never in scope)"},
	{id: "ftp-01", index: fb, category: "network", trans: "tcp", src: "10.0.0.5", dst: "198.51.100.9", dport: 21, what: "ftp-01 shipped twice (same _id)"},
	{id: "ftp-38", index: fb, category: "network", trans: "tcp", src: "10.0.0.38", dst: "198.51.100.38", dport: 21, noTime: true, what: "no @timestamp, no event.ingested"},
	{id: "ftp-39", index: fb, category: "network", trans: "tcp", src: "10.0.0.39", dst: "198.51.100.39", dport: 21, lateBy: 3 * time.Hour, what: "ingested 3 hours after it happened"},
	{id: "ftp-40", index: fb, category: "network", trans: "tcp", dir: "egress", src: "10.0.0.40", dst: "10.40.0.1", dport: 21, what: "direction egress (ECS 1.10) to a private address"},
	{id: "ftp-41", index: pb, category: "network", trans: "tcp", src: "10.0.0.41", dst: "198.51.100.41", dport: 21, noIngest: true, what: "no event.ingested: @timestamp is the time"},
}

// noise: the traffic around the FTP cases.
func noise() []c {
	var out []c
	kinds := []struct {
		index, trans, dataset string
		port                  int
	}{
		{pb, "udp", "network_traffic.dns", 53},
		{pb, "tcp", "network_traffic.tls", 443},
		{fb, "tcp", "zeek.conn", 22},
		{fb, "tcp", "zeek.http", 80},
		{ep, "tcp", "endpoint.events.network", 443},
		{wb, "tcp", "windows.sysmon_operational", 445},
	}
	for i := range 48 {
		k := kinds[i%len(kinds)]
		out = append(out, c{
			id: fmt.Sprintf("noise-%02d", i+1), index: k.index, nested: i%3 == 0,
			category: []string{"network"}, dataset: k.dataset, trans: k.trans,
			src: fmt.Sprintf("10.%d.%d.%d", i%4, i%7, 10+i), sport: 40000 + i*7,
			dst: fmt.Sprintf("198.51.100.%d", 100+i), dport: k.port,
		})
	}
	return out
}

func main() {
	start := time.Date(2023, 1, 1, 8, 0, 0, 0, time.UTC)
	all := noise()
	// interleave: an FTP case after every noise event or so
	var events []c
	for i := 0; i < len(all) || i < len(cases); i++ {
		if i < len(all) {
			events = append(events, all[i])
		}
		if i < len(cases) {
			events = append(events, cases[i])
		}
	}
	type line struct {
		t   time.Time
		doc map[string]any
	}
	var lines []line
	for i, e := range events {
		ts := start.Add(time.Duration(i) * 47 * time.Second)
		ingested := ts.Add(time.Duration(1+i%4) * time.Second)
		doc := build(e, ts.Add(-e.lateBy), ingested)
		t := ingested
		if e.noIngest {
			t = ts
		}
		lines = append(lines, line{t, doc})
	}
	slices.SortStableFunc(lines, func(a, b line) int { return a.t.Compare(b.t) })
	var buf bytes.Buffer
	for _, l := range lines {
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(l.doc); err != nil {
			log.Fatal(err)
		}
	}
	if err := os.WriteFile("internal/sample/ftp_sample.ndjson", buf.Bytes(), 0o644); err != nil {
		log.Fatal(err)
	}
	fmt.Printf("wrote internal/sample/ftp_sample.ndjson: %d events\n", len(lines))
}

// build writes one event, flat (dotted keys) or nested.
func build(e c, ts, ingested time.Time) map[string]any {
	f := map[string]any{"_id": e.id}
	if !e.noTime {
		f["@timestamp"] = ts.Format(time.RFC3339Nano)
		if !e.noIngest {
			f["event.ingested"] = ingested.Format(time.RFC3339Nano)
		}
	}
	if len(e.index) > len("data_stream:") && e.index[:len("data_stream:")] == "data_stream:" {
		f["data_stream.type"], f["data_stream.dataset"], f["data_stream.namespace"] = "logs", "endpoint.events.network", "default"
	} else {
		f["_index"] = e.index
	}
	if e.category != nil {
		f["event.category"] = e.category
	}
	if e.dataset != "" {
		f["event.dataset"] = e.dataset
	}
	f["event.kind"] = "event"
	f["network.transport"] = e.trans
	if e.dir != "" {
		f["network.direction"] = e.dir
	}
	f["source.ip"] = e.src
	if e.sport != nil {
		f["source.port"] = e.sport
	} else {
		f["source.port"] = 50000 + len(e.id)*13
	}
	f["destination.ip"] = e.dst
	f["destination.port"] = e.dport
	if e.what != "" {
		f["labels.case"] = e.what
	}
	if !e.nested {
		return f
	}
	// nest every dotted key but _id, _index, @timestamp
	n := map[string]any{}
	for k, v := range f {
		put(n, k, v)
	}
	return n
}

func put(m map[string]any, key string, v any) {
	for i := 0; i < len(key); i++ {
		if key[i] == '.' && key[0] != '_' && key[0] != '@' {
			sub, ok := m[key[:i]].(map[string]any)
			if !ok {
				sub = map[string]any{}
				m[key[:i]] = sub
			}
			put(sub, key[i+1:], v)
			return
		}
	}
	m[key] = v
}
