package kql_test

import (
	"bufio"
	"encoding/json"
	"os"
	"reflect"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/kql"
)

// TestKibanaTrees checks the parser against answers of Kibana's own
// grammar. testdata/kibana_trees.jsonl holds 750 queries (random strings
// built from KQL's tricky pieces: keywords in every case, spaces of every
// kind, escapes, quotes, wildcards, braces, ranges) with the tree Kibana's
// grammar.peggy builds for each, in ast.KibanaTree's JSON form, or null
// where Kibana rejects the query. The answers were produced once by
// compiling grammar.peggy with peggy and running it under Node; the query
// must parse (or fail) exactly as there.
func TestKibanaTrees(t *testing.T) {
	f, err := os.Open("testdata/kibana_trees.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	n, accepted := 0, 0
	for sc.Scan() {
		var c struct {
			Query  string
			Kibana any
		}
		if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
			t.Fatalf("line %d: %v", n+1, err)
		}
		n++
		x, err := kql.Parse(c.Query)
		switch {
		case c.Kibana == nil && err == nil:
			t.Errorf("Parse(%q) = %s; Kibana rejects it", c.Query, x)
		case c.Kibana != nil && err != nil:
			t.Errorf("Parse(%q): %v; Kibana accepts it", c.Query, err)
		case c.Kibana != nil:
			accepted++
			b, _ := json.Marshal(ast.KibanaTree(x))
			var got any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.Kibana) {
				want, _ := json.Marshal(c.Kibana)
				t.Errorf("Parse(%q) tree\n got %s\nwant %s (Kibana)", c.Query, b, want)
			}
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n != 750 || accepted != 500 {
		t.Errorf("read %d cases, %d accepted by Kibana; want 750 and 500", n, accepted)
	}
}
