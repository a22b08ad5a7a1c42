package eql_test

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
)

func searchDocs() []eql.Doc {
	var docs []eql.Doc
	// ids 1..6; timestamps out of order, 3 and 4 tied (tiebreaker seq).
	for i, ts := range []int{10, 20, 30, 30, 50, 60} {
		docs = append(docs, eql.Doc{Index: "i", ID: fmt.Sprint(i + 1), Source: map[string]any{
			"@timestamp": fmt.Sprintf("2024-01-01T%02d:00:00Z", ts/10), "event": map[string]any{"category": "process"}, "seq": float64(7 - i),
		}})
	}
	docs[0], docs[5] = docs[5], docs[0] // file order differs from time order
	return docs
}

func ids(t *testing.T, req eql.Request) []string {
	t.Helper()
	resp, err := eql.Search(req, nil, searchDocs())
	if err != nil {
		t.Fatalf("%s: %v", req.Query, err)
	}
	var out []string
	for _, e := range resp.Hits.Events {
		out = append(out, e.ID)
	}
	return out
}

// TestSearchOrderAndLimits checks the order (timestamp, tiebreaker) and
// how size, result_position and the pipes cut the events, as
// LogicalPlanBuilder.visitStatement plans them
// (x-pack/plugin/eql/src/main/java/org/elasticsearch/xpack/eql/parser/):
// without pipes, size from the result_position end; with pipes, a limit
// of size of the first pipe's kind, then the pipes.
func TestSearchOrderAndLimits(t *testing.T) {
	tests := []struct {
		req  eql.Request
		want []string
	}{
		{eql.Request{Query: "process where true"}, []string{"1", "2", "3", "4", "5", "6"}},
		{eql.Request{Query: "process where true", TiebreakerField: "seq"}, []string{"1", "2", "4", "3", "5", "6"}},
		{eql.Request{Query: "process where true", Size: 2}, []string{"5", "6"}},
		{eql.Request{Query: "process where true", Size: 2, ResultPosition: "head"}, []string{"1", "2"}},
		{eql.Request{Query: "process where true", Size: eql.NoSize}, nil},
		{eql.Request{Query: "process where true | head 3", Size: 10}, []string{"1", "2", "3"}},
		{eql.Request{Query: "process where true | head 3", Size: 2}, []string{"1", "2"}},
		{eql.Request{Query: "process where true | tail 3 | head 2"}, []string{"4", "5"}},
		{eql.Request{Query: "process where true | head 5", Size: 10, ResultPosition: "tail"}, []string{"1", "2", "3", "4", "5"}},
	}
	for _, tt := range tests {
		if got := ids(t, tt.req); !slices.Equal(got, tt.want) {
			t.Errorf("%s (size %d, %s): got %v, want %v", tt.req.Query, tt.req.Size, tt.req.ResultPosition, got, tt.want)
		}
	}
}

func TestSearchUnknownTimestamp(t *testing.T) {
	_, err := eql.Search(eql.Request{Query: "process where true", TimestampField: "ts"}, nil, searchDocs())
	var e *eql.Error
	if !errors.As(err, &e) || e.Msg != "Unknown column [ts]" {
		t.Errorf("got %v, want Unknown column [ts]", err)
	}
}
