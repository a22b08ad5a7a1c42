package rules_test

import (
	"strings"
	"sync"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/rules"
)

// TestValueSpans locates a key's value in every TOML quoting: the span's
// bytes are the value as written, Text is what the TOML decoder gives, and
// Position maps a rune of Text back to its line and column in the file.
func TestValueSpans(t *testing.T) {
	for _, tt := range []struct {
		name    string
		doc     string // a [rule] table with query = <value>
		quoting rules.Quoting
		written string // the file's bytes at the span
		line    int    // the key's line
		trimmed bool
		at      string // Position of the first rune of this substring of Text...
		pos     [2]int // ...is this line and column
	}{
		{"basic", `query = "f:\"a b\" and g:\u00e9\t\\x"`, rules.Basic, `"f:\"a b\" and g:\u00e9\t\\x"`, 2, false, `\x`, [2]int{2, 34}},
		{"literal", `query = 'f:"a" and g:\b'`, rules.Literal, `'f:"a" and g:\b'`, 2, false, `g:`, [2]int{2, 20}},
		{"multi-line basic", "query = \"\"\"\nf:a and \\\n    g:\\\"b\\\"\n and h:c\"\"\"", rules.MultiLineBasic, "\"\"\"\nf:a and \\\n    g:\\\"b\\\"\n and h:c\"\"\"", 2, true, "g:", [2]int{4, 5}},
		{"multi-line basic, CRLF", "query = \"\"\"\r\nf:a \\  \r\n  \r\n  and g:b\"\"\"", rules.MultiLineBasic, "\"\"\"\r\nf:a \\  \r\n  \r\n  and g:b\"\"\"", 2, true, "and", [2]int{5, 3}},
		{"multi-line basic, escapes", `query = """f:\U0001F600 and g:"b"\""""`, rules.MultiLineBasic, `"""f:\U0001F600 and g:"b"\""""`, 2, false, `g:`, [2]int{2, 29}},
		{"multi-line literal", "query = '''\nf:\\a and\n  g:'b'''''", rules.MultiLineLiteral, "'''\nf:\\a and\n  g:'b'''''", 2, true, "g:", [2]int{4, 3}},
		{"multi-line literal, same line", "query = '''f:a'''  # comment", rules.MultiLineLiteral, "'''f:a'''", 2, false, "a", [2]int{2, 14}},
		{"quoted key", `"query" = 'f:a'`, rules.Literal, `'f:a'`, 2, false, "a", [2]int{2, 14}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			data := []byte("[rule]\n" + tt.doc + "\nname = \"n\"\n")
			var m struct{ Rule struct{ Query string } }
			if _, err := toml.Decode(string(data), &m); err != nil {
				t.Fatalf("the TOML decoder refuses the test case: %v", err)
			}
			v, err := rules.FindValue(data, rules.FormatTOML, "rule.query")
			if err != nil {
				t.Fatal(err)
			}
			if v.Text != m.Rule.Query {
				t.Errorf("Text = %q, the decoder gives %q", v.Text, m.Rule.Query)
			}
			if got := string(data[v.Start:v.End]); got != tt.written || v.Quoting != tt.quoting || v.Line != tt.line || v.TrimmedNewline != tt.trimmed {
				t.Errorf("span %q %s line %d trimmed %v, want %q %s line %d trimmed %v", got, v.Quoting, v.Line, v.TrimmedNewline, tt.written, tt.quoting, tt.line, tt.trimmed)
			}
			off := len([]rune(v.Text[:strings.Index(v.Text, tt.at)]))
			if p := v.Position(off); p.Line != tt.pos[0] || p.Column != tt.pos[1] {
				t.Errorf("Position(%d) = %d:%d, want %d:%d", off, p.Line, p.Column, tt.pos[0], tt.pos[1])
			}
			// Without escapes, the value is put back as it was written.
			if enc, _ := v.Encode(v.Text); !strings.ContainsAny(tt.written, "\\\r") && string(v.Replace(enc)) != string(data) {
				t.Errorf("Replace(Encode(Text)) changed the file:\n%s", v.Replace(enc))
			}
		})
	}
}

// TestScanTOML lists the keys and headers of a document with their lines
// and value spans: arrays of tables are counted per parent, values that
// are not strings end before their comment, and keys inside strings,
// multi-line arrays and inline tables are not keys.
func TestScanTOML(t *testing.T) {
	data := "a = [\n 'x', \"[rule]\"]  # c\n[rule]\nquery = \"\"\"\nf:\\\"a\\\" \\\n   and g:b\"\"\"\nx.y = { k = 1 }\n" +
		"[[rule.threat]]\nid = 1\n[[rule.threat.technique]]\nid = 2\n[[rule.threat]]\n[[rule.threat.technique]]\nid = 3\n[rule.threat.tactic]\nid = 'T'\n" +
		"[[history]]\nquery = 'h:1'\n[[history]]\nquery = '''h:2'''\n"
	spans, err := rules.ScanTOML([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sp := range spans {
		got = append(got, sp.Key+"@"+string(rune('0'+sp.Line/10))+string(rune('0'+sp.Line%10))+"="+data[sp.Start:sp.End])
	}
	want := []string{
		"a@01=[\n 'x', \"[rule]\"]",
		"rule@03=[rule]",
		"rule.query@04=\"\"\"\nf:\\\"a\\\" \\\n   and g:b\"\"\"",
		"rule.x.y@07={ k = 1 }",
		"rule.threat[0]@08=[[rule.threat]]",
		"rule.threat[0].id@09=1",
		"rule.threat[0].technique[0]@10=[[rule.threat.technique]]",
		"rule.threat[0].technique[0].id@11=2",
		"rule.threat[1]@12=[[rule.threat]]",
		"rule.threat[1].technique[0]@13=[[rule.threat.technique]]",
		"rule.threat[1].technique[0].id@14=3",
		"rule.threat[1].tactic@15=[rule.threat.tactic]",
		"rule.threat[1].tactic.id@16='T'",
		"history[0]@17=[[history]]",
		"history[0].query@18='h:1'",
		"history[1]@19=[[history]]",
		"history[1].query@20='''h:2'''",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	if _, err := rules.FindValue([]byte(data), rules.FormatTOML, "nothing.query"); err == nil {
		t.Error("absent key: no error")
	}
	if _, err := rules.FindValue([]byte(data), rules.FormatTOML, "rule.threat[0].id"); err == nil {
		t.Error("a number: no error")
	}
}

// TestScanJSON gives the keys of a flat Kibana rule in TOML terms.
func TestScanJSON(t *testing.T) {
	data := "{\n  \"name\": \"n\",\n  \"query\": \"f:\\\"a\\\" and\\n g:\\u00e9\",\n  \"threat\": [{\"id\": 1}],\n  \"maturity\": \"production\"\n}\n"
	v, err := rules.FindValue([]byte(data), rules.FormatJSON, "rule.query")
	if err != nil {
		t.Fatal(err)
	}
	if v.Text != "f:\"a\" and\n g:é" || v.Line != 3 || v.Quoting != rules.Basic || data[v.Start:v.End] != `"f:\"a\" and\n g:\u00e9"` {
		t.Errorf("got %+v at %q", v, data[v.Start:v.End])
	}
	spans, err := rules.ScanJSON([]byte(data))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, sp := range spans {
		got = append(got, sp.Key+"="+data[sp.Start:sp.End])
	}
	want := `rule.name="n" rule.query="f:\"a\" and\n g:\u00e9" rule.threat=[{"id": 1}] rule.threat[0]={"id": 1} rule.threat[0].id=1 rule.maturity="production" metadata.maturity="production"`
	if strings.Join(got, " ") != want {
		t.Errorf("got  %s\nwant %s", strings.Join(got, " "), want)
	}
}

// TestCorpusQueriesLocated finds the query of every rule file of Elastic's
// detection-rules exactly: the scanner reads each file to its end, and the
// text at the query's span decodes, by the TOML decoder, to the rule's
// query.
func TestCorpusQueriesLocated(t *testing.T) {
	dir := corpus.Path(t, "detection-rules/rules")
	n := 0
	rules.EachTreeTOML(t, dir, func(path string, data []byte) {
		var m struct{ Rule map[string]any }
		if _, err := toml.Decode(string(data), &m); err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		if _, err := rules.ScanTOML(data); err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		want, ok := m.Rule["query"].(string)
		if !ok {
			return
		}
		v, err := rules.FindValue(data, rules.FormatTOML, "rule.query")
		if err != nil {
			t.Errorf("%s: %v", path, err)
			return
		}
		var back struct{ Q string }
		if _, err := toml.Decode("q = "+string(data[v.Start:v.End]), &back); err != nil || back.Q != want || v.Text != want {
			t.Errorf("%s: the span %d..%d does not hold the query (%v)", path, v.Start, v.End, err)
		}
		n++
	})
	if n < 1000 {
		t.Errorf("only %d queries located", n)
	}
	t.Logf("%d queries located", n)
}

// TestSourceLines: the lines of a rule's keys, found in its file on the
// first question (the index is built lazily), are the file's lines: of a
// TOML file, of a line of a Kibana export (counted in the whole file), and
// asked from many goroutines at once (run under -race).
func TestSourceLines(t *testing.T) {
	r, err := rules.Parse("r.toml", []byte(goodTOML+"building_block_type = \"default\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	src := r.Source
	for field, want := range map[string]int{
		"rule":            6,
		"rule.risk_score": 11,
		"rule.query":      15,
		"rule.nope":       6, // the nearest enclosing table the file gives
		"metadata.nope.x": 1,
		"nope":            0,
	} {
		if got := src.Line(field); got != want {
			t.Errorf("Line(%q) = %d, want %d", field, got, want)
		}
	}
	lines := src.Lines()
	if lines["rule.severity"] != 13 || lines["metadata.maturity"] != 3 {
		t.Errorf("Lines() = %v", lines)
	}
	lines["rule.severity"] = 99 // a copy: the rule's lines stay
	if got := src.Line("rule.severity"); got != 13 {
		t.Errorf("Line after changing Lines()'s map = %d, want 13", got)
	}

	// The second rule of an export: lines are the export file's.
	one := `{"rule_id": "0d5a1a8e-2f7b-4c1e-9a53-3a6f0b7e2c11", "name": "n", "description": "d", "type": "query", "query": "a:1", "risk_score": 5, "severity": "medium", "surprise": 1}`
	export := "\n" + one + "\n\n" + one + "\n"
	ls := rules.ExportLines([]byte(export))
	if len(ls) != 2 || ls[1].Line != 4 {
		t.Fatalf("export lines: %+v", ls)
	}
	for i, want := range []struct{ name, surprise int }{{2, 2}, {4, 4}} {
		r, err := ls[i].Parse("e.ndjson")
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Source.Line("rule.name"); got != want.name {
			t.Errorf("rule %d: Line(rule.name) = %d, want %d", i, got, want.name)
		}
		if got := r.Source.Lines()["rule.surprise"]; got != want.surprise {
			t.Errorf("rule %d: Lines()[rule.surprise] = %d, want %d", i, got, want.surprise)
		}
		if len(r.Source.Warnings) != 1 || r.Source.Warnings[0].Line != want.surprise {
			t.Errorf("rule %d: warnings %v, want one at line %d", i, r.Source.Warnings, want.surprise)
		}
	}

	// Many goroutines ask a fresh rule at once.
	r, err = rules.Parse("r.toml", []byte(goodTOML))
	if err != nil {
		t.Fatal(err)
	}
	got := make([]int, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = r.Source.Line("rule.risk_score")
		}()
	}
	wg.Wait()
	for i, n := range got {
		if n != 11 {
			t.Errorf("goroutine %d: Line = %d, want 11", i, n)
		}
	}

	// A rule not read from a file tells no line.
	if n, m := (rules.Source{}).Line("rule"), (rules.Source{}).Lines(); n != 0 || m != nil {
		t.Errorf("zero Source: Line = %d, Lines = %v", n, m)
	}
}
