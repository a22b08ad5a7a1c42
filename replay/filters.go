package replay

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/kqlrules/kqlrules/eql"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules"
)

// KibanaFilters reads Kibana filter objects (a rule's Filters or
// ThreatFilters) with esdsl.ParseFilters: disabled filters are left out,
// meta.negate sets Negate, legacy top-level forms are read. Errors name
// the filter: "filters[1]: ...".
func KibanaFilters(raw []json.RawMessage) ([]esdsl.Filter, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	data, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("filters: %w", err)
	}
	return esdsl.ParseFilters(data)
}

// Search is a compiled search: a KQL query and the filters Kibana ANDs
// with it (buildEsQuery: the query and the filters in bool.filter, the
// negated filters in bool.must_not). It is what one execution of a rule
// asks Elasticsearch, without the time range and the index patterns.
// A Search is safe for concurrent use.
type Search struct {
	query   *eval.Program
	filters *eval.Program // nil without filters
	pipes   []*eql.Pipe   // an EQL event query's | head and | tail, cut after size
}

// RuleSearch compiles the rule's query (the current version's) and its
// filters into one matcher; see NewSearch.
func RuleSearch(r *rules.Rule, opts ...eval.Option) (*Search, error) {
	if err := r.CheckLanguage(languages...); err != nil && r.QueryLanguage() != "" { // machine learning: no query to refuse here
		return nil, fmt.Errorf("rule %s: %w, only kuery", r.Name, err)
	}
	fs, err := KibanaFilters(r.Filters)
	if err != nil {
		return nil, fmt.Errorf("rule %s: %w", r.Name, err)
	}
	s, err := NewSearch(r.Query, fs, opts...)
	if err != nil {
		return nil, fmt.Errorf("rule %s: %w", r.Name, err)
	}
	return s, nil
}

// NewSearch compiles a KQL query (kql.Parse, eval.Compile; empty matches
// everything) and filters (eval.CompileFilters) with the eval options (a
// schema, a clock). Errors wrap the query's *kql.Error or eval's errors;
// a filter's say "filters: ...", and wrap ErrUnsupported too when eval
// does not replay a query kind or feature of the filter.
func NewSearch(query string, filters []esdsl.Filter, opts ...eval.Option) (*Search, error) {
	x, err := kql.Parse(query)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	prog, err := eval.Compile(x, opts...)
	if err != nil {
		return nil, fmt.Errorf("query: %w", err)
	}
	return searchOf(prog, filters, opts...)
}

// searchOf is NewSearch for a query compiled already.
func searchOf(prog *eval.Program, filters []esdsl.Filter, opts ...eval.Option) (*Search, error) {
	s := &Search{query: prog}
	if len(filters) > 0 {
		var err error
		if s.filters, err = eval.CompileFilters(nil, filters, opts...); err != nil {
			// A query kind or feature eval does not replay (such as a
			// script query) refuses the rule as ErrUnsupported does.
			if errors.Is(err, eval.ErrUnsupported) {
				return nil, fmt.Errorf("filters: %w: %w", ErrUnsupported, err)
			}
			return nil, fmt.Errorf("filters: %w", err)
		}
	}
	return s, nil
}

// Match reports whether the event matches the query and every filter.
func (s *Search) Match(event map[string]any) bool { return s.MatchEvent(eval.Map(event)) }

// MatchEvent is Match for any eval.Event.
func (s *Search) MatchEvent(e eval.Event) bool {
	return s.query.MatchEvent(e) && (s.filters == nil || s.filters.MatchEvent(e))
}

// filtersMatch reports whether the event matches every filter (true
// without filters), for a caller that matched the query already.
func (s *Search) filtersMatch(e eval.Event) bool {
	return s.filters == nil || s.filters.MatchEvent(e)
}

// Query returns the compiled query without the filters.
func (s *Search) Query() *eval.Program { return s.query }
