package rules

import (
	"fmt"
	"strings"
)

// Severities of a [Diagnostic].
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityNote    = "note"
)

// Diagnostic is something reported about an input, placed in its file: a
// rule file's problem, a query's syntax or compile error, a finding of
// package lint, a failed regression test. Its String is the one form every
// command prints.
type Diagnostic struct {
	// File is the file the diagnostic is in; "query" for a query given on
	// the command line; "kqlrules CMD" when it has no place in the input
	// (a flag); "" for a query given on its own.
	File      string
	Line, Col int    // from 1, in the file; 0 when unknown
	Severity  string // SeverityError, SeverityWarning or SeverityNote
	Msg       string
	Code      string // a finding's code, such as "syntax"; may be ""
	Snippet   string // the line of the spot with a caret under it; may be ""
}

// String returns "FILE:LINE:COL: severity: message [code]", leaving out
// what is unknown, then the snippet (the line and its caret), each line
// indented by four spaces.
func (d Diagnostic) String() string {
	var b strings.Builder
	b.WriteString(d.File)
	if d.Line > 0 {
		if d.File != "" {
			b.WriteByte(':')
		}
		fmt.Fprintf(&b, "%d", d.Line)
		if d.Col > 0 {
			fmt.Fprintf(&b, ":%d", d.Col)
		}
	}
	if b.Len() > 0 {
		b.WriteString(": ")
	}
	fmt.Fprintf(&b, "%s: %s", d.Severity, d.Msg)
	if d.Code != "" {
		fmt.Fprintf(&b, " [%s]", d.Code)
	}
	if d.Snippet != "" {
		b.WriteString("\n    ")
		b.WriteString(strings.ReplaceAll(d.Snippet, "\n", "\n    "))
	}
	return b.String()
}
