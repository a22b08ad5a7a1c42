package eql_test

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/kqlrules/kqlrules/eql"
)

// TestFastParse checks that the recursive-descent parser Parse tries
// first gives participle's structs for every query it takes, and never
// takes a query participle refuses: over the parse tables, the fuzz
// seeds, Elastic's EQL rules and the spec's queries. It also checks that
// it takes the rules (it is the fast path only if it does).
func TestFastParse(t *testing.T) {
	var srcs []string
	for _, tc := range accepted {
		srcs = append(srcs, tc.in)
	}
	for _, tc := range rejected {
		srcs = append(srcs, tc.in)
	}
	srcs = append(srcs, fuzzSeeds(t, "testdata/fuzz/FuzzParse")...)
	check := func(src string) bool {
		d, fast := eql.FastParseDiff(src)
		if d != "" {
			t.Errorf("fast parse of %q differs from participle's (-participle +fast):\n%s", src, d)
		}
		return fast
	}
	for _, src := range srcs {
		check(src)
	}
	taken, total := 0, 0
	for _, q := range eqlRules(t) {
		total++
		if check(q) {
			taken++
		}
	}
	for _, c := range specCases(t) {
		check(c.Query)
	}
	// every rule parses: the fast path should take all but the rare
	// forms it leaves to participle
	if total > 0 && taken < total*99/100 {
		t.Errorf("the fast parser took %d of %d rule queries", taken, total)
	}
	t.Logf("fast parser: %d of %d rule queries", taken, total)
}

// FuzzFastParse checks the fast parser against participle on any input.
func FuzzFastParse(f *testing.F) {
	for _, tc := range accepted {
		f.Add(tc.in)
	}
	for _, tc := range rejected {
		f.Add(tc.in)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if d, _ := eql.FastParseDiff(src); d != "" {
			t.Fatalf("fast parse of %q differs from participle's (-participle +fast):\n%s", src, d)
		}
	})
}

// fuzzSeeds reads the strings of a fuzz corpus directory.
func fuzzSeeds(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range ents {
		data, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if s, ok := strings.CutPrefix(l, "string("); ok {
				v, err := strconv.Unquote(strings.TrimSuffix(s, ")"))
				if err != nil {
					t.Fatalf("%s: %v", e.Name(), err)
				}
				out = append(out, v)
			}
		}
	}
	return out
}

// TestParseReusesScratch checks that Parse, which reuses its lexer's
// buffers and its parser's arenas from one query to the next, gives the
// tree (or the error) a parse with buffers of its own gives, whatever
// came before: the tables and Elastic's EQL rules, in one order then in
// the reverse order, each query twice, from two goroutines at once.
func TestParseReusesScratch(t *testing.T) {
	var srcs []string
	for _, tc := range accepted {
		srcs = append(srcs, tc.in)
	}
	for _, tc := range rejected {
		srcs = append(srcs, tc.in)
	}
	for _, q := range eqlRules(t) {
		srcs = append(srcs, q)
	}
	all := cmp.Exporter(func(reflect.Type) bool { return true })
	check := func(src string) {
		want, wantErr := eql.ParseFresh(src)
		got, err := eql.Parse(src)
		if fmt.Sprint(err) != fmt.Sprint(wantErr) {
			t.Errorf("%q: error %v, alone %v", src, err, wantErr)
		}
		if d := cmp.Diff(want, got, all, cmpopts.EquateNaNs()); d != "" {
			t.Errorf("%q: the tree differs from a parse alone (-alone +pooled):\n%s", src, d)
		}
	}
	var wg sync.WaitGroup
	for w := range 2 {
		wg.Go(func() {
			for i := range srcs {
				if w == 1 {
					i = len(srcs) - 1 - i
				}
				check(srcs[i])
				check(srcs[i])
			}
		})
	}
	wg.Wait()
}
