package replay_test

import (
	"errors"
	"testing"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// TestCheck: the one "not replayed because" decision is typed: a language
// the replay does not read is a *rules.UnsupportedError wrapping the one
// ErrUnsupported (eval's); a query that does not parse is the rule's
// *kql.Error, not a reason to skip; a replayable rule is nil. Replayable
// words the same decision.
func TestCheck(t *testing.T) {
	if replay.ErrUnsupported != eval.ErrUnsupported {
		t.Fatal("replay.ErrUnsupported is not eval.ErrUnsupported")
	}
	ok := testRule(t, "destination.port:21")
	if err := replay.Check(ok); err != nil {
		t.Errorf("Check of a KQL rule: %v", err)
	}
	lucene := testRule(t, "destination.port:21")
	lucene.Language = rules.LanguageLucene
	err := replay.Check(lucene)
	var ue *rules.UnsupportedError
	if !errors.As(err, &ue) || !errors.Is(err, replay.ErrUnsupported) || ue.Field != "rule.language" {
		t.Errorf("Check of a Lucene rule: %#v, want an *UnsupportedError of rule.language wrapping ErrUnsupported", err)
	}
	if _, why := replay.Replayable(lucene); err == nil || why != err.Error() {
		t.Errorf("Replayable says %q, Check %v", why, err)
	}
	eql := testRule(t, "destination.port:21")
	eql.Type, eql.Language, eql.Query = rules.TypeEQL, rules.LanguageEQL, "network where destination.port == 21"
	if err := replay.Check(eql); err != nil {
		t.Errorf("Check of an EQL event query: %v", err)
	}
	eql.Query = "sequence [network where true] [process where true]"
	if err := replay.Check(eql); err != nil {
		t.Errorf("Check of an EQL sequence: %v", err)
	}
	eql.Query = "network where true | head 1"
	if err := replay.Check(eql); err != nil {
		t.Errorf("Check of an EQL event query with a pipe: %v", err)
	}
	// Kibana 8.18 suppresses sequence alerts (seqsuppress.go)
	eql.Query = "sequence [network where true] [process where true]"
	eql.AlertSuppression = &rules.AlertSuppression{GroupBy: []string{"host.name"}}
	if err := replay.Check(eql); err != nil {
		t.Errorf("Check of an EQL sequence with alert suppression: %v", err)
	}
	bad := testRule(t, "destination.port:21")
	bad.Query = "destination.port:(21"
	var pe *kql.Error
	if err := replay.Check(bad); !errors.As(err, &pe) || errors.Is(err, replay.ErrUnsupported) {
		t.Errorf("Check of a query that does not parse: %v, want its *kql.Error", err)
	}
}
