package replay

import (
	"testing"

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
	prog, err := Prepare(r)
	if err != nil {
		t.Fatal(err)
	}
	q := parsedOf(prog, r.Query)
	if q == nil {
		t.Fatal("Prepare kept no parsed query for its program")
	}
	rn, err := newRunner(r, []RunOption{withProgram(prog)})
	if err != nil {
		t.Fatal(err)
	}
	if rn.eqlq != q {
		t.Error("the runner parsed the query again")
	}
	x, ok := rn.exec.(*seqExec)
	if !ok {
		t.Fatalf("executor %T, want a sequence's", rn.exec)
	}
	if x.plan == nil || x.plan != planOf(prog, q, x.req) {
		t.Error("the runner compiled the sequence plan again")
	}
	if parsedOf(prog, r.Query+" ") != nil {
		t.Error("a parsed query served another text")
	}
	other, err := newRunner(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if other.eqlq == q || other.eqlq == nil {
		t.Error("a runner without the program should parse its own query")
	}
	if other.exec.(*seqExec).plan == x.plan {
		t.Error("a runner without the program should compile its own plan")
	}
}
