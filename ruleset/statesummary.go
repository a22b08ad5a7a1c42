package ruleset

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"strings"

	"github.com/kqlrules/kqlrules/internal/atomicfile"
	"github.com/kqlrules/kqlrules/replay"
)

// OpenState sets cfg to resume from the state file and to save the state
// of the run (StateFile, SaveState, State): a file that does not exist yet
// is a first run, nothing to restore. A file that cannot be written is an
// error before any work is done ("cannot write: ..."), and so is one that
// exists and cannot be read or decoded (a *replay.StateError).
func (cfg *ReplayConfig) OpenState(file string) error {
	if err := atomicfile.CanWrite(file); err != nil {
		return fmt.Errorf("cannot write: %w", err)
	}
	st, err := replay.ReadStateFile(file)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	cfg.StateFile, cfg.SaveState, cfg.State = file, true, st
	return nil
}

// SaveState writes the state of the replay res to file, atomically, and
// returns what the state did. The state is not written when a file could
// not be read (res.Unreadable), since its events would be left behind for
// good: the summary says so and the old state stays.
func SaveState(file string, res *Result) (*StateSummary, error) {
	why := ""
	if n := len(res.Unreadable); n > 0 {
		why = fmt.Sprintf("%d file(s) could not be read: the state is left as it was; run again once they can be", n)
	} else if err := res.State.WriteFile(file); err != nil {
		return nil, err
	}
	return SummarizeState(file, res, why), nil
}

// StateSummary is what a replay with saved state did (ReplayConfig's
// SaveState): the rules restored, started fresh and dropped, and the
// matches carried over; "kqlrules run --state" prints it
// ([StateSummary.WriteText]) and --report-json writes it.
type StateSummary struct {
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
	// First is true when no state was restored (the file did not exist).
	First bool `json:"first_run"`
	// NotWritten says why the state was not written, when it was not.
	NotWritten string `json:"not_written,omitempty"`
}

// SummarizeState returns what the replay res did with the state of file,
// which the caller saved unless notWritten says why not.
func SummarizeState(file string, res *Result, notWritten string) *StateSummary {
	s := &StateSummary{File: file, Restored: []string{}, Added: []string{}, Removed: []string{}, First: res.Resumed == nil, NotWritten: notWritten}
	if r := res.Resumed; r != nil {
		s.Restored, s.Added, s.Removed = nonNil(r.Restored), nonNil(r.Added), nonNil(r.Removed)
	}
	for _, rep := range res.Reports {
		s.Pending += rep.MatchesPending
		s.BeforeState += rep.MatchesBeforeState
	}
	return s
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// WriteText writes the summary as one line (two when the state was not
// written): restored, new and removed rules (the first few by id), the
// matches left to the next run and those the restored schedule had
// passed.
func (s *StateSummary) WriteText(w io.Writer) error {
	ids := func(ids []string) string {
		const show = 5
		if len(ids) > show {
			return strings.Join(ids[:show], ", ") + fmt.Sprintf(" and %d more", len(ids)-show)
		}
		return strings.Join(ids, ", ")
	}
	var b strings.Builder
	if s.First {
		fmt.Fprintf(&b, "state: %s: a first run (no state to restore)", s.File)
	} else {
		fmt.Fprintf(&b, "state: %s: %d rules restored", s.File, len(s.Restored))
	}
	if len(s.Added) > 0 && !s.First {
		fmt.Fprintf(&b, ", %d new since (started fresh: %s)", len(s.Added), ids(s.Added))
	}
	if len(s.Removed) > 0 {
		fmt.Fprintf(&b, ", %d removed since (state dropped: %s)", len(s.Removed), ids(s.Removed))
	}
	fmt.Fprintf(&b, "; matches carried to the next run: %d", s.Pending)
	if s.BeforeState > 0 {
		fmt.Fprintf(&b, "; matches earlier than the saved schedule, never searched: %d", s.BeforeState)
	}
	b.WriteString("\n")
	if s.NotWritten != "" {
		fmt.Fprintf(&b, "state: %s not written: %s\n", s.File, s.NotWritten)
	}
	_, err := io.WriteString(w, b.String())
	return err
}
