//go:build !race

// The race detector's sync.Pool drops items at random (the EQL and KQL
// parsers pool their scratch), so allocation counts hold only without it.

package ruleset

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

// bytesPerRun is the bytes f allocates a run, averaged over runs.
func bytesPerRun(runs int, f func()) float64 {
	defer debug.SetGCPercent(debug.SetGCPercent(-1)) // no collection empties a pool
	f()                                              // warm up
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	for range runs {
		f()
	}
	runtime.ReadMemStats(&after)
	return float64(after.TotalAlloc-before.TotalAlloc) / float64(runs)
}

// TestLoadParsesKQLOnce: loading a KQL rule parses its query once (in
// replay.Prepare), not also in the rule's validation: a load allocates
// fewer bytes than reading and validating the rule (rules.Load, which
// parses the query) and preparing it (which parses it again), less half
// of what a parse allocates.
func TestLoadParsesKQLOnce(t *testing.T) {
	terms := make([]string, 2000)
	for i := range terms {
		terms[i] = fmt.Sprintf("v%d", i)
	}
	query := "host.name:(" + strings.Join(terms, " or ") + ")"
	path := filepath.Join(t.TempDir(), "r.toml")
	if err := os.WriteFile(path, []byte(ruleFile(query)), 0o644); err != nil {
		t.Fatal(err)
	}
	parse := bytesPerRun(10, func() {
		if _, err := kql.Parse(query); err != nil {
			t.Fatal(err)
		}
	})
	twice := bytesPerRun(10, func() {
		r, err := rules.Load(path)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := replay.Prepare(r); err != nil {
			t.Fatal(err)
		}
	})
	load := bytesPerRun(10, func() {
		files, _, err := loadFile(path, nil, nil)
		if err != nil || files[0].Status != Loaded {
			t.Fatalf("%v %v", files, err)
		}
	})
	t.Logf("bytes allocated: a parse %.0f, parse twice %.0f, load %.0f", parse, twice, load)
	if load > twice-parse/2 {
		t.Fatalf("a load allocates %.0f bytes, more than %.0f (a validation and a Prepare, %.0f, less half a parse, %.0f): the query is parsed twice", load, twice-parse/2, twice, parse)
	}
}
