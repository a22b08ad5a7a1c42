package rules_test

import (
	"errors"
	"testing"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/rules"
)

// TestQueryLanguage: the rule's language is its setting, or the one its
// type implies (Kibana's detection engine: eql and esql rules are written
// in their own language, the query-based types default to kuery); machine
// learning rules have none. IsKQL and IsEQL decide from it, and
// CheckLanguage refuses the others with an *UnsupportedError wrapping the
// one eval.ErrUnsupported.
func TestQueryLanguage(t *testing.T) {
	for _, tc := range []struct {
		typ       rules.Type
		lang      rules.Language
		want      rules.Language
		kql, eql  bool
		refusedAs string // CheckLanguage(kuery)'s message; "" when accepted
	}{
		{rules.TypeQuery, rules.LanguageKuery, rules.LanguageKuery, true, false, ""},
		{rules.TypeQuery, "", rules.LanguageKuery, true, false, ""},
		{"", "", rules.LanguageKuery, true, false, ""},
		{rules.TypeThreshold, rules.LanguageLucene, rules.LanguageLucene, false, false, "language lucene is not supported"},
		{rules.TypeEQL, "", rules.LanguageEQL, false, true, "language eql is not supported"},
		{rules.TypeEQL, rules.LanguageEQL, rules.LanguageEQL, false, true, "language eql is not supported"},
		{rules.TypeESQL, "", rules.LanguageESQL, false, false, "language esql is not supported"},
		{rules.TypeMachineLearning, "", "", false, false, "machine_learning rules have no query"},
		{rules.TypeMachineLearning, rules.LanguageKuery, "", false, false, "machine_learning rules have no query"},
	} {
		r := &rules.Rule{Type: tc.typ, Language: tc.lang}
		if got := r.QueryLanguage(); got != tc.want {
			t.Errorf("type %q language %q: QueryLanguage %q, want %q", tc.typ, tc.lang, got, tc.want)
		}
		if r.IsKQL() != tc.kql || r.IsEQL() != tc.eql {
			t.Errorf("type %q language %q: IsKQL %v IsEQL %v, want %v %v", tc.typ, tc.lang, r.IsKQL(), r.IsEQL(), tc.kql, tc.eql)
		}
		err := r.CheckLanguage(rules.LanguageKuery)
		if tc.refusedAs == "" {
			if err != nil {
				t.Errorf("type %q language %q: CheckLanguage: %v", tc.typ, tc.lang, err)
			}
			continue
		}
		var ue *rules.UnsupportedError
		if !errors.As(err, &ue) || !errors.Is(err, eval.ErrUnsupported) || err.Error() != tc.refusedAs {
			t.Errorf("type %q language %q: CheckLanguage = %v, want an *UnsupportedError %q wrapping eval.ErrUnsupported", tc.typ, tc.lang, err, tc.refusedAs)
		}
	}
	if err := (&rules.Rule{Type: rules.TypeEQL}).CheckLanguage(rules.LanguageKuery, rules.LanguageEQL); err != nil {
		t.Errorf("CheckLanguage(kuery, eql) of an eql rule: %v", err)
	}
}
