package main

import (
	"bufio"
	"fmt"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/ruleset"
)

type matchCmd struct {
	Query       string   `short:"q" help:"The query to match." xor:"what" required:""`
	Rule        string   `help:"A rule file (TOML or JSON) whose query to match; builtin/NAME for a bundled rule such as builtin/ftp.toml." xor:"what" required:""`
	Rules       []string `xor:"what" required:"" sep:"none" help:"Rule files, directories or Kibana exports: print, for each event that matches, which of their rules' queries match it (KQL, EQL event queries, a stage of an EQL sequence or sample; one JSON line: file, line, rules); repeatable."`
	LineNumbers bool     `short:"n" help:"Print FILE:LINE for each matching event instead of the event."`
	Files       []string `arg:"" optional:"" help:"NDJSON or JSON-array event files, or directories of them (*.ndjson, *.jsonl, *.json, and .gz); gzip is unpacked; - or none reads standard input."`
}

// Run writes the matching events (or their places) and exits like grep: 0
// when some event matched, 1 when none did, 2 on an error. Lines that are
// not JSON objects are reported on stderr and skipped; they make the exit
// status 2 only when nothing matched.
func (c *matchCmd) Run(e *env) error {
	if len(c.Rules) > 0 {
		return c.matchSet(e)
	}
	query, err := locateQuery("match", c.Query, c.Rule, 0)
	if err != nil {
		return err
	}
	prog, err := compileSrc(query)
	if err != nil {
		return err
	}
	files := c.Files
	if len(files) == 0 {
		files = []string{"-"}
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	matched := 0
	var read readTally
	// the lazy path: each event's text is scanned for the fields the
	// query reads; only matching events are decoded, to be printed
	var ev events.Lazy
	for raw, err := range events.ReadRawFiles(files, e.stdin) {
		if err != nil {
			if err := read.note(e, err); err != nil {
				out.Flush()
				return err
			}
			continue
		}
		ev.Reset(raw.JSON)
		if !prog.MatchEvent(&ev) {
			continue
		}
		matched++
		if c.LineNumbers {
			fmt.Fprintf(out, "%s:%d\n", raw.File, raw.Line)
			continue
		}
		rec, err := raw.Decode()
		if err == nil {
			err = writeJSON(out, rec.Fields, "")
		}
		if err != nil {
			out.Flush()
			return failf("match", "%v", err)
		}
	}
	return read.status(matched)
}

// matchSet is "kqlrules match --rules": which rules each event matches.
func (c *matchCmd) matchSet(e *env) error {
	restoreGC := loadingGC()
	files, err := ruleset.Load(c.Rules...)
	if !reportRuleLoad(e.stderr, files, err) {
		restoreGC()
		return &exitError{status: exitFailed}
	}
	set, err := ruleset.FromFiles(files)
	restoreGC()
	if err != nil {
		return failf("match", "%v", err)
	}
	evFiles := c.Files
	if len(evFiles) == 0 {
		evFiles = []string{"-"}
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	type ruleRef struct {
		RuleID string `json:"rule_id"`
		Name   string `json:"name"`
	}
	type line struct {
		File  string    `json:"file"`
		Line  int       `json:"line"`
		Rules []ruleRef `json:"rules"`
	}
	matched := 0
	var read readTally
	var ev events.Lazy
	var dst []int
	for raw, err := range events.ReadRawFilesUnchecked(evFiles, e.stdin) {
		if err == nil {
			ev.Reset(raw.JSON)
			if cerr := set.Check(&ev); cerr != nil { // in the walk Match makes
				err = &events.Error{File: raw.File, Line: raw.Line, Err: cerr}
			}
		}
		if err != nil {
			if err := read.note(e, err); err != nil {
				out.Flush()
				return err
			}
			continue
		}
		if dst = set.Match(&ev, dst[:0]); len(dst) == 0 {
			continue
		}
		matched++
		l := line{File: raw.File, Line: raw.Line}
		for _, i := range dst {
			r := set.Rule(i)
			l.Rules = append(l.Rules, ruleRef{r.RuleID, r.Name})
		}
		if err := writeJSON(out, l, ""); err != nil {
			return failf("match", "%v", err)
		}
	}
	return read.status(matched)
}

// readTally counts the read errors a match goes on after: lines that are
// not events and files of a directory that could not be read.
type readTally struct{ bad, unread int }

// note reports a read error on stderr and counts it; an input that cannot
// be read at all ends the command with the error returned.
func (t *readTally) note(e *env, err error) error {
	p, issue := readIssue(err)
	if issue == readFailed {
		return fail(exitFailed, p)
	}
	fmt.Fprintln(e.stderr, p)
	if issue == unreadableFile {
		t.unread++
	} else {
		t.bad++
	}
	return nil
}

// status is match's exit status: 2 when a file of a directory could not
// be read (as grep -r's), else 0 when an event matched, else 2 when a
// line could not be read (the answer may be missing), else 1.
func (t *readTally) status(matched int) error {
	switch {
	case t.unread > 0:
		return &exitError{status: 2}
	case matched > 0:
		return nil
	case t.bad > 0:
		return &exitError{status: 2}
	}
	return &exitError{status: 1}
}
