//go:build !linux

package rules

import "io"

// openFile opens the file at path to read, and returns its size when it
// is a regular file (else -1).
func openFile(path string) (io.ReadCloser, int64, error) { return osFile(path) }
