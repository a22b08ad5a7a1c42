package kql_test

import (
	"bufio"
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
)

// TestRecognize checks that the recognizer Parse tries before participle
// accepts exactly the queries participle's grammar accepts: over the
// accepted and rejected tables, the fuzz seeds, the golden queries and
// Elastic's kuery rules. It also checks that it takes the rules (it is
// the fast path only if it does).
func TestRecognize(t *testing.T) {
	var srcs []string
	for _, tc := range accepted {
		srcs = append(srcs, tc.query)
	}
	for _, tc := range rejected {
		srcs = append(srcs, tc.query)
	}
	seeds, _ := filepath.Glob("testdata/fuzz/FuzzParse/*")
	for _, p := range seeds {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		// go test fuzz v1, then string("...")
		for _, line := range strings.Split(string(data), "\n") {
			if q, ok := strings.CutPrefix(line, "string("); ok {
				if s, err := strconv.Unquote(strings.TrimSuffix(q, ")")); err == nil {
					srcs = append(srcs, s)
				}
			}
		}
	}
	golden, _ := filepath.Glob("testdata/golden/*.kql")
	for _, p := range golden {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		srcs = append(srcs, string(data))
	}
	nTables := len(srcs)
	if f, err := os.Open(corpus.Path(t, "corpus/elastic_kuery_rules.jsonl")); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(nil, 16<<20)
		for sc.Scan() {
			var r struct{ Query string }
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				t.Fatal(err)
			}
			srcs = append(srcs, r.Query)
		}
		f.Close()
	}
	var fast, slow int
	for i, src := range srcs {
		lexed, f, p := kql.Recognized(src)
		if !lexed {
			continue
		}
		if f && !p {
			t.Errorf("the recognizer accepts %q, which participle refuses", src)
		}
		if p && !f {
			t.Errorf("the recognizer leaves %q, which participle accepts, to participle", src)
		}
		if i >= nTables {
			if f {
				fast++
			} else {
				slow++
			}
		}
	}
	if slow > 0 {
		t.Errorf("%d of Elastic's rules (of %d) left to participle", slow, fast+slow)
	}
	t.Logf("%d table queries; %d of Elastic's rules recognized", nTables, fast)
}
