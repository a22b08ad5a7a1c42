package eval

import (
	"reflect"
	"testing"
)

// TestLowerGlob: lowerGlob gives what glob.lower gives, and the glob
// itself (no new one) when its text has nothing to lowercase.
func TestLowerGlob(t *testing.T) {
	for _, c := range []struct {
		g    *glob
		same bool
	}{
		{&glob{parts: []string{"", `\temp\`, ""}}, true},
		{&glob{parts: []string{"", `\Temp\`, ""}}, false},
		{&glob{parts: []string{"é", "ß"}}, true},
		{&glob{parts: []string{"É"}}, false},
		{&glob{parts: []string{"a?b"}, ops: []wildOp{{kind: opLit, lit: "a"}, {kind: opOne}, {kind: opLit, lit: "b"}}}, true},
		{&glob{parts: []string{"a?b"}, ops: []wildOp{{kind: opLit, lit: "a"}, {kind: opOne}, {kind: opLit, lit: "B"}}}, false},
		{&glob{parts: []string{"a?b"}, ops: []wildOp{{kind: opLit, lit: "A"}, {kind: opOne}, {kind: opLit, lit: "b"}}}, false},
	} {
		got := lowerGlob(c.g)
		if !reflect.DeepEqual(got, c.g.lower()) {
			t.Errorf("%v: lowerGlob %v, lower %v", c.g.parts, got, c.g.lower())
		}
		if (got == c.g) != c.same {
			t.Errorf("%v: lowerGlob gave the glob itself %v, want %v", c.g.parts, got == c.g, c.same)
		}
	}
}
