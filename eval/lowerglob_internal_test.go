package eval

import (
	"reflect"
	"testing"
)

// TestLowerGlob: lowerGlob gives what glob.lower gives (its need set
// included), sharing the glob's text (no new parts) when it has nothing
// to lowercase, and never changes the glob it is given.
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
		before := *c.g
		got := lowerGlob(c.g)
		if !reflect.DeepEqual(got, c.g.lower()) {
			t.Errorf("%v: lowerGlob %v, lower %v", c.g.parts, got, c.g.lower())
		}
		if shared := &got.parts[0] == &c.g.parts[0]; shared != c.same {
			t.Errorf("%v: lowerGlob shares the glob's parts %v, want %v", c.g.parts, shared, c.same)
		}
		if got == c.g || !reflect.DeepEqual(*c.g, before) {
			t.Errorf("%v: lowerGlob changed or returned the glob it was given", c.g.parts)
		}
	}
}
