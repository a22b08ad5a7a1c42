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
