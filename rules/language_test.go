package rules_test

import (
	"errors"
	"fmt"
	"slices"
	"strings"
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

// TestTypeLanguages: Validate accepts a rule's language exactly when its
// type's Languages list it, and the language a rule without one reads as
// is the first of them (one table for both); threat_language takes
// ThreatLanguages (Kibana's KqlQueryLanguage: kuery or lucene).
func TestTypeLanguages(t *testing.T) {
	known := []rules.Language{rules.LanguageKuery, rules.LanguageLucene, rules.LanguageEQL, rules.LanguageESQL}
	for _, typ := range []rules.Type{rules.TypeQuery, rules.TypeEQL, rules.TypeESQL, rules.TypeThreshold, rules.TypeNewTerms, rules.TypeThreatMatch, rules.TypeSavedQuery, rules.TypeMachineLearning} {
		want := typ.Languages()
		if got := (&rules.Rule{Type: typ}).QueryLanguage(); len(want) > 0 && got != want[0] || len(want) == 0 && got != "" {
			t.Errorf("type %s: QueryLanguage %q, Languages %v", typ, got, want)
		}
		for _, l := range known {
			src := strings.Replace(goodTOML, `type = "query"`, fmt.Sprintf("type = %q\nlanguage = %q", typ, l), 1)
			_, err := rules.Parse("r.toml", []byte(src))
			refused := err != nil && strings.Contains(err.Error(), "rule.language: type ")
			if accepts := len(want) == 0 || slices.Contains(want, l); refused == accepts {
				t.Errorf("type %s language %s: refused %v (%v), Languages %v", typ, l, refused, err, want)
			}
		}
	}
	for _, l := range known {
		src := strings.Replace(goodTOML, `type = "query"`, fmt.Sprintf("type = \"query\"\nthreat_language = %q", l), 1)
		_, err := rules.Parse("r.toml", []byte(src))
		refused := err != nil && strings.Contains(err.Error(), "rule.threat_language: must be one of kuery, lucene")
		if refused == slices.Contains(rules.ThreatLanguages(), l) {
			t.Errorf("threat_language %s: refused %v (%v)", l, refused, err)
		}
	}
}
