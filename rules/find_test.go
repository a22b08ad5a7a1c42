package rules_test

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/kqlrules/kqlrules/rules"
)

// touch creates each file (and its folders) under dir, empty.
func touch(t *testing.T, dir string, names ...string) {
	t.Helper()
	for _, name := range names {
		path := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, nil, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func relAll(t *testing.T, dir string, paths []string) []string {
	t.Helper()
	out := make([]string, len(paths))
	for i, p := range paths {
		r, err := filepath.Rel(dir, p)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = filepath.ToSlash(r)
	}
	return out
}

func TestFindFiles(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "a/r1.toml", "a/b/r2.json", "a/b/r3.ndjson", "a/b/r3.test.ndjson", "a/notes.md",
		"a/.git/x.toml", "c.toml", "a/R4.TOML")
	got, err := rules.FindFiles(filepath.Join(dir, "a"), filepath.Join(dir, "*.toml"), filepath.Join(dir, "a", "notes.md"))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"a/R4.TOML", "a/b/r2.json", "a/b/r3.ndjson", "a/r1.toml", "c.toml", "a/notes.md"}
	if got := relAll(t, dir, got); !slices.Equal(got, want) {
		t.Errorf("FindFiles = %q, want %q", got, want)
	}
	for _, bad := range []string{filepath.Join(dir, "nosuch.toml"), filepath.Join(dir, "*.yaml")} {
		files, err := rules.FindFiles(bad, filepath.Join(dir, "c.toml"))
		var fe *rules.FindError
		if !errors.As(err, &fe) || fe.Path != bad {
			t.Errorf("FindFiles(%s): error %v, want a *FindError naming it", bad, err)
		}
		if got := relAll(t, dir, files); !slices.Equal(got, []string{"c.toml"}) {
			t.Errorf("FindFiles(%s, c.toml) = %q: the other path must be found still", bad, got)
		}
	}
}

// A detection-rules checkout root means rules/ and rules_building_block/:
// not pyproject.toml, not tests/ or etc/ data, not hidden folders.
func TestFindFilesCheckout(t *testing.T) {
	dir := t.TempDir()
	touch(t, dir, "pyproject.toml", "etc/packages.json", "tests/data/x.toml", ".github/x.toml",
		"rules/windows/a.toml", "rules/windows/a.test.ndjson", "rules/.hidden/h.toml",
		"rules_building_block/bb.toml", "hunting/q.toml")
	got, err := rules.FindFiles(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"rules/windows/a.toml", "rules_building_block/bb.toml"}
	if got := relAll(t, dir, got); !slices.Equal(got, want) {
		t.Errorf("FindFiles(checkout) = %q, want %q", got, want)
	}
}
