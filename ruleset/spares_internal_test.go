package ruleset

import (
	"context"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

func TestSparesBound(t *testing.T) {
	var s spares[int]
	if _, ok := s.get(); ok {
		t.Fatal("an empty list gave a spare")
	}
	for i := range 5 {
		s.put(i, 3)
	}
	var got []int
	for {
		v, ok := s.get()
		if !ok {
			break
		}
		got = append(got, v)
	}
	if len(got) != 3 || got[0] != 2 || got[1] != 1 || got[2] != 0 {
		t.Fatalf("got %v, want the first 3 put, last first", got)
	}
}

// TestReplayLeavesItsBatches checks that a replay gives back the batches
// it took, the reader's last (never sent) included: over no events the
// reader takes one batch and sends none, and the next replay takes the
// same again; over events, the batches a replay found are kept again
// (how many more it makes depends on how the goroutines run).
func TestReplayLeavesItsBatches(t *testing.T) {
	r, err := rules.Parse("r.toml", []byte(`[metadata]
creation_date = "2024/01/01"
maturity = "production"
updated_date = "2024/01/01"

[rule]
author = ["x"]
description = "d"
from = "now-6m"
index = ["logs-*"]
language = "kuery"
license = "Elastic License v2"
name = "r"
risk_score = 21
rule_id = "00000000-0000-0000-0000-000000000001"
severity = "low"
type = "query"
query = "event.kind:event"
`))
	if err != nil {
		t.Fatal(err)
	}
	set, err := New([]*rules.Rule{r})
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 3 * BatchSize} {
		lines := strings.Repeat(`{"@timestamp":"2024-01-01T00:00:00Z","event":{"kind":"event"}}`+"\n", n)
		cfg := ReplayConfig{Workers: 1, Options: []replay.RunOption{replay.WithAnyIndex()}}
		var kept []*batch
		for i := range 3 {
			if _, err := set.Replay(context.Background(), events.ReadRaw("t", strings.NewReader(lines)), cfg); err != nil {
				t.Fatal(err)
			}
			now := append([]*batch(nil), set.batches.list...)
			if len(now) == 0 {
				t.Fatalf("%d events, replay %d: the set kept no batch", n, i+1)
			}
			switch {
			case n == 0 && (len(now) != 1 || i > 0 && now[0] != kept[0]):
				t.Fatalf("no events, replay %d: the set keeps %d batches, not the one of the replay before", i+1, len(now))
			case i > 0 && !holds(now, kept):
				t.Fatalf("%d events, replay %d: the set lost a batch of the replay before", n, i+1)
			}
			kept = now
		}
	}
}

// holds reports whether a holds every batch of b.
func holds(a, b []*batch) bool {
	in := map[*batch]bool{}
	for _, x := range a {
		in[x] = true
	}
	for _, x := range b {
		if !in[x] {
			return false
		}
	}
	return true
}
