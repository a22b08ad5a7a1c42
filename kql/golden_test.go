package kql_test

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/kql"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

// TestGolden parses each testdata/golden/*.kql and compares the canonical
// form and Kibana's tree (or the error with its snippet) with the .golden
// file beside it. Run with -update to rewrite the golden files.
func TestGolden(t *testing.T) {
	files, err := filepath.Glob("testdata/golden/*.kql")
	if err != nil || len(files) == 0 {
		t.Fatalf("no golden inputs: %v", err)
	}
	for _, file := range files {
		t.Run(filepath.Base(file), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			got := render(t, string(src))
			golden := strings.TrimSuffix(file, ".kql") + ".golden"
			if *update {
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from %s:\n--- got\n%s\n--- want\n%s", file, golden, got, want)
			}
		})
	}
}

func render(t *testing.T, src string) string {
	x, err := kql.Parse(src)
	if err != nil {
		e := err.(*kql.Error)
		return "error: " + e.Error() + "\n" + e.Snippet() + "\n"
	}
	tree, err := json.MarshalIndent(ast.KibanaTree(x), "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return "canonical: " + x.String() + "\ntree:\n" + string(tree) + "\n"
}
