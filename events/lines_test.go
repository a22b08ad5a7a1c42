package events_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/events"
)

// TestLines: blank lines are skipped, line numbers count them, and a line
// over the limit is an *events.Error for that line while reading goes on.
func TestLines(t *testing.T) {
	in := "a\n\n  \n" + strings.Repeat("x", 100<<10) + "\nb"
	var got []string
	events.Lines("in", strings.NewReader(in), 64<<10, func(line []byte, n int, err error) bool {
		var ee *events.Error
		switch {
		case errors.As(err, &ee):
			got = append(got, fmt.Sprintf("%d:too long@%d", n, ee.Line))
		case err != nil:
			t.Fatal(err)
		default:
			got = append(got, fmt.Sprintf("%d:%s", n, strings.TrimSpace(string(line))))
		}
		return true
	})
	want := "1:a 4:too long@4 5:b"
	if s := strings.Join(got, " "); s != want {
		t.Errorf("Lines = %q, want %q", s, want)
	}
}
