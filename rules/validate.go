package rules

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/kqlrules/kqlrules/kql"
)

var (
	knownTypes     = []Type{TypeQuery, TypeEQL, TypeESQL, TypeThreshold, TypeNewTerms, TypeThreatMatch, TypeMachineLearning, TypeSavedQuery}
	knownLanguages = []Language{LanguageKuery, LanguageLucene, LanguageEQL, LanguageESQL}
	knownSeverity  = []Severity{SeverityLow, SeverityMedium, SeverityHigh, SeverityCritical}
	knownMaturity  = []string{MaturityDevelopment, MaturityExperimental, MaturityBeta, MaturityProduction, MaturityDeprecated}

	// the shapes of identifiers and dates (hasShape)
	uuidShape      = "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx"
	dateShape      = "9999/99/99"
	tacticShape    = "TA9999"
	techniqueShape = "T9999"
	subtechShape   = "T9999.999"
)

// hasShape reports whether s has the shape, byte for byte: '9' stands for
// an ASCII digit, 'x' for an ASCII hexadecimal digit (either case), any
// other byte for itself. It is the anchored regular expression the shape
// spells (uuidShape: ^[0-9a-fA-F]{8}-...$), without a regexp's machine
// for each of the thousands of identifiers a tree of rules holds.
func hasShape(s, shape string) bool {
	if len(s) != len(shape) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch shape[i] {
		case '9':
			if c < '0' || c > '9' {
				return false
			}
		case 'x':
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		default:
			if c != shape[i] {
				return false
			}
		}
	}
	return true
}

// Validate checks the rule and returns an *Error listing every problem, or
// nil. It checks that the required fields are present (rule_id, name,
// description, type, risk_score, severity; query for the query-based
// types), that values are in range or among the known ones (risk_score
// 0..100, severity, type, language and its fit with type, maturity,
// max_signals > 0, interval > 0, from as now-<n><unit>), that dates are
// YYYY/MM/DD, that threat entries carry ids, names and references of the
// right shape, and that the history is ordered and consistent with the rule.
// A rule_id that is not a UUID is only a warning (Kibana accepts any
// string), added to Source.Warnings by Load and Parse.
//
// Problems name fields in TOML terms and carry the file and line from
// Source when the rule was read from a file.
func (r *Rule) Validate() error {
	ps := &problems{src: &r.Source}
	r.validate(ps)
	return ps.err()
}

// oneOf reports v, when set, if it is not among the allowed values.
func oneOf[S ~string](ps *problems, field string, v S, allowed []S) {
	if v != "" && !slices.Contains(allowed, v) {
		ps.add(field, "must be one of %s, got %q", joinNames(allowed, ", "), v)
	}
}

func (r *Rule) validate(ps *problems) {
	extract := r.Source.Format == FormatExtract
	need := func(field, v string) bool {
		if v == "" && !ps.has(field) {
			ps.add(field, "required")
			return false
		}
		return v != ""
	}

	if need("rule.rule_id", r.RuleID) && !hasShape(r.RuleID, uuidShape) && !hasWarning(r.Source.Warnings, "rule.rule_id") {
		r.Source.Warnings = append(r.Source.Warnings, Problem{File: r.Source.File, Line: r.Source.Line("rule.rule_id"), Field: "rule.rule_id", Msg: fmt.Sprintf("not a UUID: %q", r.RuleID)})
	}
	need("rule.name", r.Name)
	if !extract {
		need("rule.description", r.Description)
	}
	if need("rule.type", string(r.Type)) {
		oneOf(ps, "rule.type", r.Type, knownTypes)
	}
	// A missing risk_score is reported by the decoder: in Go, 0 is a score.
	if r.RiskScore < 0 || r.RiskScore > 100 {
		ps.add("rule.risk_score", "must be 0..100, got %d", r.RiskScore)
	}
	if need("rule.severity", string(r.Severity)) {
		oneOf(ps, "rule.severity", r.Severity, knownSeverity)
	}
	oneOf(ps, "rule.language", r.Language, knownLanguages)
	r.validateQuery(ps)

	if !ps.has("rule.interval") && r.Interval <= 0 {
		ps.add("rule.interval", "must be positive, got %v", r.Interval)
	}
	if !ps.has("rule.from") {
		if _, err := ParseFrom(r.From); err != nil {
			ps.add("rule.from", "%v", err)
		}
	}
	if !ps.has("rule.max_signals") && r.MaxSignals <= 0 {
		ps.add("rule.max_signals", "must be positive, got %d", r.MaxSignals)
	}
	if r.Version < 0 {
		ps.add("rule.version", "must be positive, got %d", r.Version)
	}
	for i, x := range r.Index {
		if strings.TrimSpace(x) == "" {
			ps.add(fmt.Sprintf("rule.index[%d]", i), "empty index pattern")
		}
	}
	r.validateThreat(ps, extract)
	r.validateTypes(ps)

	md := r.Metadata
	for _, d := range []struct{ field, v string }{
		{"metadata.creation_date", md.CreationDate},
		{"metadata.updated_date", md.UpdatedDate},
		{"metadata.deprecation_date", md.DeprecationDate},
	} {
		if d.v == "" || ps.has(d.field) {
			continue
		}
		if !hasShape(d.v, dateShape) {
			ps.add(d.field, "must be a date YYYY/MM/DD, got %q", d.v)
		} else if _, err := time.Parse("2006/01/02", d.v); err != nil {
			ps.add(d.field, "not a calendar date: %q", d.v)
		}
	}
	if md.CreationDate != "" && md.UpdatedDate != "" && hasShape(md.CreationDate, dateShape) && hasShape(md.UpdatedDate, dateShape) && md.UpdatedDate < md.CreationDate {
		ps.add("metadata.updated_date", "%s is before the creation date %s", md.UpdatedDate, md.CreationDate)
	}
	oneOf(ps, "metadata.maturity", md.Maturity, knownMaturity)
	if md.Maturity == MaturityDeprecated && md.DeprecationDate == "" && !extract && r.Source.Format == FormatTOML {
		ps.add("metadata.deprecation_date", "required when maturity is deprecated")
	}
	if md.MinStackVersion != "" {
		if _, err := parseRelease(md.MinStackVersion); err != nil {
			ps.add("metadata.min_stack_version", "%v", err)
		}
	}
	r.History.validate(r, ps)
}

func hasWarning(ws []Problem, field string) bool {
	for _, w := range ws {
		if w.Field == field {
			return true
		}
	}
	return false
}

func (r *Rule) validateQuery(ps *problems) {
	switch r.Type {
	case TypeQuery, TypeEQL, TypeESQL, TypeThreshold, TypeNewTerms, TypeThreatMatch:
		if strings.TrimSpace(r.Query) == "" && !ps.has("rule.query") {
			ps.add("rule.query", "required for a %s rule", r.Type)
		}
	}
	if want := r.Type.Languages(); r.Language != "" && len(want) > 0 && slices.Contains(knownTypes, r.Type) &&
		slices.Contains(knownLanguages, r.Language) && !slices.Contains(want, r.Language) {
		ps.add("rule.language", "type %s takes language %s, got %q", r.Type, joinNames(want, " or "), r.Language)
	}
	if r.Language == "" && (r.Type == TypeEQL || r.Type == TypeESQL) && !ps.has("rule.language") {
		ps.add("rule.language", "required for type %s", r.Type)
	}
	if r.IsKQL() {
		if !ps.ownQuery {
			r.checkKuery(ps, "rule.query", r.Query)
		}
		for i, v := range r.History {
			r.checkKuery(ps, fmt.Sprintf("history[%d].query", i), v.Query)
		}
	}
}

func (r *Rule) validateThreat(ps *problems, extract bool) {
	check := func(f threatField, v, shape, what string) {
		switch {
		case v == "":
			if field := f.String(); !ps.has(field) {
				ps.add(field, "required")
			}
		case shape != "" && !hasShape(v, shape):
			ps.add(f.String(), "must be %s, got %q", what, v)
		}
	}
	ref := func(f threatField, v string) {
		if extract && v == "" {
			return
		}
		check(f, v, "", "")
		if v != "" && !strings.HasPrefix(v, "https://") && !strings.HasPrefix(v, "http://") {
			ps.add(f.String(), "must be an http(s) URL, got %q", v)
		}
	}
	name := func(f threatField, v string) {
		if !extract || v != "" {
			check(f, v, "", "")
		}
	}
	for i, t := range r.Threat {
		f := threatField{threat: i, technique: -1, extract: extract}
		check(f.at("framework"), t.Framework, "", "")
		check(f.at("tactic.id"), t.Tactic.ID, tacticShape, "a tactic id such as TA0011")
		name(f.at("tactic.name"), t.Tactic.Name)
		ref(f.at("tactic.reference"), t.Tactic.Reference)
		for j, te := range t.Techniques {
			tf := f
			tf.technique, tf.sub = j, -1
			check(tf.at("id"), te.ID, techniqueShape, "a technique id such as T1048")
			name(tf.at("name"), te.Name)
			ref(tf.at("reference"), te.Reference)
			for k, st := range te.Subtechniques {
				sf := tf
				sf.sub = k
				check(sf.at("id"), st.ID, subtechShape, "a subtechnique id such as T1048.003")
				name(sf.at("name"), st.Name)
				ref(sf.at("reference"), st.Reference)
				if st.ID != "" && te.ID != "" && !strings.HasPrefix(st.ID, te.ID+".") {
					ps.add(sf.at("id").String(), "subtechnique %s is not under technique %s", st.ID, te.ID)
				}
			}
		}
	}
}

// threatField names a field of a rule's threat, such as
// "rule.threat[0].technique[1].subtechnique[0].id" (techniques[1] in an
// extract): made as text only for a problem.
type threatField struct {
	threat, technique, sub int // technique and sub -1 when not inside one
	extract                bool
	key                    string
}

// at returns f's field key.
func (f threatField) at(key string) threatField {
	f.key = key
	return f
}

func (f threatField) String() string {
	s := fmt.Sprintf("rule.threat[%d]", f.threat)
	if f.technique >= 0 {
		if f.extract {
			s += fmt.Sprintf(".techniques[%d]", f.technique)
		} else {
			s += fmt.Sprintf(".technique[%d]", f.technique)
		}
		if f.sub >= 0 {
			s += fmt.Sprintf(".subtechnique[%d]", f.sub)
		}
	}
	return s + "." + f.key
}

// checkKuery parses a kuery query with kql.Parse and reports a syntax error
// at field, on the file line of the error when the query can be found in
// the file ([Source.Value]), else on the line of its key.
func (r *Rule) checkKuery(ps *problems, field, query string) {
	if strings.TrimSpace(query) == "" || ps.has(field) {
		return
	}
	_, err := kql.Parse(query)
	if err == nil {
		return
	}
	var ke *kql.Error
	if !errors.As(err, &ke) {
		ps.add(field, "%v", err)
		return
	}
	p := Problem{File: r.Source.File, Line: r.Source.Line(field), Field: field, Err: ke,
		Msg: fmt.Sprintf("KQL syntax error at query line %d, col %d: %s", ke.Line, ke.Column, ke.Msg)}
	if v, err := r.Source.Value(field); err == nil && v.Text == query {
		pos := v.Position(ke.Offset)
		p.Line, p.Col, p.Snippet = pos.Line, pos.Column, pos.Snippet(v.File())
	}
	ps.list = append(ps.list, p)
}
