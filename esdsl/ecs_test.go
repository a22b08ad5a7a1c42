package esdsl_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestCorpusECS translates every KQL query of Elastic's detection rules
// (the shared corpus) on the ECS data view with the detection engine's
// configuration: none may fail.
func TestCorpusECS(t *testing.T) {
	f, err := os.Open(corpus.Path(t, "ecs/ecs_fields.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	schema, err := mapping.LoadECS(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	dv := schema.DataView()
	data, err := os.ReadFile(corpus.Path(t, "corpus/elastic_kuery_rules.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 1<<24)
	for sc.Scan() {
		var r struct {
			File  string `json:"file"`
			Query string `json:"query"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		n++
		x, err := kql.Parse(r.Query)
		if err != nil {
			t.Errorf("%s: parse: %v", r.File, err)
			continue
		}
		q, err := esdsl.FromKQL(x, dv, esdsl.DetectionEngineConfig())
		if err != nil {
			t.Errorf("%s: %v", r.File, err)
			continue
		}
		b, err := q.MarshalJSON()
		if err != nil || !json.Valid(b) {
			t.Errorf("%s: marshal: %v", r.File, err)
			continue
		}
		back, err := esdsl.ParseQuery(b)
		if err != nil {
			t.Errorf("%s: reading the DSL back: %v", r.File, err)
			continue
		}
		if b2, _ := back.MarshalJSON(); !bytes.Equal(b, b2) {
			t.Errorf("%s: DSL read back differs:\n%s\n%s", r.File, b, b2)
		}
	}
	if n != 792 {
		t.Errorf("read %d queries, want 792", n)
	}
}

// searchFor fills the search parameters from one version of a rule, as
// the command line does.
func searchFor(t *testing.T, r *rules.Rule, v rules.Version, dv *mapping.DataView) *esdsl.SearchRequest {
	t.Helper()
	x, err := kql.Parse(v.Query)
	if err != nil {
		t.Fatalf("v%d: %v", v.Number, err)
	}
	q, err := esdsl.FromKQL(x, dv, esdsl.DetectionEngineConfig())
	if err != nil {
		t.Fatalf("v%d: %v", v.Number, err)
	}
	return esdsl.BuildSearchRequest(esdsl.SearchParams{
		Index:             v.Index,
		Filter:            esdsl.BuildEsQuery(q, nil, dv, esdsl.DetectionEngineConfig()),
		TimestampOverride: r.TimestampOverride,
		From:              r.From,
		To:                "now",
		Size:              r.MaxSignals,
	})
}

// TestFTPGolden writes the search of every version of the bundled FTP rule
// on the default (ECS) data view to testdata/ftp_vN.json.
func TestFTPGolden(t *testing.T) {
	r := builtin.FTP()
	dv := mapping.ECS().DataView()
	if len(r.History) == 0 {
		t.Fatal("the FTP rule has no history")
	}
	for _, v := range r.History {
		req := searchFor(t, r, v, dv)
		raw, err := req.MarshalJSON()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := json.Indent(&buf, raw, "", "  "); err != nil {
			t.Fatal(err)
		}
		b := append(buf.Bytes(), '\n')
		path := filepath.Join("testdata", fmt.Sprintf("ftp_v%d.json", v.Number))
		if *update {
			if err := os.WriteFile(path, b, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("%v (go test ./esdsl -update writes it)", err)
		}
		if !bytes.Equal(b, want) {
			t.Errorf("%s changed (go test ./esdsl -update accepts it); got:\n%s", path, b)
		}
	}
}

// BenchmarkFTPQuery translates the FTP rule's latest query on the default
// (ECS) data view and writes its JSON.
func BenchmarkFTPQuery(b *testing.B) {
	r := builtin.FTP()
	x, err := kql.Parse(r.Query)
	if err != nil {
		b.Fatal(err)
	}
	dv := mapping.ECS().DataView()
	cfg := esdsl.DetectionEngineConfig()
	b.ReportAllocs()
	for b.Loop() {
		q, err := esdsl.FromKQL(x, dv, cfg)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := q.MarshalJSON(); err != nil {
			b.Fatal(err)
		}
	}
}
