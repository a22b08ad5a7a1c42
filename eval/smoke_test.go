package eval

import (
	"testing"

	"github.com/kqlrules/kqlrules/kql"
)

func TestSmoke(t *testing.T) {
	q := `event.category:(network or network_traffic) and network.transport:tcp and (destination.port:(20 or 21) or event.dataset:zeek.ftp) and source.ip:( 10.0.0.0/8 or 172.16.0.0/12 or 192.168.0.0/16 ) and not destination.ip:( 10.0.0.0/8 or 127.0.0.0/8 or 169.254.0.0/16 or 172.16.0.0/12 or 192.168.0.0/16 or 224.0.0.0/4 or "::1" or "FE80::/10" or "FF00::/8" )`
	x, err := kql.Parse(q)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Compile(x)
	if err != nil {
		t.Fatal(err)
	}
	ev := map[string]any{"event.category": []any{"network"}, "network.transport": "tcp", "destination.port": 21.0, "source.ip": "10.1.2.3", "destination.ip": "8.8.8.8"}
	t.Log(p.Match(ev))
	t.Log(p.Explain(ev))
	ev2 := map[string]any{"event": map[string]any{"category": "network"}, "network": map[string]any{"transport": "tcp"}, "destination": map[string]any{"port": 21, "ip": "fe80::1"}, "source.ip": "10.1.2.3"}
	t.Log(p.Match(ev2))
	t.Log(p.Explain(ev2))
}
