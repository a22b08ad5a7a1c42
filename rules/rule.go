// Package rules models Kibana detection rules: the rule itself (what a
// Kibana KQL rule of every type carries: query, threshold, new terms,
// indicator match, alert suppression, filters and the alert overrides, with
// Elastic's detection-rules metadata), its version history, loading from the
// TOML files of Elastic's detection-rules repository and from Kibana's JSON,
// and validation that reports every problem of a file at once. Package
// replay runs the rules as Kibana's detection engine would.
//
// Field names in problems and in the JSON form are Kibana's snake_case names;
// problems name fields the way the TOML files spell them ("rule.risk_score",
// "metadata.creation_date", "rule.threat[1].technique[0].id",
// "history[3].query"), whatever format the rule came from.
package rules

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
)

// Type is a rule's type, as Kibana names it ("query", "eql"...). Decoding
// keeps whatever the file says; [Rule.Validate] reports unknown types.
type Type string

// Rule types known to Kibana's detection engine.
const (
	TypeQuery           Type = "query"
	TypeEQL             Type = "eql"
	TypeESQL            Type = "esql"
	TypeThreshold       Type = "threshold"
	TypeNewTerms        Type = "new_terms"
	TypeThreatMatch     Type = "threat_match"
	TypeMachineLearning Type = "machine_learning"
	TypeSavedQuery      Type = "saved_query"
)

// Language is the language of a rule's query, as Kibana names it.
// Decoding keeps whatever the file says; [Rule.Validate] reports unknown
// languages.
type Language string

// Query languages known to Kibana's detection engine.
const (
	LanguageKuery  Language = "kuery"
	LanguageLucene Language = "lucene"
	LanguageEQL    Language = "eql"
	LanguageESQL   Language = "esql"
)

// Severity is a rule's severity, as Kibana names it. Decoding keeps
// whatever the file says; [Rule.Validate] reports unknown severities.
type Severity string

// Severities, from least to most severe.
const (
	SeverityLow      Severity = "low"
	SeverityMedium   Severity = "medium"
	SeverityHigh     Severity = "high"
	SeverityCritical Severity = "critical"
)

// Rank returns the severity's place from least to most severe (low is 0,
// critical 3), or -1 for a severity Kibana does not know.
func (s Severity) Rank() int { return slices.Index(knownSeverity, s) }

// joinNames joins names of a string type, as strings.Join does.
func joinNames[S ~string](names []S, sep string) string {
	s := make([]string, len(names))
	for i, n := range names {
		s[i] = string(n)
	}
	return strings.Join(s, sep)
}

// Defaults that Kibana applies when a rule leaves the field out.
const (
	DefaultInterval   = 5 * time.Minute
	DefaultFrom       = "now-6m"
	DefaultMaxSignals = 100
)

// Rule is a Kibana detection rule with the metadata Elastic's detection-rules
// repository keeps beside it and its version history.
//
// Decoding fills the defaults Kibana applies: Interval 5m, From "now-6m",
// MaxSignals 100, and Language "kuery" for the query-based types (query,
// threshold, new_terms, threat_match, saved_query) when it is absent.
type Rule struct {
	RuleID      string   `json:"rule_id"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Type        Type     `json:"type"`
	Language    Language `json:"language,omitempty"`
	Query       string   `json:"query,omitempty"`
	Index       []string `json:"index,omitempty"`
	Severity    Severity `json:"severity"`
	RiskScore   int      `json:"risk_score"`

	// Interval is how often the rule runs (Kibana's schedule interval,
	// "5m" in the files). It is written to JSON as text by MarshalJSON.
	Interval time.Duration `json:"-"`
	// From is the start of each execution's search window as Kibana date
	// math, such as "now-9m"; LookBack gives it as a duration.
	From string `json:"from"`
	// MaxSignals caps the alerts one execution creates.
	MaxSignals int `json:"max_signals"`
	// TimestampOverride names the event field used as the event's time
	// instead of @timestamp when the event has it (such as event.ingested).
	TimestampOverride string `json:"timestamp_override,omitempty"`

	// Threshold is a threshold rule's grouping and count (Kibana's
	// "threshold"); nil for other types.
	Threshold *Threshold `json:"threshold,omitempty"`
	// NewTermsFields are a new terms rule's fields (1 to 3), Kibana's
	// "new_terms_fields"; detection-rules writes them as [rule.new_terms]
	// field = "new_terms_fields", value = [...].
	NewTermsFields []string `json:"new_terms_fields,omitempty"`
	// HistoryWindowStart is where a new terms rule's history starts, as
	// date math such as "now-14d" (Kibana's "history_window_start").
	HistoryWindowStart string `json:"history_window_start,omitempty"`
	// AlertSuppression groups a rule's alerts (Kibana's
	// "alert_suppression"); nil when the rule does not suppress.
	AlertSuppression *AlertSuppression `json:"alert_suppression,omitempty"`

	// Indicator match settings (type threat_match).
	ThreatIndex         []string          `json:"threat_index,omitempty"`
	ThreatQuery         string            `json:"threat_query,omitempty"`
	ThreatLanguage      Language          `json:"threat_language,omitempty"`
	ThreatFilters       []json.RawMessage `json:"threat_filters,omitempty"`
	ThreatMapping       []ThreatMapping   `json:"threat_mapping,omitempty"`
	ThreatIndicatorPath string            `json:"threat_indicator_path,omitempty"`
	ConcurrentSearches  int               `json:"concurrent_searches,omitempty"`
	ItemsPerSearch      int               `json:"items_per_search,omitempty"`

	// Filters are the rule's Kibana filters, each kept as the JSON object
	// Kibana stores ({"meta": ..., "query": ...}).
	Filters []json.RawMessage `json:"filters,omitempty"`

	// RuleNameOverride names the event field whose value becomes the
	// alert's rule name.
	RuleNameOverride string `json:"rule_name_override,omitempty"`
	// SeverityMapping and RiskScoreMapping override the severity and the
	// risk score from event values.
	SeverityMapping  []SeverityMapping  `json:"severity_mapping,omitempty"`
	RiskScoreMapping []RiskScoreMapping `json:"risk_score_mapping,omitempty"`
	// TimestampOverrideFallbackDisabled stops the search from falling back
	// to @timestamp for events without the TimestampOverride field.
	TimestampOverrideFallbackDisabled bool `json:"timestamp_override_fallback_disabled,omitempty"`
	// ExceptionsList lists the exception lists attached to the rule.
	ExceptionsList []ExceptionList `json:"exceptions_list,omitempty"`

	Tags              []string `json:"tags,omitempty"`
	Threat            []Threat `json:"threat,omitempty"`
	FalsePositives    []string `json:"false_positives,omitempty"`
	References        []string `json:"references,omitempty"`
	Author            []string `json:"author,omitempty"`
	License           string   `json:"license,omitempty"`
	Version           int      `json:"version,omitempty"`
	Note              string   `json:"note,omitempty"`
	Setup             string   `json:"setup,omitempty"`
	BuildingBlockType string   `json:"building_block_type,omitempty"`

	// Metadata is the detection-rules repository's [metadata] table.
	Metadata Metadata `json:"metadata"`
	// History is the rule's version history, oldest first; empty when the
	// file gives none.
	History History `json:"history,omitempty"`

	// Extra holds the rule's other keys (investigation_fields,
	// required_fields, to, Kibana export bookkeeping...), keyed by their
	// names, with values as decoded
	// (string, bool, int64, float64, time.Time, []any, map[string]any).
	Extra map[string]any `json:"-"`

	// Source says where the rule was read from; it is not part of the rule.
	Source Source `json:"-"`
}

// Metadata is the [metadata] table of a detection-rules file. Dates are kept
// as written, YYYY/MM/DD.
type Metadata struct {
	CreationDate     string   `json:"creation_date,omitempty"`
	UpdatedDate      string   `json:"updated_date,omitempty"`
	DeprecationDate  string   `json:"deprecation_date,omitempty"`
	Maturity         string   `json:"maturity,omitempty"`
	MinStackVersion  string   `json:"min_stack_version,omitempty"`
	MinStackComments string   `json:"min_stack_comments,omitempty"`
	Integration      []string `json:"integration,omitempty"`
	// Extra holds the table's other keys, as Rule.Extra does.
	Extra map[string]any `json:"-"`
}

// Maturity values of the detection-rules repository.
const (
	MaturityDevelopment  = "development"
	MaturityExperimental = "experimental"
	MaturityBeta         = "beta"
	MaturityProduction   = "production"
	MaturityDeprecated   = "deprecated"
)

// Deprecated reports whether the rule's maturity is "deprecated".
func (r *Rule) Deprecated() bool { return r.Metadata.Maturity == MaturityDeprecated }

// Program parses and compiles the rule's query (the current version's) with
// [kql.Parse] and [eval.Compile], for matching events one by one. The rule's query
// must be KQL ([Rule.IsKQL]; else an error wrapping an *[UnsupportedError]). Errors name the rule and wrap the *kql.Error of
// a syntax error or eval's compile errors.
func (r *Rule) Program(opts ...eval.Option) (*eval.Program, error) {
	if err := r.CheckLanguage(LanguageKuery); err != nil && r.QueryLanguage() != "" { // a machine learning rule: no query to refuse here
		return nil, fmt.Errorf("rule %s: %w, only kuery", r.Name, err)
	}
	x, err := kql.Parse(r.Query)
	if err != nil {
		return nil, fmt.Errorf("rule %s: query: %w", r.Name, err)
	}
	prog, err := eval.Compile(x, opts...)
	if err != nil {
		return nil, fmt.Errorf("rule %s: query: %w", r.Name, err)
	}
	return prog, nil
}

// Threshold is a threshold rule's setting: the events of an execution are
// grouped by Field (0 to 5 fields; none puts every event in one group) and a
// group alerts when it has at least Value events and, with Cardinality, at
// least Cardinality[0].Value distinct values of Cardinality[0].Field.
type Threshold struct {
	// Field is written as a string or a list of strings in the files.
	Field       []string      `json:"field"`
	Value       int           `json:"value"`
	Cardinality []Cardinality `json:"cardinality,omitempty"`
}

// Cardinality is a threshold's distinct-count condition.
type Cardinality struct {
	Field string `json:"field"`
	Value int    `json:"value"`
}

// Missing-fields strategies of alert suppression.
const (
	SuppressMissing       = "suppress"      // events without a group-by field form one group
	DoNotSuppressMissing  = "doNotSuppress" // each such event alerts on its own
	DefaultMissingFields  = SuppressMissing // Kibana's default
	maxSuppressionGroupBy = 3
)

// AlertSuppression is a rule's alert suppression: alerts sharing the values
// of GroupBy are folded into one per execution, or per Duration when set.
// Threshold rules give only a Duration (they group by threshold.field).
type AlertSuppression struct {
	GroupBy               []string             `json:"group_by,omitempty"`
	Duration              *SuppressionDuration `json:"duration,omitempty"`
	MissingFieldsStrategy string               `json:"missing_fields_strategy,omitempty"`
}

// SuppressionDuration is a suppression window, such as 5 m.
type SuppressionDuration struct {
	Value int    `json:"value"`
	Unit  string `json:"unit"` // s, m or h
}

// Duration returns the window as a time.Duration; 0 for an unknown unit.
func (d SuppressionDuration) Duration() time.Duration {
	var per time.Duration
	switch d.Unit {
	case "s":
		per = time.Second
	case "m":
		per = time.Minute
	case "h":
		per = time.Hour
	}
	return time.Duration(d.Value) * per
}

// ThreatMapping is one clause of an indicator match rule's mapping: an event
// matches an indicator when every entry matches (the clauses are ORed).
type ThreatMapping struct {
	Entries []ThreatMappingEntry `json:"entries"`
}

// ThreatMappingEntry maps the event field Field to the indicator field
// Value; Type is "mapping"; Negate makes it a must-not-match entry.
type ThreatMappingEntry struct {
	Field  string `json:"field"`
	Value  string `json:"value"`
	Type   string `json:"type"`
	Negate bool   `json:"negate,omitempty"`
}

// SeverityMapping sets the alert's severity to Severity when the event's
// Field equals Value (Operator is "equals").
type SeverityMapping struct {
	Field    string   `json:"field"`
	Operator string   `json:"operator"`
	Value    string   `json:"value"`
	Severity Severity `json:"severity"`
}

// RiskScoreMapping sets the alert's risk score from the event's numeric
// Field (Operator "equals", Value ""); RiskScore is unused by Kibana and
// kept when the file gives it.
type RiskScoreMapping struct {
	Field     string `json:"field"`
	Operator  string `json:"operator"`
	Value     string `json:"value"`
	RiskScore *int   `json:"risk_score,omitempty"`
}

// ExceptionList references an exception list attached to a rule.
type ExceptionList struct {
	ID            string `json:"id"`
	ListID        string `json:"list_id"`
	Type          string `json:"type"`
	NamespaceType string `json:"namespace_type"`
}

// Threat is one entry of a rule's threat mapping: a framework (such as
// "MITRE ATT&CK"), one tactic and the techniques under it.
type Threat struct {
	Framework  string      `json:"framework"`
	Tactic     Tactic      `json:"tactic"`
	Techniques []Technique `json:"technique,omitempty"`
}

// Tactic is an ATT&CK tactic such as TA0011, Command and Control.
type Tactic struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	Reference string `json:"reference"`
}

// Technique is an ATT&CK technique (T1048) or, inside Subtechniques, a
// subtechnique (T1048.003).
type Technique struct {
	ID            string      `json:"id"`
	Name          string      `json:"name"`
	Reference     string      `json:"reference"`
	Subtechniques []Technique `json:"subtechnique,omitempty"`
}

// Formats a rule can be read from.
const (
	FormatTOML = "toml" // Elastic's detection-rules TOML
	FormatJSON = "json" // Kibana's rule JSON (API and export shape)
	// FormatExtract is one line of a rule extract such as the shared
	// corpus's elastic_kuery_rules.jsonl: flat Kibana keys plus metadata
	// keys and "file", without descriptions and with threats abbreviated to
	// ids. Validation does not require what the extract leaves out.
	FormatExtract = "extract"
)

// Source says where a rule was read from.
type Source struct {
	// File is the name given to Load or Parse.
	File string
	// Format is FormatTOML, FormatJSON or FormatExtract; "" for a rule
	// built in Go.
	Format string
	// Warnings lists what the decoder tolerated: keys it does not know
	// (kept in Extra), and doubtful but accepted values.
	Warnings []Problem

	data  []byte     // the file, for Value
	lines *lineIndex // where the file gives each key, for Line and Lines
}

// lineIndex maps the field paths of a file to their lines. It is built
// from the file the first time a line is asked for: most rules read have
// no problem to place, and scanning every file for lines it never tells
// is a tenth of loading a tree of rules.
type lineIndex struct {
	once  sync.Once
	data  []byte
	toml  bool // scan as TOML, else as JSON
	shift int  // added to every line: the rule's first line in an export
	m     map[string]int
}

func newLineIndex(data []byte, format string) *lineIndex {
	return &lineIndex{data: data, toml: format == FormatTOML}
}

// get returns the field paths' lines, without the shift.
func (x *lineIndex) get() map[string]int {
	x.once.Do(func() {
		var spans []Span
		if x.toml {
			// The document decoded: a scanner error would be a TOML
			// feature rule files do not use, and costs only the lines
			// after it.
			spans, _ = ScanTOML(x.data)
		} else {
			spans, _ = ScanJSON(x.data) // the document decoded: no error
		}
		x.m = lineMap(spans)
	})
	return x.m
}

// Line returns the line of the field path in the source file, or of the
// nearest enclosing table or object that the file gives, or 0 when unknown.
func (s Source) Line(field string) int {
	if s.lines == nil {
		return 0
	}
	m := s.lines.get()
	for p := field; p != ""; p = parentPath(p) {
		if n, ok := m[p]; ok {
			return n + s.lines.shift
		}
	}
	return 0
}

// Lines returns a map of the field paths the file gives ("rule",
// "rule.risk_score", "rule.threat[0].tactic") to the 1-based line where
// it first gives them; nil for a rule not read from a file (or whose
// file was let go, as a rule set does).
func (s Source) Lines() map[string]int {
	if s.lines == nil {
		return nil
	}
	m := s.lines.get()
	out := make(map[string]int, len(m))
	for k, n := range m {
		out[k] = n + s.lines.shift
	}
	return out
}

// parentPath strips the last element of a field path: "a.b[2].c" →
// "a.b[2]" → "a.b" → "a" → "".
func parentPath(p string) string {
	for i := len(p) - 1; i >= 0; i-- {
		switch p[i] {
		case '.', '[':
			return p[:i]
		}
	}
	return ""
}

// LookBack returns how far back each execution searches: From parsed as
// date math, "now-9m" → 9m. See ParseFrom.
func (r *Rule) LookBack() (time.Duration, error) {
	return ParseFrom(r.From)
}

// AdditionalLookBack returns the part of the look-back beyond the interval
// (Kibana's "additional look-back time"): 4m for a 5m interval and now-9m.
// It is negative when the windows leave gaps.
func (r *Rule) AdditionalLookBack() (time.Duration, error) {
	lb, err := r.LookBack()
	if err != nil {
		return 0, err
	}
	return lb - r.Interval, nil
}

// ParseFrom parses a rule's from, Kibana date math of the form
// "now-<n><unit>" with unit s, m, h or d (a day being 24h), and returns the
// look-back <n><unit> as a duration. n is a positive decimal integer.
func ParseFrom(s string) (time.Duration, error) {
	rest, ok := strings.CutPrefix(s, "now-")
	if !ok {
		return 0, fmt.Errorf("must be date math now-<n><unit> with unit s, m, h or d, got %q", s)
	}
	d, err := parseAmount(rest)
	if err != nil {
		return 0, fmt.Errorf("must be date math now-<n><unit> with unit s, m, h or d, got %q: %w", s, err)
	}
	return d, nil
}

// ParseInterval parses a rule's interval, "<n><unit>" with unit s, m, h or
// d and n a positive decimal integer, as Kibana's rule schedule writes it.
func ParseInterval(s string) (time.Duration, error) {
	d, err := parseAmount(s)
	if err != nil {
		return 0, fmt.Errorf("must be <n><unit> with unit s, m, h or d, such as 5m, got %q: %w", s, err)
	}
	return d, nil
}

// FormatInterval writes an interval the way rule files do: in whole days,
// hours, minutes or seconds when it is a multiple of one ("5m", "1h", "1d",
// "90s"), else in Go's notation.
func FormatInterval(d time.Duration) string {
	switch {
	case d <= 0:
		return d.String()
	case d%(24*time.Hour) == 0:
		return fmt.Sprintf("%dd", d/(24*time.Hour))
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	case d%time.Second == 0:
		return fmt.Sprintf("%ds", d/time.Second)
	}
	return d.String()
}

// parseAmount parses "<n><unit>".
func parseAmount(s string) (time.Duration, error) {
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	num, unit := s[:digits], s[digits:]
	if num == "" {
		return 0, fmt.Errorf("no amount before the unit")
	}
	var per time.Duration
	switch unit {
	case "s":
		per = time.Second
	case "m":
		per = time.Minute
	case "h":
		per = time.Hour
	case "d":
		per = 24 * time.Hour
	case "":
		return 0, fmt.Errorf("no unit after %s", num)
	default:
		return 0, fmt.Errorf("unit %q is not s, m, h or d", unit)
	}
	var n int64
	for _, c := range num {
		n = n*10 + int64(c-'0')
		if n > int64(1<<62)/int64(per) {
			return 0, fmt.Errorf("amount %s is too large", num)
		}
	}
	if n == 0 {
		return 0, fmt.Errorf("amount must be positive")
	}
	return time.Duration(n) * per, nil
}

// MarshalJSON writes the rule in Kibana's flat JSON shape (snake_case keys,
// interval as text such as "5m"), with Extra's keys merged in and the
// detection-rules metadata and history under "metadata" and "history".
// ParseJSON reads it back to an equal rule.
func (r Rule) MarshalJSON() ([]byte, error) {
	type plain Rule
	b, err := json.Marshal(plain(r))
	if err != nil {
		return nil, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(r.Extra)) {
		if _, taken := m[k]; taken || k == "interval" {
			continue
		}
		v, err := json.Marshal(r.Extra[k])
		if err != nil {
			return nil, fmt.Errorf("rule %s: extra key %s: %w", r.RuleID, k, err)
		}
		m[k] = v
	}
	if r.Interval != 0 {
		m["interval"], _ = json.Marshal(FormatInterval(r.Interval))
	}
	return json.Marshal(m)
}

// MarshalJSON writes the metadata with Extra's keys merged in.
func (md Metadata) MarshalJSON() ([]byte, error) {
	type plain Metadata
	b, err := json.Marshal(plain(md))
	if err != nil || len(md.Extra) == 0 {
		return b, err
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, x := range md.Extra {
		if _, taken := m[k]; taken {
			continue
		}
		v, err := json.Marshal(x)
		if err != nil {
			return nil, fmt.Errorf("metadata extra key %s: %w", k, err)
		}
		m[k] = v
	}
	return json.Marshal(m)
}
