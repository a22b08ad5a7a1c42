package rules

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/BurntSushi/toml"
)

// Load reads (see [ReadFile] for the size limits), decodes and validates
// the rule file at path. The format comes
// from the extension (.toml; .json, .ndjson, .jsonl) or, for other names,
// from the content (JSON when it starts with "{"). Every problem of the
// file is returned together in an *Error; the rule is nil then.
func Load(path string) (*Rule, error) {
	data, err := ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("rules: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates one rule given as TOML or JSON; name is the
// file name used in problems and to choose the format (see Load). It
// returns the rule, or nil and an *Error listing every problem: syntax
// errors with their line, then, when the syntax is fine, every field of the
// wrong type and every failed validation, sorted by line. The rule's
// Source keeps data, to find values and lines in it on demand
// ([Source.Value], [Source.Line]), and the rule's strings may share its
// memory: the caller must not change it after.
func Parse(name string, data []byte) (*Rule, error) {
	return parseAs(name, data, formatOf(name, data))
}

// ParseTOML is Parse for a detection-rules TOML file whatever its name.
func ParseTOML(name string, data []byte) (*Rule, error) {
	return parseAs(name, data, FormatTOML)
}

// ParseJSON is Parse for a rule in JSON whatever its name: Kibana's flat
// rule object (API and export shape), the detection-rules shape with
// "metadata" and "rule" objects, or a line of a rule extract.
func ParseJSON(name string, data []byte) (*Rule, error) {
	return parseAs(name, data, FormatJSON)
}

// ParseForRun is [Parse] for a caller that parses the rule's current
// query itself when it is KQL (a replay compiles it: replay.Prepare), so
// that the query is parsed once: it leaves out Parse's syntax check of
// rule.query of a KQL rule and does every other. A caller that cannot
// parse the query, or that refuses the rule before it parses the query,
// calls Parse for the answer: the rule, or every problem of the file.
// The rule it returns has no Note nor Setup (their text is checked, not
// kept), nor the transforms of the investigation guide's placeholders
// (detection-rules' [transform] table, which [Parse] keeps in
// Extra["transform"]): running a rule reads none of them, and they are
// over half the text of Elastic's rules.
func ParseForRun(name string, data []byte) (*Rule, error) {
	return parseWith(name, data, formatOf(name, data), true)
}

func parseAs(name string, data []byte, format string) (*Rule, error) {
	return parseWith(name, data, format, false)
}

// parseWith decodes and validates; ownQuery leaves the syntax check of
// a KQL rule's current query to the caller (ParseForRun).
func parseWith(name string, data []byte, format string, ownQuery bool) (*Rule, error) {
	r, ps, err := decodeWith(name, data, format, true, ownQuery)
	if err != nil {
		return nil, err
	}
	if ownQuery { // ParseForRun keeps no Note nor Setup
		r.Note, r.Setup = "", ""
	}
	ps.ownQuery = ownQuery
	r.validate(ps)
	if err := ps.err(); err != nil {
		return nil, err
	}
	return r, nil
}

// Decode decodes a rule as Parse does but does not validate it; as with
// Parse, the caller must not change data after. A syntax
// error gives a nil rule and an *Error; fields of the wrong type give the
// rule with those fields left unset together with an *Error naming them.
func Decode(name string, data []byte) (*Rule, error) {
	r, ps, err := decode(name, data, formatOf(name, data))
	if err != nil {
		return nil, err
	}
	return r, ps.err()
}

func formatOf(name string, data []byte) string {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".toml":
		return FormatTOML
	case ".json", ".ndjson", ".jsonl":
		return FormatJSON
	}
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		return FormatJSON
	}
	return FormatTOML
}

// fatal returns an *Error with one problem.
func fatal(file string, line int, field, format string, args ...any) error {
	return &Error{Problems: []Problem{{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)}}}
}

// decode reads data in the given format into a rule. Syntax errors are
// returned as err; field problems are collected in ps.
func decode(name string, data []byte, format string) (*Rule, *problems, error) {
	return decodeAs(name, data, format, true)
}

// decodeAs is decode; direct tries the direct TOML decoder first
// (directTOML), which the tests compare with the maps alone.
func decodeAs(name string, data []byte, format string, direct bool) (*Rule, *problems, error) {
	return decodeWith(name, data, format, direct, false)
}

// decodeWith is decodeAs; noGuides lets the direct TOML decoder check the
// text of rule.note and rule.setup without making their strings, which
// the caller clears (ParseForRun).
func decodeWith(name string, data []byte, format string, direct, noGuides bool) (*Rule, *problems, error) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil, fatal(name, 0, "", "empty file: no rule")
	}
	if !utf8.Valid(data) {
		return nil, nil, fatal(name, lineOfOffset(data, invalidUTF8(data)), "", "not valid UTF-8")
	}
	src := Source{File: name, Format: format, data: data, lines: newLineIndex(data, format)}
	keys, _ := keyBuffers.Get().(*[]string)
	if keys == nil {
		keys = new([]string)
	}
	d := &decoder{ps: &problems{src: &src}, src: &src, keys: *keys, noGuides: noGuides}
	defer func() {
		clear(d.keys) // the keys are the file's text: the pool keeps none
		*keys = d.keys[:0]
		keyBuffers.Put(keys)
	}()
	var r *Rule
	if format == FormatTOML && direct {
		r = d.directTOML(data) // nil: left to the maps below
	}
	if r == nil {
		var top map[string]any
		switch format {
		case FormatTOML:
			m, err := decodeTOML(data)
			if err != nil {
				return nil, nil, tomlError(name, err)
			}
			top = m
		default:
			m, err := decodeJSON(name, data)
			if err != nil {
				return nil, nil, err
			}
			top = normalize(m).(map[string]any) // decodeTOML normalizes
		}
		r = d.top(&Rule{}, top)
	}
	slices.SortStableFunc(src.Warnings, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	r.Source = src
	d.ps.src = &r.Source
	return r, d.ps, nil
}

func invalidUTF8(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return 0
}

// tomlError turns a decoder error into an *Error with the line.
func tomlError(name string, err error) error {
	var pe toml.ParseError
	if errors.As(err, &pe) {
		line := pe.Position.Line
		if strings.Contains(pe.Message, `got '\n'`) && line > 1 {
			line-- // the decoder counts the newline it stumbled on as the next line's
		}
		msg := pe.Message
		if pe.LastKey != "" && !strings.Contains(msg, pe.LastKey) {
			msg = fmt.Sprintf("%s (after key %q)", msg, pe.LastKey)
		}
		return &Error{Problems: []Problem{{File: name, Line: line, Msg: "TOML syntax: " + msg}}}
	}
	return fatal(name, 0, "", "TOML: %v", err)
}

// decodeJSON reads one JSON object, reporting syntax errors with their line
// and column.
func decodeJSON(name string, data []byte) (map[string]any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fatal(name, lineOfOffset(data, int(se.Offset)), "", "JSON syntax: %s (column %d)", se.Error(), colOfOffset(data, int(se.Offset)))
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fatal(name, lineOfOffset(data, len(data)), "", "JSON syntax: unexpected end of input")
		}
		return nil, fatal(name, 0, "", "JSON: %v", err)
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fatal(name, 1, "", "a rule must be a JSON object, got %s", typeName(normalize(v)))
	}
	if _, err := dec.Token(); err != io.EOF {
		off := int(dec.InputOffset())
		return nil, fatal(name, lineOfOffset(data, off), "", "unexpected data after the rule object (one rule a file; a Kibana export of several rules must be split into lines)")
	}
	return m, nil
}

// normalize makes TOML and JSON values alike: integral JSON numbers become
// int64, others float64; arrays of tables become []any; strings are copies.
func normalize(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = normalize(e)
		}
		return x
	case []map[string]any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = normalize(e)
		}
		return out
	case []any:
		for i, e := range x {
			x[i] = normalize(e)
		}
		return v // x itself, boxed as it came (returning x would box it again)
	case json.Number:
		if n, err := x.Int64(); err == nil {
			return n
		}
		if f, err := x.Float64(); err == nil {
			return f
		}
		return x.String()
	}
	return v
}

func typeName(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return "string"
	case bool:
		return "boolean"
	case int64:
		return "integer"
	case float64:
		return "float"
	case time.Time:
		return "datetime"
	case []any:
		return "array"
	case map[string]any:
		return "table"
	default:
		return fmt.Sprintf("%T", x)
	}
}

// show renders a value in a problem message.
func show(v any) string {
	switch x := v.(type) {
	case string:
		if len(x) > 60 {
			x = x[:57] + "..."
		}
		return fmt.Sprintf("%q", x)
	case []any, map[string]any:
		return typeName(v)
	}
	return fmt.Sprint(v)
}

// Keys of the detection-rules [rule] table and Kibana's rule object that the
// model keeps in fields.
var ruleFields = []string{
	"rule_id", "name", "description", "type", "language", "query", "index",
	"severity", "risk_score", "interval", "from", "max_signals",
	"timestamp_override", "tags", "threat", "false_positives", "references",
	"author", "license", "version", "note", "setup", "building_block_type",
}

// Keys of Kibana's rule object and detection-rules' [rule] table that the
// model keeps in Rule.Extra without a warning.
var ruleExtraKnown = map[string]bool{
	"actions": true, "anomaly_threshold": true, "created_at": true,
	"created_by": true, "data_view_id": true, "enabled": true,
	"event_category_override": true, "execution_summary": true, "id": true,
	"immutable": true, "investigation_fields": true,
	"machine_learning_job_id": true, "meta": true, "namespace": true,
	"output_index": true, "related_integrations": true,
	"required_fields": true, "response_actions": true, "revision": true,
	"rule_source": true, "saved_id": true, "throttle": true,
	"tiebreaker_field": true, "timeline_id": true, "timeline_title": true,
	"timestamp_field": true, "to": true, "updated_at": true,
	"updated_by": true, "outcome": true, "alias_target_id": true,
	"alias_purpose": true, "lists": true,
}

// Keys of the [metadata] table that the model keeps in fields.
var metadataFields = []string{
	"creation_date", "updated_date", "deprecation_date", "maturity",
	"min_stack_version", "min_stack_comments", "integration",
}

// Keys of the [metadata] table kept in Metadata.Extra without a warning.
var metadataExtraKnown = map[string]bool{
	"related_endpoint_rules": true, "comments": true,
	"query_schema_validation": true, "bypass_bbr_timing": true,
	"ecs_version": true, "os_type": true, "beats_version": true,
	"endgame_version": true, "promotion": true, "ecs_versions": true,
	"deprecated_reason": true,
}

// Keys that only a rule extract line carries (besides metadata keys).
var extractKeys = map[string]bool{"file": true, "deprecated": true, "locked_version": true, "dr_kql_parse": true}

type decoder struct {
	ps   *problems
	src  *Source
	keys []string // sortedKeys' buffer
	// direct are the keys of the rule table that the direct TOML decoder
	// set in the rule already (directTOML): present, though the table
	// rule reads lacks them
	direct []string
	// noGuides: rule.note and rule.setup are cleared after (ParseForRun),
	// and the direct TOML decoder need not make their strings; the
	// [transform] table of their placeholders is read, not kept
	noGuides bool
}

func (d *decoder) warn(field, format string, args ...any) {
	d.src.Warnings = append(d.src.Warnings, Problem{File: d.src.File, Line: d.src.Line(field), Field: field, Msg: fmt.Sprintf(format, args...)})
}

// top decodes the whole document into r.
func (d *decoder) top(r *Rule, top map[string]any) *Rule {
	ruleTab, nested := top["rule"].(map[string]any)
	if d.src.Format == FormatTOML || nested {
		// detection-rules shape: [metadata], [rule], [[history]].
		for _, k := range d.sortedKeys(top) {
			switch k {
			case "rule":
				if !nested {
					d.ps.add("rule", "must be a table, got %s", typeName(top[k]))
				}
			case "metadata":
				if m, ok := top[k].(map[string]any); ok {
					d.metadata(&r.Metadata, m, "metadata.", false)
				} else {
					d.ps.add("metadata", "must be a table, got %s", typeName(top[k]))
				}
			case "history":
				r.History = d.history(top[k])
			case "transform": // detection-rules' investigation guide transforms
				if d.noGuides {
					continue // the guide is not kept (ParseForRun)
				}
				if r.Extra == nil {
					r.Extra = map[string]any{}
				}
				r.Extra[k] = top[k]
			default:
				if r.Extra == nil {
					r.Extra = map[string]any{}
				}
				r.Extra[k] = top[k]
				d.warn(k, "unknown top-level table, kept in Extra")
			}
		}
		if _, ok := top["rule"]; !ok {
			d.ps.add("rule", "missing: a detection-rules file needs a [rule] table")
			ruleTab = map[string]any{}
		}
		if ruleTab == nil {
			ruleTab = map[string]any{}
		}
		d.rule(r, ruleTab, false)
	} else {
		// Kibana's flat rule object, possibly with metadata keys inline
		// (rule extracts) and our "metadata" and "history" keys.
		if _, ok := top["file"]; ok {
			d.src.Format = FormatExtract
		}
		flat := map[string]any{}
		meta := map[string]any{}
		for k, v := range top {
			switch {
			case k == "metadata":
				if m, ok := v.(map[string]any); ok {
					for mk, mv := range m {
						meta[mk] = mv
					}
				} else {
					d.ps.add("metadata", "must be an object, got %s", typeName(v))
				}
			case k == "history":
				r.History = d.history(v)
			case slices.Contains(metadataFields, k) && !slices.Contains(ruleFields, k):
				meta[k] = v
			default:
				flat[k] = v
			}
		}
		d.metadata(&r.Metadata, meta, "metadata.", true)
		d.rule(r, flat, true)
	}
	return r
}

// defaults fills what Kibana fills when the rule object leaves it out
// (absent reports the keys absent or null); a value given, even 0, is
// kept for Validate to judge.
func (d *decoder) defaults(r *Rule, absent func(k string) bool) {
	if absent("interval") {
		r.Interval = DefaultInterval
	}
	if absent("from") {
		r.From = DefaultFrom
	}
	if absent("max_signals") {
		r.MaxSignals = DefaultMaxSignals
	}
	if absent("language") {
		switch r.Type {
		case TypeQuery, TypeThreshold, TypeNewTerms, TypeThreatMatch, TypeSavedQuery:
			r.Language = LanguageKuery
		}
	}
}

// keyBuffers holds the buffers of keys (*[]string) of decoders done.
var keyBuffers sync.Pool

// sortedKeys returns m's keys in order, in the decoder's buffer of keys,
// which the keys of the tables a caller reads while it ranges over them
// go after: a file's tables share one buffer.
func (d *decoder) sortedKeys(m map[string]any) []string {
	start := len(d.keys)
	for k := range m {
		d.keys = append(d.keys, k)
	}
	ks := d.keys[start:len(d.keys):len(d.keys)]
	slices.Sort(ks)
	return ks
}

func (d *decoder) metadata(md *Metadata, m map[string]any, prefix string, flat bool) {
	for _, k := range d.sortedKeys(m) {
		v := m[k]
		f := prefix + k
		if s, ok := v.(string); ok && metaString(md, k, s) {
			continue
		}
		switch k {
		case "creation_date", "updated_date", "deprecation_date", "maturity",
			"min_stack_version", "min_stack_comments":
			d.str(v, f) // not a string (metaString takes strings)
		case "integration": // a list of strings (metaString takes a string)
			md.Integration = d.strs(v, f)
		default:
			if v == nil {
				continue
			}
			if md.Extra == nil {
				md.Extra = map[string]any{}
			}
			md.Extra[k] = v
			if !metadataExtraKnown[k] && !flat {
				d.warn(f, "unknown metadata key, kept in Metadata.Extra")
			}
		}
	}
}

// metaString sets the metadata's string field k to s, and reports
// whether k is one (metadata and the direct TOML decoder share it).
func metaString(md *Metadata, k, s string) bool {
	switch k {
	case "creation_date":
		md.CreationDate = s
	case "updated_date":
		md.UpdatedDate = s
	case "deprecation_date":
		md.DeprecationDate = s
	case "maturity":
		md.Maturity = s
	case "min_stack_version":
		md.MinStackVersion = s
	case "min_stack_comments":
		md.MinStackComments = s
	case "integration":
		md.Integration = []string{s} // a string or a list of strings in the repository's files
	default:
		return false
	}
	return true
}

func (d *decoder) rule(r *Rule, m map[string]any, flat bool) {
	absent := func(k string) bool { return m[k] == nil && !slices.Contains(d.direct, k) }
	if absent("risk_score") { // absent or null; in Go 0 is a valid score
		d.ps.add("rule.risk_score", "required")
	}
	for _, k := range d.sortedKeys(m) {
		d.ruleKey(r, m, k, flat)
	}
	d.defaults(r, absent)
}

// ruleKey decodes the key k of the rule table m.
func (d *decoder) ruleKey(r *Rule, m map[string]any, k string, flat bool) {
	v := m[k]
	if v == nil { // JSON null: absent
		return
	}
	if s, ok := v.(string); ok && ruleString(r, k, s, d.ps) {
		return
	}
	switch k {
	case "rule_id", "name", "description", "type", "language", "query",
		"severity", "interval", "from", "timestamp_override", "license",
		"note", "setup", "building_block_type":
		d.str(v, "rule."+k) // not a string (ruleString takes strings)
	case "index", "tags", "false_positives", "references", "author":
		ruleStrings(r, k, d.strs(v, "rule."+k))
	case "risk_score", "max_signals", "version":
		ruleInt(r, k, d.int(v, "rule."+k))
	case "threat":
		r.Threat = d.threats(v, "rule.threat")
	default:
		f := "rule." + k
		if d.typed(r, k, v, f) {
			return
		}
		if r.Extra == nil {
			r.Extra = map[string]any{}
		}
		r.Extra[k] = v
		switch {
		case ruleExtraKnown[k]:
		case d.src.Format == FormatExtract && extractKeys[k]:
			if k == "locked_version" && r.Version == 0 {
				if _, given := m["version"]; !given {
					r.Version = d.int(v, f)
				}
			}
		default:
			what := "rule key"
			if flat {
				what = "key"
			}
			d.warn(f, "unknown %s, kept in Extra", what)
		}
	}
}

// ruleString sets the rule's string field k to s, and reports whether k
// is one (ruleKey and the direct TOML decoder share it): the interval
// is read, its error added to ps.
func ruleString(r *Rule, k, s string, ps *problems) bool {
	switch k {
	case "rule_id":
		r.RuleID = s
	case "name":
		r.Name = s
	case "description":
		r.Description = s
	case "type":
		r.Type = Type(s)
	case "language":
		r.Language = Language(s)
	case "query":
		r.Query = s
	case "severity":
		r.Severity = Severity(s)
	case "interval":
		if s != "" {
			iv, err := ParseInterval(s)
			if err != nil {
				ps.add("rule.interval", "%v", err)
			}
			r.Interval = iv
		}
	case "from":
		r.From = s
	case "timestamp_override":
		r.TimestampOverride = s
	case "license":
		r.License = s
	case "note":
		r.Note = s
	case "setup":
		r.Setup = s
	case "building_block_type":
		r.BuildingBlockType = s
	default:
		return false
	}
	return true
}

// ruleStrings sets the rule's list of strings k to ss, and reports
// whether k is one.
func ruleStrings(r *Rule, k string, ss []string) bool {
	switch k {
	case "index":
		r.Index = ss
	case "tags":
		r.Tags = ss
	case "false_positives":
		r.FalsePositives = ss
	case "references":
		r.References = ss
	case "author":
		r.Author = ss
	default:
		return false
	}
	return true
}

// ruleInt sets the rule's integer field k to n, and reports whether k
// is one.
func ruleInt(r *Rule, k string, n int) bool {
	switch k {
	case "risk_score":
		r.RiskScore = n
	case "max_signals":
		r.MaxSignals = n
	case "version":
		r.Version = n
	default:
		return false
	}
	return true
}

func (d *decoder) str(v any, f string) string {
	s, ok := v.(string)
	if !ok && v != nil {
		d.ps.add(f, "must be a string, got %s %s", typeName(v), show(v))
	}
	return s
}

func (d *decoder) int(v any, f string) int {
	switch x := v.(type) {
	case nil:
		return 0
	case int64:
		if x > math.MaxInt32 || x < math.MinInt32 {
			d.ps.add(f, "integer %d out of range", x)
			return 0
		}
		return int(x)
	case float64:
		if x == math.Trunc(x) && math.Abs(x) <= math.MaxInt32 {
			return int(x)
		}
		d.ps.add(f, "must be an integer, got %v", x)
		return 0
	}
	d.ps.add(f, "must be an integer, got %s %s", typeName(v), show(v))
	return 0
}

func (d *decoder) strs(v any, f string) []string {
	if v == nil {
		return nil
	}
	list, ok := v.([]any)
	if !ok {
		d.ps.add(f, "must be an array of strings, got %s %s", typeName(v), show(v))
		return nil
	}
	var out []string
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			d.ps.add(fmt.Sprintf("%s[%d]", f, i), "must be a string, got %s %s", typeName(e), show(e))
			continue
		}
		out = append(out, s)
	}
	return out
}

func (d *decoder) table(v any, f string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		d.ps.add(f, "must be a table, got %s %s", typeName(v), show(v))
	}
	return m, ok
}

// elem is the name of element i of the array field f, such as
// "rule.threat[0]", made only when a problem or a warning needs it.
type elem struct {
	f string
	i int
}

func (e elem) String() string { return fmt.Sprintf("%s[%d]", e.f, e.i) }

// key is the name of the field k of e, such as "rule.threat[0].tactic".
func (e elem) key(k string) string { return e.String() + "." + k }

// strOf is str for the field k of e.
func (d *decoder) strOf(v any, e elem, k string) string {
	if s, ok := v.(string); ok || v == nil {
		return s
	}
	return d.str(v, e.key(k))
}

// tableOf is table for e.
func (d *decoder) tableOf(v any, e elem) (map[string]any, bool) {
	if m, ok := v.(map[string]any); ok {
		return m, true
	}
	return d.table(v, e.String())
}

func (d *decoder) threats(v any, f string) []Threat {
	list, ok := v.([]any)
	if !ok {
		d.ps.add(f, "must be an array of tables, got %s", typeName(v))
		return nil
	}
	var out []Threat
	for i, e := range list {
		tf := elem{f, i}
		m, ok := d.tableOf(e, tf)
		if !ok {
			continue
		}
		var t Threat
		for _, k := range d.sortedKeys(m) {
			v := m[k]
			switch k {
			case "framework":
				t.Framework = d.strOf(v, tf, "framework")
			case "tactic":
				if id, ok := v.(string); ok && d.src.Format == FormatExtract {
					t.Tactic.ID = id // extracts abbreviate to the id
					continue
				}
				if tm, ok := v.(map[string]any); ok {
					d.tactic(tm, tf, &t.Tactic)
				} else {
					d.table(v, tf.key("tactic"))
				}
			case "technique", "techniques":
				t.Techniques = d.techniques(v, tf.key(k), "subtechnique")
			default:
				d.warn(tf.key(k), "unknown threat key, ignored")
			}
		}
		out = append(out, t)
	}
	return out
}

// tactic decodes the tactic table of the threat tf, as fields would.
func (d *decoder) tactic(m map[string]any, tf elem, t *Tactic) {
	for _, k := range d.sortedKeys(m) {
		switch k {
		case "id":
			t.ID = d.strOf(m[k], tf, "tactic.id")
		case "name":
			t.Name = d.strOf(m[k], tf, "tactic.name")
		case "reference":
			t.Reference = d.strOf(m[k], tf, "tactic.reference")
		default:
			d.warn(tf.key("tactic."+k), "unknown key, ignored")
		}
	}
}

func (d *decoder) techniques(v any, f, sub string) []Technique {
	list, ok := v.([]any)
	if !ok {
		d.ps.add(f, "must be an array of tables, got %s", typeName(v))
		return nil
	}
	var out []Technique
	for i, e := range list {
		ef := elem{f, i}
		if id, ok := e.(string); ok && d.src.Format == FormatExtract {
			out = append(out, Technique{ID: id})
			continue
		}
		m, ok := d.tableOf(e, ef)
		if !ok {
			continue
		}
		var t Technique
		for _, k := range d.sortedKeys(m) {
			switch k {
			case "id":
				t.ID = d.strOf(m[k], ef, "id")
			case "name":
				t.Name = d.strOf(m[k], ef, "name")
			case "reference":
				t.Reference = d.strOf(m[k], ef, "reference")
			case sub:
				if sub == "" {
					break
				}
				t.Subtechniques = d.techniques(m[k], ef.key(k), "")
			default:
				d.warn(ef.key(k), "unknown technique key, ignored")
			}
		}
		out = append(out, t)
	}
	return out
}

// fields decodes a table of string fields.
func (d *decoder) fields(m map[string]any, f string, dst map[string]*string) {
	for _, k := range d.sortedKeys(m) {
		if p, ok := dst[k]; ok {
			*p = d.str(m[k], f+"."+k)
		} else {
			d.warn(f+"."+k, "unknown key, ignored")
		}
	}
}

func (d *decoder) history(v any) History {
	list, ok := v.([]any)
	if !ok {
		d.ps.add("history", "must be an array of tables ([[history]]), got %s", typeName(v))
		return nil
	}
	out := make(History, 0, len(list))
	for i, e := range list {
		f := fmt.Sprintf("history[%d]", i)
		m, ok := d.table(e, f)
		if !ok {
			continue
		}
		var ver Version
		for _, k := range d.sortedKeys(m) {
			v := m[k]
			kf := f + "." + k
			switch k {
			case "version":
				ver.Number = d.int(v, kf)
			case "release":
				ver.Release = d.str(v, kf)
			case "changes":
				for _, c := range d.strs(v, kf) {
					ver.Changes = append(ver.Changes, Change(c))
				}
			case "query":
				ver.Query = d.str(v, kf)
			case "index":
				ver.Index = d.strs(v, kf)
			case "note":
				ver.Note = d.str(v, kf)
			case "inferred":
				ver.Inferred = d.strs(v, kf)
			default:
				d.warn(kf, "unknown history key, ignored")
			}
		}
		out = append(out, ver)
	}
	return out
}
