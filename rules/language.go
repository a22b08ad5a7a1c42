package rules

import (
	"fmt"

	"github.com/kqlrules/kqlrules/eval"
)

// typeLanguage is the language a rule type implies when the rule sets
// none: the one table of it. Types not listed imply kuery, as Kibana's
// query-based types default to; machine learning rules have no query.
var typeLanguage = map[Type]Language{
	TypeEQL:             LanguageEQL,
	TypeESQL:            LanguageESQL,
	TypeMachineLearning: "",
}

// QueryLanguage returns the language the rule's query is written in: its
// language setting, or when it has none the one its type implies (eql for
// eql rules, esql for esql rules, kuery for the query-based types and for
// rules built in Go without a type); "" for machine learning rules, which
// have no query, whatever their language setting.
func (r *Rule) QueryLanguage() Language {
	if r.Type == TypeMachineLearning {
		return "" // whatever its language setting says
	}
	if r.Language != "" {
		return r.Language
	}
	if l, ok := typeLanguage[r.Type]; ok {
		return l
	}
	return LanguageKuery
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
