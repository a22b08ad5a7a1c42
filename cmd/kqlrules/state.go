package main

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/ruleset"
)

// stateSummary is what --state did, in the JSON report of run --rules.
type stateSummary struct {
	File string `json:"file"`
	// Restored, Added and Removed list rule ids: restored from the file,
	// started fresh (no state in the file), dropped (in the file, not in
	// the rules any more).
	Restored []string `json:"restored"`
	Added    []string `json:"added"`
	Removed  []string `json:"removed"`
	// Pending counts the matches left to the next run; BeforeState the
	// matches earlier than the restored schedule, never searched.
	Pending     int `json:"matches_pending"`
	BeforeState int `json:"matches_before_state"`
	// First is true when the file did not exist: nothing was restored.
	First bool `json:"first_run"`
	// NotWritten says why the state was not written, when it was not.
	NotWritten string `json:"not_written,omitempty"`
}

// readState reads the --state file into cfg: nothing when it does not
// exist yet (a first run); any other problem ends the command with
// status 2, the file named.
func readState(file string, cfg *ruleset.ReplayConfig) error {
	if file == "" {
		return nil
	}
	if err := probeWritable(file); err != nil {
		p := fileProblem(file, err)
		p.Msg = "--state: cannot write: " + p.Msg
		return fail(exitFailed, p)
	}
	cfg.StateFile, cfg.SaveState = file, true
	st, err := replay.ReadStateFile(file)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return failf("run", "--state: %v", err)
	}
	cfg.State = st
	return nil
}

// replayFailed is the exit of a replay that failed: a state that does
// not restore is a --state error, naming the file.
func replayFailed(err error) *exitError {
	var se *replay.StateError
	if errors.As(err, &se) {
		return failf("run", "--state: %v", err)
	}
	return failf("run", "%v", err)
}

// writeState writes the state of a run to the --state file, atomically,
// and returns the summary of what --state did.
func writeState(file string, res *ruleset.Result) (*stateSummary, error) {
	if file == "" {
		return nil, nil
	}
	s := &stateSummary{File: file, Restored: []string{}, Added: []string{}, Removed: []string{}, First: res.Resumed == nil}
	if n := len(res.Unreadable); n > 0 {
		// the events of those files would be left behind for good
		s.NotWritten = fmt.Sprintf("%d file(s) could not be read: the state is left as it was; run again once they can be", n)
	} else if err := res.State.WriteFile(file); err != nil {
		return nil, failf("run", "--state: %v", err)
	}
	if r := res.Resumed; r != nil {
		s.Restored, s.Added, s.Removed = nonNil(r.Restored), nonNil(r.Added), nonNil(r.Removed)
	}
	for _, rep := range res.Reports {
		s.Pending += rep.MatchesPending
		s.BeforeState += rep.MatchesBeforeState
	}
	return s, nil
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// writeStateSummary writes what --state did: restored, new and removed
// rules (those by id, the first few), the matches left to the next run and
// those the restored schedule had passed.
func writeStateSummary(w io.Writer, s *stateSummary) {
	if s == nil {
		return
	}
	ids := func(ids []string) string {
		const show = 5
		if len(ids) > show {
			return strings.Join(ids[:show], ", ") + fmt.Sprintf(" and %d more", len(ids)-show)
		}
		return strings.Join(ids, ", ")
	}
	if s.First {
		fmt.Fprintf(w, "state: %s: a first run (no state to restore)", s.File)
	} else {
		fmt.Fprintf(w, "state: %s: %d rules restored", s.File, len(s.Restored))
	}
	if len(s.Added) > 0 && !s.First {
		fmt.Fprintf(w, ", %d new since (started fresh: %s)", len(s.Added), ids(s.Added))
	}
	if len(s.Removed) > 0 {
		fmt.Fprintf(w, ", %d removed since (state dropped: %s)", len(s.Removed), ids(s.Removed))
	}
	fmt.Fprintf(w, "; matches carried to the next run: %d", s.Pending)
	if s.BeforeState > 0 {
		fmt.Fprintf(w, "; matches earlier than the saved schedule, never searched: %d", s.BeforeState)
	}
	fmt.Fprintln(w)
	if s.NotWritten != "" {
		fmt.Fprintf(w, "state: %s not written: %s\n", s.File, s.NotWritten)
	}
}
