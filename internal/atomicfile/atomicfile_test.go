package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
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

// TestCanWrite: an existing file is left as it was, a new one is not
// left behind, a folder that does not exist is an error.
func TestCanWrite(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "old")
	if err := os.WriteFile(old, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := CanWrite(old); err != nil {
		t.Errorf("CanWrite(existing) = %v", err)
	}
	if b, _ := os.ReadFile(old); string(b) != "keep" {
		t.Errorf("CanWrite changed the file: %q", b)
	}
	fresh := filepath.Join(dir, "new")
	if err := CanWrite(fresh); err != nil {
		t.Errorf("CanWrite(new) = %v", err)
	}
	if _, err := os.Stat(fresh); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("CanWrite left the new file behind: %v", err)
	}
	if err := CanWrite(filepath.Join(dir, "no", "such")); err == nil {
		t.Error("CanWrite in a folder that does not exist: no error")
	}
}

// TestTarget: a plain file is itself; a link is followed to a file inside
// the roots, refused to one outside them.
func TestTarget(t *testing.T) {
	in, out := t.TempDir(), t.TempDir()
	for _, f := range []string{filepath.Join(in, "a"), filepath.Join(out, "b")} {
		if err := os.WriteFile(f, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(in, "a"), filepath.Join(in, "toA")); err != nil {
		t.Skip("no symbolic links:", err)
	}
	if err := os.Symlink(filepath.Join(out, "b"), filepath.Join(in, "toB")); err != nil {
		t.Fatal(err)
	}
	roots := Roots([]string{in})
	if got, err := Target(filepath.Join(in, "a"), roots); err != nil || got != filepath.Join(in, "a") {
		t.Errorf("Target(a) = %q, %v", got, err)
	}
	want, _ := filepath.EvalSymlinks(filepath.Join(in, "a"))
	if got, err := Target(filepath.Join(in, "toA"), roots); err != nil || got != want {
		t.Errorf("Target(toA) = %q, %v; want %q", got, err, want)
	}
	if got, err := Target(filepath.Join(in, "toB"), roots); err == nil || !strings.Contains(err.Error(), "outside the folders given") {
		t.Errorf("Target(toB) = %q, %v; want refused", got, err)
	}
	if got, err := Target(filepath.Join(in, "toB"), Roots([]string{filepath.Join(in, "toB"), filepath.Join(out, "b")})); err != nil {
		t.Errorf("Target(toB) with its target's folder given = %q, %v", got, err)
	}
}
