package rules

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Problem is one thing wrong (or, among Source.Warnings, doubtful) in a rule
// file: where, which field, and what.
type Problem struct {
	File  string // file name as given to Load or Parse; "" for a rule built in Go
	Line  int    // 1-based line, 0 when unknown
	Field string // field path in TOML terms, such as "rule.risk_score"; "" for the file as a whole
	Msg   string
	// Col and Snippet place a query's syntax error in the file: the column
	// (1-based, in runes) and the line with a caret under it; 0 and ""
	// when unknown. Err is then the *kql.Error, its Offset the rune offset
	// in the query.
	Col     int
	Snippet string
	Err     error
}

// String formats the problem as "file:line: field: msg", leaving out the
// parts that are unknown.
func (p Problem) String() string {
	var b strings.Builder
	if p.File != "" {
		b.WriteString(p.File)
		if p.Line > 0 {
			fmt.Fprintf(&b, ":%d", p.Line)
		}
		b.WriteString(": ")
	} else if p.Line > 0 {
		fmt.Fprintf(&b, "line %d: ", p.Line)
	}
	if p.Field != "" {
		b.WriteString(p.Field)
		b.WriteString(": ")
	}
	b.WriteString(p.Msg)
	return b.String()
}

// Error is every problem found in one rule file, ordered by line. Load,
// Parse and Validate return it; use errors.As to get the problems.
type Error struct {
	Problems []Problem
}

// Error returns the problems one a line.
func (e *Error) Error() string {
	lines := make([]string, len(e.Problems))
	for i, p := range e.Problems {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// problems collects problems for one file.
type problems struct {
	src  *Source
	list []Problem
	// ownQuery: the caller parses the rule's current KQL query itself
	// ([ParseForRun]); validate leaves its syntax check out
	ownQuery bool
}

func (ps *problems) add(field, format string, args ...any) {
	line := 0
	file := ""
	if ps.src != nil {
		line = ps.src.Line(field)
		file = ps.src.File
	}
	ps.list = append(ps.list, Problem{File: file, Line: line, Field: field, Msg: fmt.Sprintf(format, args...)})
}

// has reports whether a problem about field (or inside it) is already listed.
func (ps *problems) has(field string) bool {
	for _, p := range ps.list {
		if p.Field == field || strings.HasPrefix(p.Field, field+".") || strings.HasPrefix(p.Field, field+"[") {
			return true
		}
	}
	return false
}

// err returns the collected problems as an *Error sorted by line (stable,
// so problems without a line keep their order at the front), or nil.
func (ps *problems) err() error {
	if len(ps.list) == 0 {
		return nil
	}
	list := slices.Clone(ps.list)
	slices.SortStableFunc(list, func(a, b Problem) int { return cmp.Compare(a.Line, b.Line) })
	return &Error{Problems: list}
}
