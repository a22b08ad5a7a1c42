package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"time"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/ruleset"
)

// runSet is "kqlrules run --rules": every rule of the files at once.
func (c *runCmd) runSet(e *env, opts []replay.RunOption) error {
	start := time.Now()
	files, err := ruleset.Load(c.Rules...)
	if !reportRuleLoad(e.stderr, files, err) {
		return &exitError{status: exitFailed}
	}
	set, err := ruleset.New(ruleset.Rules(files))
	if err != nil {
		return failf("run", "%v", err)
	}
	evFiles, err := eventFiles(c.Events)
	if err != nil {
		return failf("run", "%v", err)
	}
	out := bufio.NewWriter(e.stdout)
	defer out.Flush()
	prog := newProgress(e.stderr)
	opts = append(opts, replay.WithAlertFunc(func(a *replay.Alert) error {
		prog.alerts++
		return writeAlert(out, a)
	}))
	res, err := set.Replay(context.Background(), events.ReadRawFiles(evFiles, e.stdin), ruleset.ReplayConfig{
		Workers: c.Workers, Options: opts, Progress: prog.set, Profile: true,
	})
	prog.done()
	if err != nil {
		out.Flush()
		return failf("run", "%v", err)
	}
	reportUnreadable(e, res)
	if err := out.Flush(); err != nil {
		return err
	}
	rep := ruleset.Summarize(files, res)
	rep.Seconds = time.Since(start).Seconds()
	if err := c.writeReport(e, rep); err != nil {
		return err
	}
	if res.EventsRead > 0 && res.EventsRejected == res.EventsRead {
		return failf("run", "all %d event lines were rejected", res.EventsRead)
	}
	if n := len(res.Unreadable); n > 0 {
		return failf("run", "%d file(s) could not be read", n)
	}
	return nil
}

// eventFiles returns the event files to read ("-" when none), failing
// early on a file that does not exist.
func eventFiles(names []string) ([]string, error) {
	if len(names) == 0 {
		return []string{"-"}, nil
	}
	for _, f := range names {
		if f != "-" {
			if _, err := os.Stat(f); err != nil {
				return nil, err
			}
		}
	}
	return names, nil
}

// writeAlert writes an alert as a JSON line, with the file and line of its
// event (kqlrules.source.file, kqlrules.source.line).
func writeAlert(w *bufio.Writer, a *replay.Alert) error {
	doc := a.Document()
	doc["kqlrules.source.file"] = a.Event.File
	doc["kqlrules.source.line"] = a.Event.Line
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := w.Write(b.Bytes())
	return err
}
