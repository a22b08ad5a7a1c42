package rules

import (
	"bytes"
	"encoding/json"
	"errors"
	"path/filepath"
	"strings"
)

// This file reads Kibana's rule export (NDJSON, one object a line), the
// one reader of exports for every command: the rules, the exception lists
// and items Kibana puts in the same file, and the summary line it ends
// with.

// ExportKind is what one line of a Kibana export holds.
type ExportKind int

// The kinds of lines of a Kibana rule export.
const (
	ExportRule          ExportKind = iota // a rule object
	ExportExceptionList                   // an exception list container (list_id, no item_id)
	ExportExceptionItem                   // an exception list item (item_id, list_id, entries)
	ExportSummary                         // the summary: exported_count, missing_rules...
)

// ExportLine is one non-blank line of a Kibana export.
type ExportLine struct {
	Line   int    // 1-based line in the file
	Offset int    // byte offset of the line in the file
	Data   []byte // the line, without its line ending
	Kind   ExportKind
}

// IsExport reports whether a file is read as a Kibana export (several
// objects, one a line) rather than one rule: its name ends in .ndjson or
// .jsonl.
func IsExport(name string) bool {
	switch strings.ToLower(filepath.Ext(name)) {
	case ".ndjson", ".jsonl":
		return true
	}
	return false
}

// ExportLines returns the non-blank lines of a Kibana export, each with
// what it holds.
func ExportLines(data []byte) []ExportLine {
	var out []ExportLine
	off := 0
	for n := 1; off < len(data); n++ {
		end := bytes.IndexByte(data[off:], '\n')
		if end < 0 {
			end = len(data) - off
		}
		line := data[off : off+end]
		t := bytes.TrimLeft(line, " \t\r\ufeff")
		lead := len(line) - len(t)
		if t = bytes.TrimRight(t, " \t\r"); len(t) > 0 {
			out = append(out, ExportLine{Line: n, Offset: off + lead, Data: t, Kind: exportKind(t)})
		}
		off += end + 1
	}
	return out
}

// exportKind tells the kind of an export line. A line with a rule_id is a
// rule; lists and items are told by Kibana's keys (list_id, item_id), the
// summary by its counts. A line that is not a JSON object is a rule (its
// parse error says why).
func exportKind(line []byte) ExportKind {
	if bytes.Contains(line, []byte(`"rule_id"`)) {
		return ExportRule
	}
	var keys map[string]json.RawMessage
	if json.Unmarshal(line, &keys) != nil {
		return ExportRule
	}
	has := func(k string) bool { _, ok := keys[k]; return ok }
	switch {
	case has("item_id") && has("list_id"):
		return ExportExceptionItem
	case has("list_id") && has("namespace_type"):
		return ExportExceptionList
	case has("exported_count") || has("exportedCount") || has("exported_exception_list_count"):
		return ExportSummary
	}
	return ExportRule
}

// Skip returns why a line that is not a rule is not read as one, or ""
// for a rule line.
func (l ExportLine) Skip() string {
	switch l.Kind {
	case ExportExceptionList:
		return "an exception list, not a rule (its items apply to the rules that name it with run --exceptions FILE)"
	case ExportExceptionItem:
		return "an exception list item, not a rule (it applies to the rules that name its list with run --exceptions FILE)"
	case ExportSummary:
		return "the export's summary line"
	}
	return ""
}

// Parse parses the line's rule as [ParseJSON] does, as read from file
// name: problems name the file's line, not the line's.
func (l ExportLine) Parse(name string) (*Rule, error) {
	r, err := ParseJSON(name, l.Data)
	l.shiftWarnings(r)
	return r, l.shift(err)
}

// ParseForRun is [ExportLine.Parse] as [ParseForRun] parses: the syntax
// of a KQL rule's current query is the caller's to check.
func (l ExportLine) ParseForRun(name string) (*Rule, error) {
	r, err := parseWith(name, l.Data, FormatJSON, true)
	l.shiftWarnings(r)
	return r, l.shift(err)
}

// Decode decodes the line's rule as [Decode] does, with problems at the
// file's line.
func (l ExportLine) Decode(name string) (*Rule, error) {
	r, ps, err := decode(name, l.Data, FormatJSON)
	if err != nil {
		return nil, l.shift(err)
	}
	l.shiftWarnings(r)
	return r, l.shift(ps.err())
}

// shiftWarnings moves the lines of r's keys and warnings to the file's.
func (l ExportLine) shiftWarnings(r *Rule) {
	if r == nil {
		return
	}
	if r.Source.lines != nil {
		r.Source.lines.shift += l.Line - 1
	}
	for i := range r.Source.Warnings {
		r.Source.Warnings[i].Line = max(r.Source.Warnings[i].Line, 1) + l.Line - 1
	}
}

// shift moves the problems of err from the line's first line to the
// file's.
func (l ExportLine) shift(err error) error {
	var re *Error
	if !errors.As(err, &re) {
		return err
	}
	for i := range re.Problems {
		if re.Problems[i].Line > 0 {
			re.Problems[i].Line += l.Line - 1
		} else {
			re.Problems[i].Line = l.Line
		}
	}
	return err
}
