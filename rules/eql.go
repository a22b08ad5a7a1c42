package rules

import (
	"fmt"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/eval"
)

// EQLSettings are the settings of an EQL rule's search beside its query,
// as Kibana's build_eql_search_request.ts puts them in the _eql/search
// request: event_category_field, timestamp_field and tiebreaker_field.
// Empty is Elasticsearch's default ("event.category", "@timestamp", none).
// The files keep them as the rule's keys event_category_override,
// timestamp_field and tiebreaker_field (in Rule.Extra).
type EQLSettings struct {
	EventCategoryOverride string
	TimestampField        string
	TiebreakerField       string
}

// EQL returns the rule's EQL settings, read from Rule.Extra.
func (r *Rule) EQL() EQLSettings {
	str := func(k string) string {
		s, _ := r.Extra[k].(string)
		return s
	}
	return EQLSettings{
		EventCategoryOverride: str("event_category_override"),
		TimestampField:        str("timestamp_field"),
		TiebreakerField:       str("tiebreaker_field"),
	}
}

// EQLQuery parses the rule's query as EQL; the error is an [*eql.Error].
func (r *Rule) EQLQuery() (*eql.Query, error) {
	if r.Language != LanguageEQL && r.Type != TypeEQL {
		return nil, fmt.Errorf("rule %s: language %s is not eql", r.Name, r.Language)
	}
	q, err := eql.Parse(r.Query)
	if err != nil {
		return nil, fmt.Errorf("rule %s: query: %w", r.Name, err)
	}
	return q, nil
}

// EQLOptions are the options the rule's EQL query is lowered with
// ([eql.LowerStages]): its event_category_override; every field is taken
// as Lower takes it without a mapping.
func (r *Rule) EQLOptions() eql.Options {
	return eql.Options{EventCategoryField: r.EQL().EventCategoryOverride}
}

// EQLProgram compiles the rule's EQL event query (for a sequence or a
// sample, its stages' filter: the events a sequence matcher needs to
// see), as [Rule.Program] does for KQL: parsed by [eql.Parse], lowered by
// [eql.LowerStages] with [Rule.EQLOptions] (the filter Elasticsearch
// runs), compiled by [eval.CompileQuery] with opts (a schema, a clock).
func (r *Rule) EQLProgram(opts ...eval.Option) (*eval.Program, error) {
	q, err := r.EQLQuery()
	if err != nil {
		return nil, err
	}
	return r.EQLProgramOf(q, opts...)
}

// EQLProgramOf is [Rule.EQLProgram] for q, the rule's query (or one of
// its versions') parsed already, so that a caller that needs the parsed
// query too parses it once. The rule gives the event category field and
// the name in errors.
func (r *Rule) EQLProgramOf(q *eql.Query, opts ...eval.Option) (*eval.Program, error) {
	dsl, err := eql.LowerStages(q, r.EQLOptions())
	if err != nil {
		return nil, fmt.Errorf("rule %s: query: %w", r.Name, err)
	}
	prog, err := eval.CompileQuery(dsl, opts...)
	if err != nil {
		return nil, fmt.Errorf("rule %s: query: %w", r.Name, err)
	}
	return prog, nil
}
