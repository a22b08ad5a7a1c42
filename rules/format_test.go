package rules_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
	"github.com/kqlrules/kqlrules/rules"
)

func ExampleFormat() {
	file := []byte("[rule]\ntype = \"query\"\nquery = \"f : a  AND g:b\" # the query\n")
	out, results := rules.Format("rule.toml", file, 100)
	fmt.Print(string(out))
	fmt.Println(results[0].Changed, results[0].Canonical)
	// Output:
	// [rule]
	// type = "query"
	// query = "f:a and g:b" # the query
	// true f:a and g:b
}

func TestFormat(t *testing.T) {
	for _, tc := range []struct {
		name, in, want string
		width          int
	}{
		{"crlf file gets a crlf block", "[rule]\r\nquery = \"a:1 and b:2 and c:3\"\r\n\r\n[[rule.threat]]\r\nx = 1\r\n",
			"[rule]\r\nquery = '''\r\na:1\r\nand b:2\r\nand c:3\r\n'''\r\n\r\n[[rule.threat]]\r\nx = 1\r\n", 10},
		{"crlf canonical block stays", "[rule]\r\nquery = '''\r\na:1\r\nand b:2\r\n'''\r\n", "[rule]\r\nquery = '''\r\na:1\r\nand b:2\r\n'''\r\n", 10},
		{"export: each rule line, the rest byte for byte",
			"{\"rule_id\":\"a\",\"type\":\"query\",\"language\":\"kuery\",\"query\":\"f : a\"}\r\n{\"list_id\":\"l\",\"namespace_type\":\"single\"}\n{\"rule_id\":\"b\",\"type\":\"query\",\"query\":\"g:b\"}\n",
			"{\"rule_id\":\"a\",\"type\":\"query\",\"language\":\"kuery\",\"query\":\"f:a\"}\r\n{\"list_id\":\"l\",\"namespace_type\":\"single\"}\n{\"rule_id\":\"b\",\"type\":\"query\",\"query\":\"g:b\"}\n", 100},
	} {
		name := "r.toml"
		if strings.HasPrefix(tc.in, "{") {
			name = "e.ndjson"
		}
		out, results := rules.Format(name, []byte(tc.in), tc.width)
		for _, r := range results {
			if r.Err != nil {
				t.Errorf("%s: line %d: %v", tc.name, r.Line, r.Err)
			}
		}
		if string(out) != tc.want {
			t.Errorf("%s:\ngot  %q\nwant %q", tc.name, out, tc.want)
		}
		again, _ := rules.Format(name, out, tc.width)
		if string(again) != string(out) {
			t.Errorf("%s: not stable: %q", tc.name, again)
		}
	}
}

func TestFormatExportKinds(t *testing.T) {
	in := "{\"rule_id\":\"a\",\"type\":\"esql\",\"language\":\"esql\",\"query\":\"from x\"}\n" +
		"{\"list_id\":\"l\",\"namespace_type\":\"single\",\"type\":\"detection\"}\n" +
		"{\"rule_id\":\"b\",\"type\":\"query\",\"query\":\"f:(a or )\"}\n" +
		"{\"exported_count\":2}\n"
	_, results := rules.Format("e.ndjson", []byte(in), 100)
	if len(results) != 3 || !results[0].NotKQL || results[1].NotRule == "" || results[2].Err == nil || results[2].Line != 3 {
		t.Errorf("results = %+v", results)
	}
}

// TestFormatEQL checks that the query of an EQL rule is written as
// eql.Format lays it out in TOML, on one line in JSON, and that a query
// Elasticsearch's EQL grammar refuses is an *eql.Error left unwritten.
func TestFormatEQL(t *testing.T) {
	toml := "[rule]\nlanguage = \"eql\"\ntype = \"eql\"\nquery = \"process where a==1 and b : \\\"x\\\"\"\n"
	out, res := rules.Format("r.toml", []byte(toml), 16)
	want := "[rule]\nlanguage = \"eql\"\ntype = \"eql\"\nquery = '''\nprocess where\n  a == 1\n  and b : \"x\"\n'''\n"
	if len(res) != 1 || res[0].Err != nil || !res[0].Changed || string(out) != want {
		t.Errorf("TOML: got %q, %+v; want %q", out, res, want)
	}
	if again, res := rules.Format("r.toml", out, 16); string(again) != string(out) || res[0].Changed {
		t.Errorf("TOML: not stable: %q", again)
	}
	json := `{"rule_id":"a","type":"eql","language":"eql","query":"process where\n  a==1"}`
	out, res = rules.Format("r.json", []byte(json), 10)
	if want := `{"rule_id":"a","type":"eql","language":"eql","query":"process where a == 1"}`; string(out) != want || res[0].Err != nil {
		t.Errorf("JSON: got %q, %+v; want %q", out, res, want)
	}
	commented := "[rule]\nlanguage = \"eql\"\ntype = \"eql\"\nquery = \"process where a==1 /* why */ and b : \\\"x\\\"\"\n"
	out, res = rules.Format("r.toml", []byte(commented), 16)
	if string(out) != commented || res[0].Changed || res[0].Kept == "" || res[0].Err != nil {
		t.Errorf("comments: got %q, %+v", out, res)
	}
	bad := "[rule]\nlanguage = \"eql\"\ntype = \"eql\"\nquery = \"process where a ==\"\n"
	out, res = rules.Format("r.toml", []byte(bad), 20)
	var e *eql.Error
	if string(out) != bad || len(res) != 1 || !errors.As(res[0].Err, &e) {
		t.Errorf("syntax error: got %q, %+v", out, res)
	}
}
