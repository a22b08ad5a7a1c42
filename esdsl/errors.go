package esdsl

import (
	"fmt"
	"maps"
	"slices"

	"github.com/kqlrules/kqlrules/ast"
)

// Error is a query that Kibana refuses to translate (a nested field outside
// its nested group, a leading wildcard when they are disabled...) or DSL
// that ParseQuery cannot read. Msg is Kibana's message where Kibana has
// one; Pos is where in the KQL text the offending node starts (0 for DSL).
type Error struct {
	Pos ast.Pos
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// QueryPos returns Pos: where in the query text the error is, for callers
// that locate errors of several query languages alike.
func (e *Error) QueryPos() ast.Pos { return e.Pos }

func errorf(pos ast.Pos, format string, args ...any) *Error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}
