package lint_test

import (
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/lint"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// TestSkippedAgreesWithReplay: over the shared detection-rules tree, a
// rule the checker leaves alone is one the replay does not run, with the
// same "not processed because" text (both are rules.CheckLanguage's typed
// reason: "language esql is not supported", "machine_learning rules have
// no query"); and, for one rule of each such kind built here, the other
// way round.
func TestSkippedAgreesWithReplay(t *testing.T) {
	files, err := rules.FindFiles(corpus.Path(t, "detection-rules"))
	if err != nil {
		t.Fatal(err)
	}
	skipped, languages := 0, map[rules.Language]bool{}
	for _, f := range files {
		r, err := rules.Load(f)
		if r == nil {
			t.Fatalf("%s: %v", f, err)
		}
		why := lint.Skipped(r)
		if why == "" {
			continue
		}
		skipped++
		languages[r.QueryLanguage()] = true
		if ok, rwhy := replay.Replayable(r); ok || rwhy != why {
			t.Errorf("%s: check skips it: %q; the replay: %v %q", f, why, ok, rwhy)
		}
	}
	// the tree holds ES|QL, Lucene and machine learning rules
	if skipped < 300 || !languages[rules.LanguageESQL] || !languages[rules.LanguageLucene] || !languages[""] {
		t.Errorf("skipped %d rules of languages %v: the tree is not the one this test was written for", skipped, languages)
	}
	for _, r := range []*rules.Rule{
		{Type: rules.TypeQuery, Language: rules.LanguageLucene, Query: "a:b"},
		{Type: rules.TypeESQL, Query: "from x"},
		{Type: rules.TypeMachineLearning},
	} {
		ok, rwhy := replay.Replayable(r)
		if why := lint.Skipped(r); ok || why == "" || why != rwhy {
			t.Errorf("%s/%s: check skips it: %q; the replay: %v %q", r.Type, r.Language, why, ok, rwhy)
		}
	}
}
