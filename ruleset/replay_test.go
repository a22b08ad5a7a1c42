package ruleset_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/ruleset"
)

// TestTreeReplay loads Elastic's whole rules tree, replays every query
// rule in KQL through the set over the Beats corpus, and checks that each
// rule's report and alerts are those of replay.Run for that rule alone
// (every query rule, one in five of the other types);
// the FTP rule gives its 11 alerts.
func TestTreeReplay(t *testing.T) {
	if testing.Short() {
		t.Skip("skipped with -short: every query rule of the tree run alone too")
	}
	files, err := ruleset.Load(corpus.Path(t, "detection-rules"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != 2192 {
		t.Errorf("%d rule files, want the 2192 of rules/ and rules_building_block/", len(files))
	}
	for _, f := range files {
		switch {
		case f.Status == ruleset.Failed:
			t.Errorf("%s: %v", f.Where(), f.Err)
		case f.Status == ruleset.Skipped && f.Reason == "":
			t.Errorf("%s: skipped without a reason", f.Where())
		case f.Status == ruleset.Loaded && f.Rule.Language != rules.LanguageKuery:
			t.Errorf("%s: a %s rule in %s loaded", f.Where(), f.Rule.Type, f.Rule.Language)
		case f.Status == ruleset.Skipped && f.Rule.Type == rules.TypeQuery && f.Rule.Language == rules.LanguageKuery &&
			!strings.Contains(f.Reason, "not supported") && !strings.Contains(f.Reason, "not replayed"):
			t.Errorf("%s: a KQL query rule skipped: %s", f.Where(), f.Reason)
		}
	}
	rs := ruleset.Rules(files)
	set, err := ruleset.New(rs)
	if err != nil {
		t.Fatal(err)
	}
	evs := corpusEvents(t)

	alerts := map[string][]string{} // rule_id: alert UUIDs
	rp, err := replay.NewReplay(rs, replay.WithAnyIndex(), replay.WithAlertFunc(func(a *replay.Alert) error {
		id := a.Document()["kibana.alert.rule.rule_id"].(string)
		alerts[id] = append(alerts[id], a.UUID)
		return nil
	}))
	if err != nil {
		t.Fatal(err)
	}
	var dst []int
	for n, ev := range evs {
		dst = set.MatchMap(ev, dst[:0])
		if err := rp.Add(events.Record{Fields: ev, File: "-", Line: n + 1}, dst); err != nil {
			t.Fatal(err)
		}
	}
	reps, err := rp.Finish()
	if err != nil {
		t.Fatal(err)
	}
	// Each comparison costs a run of its own over the corpus: every query
	// rule and one in five of the other types (new terms keep a history)
	// are compared, one in twenty of each under the race detector, which
	// makes matching many times slower; the FTP rule always.
	queryStep, otherStep := 1, 5
	if raceEnabled {
		queryStep, otherStep = 20, 100
	}
	queries, others, sawFTP := 0, 0, false
	for i, r := range rs {
		ftp := strings.Contains(r.Name, "FTP (File Transfer Protocol)")
		sawFTP = sawFTP || ftp
		if r.Type == rules.TypeQuery {
			if queries++; queries%queryStep != 0 && !ftp {
				continue
			}
		} else if others++; others%otherStep != 0 {
			continue
		}
		var own []string
		want, err := replay.Run(r, replay.EventsOf(evs...), replay.WithAnyIndex(), replay.WithAlertFunc(func(a *replay.Alert) error {
			own = append(own, a.UUID)
			return nil
		}))
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(reps[i], want) {
			t.Errorf("%s: the set's report differs from Run's:\n got %+v\nwant %+v", r.Name, reps[i], want)
		}
		if !reflect.DeepEqual(alerts[r.RuleID], own) {
			t.Errorf("%s: alerts %v, Run's %v", r.Name, alerts[r.RuleID], own)
		}
		if ftp && reps[i].AlertCount != 11 {
			t.Errorf("%s: %d alerts, want 11", r.Name, reps[i].AlertCount)
		}
	}
	if !sawFTP {
		t.Error("the FTP rule is not among the replayed rules")
	}
}
