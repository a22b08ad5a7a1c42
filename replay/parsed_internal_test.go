package replay

import (
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/rules"
)

// TestPreparedEQLParsedOnce: the runner of a replay given the program
// Prepare returned takes the query Prepare parsed, and its sequence plan,
// rather than parse and compile them again; a runner of another query
// text parses its own.
func TestPreparedEQLParsedOnce(t *testing.T) {
	r, err := rules.ParseTOML("seq.toml", []byte(`[metadata]
creation_date = "2024/01/02"
maturity = "production"
updated_date = "2024/01/03"

[rule]
author = ["Test"]
description = "Sequence."
index = ["logs-*"]
language = "eql"
name = "Seq"
risk_score = 21
rule_id = "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11"
severity = "low"
type = "eql"
query = 'sequence by host.name with maxspan=1m [process where true] [network where true]'
`))
	if err != nil {
		t.Fatal(err)
	}
	prep, err := Prepare(r)
	if err != nil {
		t.Fatal(err)
	}
	q := prep.parsedOf(r.Query)
	if q == nil {
		t.Fatal("Prepare kept no parsed query")
	}
	rp, err := NewReplayPrepared([]*rules.Rule{r}, []*Prepared{prep})
	if err != nil {
		t.Fatal(err)
	}
	rn := rp.runners[0]
	if rn.search.Query() != prep.Program() {
		t.Error("the runner compiled the query again")
	}
	if rn.eqlq != q {
		t.Error("the runner parsed the query again")
	}
	x, ok := rn.exec.(*seqExec)
	if !ok {
		t.Fatalf("executor %T, want a sequence's", rn.exec)
	}
	if x.plan == nil || x.plan != prep.planOf(q, x.req) {
		t.Error("the runner compiled the sequence plan again")
	}
	if prep.parsedOf(r.Query+" ") != nil {
		t.Error("a parsed query served another text")
	}
	other, err := newRunner(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if other.eqlq == q || other.eqlq == nil {
		t.Error("a runner without the prepared query should parse its own query")
	}
	if other.exec.(*seqExec).plan == x.plan {
		t.Error("a runner without the prepared query should compile its own plan")
	}
	own, err := NewReplayPrepared([]*rules.Rule{r}, []*Prepared{PreparedProgram(prep.Program())})
	if err != nil {
		t.Fatal(err)
	}
	if own.runners[0].eqlq == q || own.runners[0].exec.(*seqExec).plan == x.plan {
		t.Error("a replay given a bare program should parse and plan its own query")
	}
}

// TestPreparedTakeOnce: Take hands the program out once, only for the
// rule as it was prepared, and never that of PreparedProgram.
func TestPreparedTakeOnce(t *testing.T) {
	r := &rules.Rule{Name: "r", Query: "destination.port:21", Interval: time.Minute, From: "now-2m"}
	prep, err := Prepare(r)
	if err != nil {
		t.Fatal(err)
	}
	changed := *r
	changed.Query = "destination.port:22"
	if prep.Take(&changed) != nil {
		t.Error("Take handed out the program of another query")
	}
	if p := prep.Take(r); p == nil || p != prep.Program() {
		t.Errorf("first Take: %v, want the program", p)
	}
	if prep.Take(r) != nil {
		t.Error("second Take handed the program out again")
	}
	if PreparedProgram(prep.Program()).Take(r) != nil {
		t.Error("Take of PreparedProgram handed the program out")
	}
}

// TestPreparedEventQueryKeepsNoTree: Prepare keeps no parsed query of an
// EQL event query without pipes, and a replay given the Prepared runs its
// program without parsing the query; with pipes, the parsed query (and
// its pipes) is kept and taken as for a sequence.
func TestPreparedEventQueryKeepsNoTree(t *testing.T) {
	for _, tc := range []struct {
		query string
		pipes int
	}{
		{`process where process.name == "x"`, 0},
		{`process where process.name == "x" | head 3`, 1},
	} {
		r := &rules.Rule{Name: "e", Type: rules.TypeEQL, Language: rules.LanguageEQL, Query: tc.query, Interval: time.Minute, From: "now-2m"}
		prep, err := Prepare(r)
		if err != nil {
			t.Fatal(err)
		}
		if kept := prep.parsedOf(r.Query) != nil; kept != (tc.pipes > 0) || prep.programOnly(r.Query) == kept {
			t.Errorf("%s: parsed query kept %v", tc.query, kept)
		}
		rp, err := NewReplayPrepared([]*rules.Rule{r}, []*Prepared{prep})
		if err != nil {
			t.Fatal(err)
		}
		rn := rp.runners[0]
		if rn.search.Query() != prep.Program() {
			t.Errorf("%s: the runner compiled the query again", tc.query)
		}
		if _, ok := rn.exec.(*eqlExec); !ok {
			t.Errorf("%s: executor %T, want an event query's", tc.query, rn.exec)
		}
		if len(rn.search.pipes) != tc.pipes || (rn.eqlq != nil) != (tc.pipes > 0) {
			t.Errorf("%s: %d pipes, parsed query %v", tc.query, len(rn.search.pipes), rn.eqlq != nil)
		}
		if prep.programOnly(r.Query + " ") {
			t.Errorf("%s: a prepared program served another text", tc.query)
		}
		own, err := newRunner(r, nil)
		if err != nil {
			t.Fatal(err)
		}
		if own.eqlq == nil || len(own.search.pipes) != tc.pipes {
			t.Errorf("%s: a runner without the prepared query should parse its own", tc.query)
		}
	}
}
