package rules_test

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/rules"
)

// endless gives 'a' forever: an input larger than any limit.
type endless struct{ n int64 }

func (e *endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	e.n += int64(len(p))
	return len(p), nil
}

// TestReadLimitedStopsAtTheLimit: oversized input is refused while it is
// read (a 500 MB query file took check past 9.4 GB): reading stops one
// byte past the limit, whatever the input's size.
func TestReadLimitedStopsAtTheLimit(t *testing.T) {
	in := &endless{}
	_, err := rules.ReadLimited(in, 1<<20, "query")
	var se *rules.SizeError
	if !errors.As(err, &se) || err.Error() != "larger than the 1 MiB limit for a query" {
		t.Fatalf("err = %v, want the 1 MiB limit", err)
	}
	if in.n > 2<<20 {
		t.Errorf("read %d bytes of an endless input", in.n)
	}
	data, err := rules.ReadLimited(strings.NewReader("f:a"), 3, "query")
	if err != nil || string(data) != "f:a" {
		t.Errorf("an input of exactly the limit: %q, %v", data, err)
	}
}

func TestReadFileLimits(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name string
		size int64
		want string
	}{
		{"big.toml", rules.MaxRuleFile + 1, "larger than the 8 MiB limit for a rule file"},
		{"big.json", rules.MaxRuleFile + 1, "larger than the 8 MiB limit for a rule file"},
		{"big.kql", rules.MaxQueryFile + 1, "larger than the 1 MiB limit for a query file"},
		{"ok.toml", rules.MaxRuleFile, ""},
	} {
		path := filepath.Join(dir, tc.name)
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		io.CopyN(f, &endless{}, tc.size)
		f.Close()
		_, err = rules.ReadFile(path)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || err.Error() != "read "+path+": "+tc.want):
			t.Errorf("%s: err = %v, want %q", tc.name, err, tc.want)
		}
	}
	if _, err := rules.Load(filepath.Join(dir, "big.toml")); err == nil || !strings.Contains(err.Error(), "8 MiB limit") {
		t.Errorf("Load of an oversized rule: %v", err)
	}
}

// TestReadFileErrors: the errors of ReadFile are those of os.Open and of
// an *os.File's Read, whichever way the system reads the file
// (readfile_linux.go reads a regular file by its descriptor), and files
// of every size read whole.
func TestReadFileErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.toml")
	if _, err := rules.ReadFile(missing); err == nil || err.Error() != "open "+missing+": no such file or directory" {
		t.Errorf("missing file: %v", err)
	}
	if _, err := rules.ReadFile(dir); err == nil || err.Error() != "read "+dir+": read "+dir+": is a directory" {
		t.Errorf("directory: %v", err)
	}
	for _, n := range []int{0, 1, 511, 512, 513, 4096, 100000} {
		path := filepath.Join(dir, "f.toml")
		want := strings.Repeat("x", n)
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		got, err := rules.ReadFileInto(path, make([]byte, 0, 600))
		if err != nil || string(got) != want {
			t.Errorf("a file of %d bytes: %d bytes, %v", n, len(got), err)
		}
	}
}
