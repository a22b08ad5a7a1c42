package eval_test

import (
	"testing"

	"github.com/kqlrules/kqlrules/eval"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// TestMultiField checks that a multi-field (process.command_line.text, a
// match_only_text field below the keyword process.command_line) matches
// its parent's value, analysed its own way, as Elasticsearch indexes it:
// documents never hold the multi-field's own key.
func TestMultiField(t *testing.T) {
	cmd := "C:\\Windows\\powershell.exe -enc AAA"
	flat := map[string]any{"process.command_line": cmd}
	nested := map[string]any{"process": map[string]any{"command_line": cmd}}
	for _, tc := range []struct {
		query string
		want  bool
	}{
		{`process.command_line.text:"windows powershell.exe"`, true},
		{`process.command_line.text:ENC`, true},         // analysed: lowercase tokens
		{`process.command_line.text:powershell`, false}, // "powershell.exe" is one token
		{`process.command_line.text:*`, true},           // exists through the parent
		{`process.command_line:windows`, false},         // the keyword itself is exact
		{`process.command_line:"C:\\Windows\\powershell.exe -enc AAA"`, true},
		{`process.command_line.text:"powershell.exe windows"`, false}, // a phrase keeps its order
	} {
		x, err := kql.Parse(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		p, err := eval.Compile(x)
		if err != nil {
			t.Fatalf("Compile(%s): %v", tc.query, err)
		}
		for _, ev := range []map[string]any{flat, nested} {
			if got := p.Match(ev); got != tc.want {
				t.Errorf("%s on %v = %v, want %v\n%s", tc.query, ev, got, tc.want, p.Explain(ev))
			}
		}
	}

	// Below an object field, a dotted name is an ordinary field of its own.
	schema := mapping.Schema{"a": mapping.Object, "a.b": mapping.Keyword}
	x, _ := kql.Parse(`a.b:x`)
	p, err := eval.Compile(x, eval.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	if p.Match(map[string]any{"a": "x"}) || !p.Match(map[string]any{"a": map[string]any{"b": "x"}}) {
		t.Errorf("a.b under an object field read the parent's value")
	}
}
