package replay_test

import (
	"errors"
	"flag"
	"os"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/replay"
	"github.com/kqlrules/kqlrules/rules"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/")

// TestDetectionRulesRunOrRefuse runs every KQL rule file of Elastic's
// detection-rules repository over no events: each rule either runs as its
// type or is refused with an error wrapping ErrUnsupported that says why.
func TestDetectionRulesRunOrRefuse(t *testing.T) {
	dir := corpus.Path(t, "detection-rules")
	unsupported := map[string]int{}
	ran := 0
	paths, err := rules.FindFiles(dir) // its rules/ and rules_building_block/
	if err != nil {
		t.Fatal(err)
	}
	for _, path := range paths {
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		r, derr := rules.Decode(path, data)
		if r == nil || derr != nil || r.Language != rules.LanguageKuery {
			continue // not a rule, not KQL, or reported by package rules
		}
		if _, err := replay.Run(r, replay.EventsOf()); err != nil {
			if !errors.Is(err, replay.ErrUnsupported) {
				t.Errorf("%s: Run: %v", path, err)
			}
			unsupported[err.Error()[strings.LastIndex(err.Error(), ": ")+2:]]++
			continue
		}
		ran++
	}
	t.Logf("%d KQL rules run; not replayed: %v", ran, unsupported)
	if ran < 500 {
		t.Errorf("only %d KQL rules run", ran)
	}
}
