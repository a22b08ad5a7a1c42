// Package corpus finds the shared test corpora (../shared beside the
// repository: Elastic's rules, real Beats events, the ECS field table and
// the FTP rule's seed files) for tests, and skips a test, saying so, when
// they are absent. The corpora are never copied into the repository.
package corpus

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// Dir returns the shared folder: $KQLRULES_SHARED when set, else the folder
// named "shared" beside the repository root (found by walking up from the
// working directory to go.mod). It returns "" when there is none.
func Dir() string {
	if d := os.Getenv("KQLRULES_SHARED"); d != "" {
		return d
	}
	wd, err := os.Getwd()
	if err != nil {
		return ""
	}
	for dir := wd; ; dir = filepath.Dir(dir) {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if filepath.Base(dir) == "bench" { // bench has a go.mod of its own
				continue
			}
			shared := filepath.Join(dir, "..", "shared")
			if fi, err := os.Stat(shared); err == nil && fi.IsDir() {
				return shared
			}
			return ""
		}
		if filepath.Dir(dir) == dir {
			return ""
		}
	}
}

// Path returns the path of rel (such as "corpus/beats_events.ndjson")
// inside the shared folder, or skips tb, saying which file is absent.
func Path(tb testing.TB, rel string) string {
	tb.Helper()
	dir := Dir()
	if dir == "" {
		tb.Skipf("skipped: the shared corpora (../shared) are absent, so %s cannot be read", rel)
	}
	p := filepath.Join(dir, rel)
	if _, err := os.Stat(p); err != nil {
		tb.Skipf("skipped: %s is absent (%v)", p, err)
	}
	return p
}

// Lines returns the lines of the shared file rel that are not blank (an
// NDJSON file's events), each with its line end, or skips tb as Path
// does; a read error fails tb.
func Lines(tb testing.TB, rel string) [][]byte {
	tb.Helper()
	data, err := os.ReadFile(Path(tb, rel))
	if err != nil {
		tb.Fatal(err)
	}
	var out [][]byte
	for l := range bytes.Lines(data) {
		if len(bytes.TrimSpace(l)) > 0 {
			out = append(out, l)
		}
	}
	return out
}
