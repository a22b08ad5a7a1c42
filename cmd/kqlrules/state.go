package main

import (
	"errors"
	"fmt"
	"io/fs"

	"github.com/kqlrules/kqlrules/internal/atomicfile"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/ruleset"
)

// readState reads the --state file into cfg: nothing when it does not
// exist yet (a first run); any other problem ends the command with
// status 2, the file named.
func readState(file string, cfg *ruleset.ReplayConfig) error {
	if file == "" {
		return nil
	}
	if err := atomicfile.CanWrite(file); err != nil {
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
// and returns the summary of what --state did (nil without --state). The
// state is not written when a file could not be read: its events would be
// left behind for good.
func writeState(file string, res *ruleset.Result) (*ruleset.StateSummary, error) {
	if file == "" {
		return nil, nil
	}
	why := ""
	if n := len(res.Unreadable); n > 0 {
		why = fmt.Sprintf("%d file(s) could not be read: the state is left as it was; run again once they can be", n)
	} else if err := res.State.WriteFile(file); err != nil {
		return nil, failf("run", "--state: %v", err)
	}
	return ruleset.SummarizeState(file, res, why), nil
}
