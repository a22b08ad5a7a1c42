package lint

import (
	"fmt"
	"os"
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
	var chosen, notes []Finding
	for i, t := range targets {
		sub := c.sub(t)
		fs := sub.query(r.Query, src, file)
		if len(t.Missing) > 0 {
			fs = dropCode(fs, CodeUnknownField)
			if notes == nil {
				notes = []Finding{{File: file, Offset: -1, Severity: Warning, Code: CodeSchema,
					Msg: fmt.Sprintf("fields of %s are not checked", strings.Join(t.Missing, ", "))}}
			}
		}
		failed := slices.ContainsFunc(fs, func(f Finding) bool {
			return f.Severity == Error && (f.Code == CodeUnknownField || f.Code == CodeTypeConflict)
		})
		if failed {
			for j := range fs {
				if fs[j].Code == CodeUnknownField {
					fs[j].Msg += " (" + t.Name + ")"
				}
			}
		}
		if i == 0 || failed {
			chosen = fs
		}
		if failed {
			break
		}
	}
	return append(chosen, notes...)
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

// RuleFiles returns the rule files under each path: a file is taken as it
// is, a folder is walked for *.toml, *.json and *.ndjson files, and a
// path with glob characters (*, ?, [) that names no file is expanded with
// [filepath.Glob] first. Files come sorted within each argument. An error
// names a path that does not exist or a pattern that matches nothing.
func RuleFiles(paths []string) ([]string, error) {
	var out []string
	for _, p := range paths {
		matches := []string{p}
		if _, err := os.Stat(p); err != nil && strings.ContainsAny(p, "*?[") {
			m, gerr := filepath.Glob(p)
			if gerr != nil {
				return out, fmt.Errorf("%s: %w", p, gerr)
			}
			if len(m) == 0 {
				return out, fmt.Errorf("%s: no file matches", p)
			}
			matches = m
		}
		for _, m := range matches {
			fi, err := os.Stat(m)
			if err != nil {
				return out, err
			}
			if !fi.IsDir() {
				out = append(out, m)
				continue
			}
			var found []string
			err = filepath.WalkDir(m, func(path string, d os.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() {
					if path != m && strings.HasPrefix(d.Name(), ".") {
						return filepath.SkipDir
					}
					return nil
				}
				switch strings.ToLower(filepath.Ext(path)) {
				case ".toml", ".json", ".ndjson":
					found = append(found, path)
				}
				return nil
			})
			if err != nil {
				return out, err
			}
			slices.Sort(found)
			out = append(out, found...)
		}
	}
	return out, nil
}

// Codes returns every finding code, errors first.
func Codes() []string {
	return []string{CodeSyntax, CodeUnknownField, CodeTypeConflict, CodeMetadata, CodeSchema,
		CodeFreeTextAfterAnd, CodeFreeTextAfterOr, CodeQuestionMark, CodeKeywordCase,
		CodeLeadingWildcard, CodeWildcardSpace, CodeCIDRContained, CodeDuplicateValue, CodeEmptyRange}
}

// Skipped returns why the checker leaves a rule alone, "" when it checks
// it: its query language is not KQL ("language eql is not checked"), or
// it has no query language at all (machine learning rules).
func Skipped(r *rules.Rule) string {
	switch {
	case r.Language != "" && r.Language != rules.LanguageKuery:
		return "language " + string(r.Language) + " is not checked"
	case r.Language == "" && strings.TrimSpace(r.Query) == "":
		return "type " + string(r.Type) + " has no KQL query"
	}
	return ""
}

// CheckFile is [Checker.File] that leaves alone the rules [Skipped] names:
// for such a rule file it returns no finding and the reason. A rule file
// that cannot be decoded is checked (its findings say why).
func (c *Checker) CheckFile(path string) (findings []Finding, skipped string, err error) {
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml", ".json", ".ndjson", ".jsonl":
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, "", err
		}
		r, derr := rules.Decode(path, data)
		if r != nil {
			if why := Skipped(r); why != "" {
				return nil, why, nil
			}
		}
		return c.rule(path, data, r, derr), "", nil
	}
	fs, err := c.File(path)
	return fs, "", err
}
