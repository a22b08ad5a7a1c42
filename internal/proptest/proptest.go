// Package proptest gives property tests their seed: a fixed default, so
// that runs (and CI) are reproducible; KQLRULES_SEED=N to rerun a seed;
// KQLRULES_SEED=random for a fresh one. A failing test prints the command
// that reruns it with its seed.
package proptest

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// DefaultSeed is the seed when KQLRULES_SEED is not set.
const DefaultSeed int64 = 20210415

// Seed returns the seed for t's properties and arranges for a failing t to
// log how to rerun it; pkg is the package path for the go test command,
// such as "./rules".
func Seed(t *testing.T, pkg string) int64 {
	t.Helper()
	seed := DefaultSeed
	switch s := os.Getenv("KQLRULES_SEED"); s {
	case "":
	case "random":
		seed = time.Now().UnixNano()
		t.Logf("KQLRULES_SEED=random: seed %d", seed)
	default:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			t.Fatalf("KQLRULES_SEED=%q: want an integer or \"random\"", s)
		}
		seed = n
	}
	t.Cleanup(func() {
		if t.Failed() {
			top, _, _ := strings.Cut(t.Name(), "/")
			t.Logf("seed %d; rerun with: KQLRULES_SEED=%d go test %s -run '^%s$'", seed, seed, pkg, top)
		}
	})
	return seed
}
