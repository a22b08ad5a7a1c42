package replay

import (
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
)

// SearchRequest returns the first search of the rule's execution as
// Kibana's detection engine sends it (esdsl.BuildSearchRequest): over
// the rule's index patterns, its query q (esdsl.FromKQL of its query with
// cfg) and its filters (KibanaFilters) combined as buildEsQuery does with
// the data view dv, in the window from the rule's from to its to (now
// when it sets none) on its event time, at most max_signals hits. An
// error is a filter Kibana cannot read.
func SearchRequest(r *rules.Rule, q esdsl.Query, dv *mapping.DataView, cfg esdsl.Config) (*esdsl.SearchRequest, error) {
	filters, err := KibanaFilters(r.Filters)
	if err != nil {
		return nil, err
	}
	to, _ := r.Extra["to"].(string)
	if to == "" {
		to = "now"
	}
	return esdsl.BuildSearchRequest(esdsl.SearchParams{
		Index:             r.Index,
		Filter:            esdsl.BuildEsQuery(q, filters, dv, cfg),
		TimestampOverride: r.TimestampOverride,
		FallbackDisabled:  r.TimestampOverrideFallbackDisabled,
		From:              r.From,
		To:                to,
		Size:              r.MaxSignals,
	}), nil
}
