//go:build !linux

package rules

import (
	"io"
	"os"
)

// openFile opens the file at path to read, and returns its size when it
// is a regular file (else -1): by [os.Open], where the system has no
// cheaper way (readfile_linux.go).
func openFile(path string) (io.ReadCloser, int64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, 0, err
	}
	size := int64(-1)
	if fi, err := f.Stat(); err == nil && fi.Mode().IsRegular() {
		size = fi.Size()
	}
	return f, size, nil
}
