//go:build unix

package rules_test

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"

	"github.com/kqlrules/kqlrules/rules"
)

// Entries that are not regular files are passed over (a FIFO named
// x.toml would block a reader forever, a folder symlink named x.json is
// no file); one that cannot be read is reported by path and the rest is
// found.
func TestFindFilesOddEntries(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "r/a.toml", "r/sub/b.toml", "target.toml")
	if err := syscall.Mkfifo(filepath.Join(dir, "r", "fifo.toml"), 0o644); err != nil {
		t.Skip("no FIFO here:", err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.Symlink(filepath.Join(dir, "r", "sub"), filepath.Join(dir, "r", "dirlink.json")))
	must(os.Symlink(filepath.Join(dir, "target.toml"), filepath.Join(dir, "r", "link.toml")))
	must(os.Symlink("loop.toml", filepath.Join(dir, "r", "loop.toml")))
	got, err := rules.FindFiles(filepath.Join(dir, "r"))
	want := []string{"r/a.toml", "r/link.toml", "r/sub/b.toml"}
	if got := relAll(t, dir, got); !slices.Equal(got, want) {
		t.Errorf("FindFiles = %q, want %q", got, want)
	}
	if err == nil || !strings.Contains(err.Error(), "loop.toml") {
		t.Errorf("FindFiles: error %v, want the symlink loop named", err)
	}
}
