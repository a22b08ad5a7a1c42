package replay_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// TestRunError: Check's refusals are a *replay.RunError naming the rule,
// whose cause is the reason a rule set gives (Reason, Replayable) without
// the rule's name, and which wraps the typed causes callers branch on;
// Prepare returns what Check compiled.
func TestRunError(t *testing.T) {
	// suppression on an indicator match rule is not replayed yet
	// (suppression on an EQL sequence is: seqsuppress.go)
	im := testRule(t, "x")
	im.Type = rules.TypeThreatMatch
	im.ThreatMapping = []rules.ThreatMapping{{Entries: []rules.ThreatMappingEntry{{Field: "a", Value: "threat.indicator.a", Type: "mapping"}}}}
	im.AlertSuppression = &rules.AlertSuppression{GroupBy: []string{"host.name"}}
	badKQL := testRule(t, "destination.port:(21")
	badInterval := testRule(t, "x:1")
	badInterval.Interval = -1
	badFrom := testRule(t, "x:1")
	badFrom.From = "later"
	for _, c := range []struct {
		name   string
		rule   *rules.Rule
		reason string // the reason's start
		is     error  // wrapped, or nil
		as     any    // a typed cause, or nil
	}{
		{"indicator match suppressed", im, "not supported: alert suppression on an indicator match rule is not replayed yet", replay.ErrUnsupported, nil},
		{"KQL syntax", badKQL, "query: ", nil, new(*kql.Error)},
		{"interval", badInterval, "interval must be positive", nil, nil},
		{"from", badFrom, "from: ", nil, nil},
	} {
		err := replay.Check(c.rule)
		var re *replay.RunError
		if !errors.As(err, &re) || re.Rule != c.rule.Name {
			t.Errorf("%s: Check = %#v, want a *RunError naming the rule", c.name, err)
			continue
		}
		if !strings.HasPrefix(err.Error(), "rules: Run "+c.rule.Name) {
			t.Errorf("%s: %q does not name the rule", c.name, err)
		}
		why := replay.Reason(err)
		if !strings.HasPrefix(why, c.reason) || strings.Contains(why, c.rule.Name) || why != re.Err.Error() {
			t.Errorf("%s: Reason = %q, want %q... without the rule's name", c.name, why, c.reason)
		}
		if ok, w := replay.Replayable(c.rule); ok || w != why {
			t.Errorf("%s: Replayable = %v, %q; Reason %q", c.name, ok, w, why)
		}
		if c.is != nil && !errors.Is(err, c.is) {
			t.Errorf("%s: %v does not wrap %v", c.name, err, c.is)
		}
		if c.as != nil && !errors.As(err, c.as) {
			t.Errorf("%s: %v has no %T", c.name, err, c.as)
		}
	}
	ok := testRule(t, "destination.port:21")
	prep, err := replay.Prepare(ok)
	prog := prep.Program()
	if err != nil || prog == nil || !prog.Match(map[string]any{"destination": map[string]any{"port": 21}}) || prog.Match(map[string]any{}) {
		t.Errorf("Prepare of a KQL rule: %v, %v", prog, err)
	}
	if replay.Reason(errors.New("plain")) != "plain" {
		t.Error("Reason of an error that is not a RunError is not its text")
	}
}
