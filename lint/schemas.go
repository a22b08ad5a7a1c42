package lint

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/schemas"
)

// CodeSchema is the code of a finding about the schemas themselves: a
// warning when a rule's integration package is missing from the
// detection-rules checkout's integration schemas (its fields are then
// not checked), an error when the checkout's schema files cannot be read.
const CodeSchema = "schema"

// UseRepo makes c check the query of every rule file against the schemas
// that Elastic's detection-rules validates it against ([schemas.Repo.Targets]),
// read from repo, instead of c's own schema. Fields of the schema given to
// [NewChecker], if any, are added to each of them.
func (c *Checker) UseRepo(repo *schemas.Repo) {
	c.repo, c.findRepos = repo, false
}

// FindRepos makes c check the query of each rule file as [Checker.UseRepo]
// does, against the detection-rules checkout that holds the file (found
// by [schemas.Find]); a rule file outside any checkout is checked against
// c's own schema.
func (c *Checker) FindRepos() {
	c.repo, c.findRepos = nil, true
}

// repoFor returns the checkout for a rule file, or nil.
func (c *Checker) repoFor(file string) (*schemas.Repo, error) {
	if !c.findRepos {
		return c.repo, nil
	}
	dir, ok := schemas.Find(file)
	if !ok {
		return nil, nil
	}
	if c.repos == nil {
		c.repos = map[string]*schemas.Repo{}
	}
	if r, ok := c.repos[dir]; ok {
		return r, nil
	}
	r, err := schemas.Open(dir)
	if err != nil {
		return nil, err
	}
	c.repos[dir] = r
	return r, nil
}

// ruleQuery checks the query of rule r (language kuery) against the
// schemas of its checkout, or c's own schema when it is in none. Against
// several targets, the findings of the first target the query fails are
// given; unknown fields are not errors against a target that lacks one of
// the rule's integration packages, nor for a rule detection-rules does not
// validate against a schema (deprecated, query_schema_validation = false).
func (c *Checker) ruleQuery(file string, r *rules.Rule, src *rules.Value) []Finding {
	repo, err := c.repoFor(file)
	if err == nil && repo == nil {
		return c.query(r.Query, src, file)
	}
	x, perr := kql.Parse(r.Query)
	if perr != nil {
		return c.query(r.Query, src, file) // the syntax finding
	}
	var targets []schemas.Target
	if err == nil {
		targets, err = repo.Targets(r, x)
	}
	if err != nil {
		return append(c.query(r.Query, src, file), Finding{File: file, Offset: -1, Severity: Error, Code: CodeSchema,
			Msg: fmt.Sprintf("the detection-rules schemas could not be read: %v", err)})
	}
	if len(targets) == 0 {
		return dropCode(c.query(r.Query, src, file), CodeUnknownField)
	}
	return c.firstFailing(targets, func(sub *Checker) []Finding { return sub.query(r.Query, src, file) }, file)
}

// sub returns the checker for one target, with c's own schema (when one
// was given to NewChecker) added to it.
func (c *Checker) sub(t schemas.Target) *Checker {
	if s, ok := c.subs[t.Key]; ok {
		return s
	}
	s := t.Schema
	if c.custom != nil {
		merged := make(mapping.Schema, len(s)+len(c.custom))
		for k, v := range s {
			merged[k] = v
		}
		for k, v := range c.custom {
			merged[k] = v
		}
		s = merged
	}
	if c.subs == nil {
		c.subs = map[string]*Checker{}
	}
	sc := NewChecker(s)
	c.subs[t.Key] = sc
	return sc
}

func dropCode(fs []Finding, code string) []Finding {
	return slices.DeleteFunc(fs, func(f Finding) bool { return f.Code == code })
}

// Codes returns every finding code, errors first.
func Codes() []string {
	return []string{CodeSyntax, CodeUnknownField, CodeTypeConflict, CodeMetadata, CodeSchema,
		CodeFreeTextAfterAnd, CodeFreeTextAfterOr, CodeQuestionMark, CodeKeywordCase,
		CodeLeadingWildcard, CodeWildcardSpace, CodeCIDRContained, CodeDuplicateValue, CodeEmptyRange, CodeLongLookBack,
		CodeMaxspanLookBack, CodeMaxspanInterval}
}

// languages are the query languages the checker checks: KQL and EQL.
var languages = []rules.Language{rules.LanguageKuery, rules.LanguageEQL}

// Skipped returns why the checker leaves a rule alone, "" when it checks
// it: the text of the typed reason [rules.Rule.CheckLanguage] gives, the
// same the replay gives (replay.Replayable) for a rule in a language
// neither processes: "language esql is not supported", or
// "machine_learning rules have no query". KQL and EQL rules are checked.
func Skipped(r *rules.Rule) string {
	if err := r.CheckLanguage(languages...); err != nil {
		return err.Error()
	}
	return ""
}

// Skip is a rule (or a line of a Kibana export) that the checker leaves
// alone, and why.
type Skip struct {
	File string
	Line int // the line of a Kibana export; 0 for a file of one rule
	Why  string
}

// CheckFile is [Checker.File] that leaves alone the rules [Skipped] names
// and reads Kibana exports (.ndjson: one rule a line, checked each at its
// line; the exception lists and items in them are skipped, saying so). A
// rule file that cannot be decoded is checked (its findings say why). A
// rule_id that a rule checked before by c has too is an error.
func (c *Checker) CheckFile(path string) (findings []Finding, skipped []Skip, err error) {
	data, err := rules.ReadFile(path)
	if err != nil {
		return nil, nil, err
	}
	fs, skipped := c.CheckData(path, data)
	return fs, skipped, nil
}

// CheckData is [Checker.CheckFile] for the contents of the file named
// path: a query file unless its name ends in .toml, .json, .ndjson or
// .jsonl.
func (c *Checker) CheckData(path string, data []byte) (findings []Finding, skipped []Skip) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml", ".json", ".ndjson", ".jsonl":
	default:
		return c.query(string(data), rules.WholeFile(data), path), nil
	}
	if !rules.IsExport(path) {
		r, derr := rules.Decode(path, data)
		if r != nil {
			if why := Skipped(r); why != "" {
				return nil, []Skip{{File: path, Why: why}}
			}
		}
		return append(c.rule(path, data, r, derr), c.sameID(path, 0, r)...), nil
	}
	for _, l := range rules.ExportLines(data) {
		if l.Kind != rules.ExportRule {
			if l.Kind != rules.ExportSummary {
				skipped = append(skipped, Skip{File: path, Line: l.Line, Why: l.Skip()})
			}
			continue
		}
		r, derr := rules.Decode(path, l.Data)
		if r != nil {
			if why := Skipped(r); why != "" {
				skipped = append(skipped, Skip{File: path, Line: l.Line, Why: why})
				continue
			}
		}
		fs := c.rule(path, l.Data, r, derr)
		for i := range fs {
			fs[i].Line = max(fs[i].Line, 1) + l.Line - 1
		}
		findings = append(findings, fs...)
		findings = append(findings, c.sameID(path, l.Line, r)...)
	}
	return findings, skipped
}

// sameID returns the error of a rule whose rule_id a rule checked before
// has, and remembers r's.
func (c *Checker) sameID(file string, line int, r *rules.Rule) []Finding {
	if r == nil || r.RuleID == "" {
		return nil
	}
	if line == 0 {
		line = r.Source.Line("rule.rule_id")
	}
	where := file
	if line > 0 {
		where = fmt.Sprintf("%s:%d", file, line)
	}
	if c.ids == nil {
		c.ids = map[string]string{}
	}
	prev, ok := c.ids[r.RuleID]
	if !ok {
		c.ids[r.RuleID] = where
		return nil
	}
	return []Finding{{File: file, Line: line, Offset: -1, Severity: Error, Code: CodeMetadata, Field: "rule.rule_id",
		Msg: fmt.Sprintf("rule.rule_id: %s is also the rule_id of %s", r.RuleID, prev)}}
}
