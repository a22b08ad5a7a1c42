package regress

import (
	"bytes"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/kqlrules/kqlrules/internal/proptest"
)

// randomBaseline returns a baseline of up to 6 rules over a small pool of
// rule ids and event ids, with names and ids holding characters JSON must
// escape.
func randomBaseline(r *rand.Rand) *Baseline {
	pick := func(pool []string) string { return pool[r.IntN(len(pool))] }
	ids := []string{"a", "b", "c", "d", "e", "f"}
	evs := []string{"i/1", "i/2", "j/\"3\"", "hash:00", "k/<&>", "ü/\u2028", "x\\y"}
	names := []string{"", "FTP", "a \"quoted\" name", "tab\there", "MITRE ATT&CK", "\x01ctl"}
	b := &Baseline{}
	seen := map[string]bool{}
	for range r.IntN(7) {
		id := pick(ids)
		if seen[id] {
			continue
		}
		seen[id] = true
		rule := Rule{RuleID: id, Name: pick(names), File: "rules/" + id + ".toml"}
		if r.IntN(4) == 0 {
			rule.Skipped = "type eql is not replayed, only query"
		} else {
			inRule := map[string]bool{}
			for range r.IntN(5) {
				e := pick(evs)
				if !inRule[e] {
					inRule[e] = true
					rule.Events = append(rule.Events, Event{ID: e, At: "e.ndjson:" + e})
				}
			}
		}
		b.Rules = append(b.Rules, rule)
	}
	return b
}

// TestBaselineProperties: a written baseline reads back equal (sorted) and
// is written again byte for byte; a baseline does not differ from itself;
// Compare(a, b) gains what Compare(b, a) loses.
func TestBaselineProperties(t *testing.T) {
	seed := proptest.Seed(t, "./regress")
	r := rand.New(rand.NewPCG(uint64(seed), 0))
	for range 500 {
		a, b := randomBaseline(r), randomBaseline(r)
		var buf bytes.Buffer
		if err := a.Write(&buf); err != nil {
			t.Fatal(err)
		}
		back, err := Parse(buf.Bytes())
		if err != nil {
			t.Fatalf("Parse(Write(%+v)): %v\n%s", a, err, buf.String())
		}
		if len(a.Rules) == 0 {
			a.Rules = nil // Parse gives an empty list as []
			back.Rules = nil
		}
		if !reflect.DeepEqual(back, a) {
			t.Fatalf("round trip:\n got %+v\nwant %+v", back, a)
		}
		var again bytes.Buffer
		back.Write(&again)
		if !bytes.Equal(again.Bytes(), buf.Bytes()) {
			t.Fatalf("written twice differently:\n%s\n%s", buf.String(), again.String())
		}
		if d := Compare(a, a); d != nil {
			t.Fatalf("Compare(a, a) = %+v", d)
		}
		ab, ba := Compare(a, b), Compare(b, a)
		if len(ab) != len(ba) {
			t.Fatalf("Compare(a, b) has %d rules, Compare(b, a) %d:\n%+v\n%+v", len(ab), len(ba), ab, ba)
		}
		for i := range ab {
			x, y := ab[i], ba[i]
			if x.Rule.RuleID != y.Rule.RuleID || !sameIDs(x.Gained, y.Lost) || !sameIDs(x.Lost, y.Gained) {
				t.Fatalf("not symmetric:\n%+v\n%+v", x, y)
			}
		}
	}
}

func sameIDs(a, b []Event) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].ID != b[i].ID {
			return false
		}
	}
	return true
}
