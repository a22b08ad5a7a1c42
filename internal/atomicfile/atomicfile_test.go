package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// fullDisk writes the first n bytes, then fails as a full disk does
// (ENOSPC): the failure "kqlrules fmt -w" met on a 64 KiB tmpfs, where
// os.WriteFile had already truncated the rule to 4,096 bytes.
type fullDisk struct {
	w io.Writer
	n int
}

func (d *fullDisk) Write(p []byte) (int, error) {
	if len(p) <= d.n {
		d.n -= len(p)
		return d.w.Write(p)
	}
	k, _ := d.w.Write(p[:d.n])
	d.n = 0
	return k, syscall.ENOSPC
}

func TestWriteFileFullDiskKeepsTheFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "rule.toml")
	old := []byte("[rule]\nquery = 'a'\n\n[[rule.threat]]\nframework = \"MITRE ATT&CK\"\n")
	if err := os.WriteFile(name, old, 0o640); err != nil {
		t.Fatal(err)
	}
	err := writeFile(name, make([]byte, 10000), 0o666, func(f *os.File) io.Writer { return &fullDisk{w: f, n: 4096} })
	if !errors.Is(err, syscall.ENOSPC) {
		t.Fatalf("err = %v, want ENOSPC", err)
	}
	got, rerr := os.ReadFile(name)
	if rerr != nil || string(got) != string(old) {
		t.Errorf("after a failed write the file is %q (%v), want it unchanged", got, rerr)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("temporary file left behind: %v", entries)
	}
}

func TestWriteFileKeepsMode(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "rule.toml")
	if err := os.WriteFile(name, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(name, 0o751); err != nil { // past the umask
		t.Fatal(err)
	}
	if err := WriteFile(name, []byte("new"), 0o666); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(name)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o751 {
		t.Errorf("mode = %v, want 0751 kept", fi.Mode().Perm())
	}
	if got, _ := os.ReadFile(name); string(got) != "new" {
		t.Errorf("contents = %q", got)
	}
	// a new file gets perm
	fresh := filepath.Join(dir, "new.json")
	if err := WriteFile(fresh, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(fresh); fi.Mode().Perm() != 0o600 {
		t.Errorf("new file mode = %v, want 0600", fi.Mode().Perm())
	}
}

func TestWriteFileNoFolder(t *testing.T) {
	err := WriteFile(filepath.Join(t.TempDir(), "no", "such", "x"), []byte("x"), 0o666)
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("err = %v, want not exist", err)
	}
}
