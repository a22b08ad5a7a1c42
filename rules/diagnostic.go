package rules

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"

	"github.com/kqlrules/kqlrules/kql"
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

// placedError is an error that tells the file and line it is about, as
// an event that cannot be read does (events.Error).
type placedError interface {
	error
	Position() (file string, line int)
}

// FileDiagnostic is the diagnostic of a file that cannot be read,
// decoded or written: at the line of an error that tells its place (a
// Position method: an event that cannot be read, events.Error), with the
// message of the error it wraps; else name "" takes the file's name from
// err's *fs.PathError ("kqlrules" when it has none).
func FileDiagnostic(name string, err error) Diagnostic {
	var placed placedError
	if errors.As(err, &placed) {
		file, line := placed.Position()
		msg := placed.Error()
		if inner := errors.Unwrap(placed); inner != nil {
			msg = inner.Error()
		}
		return Diagnostic{File: file, Line: line, Severity: SeverityError, Msg: msg}
	}
	var pe *fs.PathError
	if errors.As(err, &pe) && (pe.Path == name || name == "") {
		name, err = pe.Path, pe.Err
	}
	if name == "" {
		name = "kqlrules"
	}
	return Diagnostic{File: name, Severity: SeverityError, Msg: err.Error()}
}

// LoadDiagnostics returns the diagnostics of the rule file name that did
// not load (err from [Load], [Parse] or an export line's Parse): one for
// each [Problem] of an *[Error], a query's syntax error at its line and
// column in the file with its snippet; else one for the file.
func LoadDiagnostics(name string, err error) []Diagnostic {
	var re *Error
	if !errors.As(err, &re) {
		return []Diagnostic{FileDiagnostic(name, err)}
	}
	var out []Diagnostic
	for _, p := range re.Problems {
		var ke *kql.Error
		if p.Snippet != "" && errors.As(p.Err, &ke) {
			out = append(out, Diagnostic{File: name, Line: p.Line, Col: p.Col, Severity: SeverityError, Msg: ke.Msg, Code: "syntax", Snippet: p.Snippet})
			continue
		}
		file := p.File
		if file == "" {
			file = name
		}
		msg := p.Msg
		if p.Field != "" {
			msg = p.Field + ": " + msg
		}
		out = append(out, Diagnostic{File: file, Line: p.Line, Severity: SeverityError, Msg: msg})
	}
	return out
}

// FindDiagnostics returns the diagnostics of the error of [FindFiles]: one
// for each path or folder entry that could not be read.
func FindDiagnostics(err error) []Diagnostic {
	var out []Diagnostic
	for _, x := range joined(err) {
		var fe *FindError
		if errors.As(x, &fe) {
			out = append(out, Diagnostic{File: fe.Path, Severity: SeverityError, Msg: fe.Err.Error()})
		} else {
			out = append(out, FileDiagnostic("", x))
		}
	}
	return out
}

// joined returns the errors errors.Join put together in err, or err
// alone; nil for nil.
func joined(err error) []error {
	if err == nil {
		return nil
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, x := range j.Unwrap() {
			out = append(out, joined(x)...)
		}
		return out
	}
	return []error{err}
}
