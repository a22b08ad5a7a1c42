package replay_test

import (
	"strings"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// TestExceptions checks exception entries as Kibana's buildExceptionFilter
// (kbn-securitysolution-list-utils, build_exception_filter) turns them
// into a negated filter: one event, one item each, and whether the event
// still alerts.
func TestExceptions(t *testing.T) {
	ev := map[string]any{
		"_index": "logs-a", "@timestamp": "2024-03-01T10:00:00Z",
		"user.name": "alice", "process.name": "Backup.exe",
		"file": map[string]any{"signer": []any{
			map[string]any{"name": "Acme", "trusted": true},
			map[string]any{"name": "Other", "trusted": false},
		}},
	}
	tests := []struct {
		name   string
		item   string // the item's entries
		alerts bool
	}{
		{"match", `[{"field":"user.name","operator":"included","type":"match","value":"alice"}]`, false},
		{"match excluded", `[{"field":"user.name","operator":"excluded","type":"match","value":"alice"}]`, true},
		{"match is case-sensitive", `[{"field":"process.name","operator":"included","type":"match","value":"backup.exe"}]`, true},
		{"match_any", `[{"field":"user.name","operator":"included","type":"match_any","value":["bob","alice"]}]`, false},
		{"exists", `[{"field":"process.name","operator":"included","type":"exists"}]`, false},
		{"exists excluded", `[{"field":"process.pid","operator":"excluded","type":"exists"}]`, false},
		{"wildcard", `[{"field":"process.name","operator":"included","type":"wildcard","value":"Back*.exe"}]`, false},
		{"entries ANDed", `[{"field":"user.name","operator":"included","type":"match","value":"alice"},{"field":"process.name","operator":"included","type":"match","value":"x"}]`, true},
		{"nested, one element", `[{"field":"file.signer","type":"nested","entries":[{"field":"name","operator":"included","type":"match","value":"Acme"},{"field":"trusted","operator":"included","type":"match","value":"true"}]}]`, false},
		{"nested, across elements", `[{"field":"file.signer","type":"nested","entries":[{"field":"name","operator":"included","type":"match","value":"Other"},{"field":"trusted","operator":"included","type":"match","value":"true"}]}]`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			export := `{"list_id":"l","namespace_type":"single","type":"detection"}
{"item_id":"i","list_id":"l","namespace_type":"single","type":"simple","entries":` + tt.item + `}
`
			items, err := replay.ReadExceptions(strings.NewReader(export))
			if err != nil {
				t.Fatal(err)
			}
			r := &rules.Rule{
				RuleID: "r", Name: "r", Type: rules.TypeQuery, Query: "", Index: []string{"logs-*"},
				Interval: 5 * time.Minute, From: "now-6m", MaxSignals: 100,
				ExceptionsList: []rules.ExceptionList{{ID: "x", ListID: "l", Type: "detection", NamespaceType: "single"}},
			}
			rep, err := replay.Run(r, replay.EventsOf(ev), replay.WithExceptions(items))
			if err != nil {
				t.Fatal(err)
			}
			if got := rep.AlertCount == 1; got != tt.alerts {
				t.Errorf("alerts %d, want an alert: %v", rep.AlertCount, tt.alerts)
			}
		})
	}
}

func TestReadExceptionsErrors(t *testing.T) {
	_, err := replay.ReadExceptions(strings.NewReader("{\"list_id\":\"l\"}\nnot json\n"))
	if err == nil || !strings.Contains(err.Error(), "line 2:") {
		t.Errorf("error %v, want line 2", err)
	}
	items, _ := replay.ReadExceptions(strings.NewReader(`{"item_id":"i","list_id":"l","entries":[{"field":"f","type":"regex"}]}`))
	r := &rules.Rule{RuleID: "r", Name: "r", Type: rules.TypeQuery, Index: []string{"*"}, Interval: time.Minute, From: "now-1m",
		ExceptionsList: []rules.ExceptionList{{ListID: "l"}}}
	_, err = replay.Run(r, replay.EventsOf(), replay.WithExceptions(items))
	if err == nil || !strings.Contains(err.Error(), `exception item "i" of list "l": entry f: unknown type "regex"`) {
		t.Errorf("error %v", err)
	}
}
