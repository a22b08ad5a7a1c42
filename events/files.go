package events

import (
	"bufio"
	"compress/gzip"
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
// input is unpacked whatever its name, told by its first bytes. A path
// that cannot be opened or read is yielded as an error (not an *Error)
// and ends the sequence.
func ReadFiles(paths []string, stdin io.Reader) iter.Seq2[Record, error] {
	return overFiles(paths, stdin, Read)
}

// ReadRawFiles is [ReadFiles] yielding each event's JSON text, as
// [ReadRaw] does.
func ReadRawFiles(paths []string, stdin io.Reader) iter.Seq2[Raw, error] {
	return overFiles(paths, stdin, ReadRaw)
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
			err := filepath.WalkDir(p, func(name string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() || !IsEventFile(d.Name()) {
					return nil
				}
				if !file(name) {
					stopped = true
					return filepath.SkipAll
				}
				return nil
			})
			if stopped {
				return
			}
			if err != nil {
				yield(zero, err)
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
