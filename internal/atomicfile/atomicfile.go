// Package atomicfile replaces a file's contents all at once: the new
// contents are written to a temporary file in the same folder, synced,
// and renamed over the file, so that a reader (or a crash, or a full
// disk) sees the old file or the new one, never a part of it. The file's
// permission bits are kept. [CanWrite] tells beforehand whether a file
// can be written; [Roots] and [Target] keep a rewrite of the files given
// from following a symbolic link out of their folders.
package atomicfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// WriteFile writes data to the file name atomically. An existing file
// keeps its permission bits; a new one gets exactly perm (the umask does
// not apply: pass 0o644 for a file others may read). name is replaced as a directory entry: when it is a
// symbolic link, the link is replaced, not its target (resolve it first
// to write through it). On any error the file is left as it was and the
// temporary file is removed.
func WriteFile(name string, data []byte, perm fs.FileMode) error {
	return writeFile(name, data, perm, func(f *os.File) io.Writer { return f })
}

// writeFile is WriteFile writing through wrap(f), so that tests can make
// the write fail as a full disk does.
func writeFile(name string, data []byte, perm fs.FileMode, wrap func(*os.File) io.Writer) (err error) {
	mode := perm
	if fi, err := os.Stat(name); err == nil {
		mode = fi.Mode().Perm()
	} else if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	dir, base := filepath.Split(name)
	if dir == "" {
		dir = "."
	}
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer func() {
		if err != nil {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := wrap(f).Write(data); err != nil {
		return &fs.PathError{Op: "write", Path: name, Err: unwrap(err)}
	}
	if err := f.Chmod(mode); err != nil {
		return err
	}
	if err := f.Sync(); err != nil {
		return &fs.PathError{Op: "write", Path: name, Err: unwrap(err)}
	}
	if err := f.Close(); err != nil {
		return &fs.PathError{Op: "write", Path: name, Err: unwrap(err)}
	}
	return os.Rename(tmp, name)
}

// unwrap returns the reason of a *fs.PathError about the temporary file.
func unwrap(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// CanWrite tells whether the file path can be written, before a command
// spends its work on what it will write there: an existing file is
// opened for writing (not truncated), a new one created and removed.
func CanWrite(path string) error {
	f, err := os.OpenFile(path, os.O_WRONLY, 0)
	if err == nil {
		return f.Close()
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	f, err = os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	f.Close()
	return os.Remove(path)
}

// Roots returns the folders a rewrite of the files at paths may write in
// ([Target]), resolved: each folder given, and the folder of each file
// given.
func Roots(paths []string) []string {
	var roots []string
	for _, a := range paths {
		dir := a
		if fi, err := os.Stat(a); err != nil || !fi.IsDir() {
			dir = filepath.Dir(a)
		}
		if r, err := filepath.EvalSymlinks(dir); err == nil {
			if abs, err := filepath.Abs(r); err == nil {
				roots = append(roots, abs)
			}
		}
	}
	return roots
}

// Target returns the file to write for name: name itself, or, for a
// symbolic link, the file it points to when that is inside one of roots
// ([Roots]). A link to a file outside them is refused: a rewrite of the
// files given writes them, not a file elsewhere that a link in them
// names.
func Target(name string, roots []string) (string, error) {
	fi, err := os.Lstat(name)
	if err != nil {
		return "", err
	}
	if fi.Mode()&os.ModeSymlink == 0 {
		return name, nil
	}
	target, err := filepath.EvalSymlinks(name)
	if err != nil {
		return "", err
	}
	abs, err := filepath.Abs(target)
	if err != nil {
		return "", err
	}
	for _, r := range roots {
		if rel, err := filepath.Rel(r, abs); err == nil && rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) {
			return abs, nil
		}
	}
	return "", fmt.Errorf("it is a symbolic link to %s, outside the folders given", target)
}
