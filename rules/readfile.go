package rules

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/kqlrules/kqlrules/kql"
)

// The largest files read, by kind: a file is refused while it is read,
// once it passes its limit, so that an oversized file costs no more
// memory than the limit.
const (
	// MaxRuleFile bounds a file of one rule (.toml, .json): Elastic's
	// largest rule files are under 100 KB.
	MaxRuleFile = 8 << 20
	// MaxExportFile bounds a Kibana export (.ndjson, .jsonl): an export
	// of every prebuilt rule is about 15 MB.
	MaxExportFile = 64 << 20
	// MaxQueryFile bounds a file that holds only a query (any other
	// name, such as .kql): the parser's limit, [kql.DefaultMaxLength].
	MaxQueryFile = kql.DefaultMaxLength
)

// SizeError is a file larger than the limit for its kind.
type SizeError struct {
	Kind  string // "rule file", "Kibana export", "query file", "query"
	Limit int64  // bytes
}

// Error returns "larger than the N MiB limit for a KIND".
func (e *SizeError) Error() string {
	return fmt.Sprintf("larger than the %s limit for a %s", sizeText(e.Limit), e.Kind)
}

func sizeText(n int64) string {
	if n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}

// FileLimit returns the limit for a file named name and what kind of file
// it is: [MaxExportFile] for an export ([IsExport]), [MaxRuleFile] for a
// .toml or .json file, else [MaxQueryFile].
func FileLimit(name string) (limit int64, kind string) {
	switch {
	case IsExport(name):
		return MaxExportFile, "Kibana export"
	case strings.EqualFold(filepath.Ext(name), ".toml"), strings.EqualFold(filepath.Ext(name), ".json"):
		return MaxRuleFile, "rule file"
	}
	return MaxQueryFile, "query file"
}

// ReadFile reads the file at path, refusing it with an *fs.PathError
// wrapping a *SizeError as soon as it passes the limit [FileLimit] gives.
func ReadFile(path string) ([]byte, error) {
	return ReadFileInto(path, nil)
}

// ReadFileInto is [ReadFile] reading into buf's memory when it can hold
// the file (overwriting what it held), so that a caller reading many
// files one after another, which keeps nothing that points into the
// text of the one before (see [Rule.Detach]), reuses one buffer.
func ReadFileInto(path string, buf []byte) ([]byte, error) {
	f, size, err := openFile(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	limit, kind := FileLimit(path)
	statSize := size
	if size >= 0 {
		size = min(size, limit) + 1 // read in one go, and see the end
	} else {
		size = 512
	}
	if int64(cap(buf)) < size {
		// at least doubled (within the limit), so that files ever
		// larger make few
		buf = make([]byte, 0, max(size, min(2*int64(cap(buf)), limit+1)))
	}
	if statSize >= 0 && statSize <= limit {
		// a regular file: a read that gives exactly the size the file
		// had when opened, short of the room it had, reached its end,
		// and the read that would say so is left out (one system call
		// of five a file, in a tree of thousands of rules); a file that
		// grew or shrank meanwhile is read on to its end
		n, err := f.Read(buf[:size])
		switch {
		case err == nil && int64(n) == statSize, err == io.EOF:
			return buf[:n], nil
		case err != nil:
			return nil, &os.PathError{Op: "read", Path: path, Err: err}
		}
		buf = buf[:n]
	}
	data, err := readLimited(f, limit, kind, buf)
	if err != nil {
		return nil, &os.PathError{Op: "read", Path: path, Err: err}
	}
	return data, nil
}

// ReadLimited reads r to its end, or fails with a *SizeError once more
// than limit bytes came: it never holds more than limit+1 bytes.
func ReadLimited(r io.Reader, limit int64, kind string) ([]byte, error) {
	return readLimited(r, limit, kind, make([]byte, 0, 512))
}

// readLimited is ReadLimited appending to data (what was read of r
// already), whose capacity is best the file's size plus one, to see its
// end without growing.
func readLimited(r io.Reader, limit int64, kind string, data []byte) ([]byte, error) {
	lr := io.LimitReader(r, limit+1-int64(len(data)))
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)] // grow
		}
		n, err := lr.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(data)) > limit {
		return nil, &SizeError{Kind: kind, Limit: limit}
	}
	return data, nil
}
