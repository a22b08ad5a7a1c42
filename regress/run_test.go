package regress_test

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/regress"
)

// TestRunError: what keeps Run from testing is a *RunError naming the
// runner or the file, never a result.
func TestRunError(t *testing.T) {
	base := filepath.Join(t.TempDir(), "baseline.json")
	if err := (&regress.Baseline{}).WriteFile(base); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		cfg  regress.Config
		want string
	}{
		{"update without events", regress.Config{Rules: []string{"testdata/example"}, Update: true},
			"kqlrules test: error: --update needs EVENTS"},
		{"missing baseline", regress.Config{Rules: []string{"testdata/example"}, Events: []string{"testdata/example/ftp.test.ndjson"}, Baseline: "testdata/none.json"},
			"testdata/none.json: error: no such file or directory (write the baseline with --update)"},
		{"missing events", regress.Config{Rules: []string{"testdata/example"}, Events: []string{"testdata/none.ndjson"}, Baseline: base},
			"testdata/none.ndjson: error: no such file or directory"},
		{"missing rules", regress.Config{Rules: []string{"testdata/none"}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out, errs bytes.Buffer
			tc.cfg.Name, tc.cfg.Stdout, tc.cfg.Stderr = "kqlrules test", &out, &errs
			_, err := regress.Run(context.Background(), tc.cfg)
			var re *regress.RunError
			if !errors.As(err, &re) {
				t.Fatalf("err = %v, want a *RunError", err)
			}
			if err.Error() != tc.want {
				t.Errorf("err = %q, want %q", err, tc.want)
			}
			if tc.want == "" && !strings.Contains(errs.String(), "testdata/none: error:") {
				t.Errorf("stderr = %q, want the path that cannot be read", errs.String())
			}
		})
	}
}
