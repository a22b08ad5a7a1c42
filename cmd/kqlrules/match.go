package main

import (
	"bufio"
	"errors"
	"fmt"

	"github.com/kqlrules/kqlrules/events"
)

type matchCmd struct {
	Query       string   `short:"q" help:"The query to match." xor:"what" required:""`
	Rule        string   `help:"A rule file (TOML or JSON) whose query to match; builtin/NAME for a bundled rule such as builtin/ftp.toml." xor:"what" required:""`
	LineNumbers bool     `short:"n" help:"Print FILE:LINE for each matching event instead of the event."`
	Files       []string `arg:"" optional:"" help:"NDJSON or JSON-array event files, or directories of them (*.ndjson, *.jsonl, *.json, and .gz); gzip is unpacked; - or none reads standard input."`
}

// Run writes the matching events (or their places) and exits like grep: 0
// when some event matched, 1 when none did, 2 on an error. Lines that are
// not JSON objects are reported on stderr and skipped; they make the exit
// status 2 only when nothing matched.
func (c *matchCmd) Run(e *env) error {
	query, err := locateQuery("match", c.Query, c.Rule, 0)
	if err != nil {
		return err
	}
	prog, err := query.compile()
	if err != nil {
		return err
	}
	files := c.Files
	if len(files) == 0 {
		files = []string{"-"}
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	matched, bad := 0, 0
	// the lazy path: each event's text is scanned for the fields the
	// query reads; only matching events are decoded, to be printed
	var ev events.Lazy
	for raw, err := range events.ReadRawFiles(files, e.stdin) {
		if err != nil {
			var evErr *events.Error
			if !errors.As(err, &evErr) {
				out.Flush()
				return fail(exitFailed, fileProblem("", err))
			}
			fmt.Fprintln(e.stderr, fileProblem("", err))
			bad++
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
	switch {
	case matched > 0:
		return nil
	case bad > 0:
		return &exitError{status: 2}
	}
	return &exitError{status: 1}
}
