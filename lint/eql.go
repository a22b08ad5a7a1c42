package lint

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/schemas"
)

// EQLQuery checks one EQL query: whether Elasticsearch parses it (see
// [eql.Parse]) and whether the fields it names are in c's schema.
// Positions are the query's own lines and columns.
func (c *Checker) EQLQuery(src string) []Finding {
	return c.eqlQuery(src, nil, "")
}

// eqlQuery checks an EQL query, locating findings through qs when it is
// not nil. A field written ?field may be missing from the schema, as
// Elasticsearch and detection-rules' eql package take it for null.
func (c *Checker) eqlQuery(src string, qs *rules.Value, file string) []Finding {
	q, err := eql.Parse(src)
	if err != nil {
		return []Finding{c.eqlSyntax(src, qs, file, err)}
	}
	return c.eqlFields(q, src, qs, file)
}

// eqlFields checks the fields of q, parsed from src, and their types
// (see eqlTypes).
func (c *Checker) eqlFields(q *eql.Query, src string, qs *rules.Value, file string) []Finding {
	var out []Finding
	seen := map[string]bool{}
	eql.Inspect(q, func(n eql.Node) bool {
		f, ok := n.(*eql.Field)
		if !ok || f.Optional || c.known(f.Name) {
			return true
		}
		key := fmt.Sprintf("%s@%d", f.Name, f.Pos())
		if seen[key] {
			return true
		}
		seen[key] = true
		fd := Finding{Severity: Error, Code: CodeUnknownField, Field: f.Name,
			Msg: fmt.Sprintf("unknown field %s: the schema has no such field", f.Name)}
		if s := c.suggestion(f.Name); s != "" {
			fd.Suggestion = s
			fd.Msg += "; did you mean " + s + "?"
		}
		out = append(out, at(src, qs, file, int(f.Pos()), fd))
		return true
	})
	out = append(out, c.eqlTypes(q, src, qs, file)...)
	return sortFindings(out)
}

// eqlSyntax is the finding of a query eql.Parse refuses, with
// Elasticsearch's message.
func (c *Checker) eqlSyntax(src string, qs *rules.Value, file string, err error) Finding {
	var pe *eql.Error
	if !errors.As(err, &pe) {
		return Finding{File: file, Offset: 0, Severity: Error, Code: CodeSyntax, Msg: err.Error()}
	}
	return at(src, qs, file, pe.Offset, Finding{Severity: Error, Code: CodeSyntax, Msg: pe.Msg})
}

// eqlRuleQuery is ruleQuery for a rule of language eql: its query is
// checked against the schemas detection-rules validates EQL rules with
// ([schemas.Repo.EQLTargets]).
func (c *Checker) eqlRuleQuery(file string, r *rules.Rule, src *rules.Value) []Finding {
	repo, err := c.repoFor(file)
	q, perr := eql.Parse(r.Query)
	if perr != nil {
		return []Finding{c.eqlSyntax(r.Query, src, file, perr)}
	}
	if err == nil && repo == nil {
		return c.eqlFields(q, r.Query, src, file)
	}
	var targets []schemas.Target
	if err == nil {
		targets, err = repo.EQLTargets(r, q)
	}
	if err != nil {
		return append(c.eqlFields(q, r.Query, src, file), Finding{File: file, Offset: -1, Severity: Error, Code: CodeSchema,
			Msg: fmt.Sprintf("the detection-rules schemas could not be read: %v", err)})
	}
	if len(targets) == 0 {
		return dropCode(c.eqlFields(q, r.Query, src, file), CodeUnknownField)
	}
	return c.firstFailing(targets, func(sub *Checker) []Finding { return sub.eqlFields(q, r.Query, src, file) }, file)
}

// firstFailing runs check against each target's checker and returns the
// findings of the first target with errors, or of the first target when
// none has; unknown fields are not errors against a target missing one of
// the rule's packages (a warning then says which).
func (c *Checker) firstFailing(targets []schemas.Target, check func(*Checker) []Finding, file string) []Finding {
	var chosen, notes []Finding
	for i, t := range targets {
		fs := check(c.sub(t))
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
