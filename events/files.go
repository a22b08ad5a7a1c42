package events

import (
	"bufio"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"iter"
	"os"
	"path/filepath"
	"strings"
)

// ReadFiles reads the events of every path in turn, as [Read] does: a
// path is a file, "-" for stdin (os.Stdin when stdin is nil), or a
// directory, whose files ending in .ndjson, .jsonl or .json (and the same
// followed by .gz) are read recursively in lexical order. Gzip-compressed
// input is unpacked whatever its name, told by its first bytes.
//
// In a directory, entries that are not regular files (FIFOs, sockets,
// devices, symbolic links to directories) are passed over, as grep -r
// does; a symbolic link to a regular file is read. An entry that cannot
// be read (no permission, a symbolic link loop, a folder that cannot be
// listed) is yielded as a *FileError and reading goes on with the next
// one: the caller reports it and knows that something was not read. A
// path given that cannot be opened or read, or a read that fails midway,
// is yielded as an error (not an *Error or *FileError) and ends the
// sequence.
func ReadFiles(paths []string, stdin io.Reader) iter.Seq2[Record, error] {
	return overFiles(paths, stdin, Read)
}

// ReadRawFiles is [ReadFiles] yielding each event's JSON text, as
// [ReadRaw] does.
func ReadRawFiles(paths []string, stdin io.Reader) iter.Seq2[Raw, error] {
	return overFiles(paths, stdin, ReadRaw)
}

// ReadRawFilesUnchecked is [ReadRawFiles] yielding each text unchecked,
// as [ReadRawUnchecked] does.
func ReadRawFilesUnchecked(paths []string, stdin io.Reader) iter.Seq2[Raw, error] {
	return overFiles(paths, stdin, ReadRawUnchecked)
}

// IsEventFile reports whether a file found in a directory is read as
// events: its name ends in .ndjson, .jsonl or .json, optionally followed
// by .gz.
func IsEventFile(name string) bool {
	name = strings.TrimSuffix(name, ".gz")
	for _, ext := range []string{".ndjson", ".jsonl", ".json"} {
		if strings.HasSuffix(name, ext) {
			return true
		}
	}
	return false
}

// FileError is an entry of a directory given to [ReadFiles] that could not
// be read: its path and why. The sequence goes on after it.
type FileError struct {
	Path string
	Err  error
}

// Error returns "path: why".
func (e *FileError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FileError) Unwrap() error { return e.Err }

// pathReason returns the reason of an *fs.PathError, whose path a
// *FileError names already.
func pathReason(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func overFiles[T any](paths []string, stdin io.Reader, read func(string, io.Reader) iter.Seq2[T, error]) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		one := func(name string, r io.Reader) bool {
			r, closeZ, err := unpack(name, r)
			if err != nil {
				yield(zero, err)
				return false
			}
			defer closeZ()
			for v, err := range read(name, r) {
				if !yield(v, err) {
					return false
				}
			}
			return true
		}
		file := func(name string) bool {
			f, err := os.Open(name)
			if err != nil {
				yield(zero, err)
				return false
			}
			defer f.Close()
			return one(name, f)
		}
		for _, p := range paths {
			if p == "-" {
				in := stdin
				if in == nil {
					in = os.Stdin
				}
				if !one("-", in) {
					return
				}
				continue
			}
			if fi, err := os.Stat(p); err != nil || !fi.IsDir() {
				if !file(p) { // a file, or the error opening it
					return
				}
				continue
			}
			stopped := false
			skip := func(name string, err error) error {
				if !yield(zero, &FileError{Path: name, Err: pathReason(err)}) {
					stopped = true
					return filepath.SkipAll
				}
				return nil
			}
			filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
				if err != nil {
					if serr := skip(name, err); serr != nil || d == nil || !d.IsDir() || name == p {
						return serr
					}
					return filepath.SkipDir
				}
				if d.IsDir() || !IsEventFile(d.Name()) {
					return nil
				}
				if !d.Type().IsRegular() {
					if d.Type()&fs.ModeSymlink == 0 {
						return nil // a FIFO, socket or device
					}
					fi, err := os.Stat(name)
					if err != nil {
						return skip(name, err)
					}
					if !fi.Mode().IsRegular() {
						return nil // a link to a folder or a FIFO
					}
				}
				f, err := os.Open(name)
				if err != nil {
					return skip(name, err)
				}
				defer f.Close()
				if !one(name, f) {
					stopped = true
					return filepath.SkipAll
				}
				return nil
			})
			if stopped {
				return
			}
		}
	}
}

// unpack returns r, unpacked when it starts as gzip data does, and a
// function that releases the gzip reader.
func unpack(name string, r io.Reader) (io.Reader, func(), error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, _ := br.Peek(2)
	if len(magic) < 2 || magic[0] != 0x1f || magic[1] != 0x8b {
		return br, func() {}, nil
	}
	z, err := gzip.NewReader(br)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return z, func() { z.Close() }, nil
}
