package rules

import (
	"math/rand/v2"
	"regexp"
	"testing"
)

// TestHasShape checks hasShape against the regular expressions the shapes
// replaced, on hand-picked strings and on random strings built from the
// shapes' bytes and their neighbours.
func TestHasShape(t *testing.T) {
	oracles := map[string]*regexp.Regexp{
		uuidShape:      regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`),
		dateShape:      regexp.MustCompile(`^\d{4}/\d{2}/\d{2}$`),
		tacticShape:    regexp.MustCompile(`^TA\d{4}$`),
		techniqueShape: regexp.MustCompile(`^T\d{4}$`),
		subtechShape:   regexp.MustCompile(`^T\d{4}\.\d{3}$`),
	}
	cases := []string{"", "TA0011", "TA001", "TA00111", "ta0011", "T1048", "T1048.003", "T1048.03", "T1048x003",
		"2024/01/31", "2024-01-31", "2024/1/31", "２024/01/31", "0123abcd-ABCD-0123-4567-89abcdef0123",
		"0123abcd-ABCD-0123-4567-89abcdef012g", "0123abcd-ABCD-0123-4567-89abcdef01234", "0123abcd_ABCD-0123-4567-89abcdef0123",
		"T١٢٣٤", "T9999\n"}
	alphabet := []byte("0189afAFgG-/._TtAx9\n٣")
	rng := rand.New(rand.NewPCG(1, 2))
	for shape := range oracles {
		for range 2000 {
			b := []byte(shape)
			for i := range b {
				switch {
				case rng.IntN(40) == 0:
					b[i] = alphabet[rng.IntN(len(alphabet))]
				case b[i] == '9':
					b[i] = '0' + byte(rng.IntN(10))
				case b[i] == 'x':
					b[i] = "0123456789abcdefABCDEFgG"[rng.IntN(24)]
				}
			}
			if rng.IntN(10) == 0 {
				b = b[:rng.IntN(len(b)+1)]
			}
			cases = append(cases, string(b))
		}
	}
	matched := 0
	for _, s := range cases {
		for shape, re := range oracles {
			if got, want := hasShape(s, shape), re.MatchString(s); got != want {
				t.Errorf("hasShape(%q, %q) = %v, the regexp %v says %v", s, shape, got, re, want)
			} else if got {
				matched++
			}
		}
	}
	if matched < 100 {
		t.Errorf("only %d strings had a shape: the test strings miss the shapes", matched)
	}
}
