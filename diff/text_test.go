package diff_test

import (
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/diff"
)

// TestEQLChangeWriteText: a layout edit is "formatting only"; a change
// lists its parts and the fields added and removed.
func TestEQLChangeWriteText(t *testing.T) {
	for _, tc := range []struct{ old, new, want string }{
		{"process where process.name == \"a\"", "process where  process.name == \"a\"", "query (eql): formatting only\n"},
		{"process where process.name == \"a\"", "network where destination.port == 21",
			"query (eql): changed\n  category: process → network\n"},
	} {
		q, err := diff.EQLQueries(tc.old, tc.new)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		if err := q.WriteText(&b, "old", "new"); err != nil {
			t.Fatal(err)
		}
		if !strings.HasPrefix(b.String(), tc.want) {
			t.Errorf("%s → %s: WriteText =\n%s\nwant it to begin\n%s", tc.old, tc.new, b.String(), tc.want)
		}
		if tc.want != "query (eql): formatting only\n" && (!strings.Contains(b.String(), "  fields added: destination.port\n") || !strings.Contains(b.String(), "  fields removed: process.name\n")) {
			t.Errorf("fields not listed:\n%s", b.String())
		}
	}
}

// TestTextChangeString: each text change as kqlrules diff tells it.
func TestTextChangeString(t *testing.T) {
	for tc, want := range map[diff.TextChange]string{
		diff.TextNone: "", diff.TextUnchanged: "unchanged", diff.TextWhiteSpace: "white space only",
		diff.TextChanged: "changed (kqlrules compares only KQL and EQL queries by meaning)",
	} {
		if got := tc.String(); got != want {
			t.Errorf("%d: %q, want %q", tc, got, want)
		}
	}
}
