package eval

import (
	"sync"
	"testing"
)

// connEvent is an event that is not a map: a struct with typed fields.
type connEvent struct {
	transport string
	dstPort   int
	srcIP     string
	dstIP     string
	category  []string
}

func (c *connEvent) Values(p *Path, v Visitor) bool {
	switch p.Name {
	case "network.transport":
		return v.Visit(c.transport)
	case "destination.port":
		return v.Visit(c.dstPort)
	case "source.ip":
		return v.Visit(c.srcIP)
	case "destination.ip":
		return v.Visit(c.dstIP)
	case "event.category":
		for _, s := range c.category {
			if v.Visit(s) {
				return true
			}
		}
	}
	return false
}

func (c *connEvent) Fields(v FieldVisitor) bool {
	return v.VisitField("network.transport", c.transport) || v.VisitField("destination.port", c.dstPort) ||
		v.VisitField("source.ip", c.srcIP) || v.VisitField("destination.ip", c.dstIP)
}

func TestMatchEvent(t *testing.T) {
	p := compileT(t, ftpQuery)
	ev := &connEvent{"tcp", 21, "10.1.2.3", "8.8.8.8", []string{"network"}}
	if !p.MatchEvent(ev) {
		t.Errorf("no match:\n%s", p.ExplainEvent(ev))
	}
	ev.dstIP = "::1"
	if p.MatchEvent(ev) {
		t.Error("matched ::1")
	}
	if !compileT(t, `8.8.8.8 or tcp`).MatchEvent(ev) {
		t.Error("free text did not see the struct's fields")
	}
	// A sub-event inside a map is walked through its own Values.
	m := map[string]any{"conn": Event(&connEvent{transport: "udp"})}
	if !compileT(t, `conn.network.transport:udp`).Match(m) {
		t.Error("sub-event not walked")
	}
}

func TestConcurrentMatch(t *testing.T) {
	p := compileT(t, ftpQuery)
	evs := ftpEvents(t)
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 200 {
				for name, ev := range evs {
					if got := p.Match(ev); got != wantFTP[name] {
						t.Errorf("%s: %v", name, got)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}
