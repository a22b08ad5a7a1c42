package diff

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/rules"
)

// RuleChange is what changed between two versions of a rule ([Rules]):
// the query (by meaning for KQL, as text otherwise), the index patterns,
// and the settings that decide what the rule alerts on.
type RuleChange struct {
	// Added and Removed tell that the rule exists on one side only; the
	// other fields are then empty.
	Added, Removed bool
	// Query is how the query changed.
	Query QueryChange
	// Index is the change of index patterns, nil when they are the same
	// set.
	Index *IndexChange
	// Settings are the settings that differ, in [RuleSettings] order.
	Settings []SettingChange
}

// Changed reports whether the rule may alert on other events than before:
// it was added or removed, or its query changed meaning (or, for a query
// not in KQL, text), or its index patterns or settings changed.
func (c *RuleChange) Changed() bool {
	return c.Added || c.Removed || c.Query.Changed() || c.Index != nil || len(c.Settings) > 0
}

// QueryChange is how a rule's query changed.
type QueryChange struct {
	// Language is the new rule's query language ("" for none).
	Language rules.Language
	// Result is the comparison by meaning ([Queries]) when both queries
	// are KQL (and the rule is not a machine learning rule); nil
	// otherwise.
	Result *Result
	// EQL is the comparison by tree ([EQLQueries]) when both queries are
	// EQL; nil otherwise.
	EQL *EQLChange
	// Text is, for queries compared neither by meaning nor by tree, how
	// their text changed; TextNone when Result or EQL is set or neither
	// rule has a query.
	Text TextChange
}

// Changed reports whether the query changed meaning (KQL) or text (other
// languages).
func (q QueryChange) Changed() bool {
	if q.Result != nil {
		return q.Result.Verdict != VerdictFormatting && q.Result.Verdict != VerdictEquivalent
	}
	if q.EQL != nil {
		return q.EQL.Changed()
	}
	return q.Text == TextChanged
}

// TextChange is how the text of a query that is not compared by meaning
// changed.
type TextChange uint8

// Text changes of a query in a language kqlrules does not compare by
// meaning (EQL, ES|QL, Lucene).
const (
	TextNone       TextChange = iota // not compared as text
	TextUnchanged                    // the same text
	TextWhiteSpace                   // only white space differs
	TextChanged                      // the text changed
)

// IndexChange is a change of a rule's index patterns, as sets: patterns
// added put more events in scope (wider), patterns dropped fewer
// (narrower).
type IndexChange struct {
	Verdict        Verdict // VerdictWider, VerdictNarrower or VerdictBoth
	Added, Removed []string
}

// String returns "index: VERDICT (+added... -removed...)".
func (c *IndexChange) String() string {
	var parts []string
	for _, p := range c.Added {
		parts = append(parts, "+"+p)
	}
	for _, p := range c.Removed {
		parts = append(parts, "-"+p)
	}
	return fmt.Sprintf("index: %s (%s)", c.Verdict, strings.Join(parts, " "))
}

// SettingChange is a setting whose value differs. Old and New are nil
// where the setting is absent.
type SettingChange struct {
	Key      string // Kibana's name, one of RuleSettings
	Old, New any
}

// String returns "KEY: OLD → NEW", each value as JSON, "(none)" when
// absent.
func (s SettingChange) String() string {
	return fmt.Sprintf("%s: %s → %s", s.Key, showSetting(s.Old), showSetting(s.New))
}

// RuleSettings are the keys, besides the query and the index patterns,
// that decide what a rule alerts on, by Kibana's names: the settings
// [Rules] compares.
var RuleSettings = []string{
	"type", "language", "from", "interval", "max_signals", "timestamp_override",
	"filters", "threshold", "new_terms", "history_window_start",
	"threat_query", "threat_index", "threat_mapping", "threat_filters", "threat_language", "threat_indicator_path",
	"alert_suppression", "anomaly_threshold", "machine_learning_job_id", "data_view_id",
	"event_category_override", "timestamp_field", "tiebreaker_field",
}

// QueryError is a rule's query that does not parse as KQL (or EQL). Err
// is the parser's error (a *kql.Error or an *eql.Error, with the offset
// in the query).
type QueryError struct {
	Old bool // the old rule's query; false for the new one's
	Err error
}

// Error returns "old query: ..." or "new query: ...".
func (e *QueryError) Error() string {
	side := "new"
	if e.Old {
		side = "old"
	}
	return side + " query: " + e.Err.Error()
}

// Unwrap returns Err.
func (e *QueryError) Unwrap() error { return e.Err }

// Rules compares two versions of a rule: nil for a side where the rule
// does not exist (both nil is an error). Two KQL queries are compared by
// meaning with [Queries] and opts, two EQL queries by tree with
// [EQLQueries]; queries in other languages, and those of machine learning
// rules, as text. A KQL query that does not parse is
// a [*QueryError]; the errors of [Queries] are returned as they are.
func Rules(old, new *rules.Rule, opts ...Option) (*RuleChange, error) {
	switch {
	case old == nil && new == nil:
		return nil, errors.New("diff: no rule on either side")
	case old == nil:
		return &RuleChange{Added: true}, nil
	case new == nil:
		return &RuleChange{Removed: true}, nil
	}
	c := &RuleChange{Query: QueryChange{Language: new.Language}}
	switch {
	case old.Query == "" && new.Query == "":
	case old.IsKQL() && new.IsKQL():
		xo, err := kql.Parse(old.Query)
		if err != nil {
			return nil, &QueryError{Old: true, Err: err}
		}
		xn, err := kql.Parse(new.Query)
		if err != nil {
			return nil, &QueryError{Err: err}
		}
		if c.Query.Result, err = Queries(xo, xn, opts...); err != nil {
			return nil, err
		}
	case old.Language == rules.LanguageEQL && new.Language == rules.LanguageEQL:
		var err error
		cfg := newConfig(opts)
		if c.Query.EQL, err = eqlQueries(old.Query, new.Query, old.EQL().EventCategoryOverride, new.EQL().EventCategoryOverride, cfg); err != nil {
			return nil, err
		}
	case old.Query == new.Query:
		c.Query.Text = TextUnchanged
	case strings.Join(strings.Fields(old.Query), " ") == strings.Join(strings.Fields(new.Query), " "):
		c.Query.Text = TextWhiteSpace
	default:
		c.Query.Text = TextChanged
	}
	c.Index = indexChange(old.Index, new.Index)
	c.Settings = settingChanges(old, new)
	return c, nil
}

// indexChange compares index patterns as sets; nil when they are equal.
func indexChange(old, new []string) *IndexChange {
	c := &IndexChange{}
	for _, p := range new {
		if !slices.Contains(old, p) {
			c.Added = append(c.Added, p)
		}
	}
	for _, p := range old {
		if !slices.Contains(new, p) {
			c.Removed = append(c.Removed, p)
		}
	}
	switch {
	case len(c.Added) > 0 && len(c.Removed) > 0:
		c.Verdict = VerdictBoth
	case len(c.Added) > 0:
		c.Verdict = VerdictWider
	case len(c.Removed) > 0:
		c.Verdict = VerdictNarrower
	default:
		return nil
	}
	return c
}

// settingChanges lists the settings that differ.
func settingChanges(old, new *rules.Rule) []SettingChange {
	var out []SettingChange
	for _, k := range RuleSettings {
		a, b := setting(old, k), setting(new, k)
		if !reflect.DeepEqual(a, b) {
			out = append(out, SettingChange{Key: k, Old: a, New: b})
		}
	}
	return out
}

// setting returns the value of r's setting key, nil when absent.
func setting(r *rules.Rule, key string) any {
	switch key {
	case "type":
		return string(r.Type)
	case "language":
		return string(r.Language)
	case "from":
		return r.From
	case "interval":
		return r.Interval.String()
	case "max_signals":
		return r.MaxSignals
	case "timestamp_override":
		return r.TimestampOverride
	case "filters":
		return orNone(len(r.Filters) > 0, r.Filters)
	case "threshold":
		return orNone(r.Threshold != nil, r.Threshold)
	case "new_terms":
		return orNone(len(r.NewTermsFields) > 0, r.NewTermsFields)
	case "history_window_start":
		return r.HistoryWindowStart
	case "threat_query":
		return r.ThreatQuery
	case "threat_index":
		return orNone(len(r.ThreatIndex) > 0, r.ThreatIndex)
	case "threat_mapping":
		return orNone(len(r.ThreatMapping) > 0, r.ThreatMapping)
	case "threat_filters":
		return orNone(len(r.ThreatFilters) > 0, r.ThreatFilters)
	case "threat_language":
		return string(r.ThreatLanguage)
	case "threat_indicator_path":
		return r.ThreatIndicatorPath
	case "alert_suppression":
		return orNone(r.AlertSuppression != nil, r.AlertSuppression)
	}
	return r.Extra[key]
}

// orNone returns v when the setting is given, else nil (absent).
func orNone(given bool, v any) any {
	if !given {
		return nil
	}
	return v
}

// showSetting writes a setting's value as JSON; "(none)" when absent.
func showSetting(v any) string {
	if v == nil || v == "" {
		return "(none)"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// Versions compares two versions of r's history (see rules.History.At):
// r with each version's query and, where the version gives them, index
// patterns, compared by [Rules].
func Versions(r *rules.Rule, from, to int, opts ...Option) (*RuleChange, error) {
	at := func(n int) (*rules.Rule, error) {
		v, err := r.History.At(n)
		if err != nil {
			return nil, err
		}
		rv := *r
		rv.Query = v.Query
		if v.Index != nil {
			rv.Index = v.Index
		}
		return &rv, nil
	}
	a, err := at(from)
	if err != nil {
		return nil, err
	}
	b, err := at(to)
	if err != nil {
		return nil, err
	}
	c, err := Rules(a, b, opts...)
	var qe *QueryError
	if errors.As(err, &qe) {
		n := to
		if qe.Old {
			n = from
		}
		return nil, fmt.Errorf("version %d: %w", n, qe.Err)
	}
	return c, err
}
