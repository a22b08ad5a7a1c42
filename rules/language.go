package rules

import (
	"fmt"

	"github.com/kqlrules/kqlrules/eval"
)

// kqlLanguages are Kibana's KqlQueryLanguage: the languages of the query
// of the query-based rule types and of an indicator match rule's
// threat_query (rule_schema in Kibana's
// common/api/detection_engine/model), kuery first.
var kqlLanguages = []Language{LanguageKuery, LanguageLucene}

// typeLanguages is the one table of which languages each rule type takes,
// the first the one it implies when the rule sets none. Types not listed
// take kuery and lucene, as Kibana's query-based types do; machine
// learning rules have no query.
var typeLanguages = map[Type][]Language{
	TypeEQL:             {LanguageEQL},
	TypeESQL:            {LanguageESQL},
	TypeMachineLearning: nil,
}

// Languages returns the query languages a rule of type t may be written
// in, the first the one the type implies when the rule sets none: eql for
// eql rules, esql for esql rules, kuery or lucene for the query-based
// types (and for a type this package does not know); none for machine
// learning rules.
func (t Type) Languages() []Language {
	if l, ok := typeLanguages[t]; ok {
		return l
	}
	return kqlLanguages
}

// ThreatLanguages returns the languages an indicator match rule's
// threat_query may be written in (threat_language): kuery or lucene.
func ThreatLanguages() []Language { return kqlLanguages }

// QueryLanguage returns the language the rule's query is written in: its
// language setting, or when it has none the one its type implies
// ([Type.Languages]: eql for eql rules, esql for esql rules, kuery for the
// query-based types and for rules built in Go without a type); "" for
// machine learning rules, which have no query, whatever their language
// setting.
func (r *Rule) QueryLanguage() Language {
	langs := r.Type.Languages()
	if len(langs) == 0 {
		return "" // whatever its language setting says
	}
	if r.Language != "" {
		return r.Language
	}
	return langs[0]
}

// IsKQL reports whether the rule's query is KQL (QueryLanguage kuery).
func (r *Rule) IsKQL() bool { return r.QueryLanguage() == LanguageKuery }

// IsEQL reports whether the rule's query is EQL (QueryLanguage eql).
func (r *Rule) IsEQL() bool { return r.QueryLanguage() == LanguageEQL }

// UnsupportedError says why a rule is not processed: its language, type or
// a setting is one the processor (the replay, the checker...) does not
// support. It wraps eval.ErrUnsupported, the one sentinel of what is not
// supported, so errors.Is(err, eval.ErrUnsupported) holds.
type UnsupportedError struct {
	// Field is the rule-file field the reason is about: "rule.language",
	// "rule.type", "rule.query"...; "" for the rule as a whole.
	Field string
	// Why says it: "language eql is not supported".
	Why string
}

// Error returns Why.
func (e *UnsupportedError) Error() string { return e.Why }

// Unwrap returns eval.ErrUnsupported.
func (e *UnsupportedError) Unwrap() error { return eval.ErrUnsupported }

// CheckLanguage returns nil when the rule's query language
// ([Rule.QueryLanguage]) is one of langs, else an *UnsupportedError of
// rule.language: "language L is not supported" (for a machine learning
// rule: "machine_learning rules have no query").
func (r *Rule) CheckLanguage(langs ...Language) error {
	l := r.QueryLanguage()
	for _, x := range langs {
		if l == x {
			return nil
		}
	}
	if l == "" {
		return &UnsupportedError{Field: "rule.type", Why: fmt.Sprintf("%s rules have no query", r.Type)}
	}
	return &UnsupportedError{Field: "rule.language", Why: fmt.Sprintf("language %s is not supported", l)}
}
