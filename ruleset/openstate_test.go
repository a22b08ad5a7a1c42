package ruleset_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/ruleset"
)

// TestOpenState: a missing state file is a first run (nothing restored,
// the state saved); a corrupt one is a *replay.StateError; a file in a
// folder that does not exist cannot be written, said before any work.
func TestOpenState(t *testing.T) {
	dir := t.TempDir()
	var cfg ruleset.ReplayConfig
	first := filepath.Join(dir, "s.json")
	if err := cfg.OpenState(first); err != nil || cfg.State != nil || !cfg.SaveState || cfg.StateFile != first {
		t.Fatalf("OpenState(missing) = %v, cfg %+v; want a first run", err, cfg)
	}
	if _, err := os.Stat(first); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("OpenState left a file behind: %v", err)
	}
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte("{"), 0o644)
	var se *replay.StateError
	if err := new(ruleset.ReplayConfig).OpenState(bad); !errors.As(err, &se) {
		t.Errorf("OpenState(corrupt) = %v, want a *replay.StateError", err)
	}
	err := new(ruleset.ReplayConfig).OpenState(filepath.Join(dir, "no", "s.json"))
	if err == nil || !strings.HasPrefix(err.Error(), "cannot write: ") {
		t.Errorf("OpenState(no folder) = %v, want cannot write", err)
	}
}
