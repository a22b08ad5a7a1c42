package eql_test

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
)

// specExpectedFailures are the event-query entries of Elasticsearch's EQL
// spec tests that eql.Search does not pass, each with the reason. The
// test fails when one of them passes (remove it) or another one fails.
var specExpectedFailures = map[string]string{}

// TestSpecEvents runs the 256 event-query entries of Elasticsearch's own
// EQL spec tests (x-pack/plugin/eql/qa/common/src/main/resources/*.toml,
// run by org.elasticsearch.test.eql.BaseEqlSpecTestCase; converted with
// their data, mappings and request parameters in ../shared/eql-spec) and
// judges each as the harness does: the id field of the returned events
// must equal the expected ids, in order.
func TestSpecEvents(t *testing.T) {
	dir := filepath.Dir(corpusPath(t, "eql-spec/cases.jsonl"))
	var passed, failed, total int
	for _, c := range specCases(t) {
		if c.Kind != "event" {
			continue
		}
		total++
		got, err := runSpec(dir, c)
		ok := err == nil && slices.Equal(got, c.Expected)
		why, expected := specExpectedFailures[c.ID]
		switch {
		case ok && expected:
			t.Errorf("%s passes now: remove it from specExpectedFailures (%s)", c.ID, why)
		case !ok && !expected:
			failed++
			t.Errorf("%s: %s\n got %v, err %v\nwant %v", c.ID, c.Query, got, err, c.Expected)
		case ok:
			passed++
		}
	}
	t.Logf("EQL spec event queries: %d of %d pass, %d expected failures, %d unexpected failures", passed, total, len(specExpectedFailures), failed)
	if total != 256 {
		t.Errorf("found %d event-query entries, want 256", total)
	}
}

func runSpec(dir string, c specCase) ([]int, error) {
	resp, err := searchSpec(dir, c)
	if err != nil {
		return nil, err
	}
	ids := []int{}
	for _, e := range resp.Hits.Events {
		ids = append(ids, idOf(string(e.Source), c.IDField))
	}
	return ids, nil
}

// searchSpec runs a case with the request parameters the harness sends.
func searchSpec(dir string, c specCase) (*eql.Response, error) {
	data, err := os.ReadFile(filepath.Join(dir, "data", c.Mapping))
	if err != nil {
		return nil, err
	}
	m, err := eql.ReadMapping(data)
	if err != nil {
		return nil, err
	}
	var paths []string
	for _, d := range c.Data {
		paths = append(paths, filepath.Join(dir, "data", d))
	}
	docs, err := eql.ReadDocs(paths, nil)
	if err != nil {
		return nil, err
	}
	p := c.Params
	req := eql.Request{Query: c.Query, EventCategoryField: p.EventCategoryField, TimestampField: p.TimestampField,
		TiebreakerField: p.TiebreakerField, Size: p.Size, FetchSize: p.FetchSize, ResultPosition: p.ResultPosition,
		MaxSamplesPerKey: p.MaxSamplesPerKey}
	if req.Size == 0 {
		req.Size = eql.NoSize
	}
	return eql.Search(req, m, docs)
}

// idOf reads the integer id field of a source (the harness reads
// _source[id_field] as an integer).
func idOf(src, field string) int {
	i := strings.Index(src, `"`+field+`":`)
	if i < 0 {
		return -1
	}
	rest := src[i+len(field)+3:]
	end := strings.IndexAny(rest, ",}")
	n, err := strconv.Atoi(strings.TrimSpace(rest[:end]))
	if err != nil {
		return -1
	}
	return n
}
