package replay

import (
	"errors"
	"fmt"
	"iter"
	"slices"
	"time"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
)

// DefaultThreatIndicatorPath is where an indicator document holds the
// indicator, when the rule's threat_indicator_path is absent.
const DefaultThreatIndicatorPath = "threat.indicator"

// EnrichmentTypeIndicatorMatch is matched.type of the enrichments an
// indicator match rule writes (Kibana's ENRICHMENT_TYPES.IndicatorMatchRule).
const EnrichmentTypeIndicatorMatch = "indicator_match_rule"

// NoIndicatorsWarning is the report's warning for an indicator match rule
// run without WithThreat: with an empty threat index it cannot alert.
const NoIndicatorsWarning = "No indicator documents were given (WithThreat, --threat): an indicator match rule cannot alert without its threat index."

// maxEnrichments caps the enrichments of one alert, as Kibana's
// MAX_NUMBER_OF_SIGNAL_MATCHES does.
const maxEnrichments = 200

// Enrichment is one entry of an indicator match alert's threat.enrichments:
// the indicator that matched and which event field matched it.
type Enrichment struct {
	// Feed is {"name": ...} from the indicator document's threat.feed.name,
	// else empty.
	Feed map[string]any `json:"feed"`
	// Indicator is the object at the rule's threat_indicator_path in the
	// indicator document (the first one when it is an array), else empty.
	Indicator map[string]any   `json:"indicator"`
	Matched   MatchedIndicator `json:"matched"`
}

// MatchedIndicator is an enrichment's "matched" object.
type MatchedIndicator struct {
	// Atomic is the event's value of Field (an array when it holds
	// several), nil when the event has none (a negated entry).
	Atomic any `json:"atomic,omitempty"`
	// Field is the event field of the threat_mapping entry.
	Field string `json:"field"`
	// ID and Index identify the indicator document (_id and _index).
	ID    string `json:"id"`
	Index string `json:"index"`
	// Type is EnrichmentTypeIndicatorMatch.
	Type string `json:"type"`
}

// WithThreat gives the indicator documents of an indicator match rule
// (type threat_match), read once before the run and kept in memory. An
// error from indicators (a bad line included) ends Run with that error.
// Without it the rule runs on an empty threat index, with
// NoIndicatorsWarning.
//
// As Kibana's detection engine runs the rule (create_threat_signals.ts),
// an event alerts when it matches the query and filters, is in the
// execution's window, and matches an indicator of the threat list: the
// indicators whose _index matches threat_index (index-less ones with
// WithAnyIndex) and that match threat_query and threat_filters at that
// execution (their date math, such as Kibana's default "@timestamp >=
// \"now-30d/d\"", reads the execution's time; the list has no time range
// of its own). threat_mapping's mappings are ORed and the entries of one
// mapping ANDed for one indicator: a plain entry matches the event field
// against the indicator field's value (Kibana's match query), and skips
// the mapping for an indicator whose field has no value or several; a
// negated entry (negate = true) requires the event field to differ, or to
// exist when the indicator has no value. The alert carries Kibana's
// threat.enrichments (Alert.Enrichments).
//
// Report.Matches counts the events that match the query, the filters and
// an indicator of the threat index; one that executions saw only while
// threat_query left its indicators out counts in MatchesNotAlerted (and
// in Report.ThreatMatch.EventsNoIndicator).
func WithThreat(indicators iter.Seq2[events.Record, error]) RunOption {
	return func(c *runConfig) { c.threat = indicators }
}

// indicator is an indicator document in the rule's threat index.
type indicator struct {
	fields    map[string]any
	index, id string
}

// ThreatMatchReport is the indicator match part of a Report.
type ThreatMatchReport struct {
	// IndicatorsRead counts the indicator documents given; Indicators
	// those in the rule's threat index (threat_index, or index-less with
	// WithAnyIndex).
	IndicatorsRead int `json:"indicators_read"`
	Indicators     int `json:"indicators"`
	// Mappings counts the (indicator, mapping) pairs an event can match:
	// a mapping is left out for an indicator without exactly one value
	// in a plain entry's field.
	Mappings int `json:"mappings"`
	// EventsNoIndicator counts the matching events an execution saw while
	// threat_query and threat_filters left out all their indicators.
	EventsNoIndicator int `json:"events_no_indicator"`
}

// threatExec is the indicator match rule's executor: a query rule's, for
// the events with an indicator that threat_query finds at the execution,
// and their alerts enriched.
type threatExec struct {
	rn *runner
}

func newThreatExec(rn *runner) (executor, error) {
	warn := func(w string) { rn.warn(w) }
	tm, rep, err := newThreatMatcher(rn.rule, &rn.cfg, warn)
	if err != nil {
		return nil, err
	}
	rn.threat = tm
	rn.rep.ThreatMatch = rep
	return &threatExec{rn: rn}, nil
}

func (x *threatExec) observe(*hit) {}

func (x *threatExec) execute(e int64, ex *Execution, win []*hit) error {
	rn, tm := x.rn, x.rn.threat
	tm.at(e)
	for _, h := range win {
		live := tm.live(h.groups)
		if len(live) == 0 {
			ex.Hits--
			if !h.noIndicator {
				h.noIndicator = true
				rn.rep.ThreatMatch.EventsNoIndicator++
			}
			continue
		}
		if !rn.admit(h, ex) {
			continue
		}
		a := rn.newAlert(h, ex.Time.Time)
		a.Enrichments = tm.enrichments(a.eventFields(), live)
		if err := rn.emit(a); err != nil {
			return err
		}
	}
	return nil
}

// threatGroup is one mapping (an AND of entries) filled with the values of
// one indicator: the query Kibana's createInnerAndClauses builds.
type threatGroup struct {
	ind     int
	mapping int // index in threat_mapping
	entries []rules.ThreatMappingEntry
	prog    *eval.Program
}

// mappingGroups are the groups of one mapping and their prefilter (nil
// when the mapping has only negated entries).
type mappingGroups struct {
	prefilter *eval.Program
	groups    []int
}

// threatMatcher is the indicator side of an indicator match rule.
type threatMatcher struct {
	indicators []indicator
	groups     []threatGroup
	// mappings are the groups by mapping, each with a prefilter: the
	// first plain entry's field against every indicator value of the
	// mapping's groups, one value list (a set to eval), which an event
	// must match for any of the groups to match.
	mappings []mappingGroups
	// query is threat_query AND threat_filters; its date math reads now.
	query *Search
	now   int64
	valid []int8 // per indicator at now: 0 unknown, 1 in, -1 out
	path  *eval.Path
	feed  *eval.Path
	// filters are threat_filters read (without the exception filters),
	// which Prepare keeps for the rule's later runners
	filters []esdsl.Filter
}

// newThreatMatcher reads the rule's indicator settings and the indicators
// of its threat index, and fills each mapping with each indicator's values.
// warn records a problem that leaves one indicator's mapping out.
func newThreatMatcher(r *rules.Rule, cfg *runConfig, warn func(string)) (*threatMatcher, *ThreatMatchReport, error) {
	if r.ThreatLanguage != "" && r.ThreatLanguage != rules.LanguageKuery {
		return nil, nil, fmt.Errorf("threat_language %s is not supported, only kuery", r.ThreatLanguage)
	}
	if len(r.ThreatMapping) == 0 {
		return nil, nil, errors.New("threat_mapping: want at least one mapping")
	}
	for i, m := range r.ThreatMapping {
		if len(m.Entries) == 0 {
			return nil, nil, fmt.Errorf("threat_mapping[%d].entries: want at least one entry", i)
		}
		for j, e := range m.Entries {
			if e.Field == "" || e.Value == "" {
				return nil, nil, fmt.Errorf("threat_mapping[%d].entries[%d]: want field and value, the event and indicator field names", i, j)
			}
		}
	}
	indicators := cfg.threat
	if indicators == nil {
		warn(NoIndicatorsWarning)
		indicators = func(func(events.Record, error) bool) {}
	}
	threatFilters, err := cfg.prepared.threatFilters(r.ThreatFilters)
	if err != nil {
		return nil, nil, fmt.Errorf("threat_%w", err)
	}
	// get_threat_list.ts passes the rule's exception filter to the
	// indicator search too.
	filters := append(slices.Clip(threatFilters), cfg.exceptionFilters...)
	path := r.ThreatIndicatorPath
	if path == "" {
		path = DefaultThreatIndicatorPath
	}
	tm := &threatMatcher{path: eval.NewPath(path), feed: eval.NewPath("threat.feed.name"), filters: slices.Clip(threatFilters)}
	clock := eval.WithClock(func() time.Time { return time.UnixMilli(tm.now) })
	tm.query, err = NewSearch(r.ThreatQuery, filters, append(append([]eval.Option{}, cfg.evalOpts...), clock)...)
	if err != nil {
		return nil, nil, fmt.Errorf("threat_%w", err)
	}
	rep := &ThreatMatchReport{}
	patterns := compilePatterns(r.ThreatIndex)
	for rec, err := range indicators {
		if err != nil {
			return nil, nil, fmt.Errorf("indicators: %w", err)
		}
		rep.IndicatorsRead++
		index, ok := eventIndex(eval.Map(rec.Fields))
		if ok && !patterns.match(index) || !ok && !cfg.anyIndex {
			continue
		}
		tm.indicators = append(tm.indicators, indicator{fields: rec.Fields, index: index, id: eventID(rec.Fields)})
	}
	tm.valid = make([]int8, len(tm.indicators))
	for i, ind := range tm.indicators {
		for mi, m := range r.ThreatMapping {
			x := groupQuery(m.Entries, ind.fields)
			if x == nil {
				continue
			}
			prog, err := eval.Compile(x, cfg.evalOpts...)
			if err != nil {
				warn(fmt.Sprintf("indicator %s (%s) left out of a mapping: %v", ind.id, ind.index, err))
				continue
			}
			tm.groups = append(tm.groups, threatGroup{ind: i, mapping: mi, entries: m.Entries, prog: prog})
		}
	}
	for mi, m := range r.ThreatMapping {
		var mg mappingGroups
		for g := range tm.groups {
			if tm.groups[g].mapping == mi {
				mg.groups = append(mg.groups, g)
			}
		}
		prog, err := prefilter(m.Entries, mg.groups, tm, cfg.evalOpts)
		if err != nil {
			return nil, nil, fmt.Errorf("threat_mapping: %w", err)
		}
		mg.prefilter = prog
		tm.mappings = append(tm.mappings, mg)
	}
	rep.Indicators, rep.Mappings = len(tm.indicators), len(tm.groups)
	return tm, rep, nil
}

// groupQuery is Kibana's createInnerAndClauses for one mapping and one
// indicator (build_threat_mapping_filter.ts): an entry matches the event
// field against the indicator's value (a match query); a negated entry
// requires the event field to differ from it (must_not match), or to
// exist when the indicator has no value. The mapping is left out (nil)
// when a plain entry's indicator field has no value or several
// (filterThreatMapping); a negated entry whose indicator field has
// several values adds nothing.
func groupQuery(entries []rules.ThreatMappingEntry, ind map[string]any) ast.Expr {
	var and ast.AndExpr
	for _, e := range entries {
		vals := scalarValues(ind, e.Value)
		field := &ast.Literal{Raw: e.Field, Kind: ast.String, Text: e.Field}
		switch {
		case !e.Negate && len(vals) != 1:
			return nil
		case !e.Negate:
			and.Args = append(and.Args, &ast.MatchExpr{Field: field, Value: quoted(vals[0])})
		case len(vals) == 0:
			and.Args = append(and.Args, &ast.MatchExpr{Field: field, Value: &ast.Literal{Raw: "*", Kind: ast.Wildcard, Parts: []string{"", ""}}})
		case len(vals) == 1:
			and.Args = append(and.Args, &ast.NotExpr{X: &ast.MatchExpr{Field: field, Value: quoted(vals[0])}})
		}
	}
	switch len(and.Args) {
	case 0:
		return nil
	case 1:
		return and.Args[0]
	}
	return &and
}

// scalarValues returns the text of each scalar value of the field (as the
// fields API returns them: arrays flattened).
func scalarValues(doc map[string]any, field string) []string {
	var c collector
	eval.Map(doc).Values(eval.NewPath(field), &c)
	var out []string
	for _, v := range c.vals {
		if s, ok := eval.KeywordText(v); ok {
			out = append(out, s)
		}
	}
	return out
}

type collector struct{ vals []any }

func (c *collector) Visit(x any) bool { c.vals = append(c.vals, x); return false }

// prefilter compiles the first plain entry's field against the values
// the mapping's groups hold for it: a condition every group of the
// mapping requires, so that an event failing it skips them all. nil when
// the entries are all negated.
func prefilter(entries []rules.ThreatMappingEntry, groups []int, tm *threatMatcher, opts []eval.Option) (*eval.Program, error) {
	k := slices.IndexFunc(entries, func(e rules.ThreatMappingEntry) bool { return !e.Negate })
	if k < 0 {
		return nil, nil
	}
	field := &ast.Literal{Raw: entries[k].Field, Kind: ast.String, Text: entries[k].Field}
	seen := map[string]bool{}
	var vals []ast.Value
	for _, g := range groups {
		v := scalarValues(tm.indicators[tm.groups[g].ind].fields, entries[k].Value)[0] // exactly one: groupQuery
		if !seen[v] {
			seen[v] = true
			vals = append(vals, quoted(v))
		}
	}
	var x ast.Expr
	switch len(vals) {
	case 0:
		x = &ast.NotExpr{X: ast.MatchAll(0)}
	case 1:
		x = &ast.MatchExpr{Field: field, Value: vals[0]}
	default:
		x = &ast.MatchExpr{Field: field, Value: &ast.OrValue{Args: vals}}
	}
	return eval.Compile(x, opts...)
}

// inert reports whether the rule takes no event: an indicator match rule
// without an indicator in its threat index (none given, or none in its
// patterns) has no mapping group for an event to match (candidates is
// empty), so its take does nothing; only its schedule moves with the
// events its query matches.
func (rn *runner) inert() bool { return rn.threat != nil && len(rn.threat.groups) == 0 }

// candidates returns the groups the event matches, whatever the time, in
// indicator order.
func (tm *threatMatcher) candidates(ev eval.Event) []int {
	var out []int
	for _, m := range tm.mappings {
		if m.prefilter != nil && !m.prefilter.MatchEvent(ev) {
			continue
		}
		for _, g := range m.groups {
			if tm.groups[g].prog.MatchEvent(ev) {
				out = append(out, g)
			}
		}
	}
	slices.Sort(out)
	return out
}

// at prepares the execution at time now: threat_query's date math reads it.
func (tm *threatMatcher) at(now int64) {
	if tm.now != now {
		tm.now = now
		clear(tm.valid)
	}
}

// inQuery reports whether indicator i matches threat_query and
// threat_filters at the current execution.
func (tm *threatMatcher) inQuery(i int) bool {
	if tm.valid[i] == 0 {
		tm.valid[i] = -1
		if tm.query.Match(tm.indicators[i].fields) {
			tm.valid[i] = 1
		}
	}
	return tm.valid[i] == 1
}

// live returns the candidate groups whose indicator is in the threat list
// at the current execution.
func (tm *threatMatcher) live(groups []int) []int {
	var out []int
	for _, g := range groups {
		if tm.inQuery(tm.groups[g].ind) {
			out = append(out, g)
		}
	}
	return out
}

// enrichments builds an alert's threat.enrichments from the matched
// groups, as enrichSignalThreatMatchesFromSignalsMap does: one per entry
// of each fully matched mapping, each (indicator, entry) once, at most 200.
func (tm *threatMatcher) enrichments(fields map[string]any, groups []int) []Enrichment {
	type key struct {
		ind          int
		field, value string
		negate       bool
	}
	seen := map[key]bool{}
	var out []Enrichment
	for _, g := range groups {
		grp := tm.groups[g]
		ind := tm.indicators[grp.ind]
		for _, e := range grp.entries {
			k := key{grp.ind, e.Field, e.Value, e.Negate}
			if seen[k] || len(out) == maxEnrichments {
				continue
			}
			seen[k] = true
			out = append(out, Enrichment{
				Feed:      tm.feedOf(ind.fields),
				Indicator: tm.indicatorOf(ind.fields),
				Matched: MatchedIndicator{
					Atomic: atomic(fields, e.Field),
					Field:  e.Field, ID: ind.id, Index: ind.index,
					Type: EnrichmentTypeIndicatorMatch,
				},
			})
		}
	}
	return out
}

func (tm *threatMatcher) feedOf(doc map[string]any) map[string]any {
	if v, ok := firstValue(doc, tm.feed); ok {
		if s, ok := v.(string); ok && s != "" {
			return map[string]any{"name": s}
		}
	}
	return map[string]any{}
}

// indicatorOf returns the indicator object: the first object at the path,
// nested or, for a document written with flat dotted keys, gathered from
// the keys under the path.
func (tm *threatMatcher) indicatorOf(doc map[string]any) map[string]any {
	var c collector
	eval.Map(doc).Values(tm.path, &c)
	for _, v := range c.vals {
		if m, ok := v.(map[string]any); ok {
			return m
		}
	}
	out := map[string]any{}
	prefix := tm.path.Name + "."
	for k, v := range doc {
		if len(k) > len(prefix) && k[:len(prefix)] == prefix {
			out[k[len(prefix):]] = v
		}
	}
	return out
}

// atomic is lodash's get(event, field): the value as the event holds it
// (one value, or an array of them), nil when absent.
func atomic(fields map[string]any, field string) any {
	var c collector
	eval.Map(fields).Values(eval.NewPath(field), &c)
	switch len(c.vals) {
	case 0:
		return nil
	case 1:
		return c.vals[0]
	}
	return c.vals
}

// quoted is a quoted KQL literal: its text matched as a phrase (exact on
// keyword, number, ip, date and boolean fields).
func quoted(s string) *ast.Literal {
	return &ast.Literal{Raw: ast.Quote(s), Kind: ast.String, Quoted: true, Text: s}
}
