package eval

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// splitWildcardRef is splitWildcard as it was written first, copying every
// piece into a builder (and each literal step into a second one): the
// reference of TestSplitWildcardMatchesReference.
func splitWildcardRef(s string, queryString bool) (parts []string, ops []wildOp, err error) {
	var b, lit strings.Builder
	qmark := false
	cut := func(kind wildKind) {
		parts = append(parts, b.String())
		b.Reset()
		if lit.Len() > 0 {
			ops = appendWildOp(ops, wildOp{kind: opLit, lit: lit.String()})
			lit.Reset()
		}
		ops = appendWildOp(ops, wildOp{kind: kind})
	}
	for i := 0; i < len(s); i++ {
		switch ch := s[i]; {
		case ch == '\\' && i+1 == len(s) && !queryString:
			b.WriteByte(ch)
			lit.WriteByte(ch)
		case ch == '\\':
			if i+1 == len(s) {
				return nil, nil, fmt.Errorf("%q ends with a lone backslash", s)
			}
			i++
			b.WriteByte(s[i])
			lit.WriteByte(s[i])
		case ch == '*':
			cut(opAny)
		case ch == '?':
			qmark = true
			cut(opOne)
		case queryString && strings.IndexByte(`+-=&|><!(){}[]^"~:/`, ch) >= 0:
			return nil, nil, fmt.Errorf("query_string syntax %q in %q is %w (only terms, '*', '?' and escapes)", ch, s, ErrUnsupported)
		default:
			b.WriteByte(ch)
			lit.WriteByte(ch)
		}
	}
	parts = append(parts, b.String())
	if !qmark {
		return parts, nil, nil
	}
	if lit.Len() > 0 {
		ops = appendWildOp(ops, wildOp{kind: opLit, lit: lit.String()})
	}
	return parts, ops, nil
}

// TestSplitWildcardMatchesReference checks that splitWildcard, which
// takes its pieces out of the pattern where it can, gives the pieces,
// steps and errors of the reference on random patterns of wildcards,
// escapes and query_string syntax.
func TestSplitWildcardMatchesReference(t *testing.T) {
	alphabet := []string{"a", "b", "*", "?", `\`, "é", ":", " "}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 20000 {
		var sb strings.Builder
		for range rng.IntN(9) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		s := sb.String()
		for _, qs := range []bool{false, true} {
			parts, ops, err := splitWildcard(s, qs)
			wparts, wops, werr := splitWildcardRef(s, qs)
			if fmt.Sprint(err) != fmt.Sprint(werr) || !slices.Equal(parts, wparts) || !slices.Equal(ops, wops) {
				t.Fatalf("splitWildcard(%q, %v) = %q %v %v, want %q %v %v", s, qs, parts, ops, err, wparts, wops, werr)
			}
		}
	}
}
