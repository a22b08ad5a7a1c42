package rules_test

import (
	"reflect"
	"testing"
	"unsafe"

	"github.com/kqlrules/kqlrules/internal/corpus"
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

// TestDetachWithTree: every rule of Elastic's tree detached with one
// Strings (as a worker of ruleset.Load does, rule after rule) equals the
// rule as parsed, its Extra tables and all, and holds the shared copy of
// each key of its Extra that an earlier rule held too.
func TestDetachWithTree(t *testing.T) {
	dir := corpus.Path(t, "detection-rules")
	var shared rules.Strings
	keys := map[string]string{} // a key of Extra, as the first rule holding it holds it
	n, extra := 0, 0
	rules.EachTreeTOML(t, dir, func(path string, data []byte) {
		want, err := rules.Parse(path, data)
		if err != nil {
			return
		}
		r, _ := rules.Parse(path, data)
		r.DetachWith(&shared)
		want.Source = rules.Source{File: want.Source.File, Format: want.Source.Format, Warnings: want.Source.Warnings}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("%s: the detached rule differs from the rule parsed", path)
		}
		for k := range r.Extra {
			extra++
			if first, ok := keys[k]; !ok {
				keys[k] = k
			} else if unsafe.StringData(first) != unsafe.StringData(k) {
				t.Errorf("%s: Extra key %q is not the copy the rules share", path, k)
			}
		}
		n++
	})
	if n < 1000 || extra < 1000 {
		t.Errorf("only %d rules, %d keys of Extra", n, extra)
	}
}
