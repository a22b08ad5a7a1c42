package replay_test

import (
	"bytes"
	"reflect"
	"testing"

	"github.com/kqlrules/kqlrules"
	"github.com/kqlrules/kqlrules/events"
	samplefile "github.com/kqlrules/kqlrules/internal/sample"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

func TestReplayable(t *testing.T) {
	q := func(edit func(r *rules.Rule)) *rules.Rule {
		r := &rules.Rule{Type: rules.TypeQuery, Language: rules.LanguageKuery, Query: "a:1", Interval: rules.DefaultInterval, From: rules.DefaultFrom}
		edit(r)
		return r
	}
	for _, c := range []struct {
		rule *rules.Rule
		why  string
	}{
		{q(func(*rules.Rule) {}), ""},
		{q(func(r *rules.Rule) { r.Language = "" }), ""},
		{q(func(r *rules.Rule) {
			r.Type, r.Language, r.Query = rules.TypeEQL, rules.LanguageEQL, `any where a == 1`
		}), ""},
		{q(func(r *rules.Rule) {
			r.Type, r.Language, r.Query = rules.TypeEQL, rules.LanguageEQL, `sequence [any where a == 1] [any where a == 2]`
		}), ""},
		{q(func(r *rules.Rule) {
			r.Type, r.Language, r.Query = rules.TypeEQL, rules.LanguageEQL, `sequence [any where a == 1] [any where a == 2] | tail 3`
		}), ""},
		{q(func(r *rules.Rule) {
			r.Type, r.Language, r.Query = rules.TypeEQL, rules.LanguageEQL, `any where a == 1 | tail 3`
		}), ""},
		{q(func(r *rules.Rule) { r.Type, r.Language = rules.TypeESQL, rules.LanguageESQL }), "language esql is not supported"},
		{q(func(r *rules.Rule) { r.Language = rules.LanguageLucene }), "language lucene is not supported"},
		{q(func(r *rules.Rule) { r.Type, r.Query = rules.TypeMachineLearning, "" }), "machine_learning rules have no query"},
		// an indicator match rule replays with whatever threat index it is
		// given (WithThreat); with none it runs and warns, as Run does
		{q(func(r *rules.Rule) {
			r.Type = rules.TypeThreatMatch
			r.ThreatMapping = []rules.ThreatMapping{{Entries: []rules.ThreatMappingEntry{{Field: "a", Value: "threat.indicator.a", Type: "mapping"}}}}
		}), ""},
		{q(func(r *rules.Rule) { r.Type = rules.TypeThreatMatch }), "threat_mapping: want at least one mapping"},
		{q(func(r *rules.Rule) { r.Query = "  " }), "the rule has no query"},
		{q(func(r *rules.Rule) { r.Type = rules.TypeThreshold }), "a threshold rule needs threshold settings"},
	} {
		ok, why := replay.Replayable(c.rule)
		if ok != (c.why == "") || why != c.why {
			t.Errorf("%s %s %q: got %v %q, want %q", c.rule.Type, c.rule.Language, c.rule.Query, ok, why, c.why)
		}
	}
}

// TestReplayEqualsRun feeds the bundled sample to a Replay of the FTP rule
// and of a second rule, matching the queries outside, and compares each
// report with Run's for the rule alone.
func TestReplayEqualsRun(t *testing.T) {
	other := builtin.FTP()
	other.RuleID, other.Name, other.Query = "other", "DNS", "destination.port:53"
	other.TimestampOverride = ""
	rs := []*rules.Rule{builtin.FTP(), other}
	var recs []events.Record
	for rec, err := range events.Read("sample", bytes.NewReader(samplefile.FTPSample)) {
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, rec)
	}
	rp, err := replay.NewReplay(rs)
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range recs {
		var matched []int
		for i, r := range rs {
			p, err := kqlrules.Compile(r.Query)
			if err != nil {
				t.Fatal(err)
			}
			if p.Match(rec.Fields) {
				matched = append(matched, i)
			}
		}
		if err := rp.Add(replay.Event{Map: rec.Fields, File: rec.File, Line: rec.Line}, matched); err != nil {
			t.Fatal(err)
		}
	}
	got, err := rp.Finish()
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range rs {
		want, err := replay.Run(r, func(yield func(events.Record, error) bool) {
			for _, rec := range recs {
				if !yield(rec, nil) {
					return
				}
			}
		})
		if err != nil {
			t.Fatal(err)
		}
		if want.Matches == 0 {
			t.Errorf("%s: no match in the sample: the test proves little", r.Name)
		}
		if !reflect.DeepEqual(got[i], want) {
			t.Errorf("%s: Replay's report\n%+v\nRun's\n%+v", r.Name, got[i], want)
		}
	}
}
