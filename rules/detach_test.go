package rules_test

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

// TestDetachWithShares: rules detached with one rules.Strings hold the
// same copy of the strings they hold alike (a tag, a tactic's name, an
// index pattern), their own copies of the rest, and are equal to the
// rules Detach gives.
func TestDetachWithShares(t *testing.T) {
	data, err := builtin.Files.ReadFile("ftp.toml")
	if err != nil {
		t.Fatal(err)
	}
	parse := func() *rules.Rule {
		r, err := rules.Parse("ftp.toml", data)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	var shared rules.Strings
	a, b, alone := parse().DetachWith(&shared), parse().DetachWith(&shared), parse().Detach()
	if !reflect.DeepEqual(a, alone) || !reflect.DeepEqual(b, alone) {
		t.Fatal("a rule detached with shared strings differs from the rule Detach gives")
	}
	same := func(x, y string) bool { return unsafe.StringData(x) == unsafe.StringData(y) }
	if len(a.Tags) == 0 || len(a.Threat) == 0 || len(a.Index) == 0 {
		t.Fatal("the rule has no tags, threat or index to share")
	}
	if !same(a.Tags[0], b.Tags[0]) || !same(a.Threat[0].Tactic.Name, b.Threat[0].Tactic.Name) || !same(a.Index[0], b.Index[0]) {
		t.Error("two rules detached with one Strings hold two copies of a tag, a tactic or an index pattern")
	}
	if same(a.Query, b.Query) || same(a.Description, b.Description) || same(a.Tags[0], alone.Tags[0]) {
		t.Error("rules share a string they should each copy")
	}
}
