//go:build unix

package events_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/events"
)

// TestReadFilesOddEntries: in a directory, a FIFO named *.ndjson (which
// made match hang forever) and a directory symlink named x.json are
// passed over; a symbolic link loop is reported by path and the files
// after it are read still.
func TestReadFilesOddEntries(t *testing.T) {
	dir := t.TempDir()
	write := func(name, data string) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, name)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a.ndjson", `{"k":"a"}`+"\n")
	write("sub/c.ndjson", `{"k":"c"}`+"\n")
	write("z.ndjson", `{"k":"z"}`+"\n")
	if err := syscall.Mkfifo(filepath.Join(dir, "fifo.ndjson"), 0o644); err != nil {
		t.Skip("no FIFO here:", err)
	}
	for _, l := range [][2]string{{"sub", "dirlink.json"}, {"loop.ndjson", "loop.ndjson"}, {"z.ndjson", "link.ndjson"}} {
		if err := os.Symlink(l[0], filepath.Join(dir, l[1])); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan []string)
	go func() { done <- collect(t, []string{dir}, "") }()
	var got []string
	select {
	case got = <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("ReadFiles hangs (on the FIFO?)")
	}
	for i := range got {
		got[i] = strings.ReplaceAll(got[i], dir+string(filepath.Separator), "")
	}
	want := []string{
		"a.ndjson:1:a",
		"link.ndjson:1:z",
		"ERR loop.ndjson: too many levels of symbolic links",
		"sub/c.ndjson:1:c",
		"z.ndjson:1:z",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("-want +got:\n%s", d)
	}
	var fe *events.FileError
	for _, err := range events.ReadFiles([]string{dir}, nil) {
		if errors.As(err, &fe) {
			break
		}
	}
	if fe == nil || filepath.Base(fe.Path) != "loop.ndjson" {
		t.Errorf("the loop is not a *FileError naming it: %v", fe)
	}
}
