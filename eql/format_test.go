package eql_test

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"
	"github.com/leanovate/gopter"
	"github.com/leanovate/gopter/prop"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/internal/proptest"
)

// checkFormat returns what is wrong with Format(q, width): it must parse
// back to the same tree, be stable, and fit the width on every line that
// is an and/or chain's operand or a header.
func checkFormat(q *eql.Query, width int) string {
	out := eql.Format(q, width)
	back, err := eql.Parse(out)
	if err != nil {
		return fmt.Sprintf("Format(%q, %d) = %q, which does not parse: %v", q.String(), width, out, err)
	}
	if d := cmp.Diff(q, back, sameTree); d != "" || !eql.Equal(q, back) {
		return fmt.Sprintf("Format(%q, %d) = %q parses to another tree:\n%s", q.String(), width, out, d)
	}
	if again := eql.Format(back, width); again != out {
		return fmt.Sprintf("Format not stable at width %d:\n%s\nthen\n%s", width, out, again)
	}
	if !strings.Contains(out, "\n") && utf8.RuneCountInString(out) > width && out != q.String() {
		return fmt.Sprintf("Format(%q, %d) is one line but not the canonical one: %q", q.String(), width, out)
	}
	return ""
}

func TestFormat(t *testing.T) {
	tests := []struct {
		in    string
		width int
		want  string
	}{
		{`process where a==1 and b : "x"`, 100, `process where a == 1 and b : "x"`},
		{`process where a == 1 and b == 2 or c == 3`, 20, "process where\n  a == 1 and b == 2\n  or c == 3"},
		{`process where a == 1 and (b == 2 or c == 3) and d == 4`, 26,
			"process where\n  a == 1\n  and (b == 2 or c == 3)\n  and d == 4"},
		{`process where a == 1 and (b == 2 or c == 3 or d == 4 or e == 5) and f == 6`, 24,
			"process where\n  a == 1\n  and (\n    b == 2\n    or c == 3\n    or d == 4\n    or e == 5\n  )\n  and f == 6"},
		{`sequence by host.id with maxspan=1m [process where a == 1] [network where b == 2] until [process where c == 3]`, 40,
			"sequence by host.id with maxspan=1m\n  [process where a == 1]\n  [network where b == 2]\n  until [process where c == 3]"},
		{`sequence [process where a == 1 and b == 2] by user.id [network where c == 3] by user.id with runs=2`, 30,
			"sequence\n  [process where\n    a == 1 and b == 2\n  ] by user.id\n  [network where\n    c == 3\n  ] by user.id with runs=2"},
		{`process where process.name in ("a", "b", "c", "d") | head 5`, 30,
			"process where\n  process.name in (\"a\", \"b\", \"c\", \"d\")\n| head 5"},
	}
	for _, tt := range tests {
		q := eql.MustParse(tt.in)
		if got := eql.Format(q, tt.width); got != tt.want {
			t.Errorf("Format(%q, %d) =\n%s\nwant\n%s", tt.in, tt.width, got, tt.want)
		}
		if msg := checkFormat(q, tt.width); msg != "" {
			t.Error(msg)
		}
	}
}

func TestEqual(t *testing.T) {
	same := [][2]string{
		{`process where a == 1`, "process  where (a==1)"},
		{`process where a : "x"`, `process where a : """x"""`},
		{`process where a == 1.0`, `process where a == 1.00`},
		{"process where `a`.b == 1", `process where a.b == 1`},
	}
	for _, p := range same {
		if !eql.Equal(eql.MustParse(p[0]), eql.MustParse(p[1])) {
			t.Errorf("Equal(%q, %q) = false", p[0], p[1])
		}
	}
	differ := [][2]string{
		{`process where a == 1`, `process where a == 2`},
		{`process where a == 1`, `network where a == 1`},
		{`process where a : "x"`, `process where a : "X"`},
		{`process where a == 1 and b == 2 or c == 3`, `process where a == 1 and (b == 2 or c == 3)`},
		{"process where `a.b` == 1", `process where a.b == 1`},
		{`process where a in ("x")`, `process where a in~ ("x")`},
		{`sequence [process where true] [file where true]`, `sequence [process where true] ![file where true]`},
	}
	for _, p := range differ {
		if eql.Equal(eql.MustParse(p[0]), eql.MustParse(p[1])) {
			t.Errorf("Equal(%q, %q) = true", p[0], p[1])
		}
	}
}

func TestGeneratedTreesFormat(t *testing.T) {
	seed := proptest.Seed(t, "./eql")
	params := gopter.DefaultTestParametersWithSeed(seed)
	params.MinSuccessfulTests = 500
	if raceEnabled {
		params.MinSuccessfulTests = 50
	}
	ps := gopter.NewProperties(params)
	ps.Property("Format parses back to the same tree and is stable", prop.ForAll(func(code []int, width int) string {
		return checkFormat((&decoder{code: code}).query(), width)
	}, genCode(), gopter.Gen(func(p *gopter.GenParameters) *gopter.GenResult {
		return gopter.NewGenResult(10+p.Rng.Intn(100), gopter.NoShrinker)
	})))
	if !ps.Run(gopter.NewFormatedReporter(false, 100, os.Stdout)) {
		t.Errorf("property failed (seed %d)", seed)
	}
}

// TestFormatCorpus formats the query of every EQL rule of the shared
// detection-rules checkout: each parses back to the same tree and is
// stable, at the default width and a narrow one.
func TestFormatCorpus(t *testing.T) {
	n := 0
	for path, src := range eqlRules(t) {
		q, err := eql.Parse(src)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		for _, w := range []int{0, 40} {
			width := w
			if width == 0 {
				width = 100
			}
			if msg := checkFormat(q, width); msg != "" {
				t.Errorf("%s: %s", path, msg)
			}
		}
		n++
	}
	t.Logf("%d EQL rule queries formatted", n)
}

// FuzzFormat checks Format on whatever parses, at a width taken from the
// input.
func FuzzFormat(f *testing.F) {
	for _, tc := range accepted {
		f.Add(tc.in, 30)
	}
	f.Add(`sequence by a [process where a == 1 and (b == 2 or c : "x")] until [file where true] | tail 3`, 20)
	f.Fuzz(func(t *testing.T, src string, width int) {
		q, err := eql.Parse(src)
		if err != nil {
			return
		}
		width = 1 + (width&0xff)%120
		if msg := checkFormat(q, width); msg != "" {
			t.Fatal(msg)
		}
	})
}
