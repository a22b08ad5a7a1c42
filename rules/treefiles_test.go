package rules

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// EachTreeTOML calls f with the path and text of each TOML file below
// dir, in the order of filepath.WalkDir, and fails tb on an error of the
// walk or a read. It is the walk of the tree the tests of this package
// and of rules_test share (exported to them by this test file only).
func EachTreeTOML(tb testing.TB, dir string, f func(path string, data []byte)) {
	tb.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".toml") {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		f(path, data)
		return nil
	})
	if err != nil {
		tb.Fatal(err)
	}
}
