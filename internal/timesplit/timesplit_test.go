package timesplit

import (
	"slices"
	"testing"

	"github.com/kqlrules/kqlrules/rules"
)

// TestSplit: lines out of order are sorted by @timestamp; a cut falls only
// where every earlier event is earlier for every timestamp setting, equal
// times and an event.ingested that disagrees with @timestamp leaving none;
// an event without a time goes first and constrains nothing.
func TestSplit(t *testing.T) {
	rs := []*rules.Rule{{}, {TimestampOverride: "event.ingested"}}
	lines := [][]byte{
		[]byte(`{"@timestamp":"2024-01-01T00:03:00Z"}`),                                             // 0
		[]byte(`{"@timestamp":"2024-01-01T00:01:00Z"}`),                                             // 1
		[]byte(`{"@timestamp":"2024-01-01T00:02:00Z"}`),                                             // 2
		[]byte(`{"@timestamp":"2024-01-01T00:02:00Z"}`),                                             // 3: ties 2
		[]byte(`{"@timestamp":"2024-01-01T00:04:00Z","event":{"ingested":"2024-01-01T00:06:00Z"}}`), // 4
		[]byte(`{"@timestamp":"2024-01-01T00:05:00Z"}`),                                             // 5: ingested (fallback) before 4's
		[]byte(`{"@timestamp":"2024-01-01T00:07:00Z"}`),                                             // 6
		[]byte(`{"no":"time"}`),                                                                     // 7
	}
	order, cuts := Split(rs, lines)
	if want := []int{7, 1, 2, 3, 0, 4, 5, 6}; !slices.Equal(order, want) {
		t.Errorf("order %v, want %v", order, want)
	}
	// after 7 (no time) and 1: yes; between 2 and 3 (a tie): no; after
	// 0: yes; between 4 and 5 (ingested 00:06 > 00:05): no; after 5: yes
	if want := []int{1, 2, 4, 5, 7}; !slices.Equal(cuts, want) {
		t.Errorf("cuts %v, want %v", cuts, want)
	}
	// the first cuts at or after 8/3 and 16/3
	if got := Spread(cuts, len(order), 2); !slices.Equal(got, []int{2, 5}) {
		t.Errorf("Spread: %v", got)
	}
}
