// Package atomicfile replaces a file's contents all at once: the new
// contents are written to a temporary file in the same folder, synced,
// and renamed over the file, so that a reader (or a crash, or a full
// disk) sees the old file or the new one, never a part of it. The file's
// permission bits are kept.
package atomicfile

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
