package ruleset

import (
	"slices"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
)

// TestKeyLookup: an index key's lookup of a value, which tests the
// value's bit of the key's sigs before it hashes the value, finds the
// disjunctions of each value of the key (the bits of every value are
// set) and those of the map for every other text, over the keys of
// Elastic's tree.
func TestKeyLookup(t *testing.T) {
	files, err := Load(corpus.Path(t, "detection-rules"))
	if err != nil {
		t.Fatal(err)
	}
	set, err := FromFiles(files)
	if err != nil {
		t.Fatal(err)
	}
	others := []string{"", "x", "process", "Process", "start", "21", "-1", "4624", "network", "powershell.exe", "éé", "a longer value than any of the keys' values, surely"}
	passed := 0 // lookups the bits answered
	for _, k := range slices.Concat(set.keys, set.more) {
		for v, ds := range k.byValue {
			if got := k.lookup(v); !slices.Equal(got, ds) {
				t.Errorf("%s: lookup(%q) = %v, want %v", k.path.Name, v, got, ds)
			}
			others = append(others, v+"x", "x"+v, v[:len(v)/2])
		}
	}
	for _, k := range slices.Concat(set.keys, set.more) {
		for _, o := range others {
			got, want := k.lookup(o), k.byValue[o]
			if !slices.Equal(got, want) {
				t.Errorf("%s: lookup(%q) = %v, want %v", k.path.Name, o, got, want)
			}
			if s := valueSig(o); k.sigs[s/64]&(1<<(s%64)) == 0 {
				passed++
			}
		}
	}
	if passed == 0 {
		t.Error("the bits of the keys passed over no text")
	}
}
