package eval

import (
	"sync"
	"testing"

	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// TestECSFieldsShared checks which compilers share their fields
// (ecsFields): those of the default schema at the top level, not those
// of another schema or a mapping, nor inside a nested query, whose
// fields' paths are relative to it.
func TestECSFieldsShared(t *testing.T) {
	top := func(opts ...Option) *compiler { return newCompiler(newConfig(opts)) }
	a, b := top(), top()
	if !a.shared || !b.shared {
		t.Fatal("a compiler of the default schema does not share its fields")
	}
	if fa, fb := a.fieldOf("process.name"), b.fieldOf("process.name"); fa != fb {
		t.Errorf("two compilers of the default schema made two fields of process.name")
	}
	if f := a.fieldOf("process.name"); f.typ != mapping.Keyword || f.path.Name != "process.name" {
		t.Errorf("the shared process.name is %v at %q", f.typ, f.path.Name)
	}
	for _, c := range []*compiler{
		top(WithSchema(mapping.Schema{"process.name": mapping.Text})),
		top(WithMapping(mapping.Mapping{"process.name": {Type: mapping.Long}})),
		{schema: a.schema, mapping: a.mapping, scope: "process"},
	} {
		if c.shared {
			t.Errorf("a compiler of another schema, a mapping or a nested scope shares the default schema's fields")
		}
		if c.fieldOf("process.name") == a.fieldOf("process.name") {
			t.Errorf("a compiler of another schema, a mapping or a nested scope got the default schema's field")
		}
	}
}

// TestECSFieldsConcurrent compiles one query from many goroutines at
// once (a rule set loads its rules so): each gets the fields the others
// made, and the same answers (run with -race).
func TestECSFieldsConcurrent(t *testing.T) {
	const query = `process.name:("cmd.exe" or powershell*) and host.os.type:windows and not user.name:SYSTEM and source.ip:10.0.0.0/8`
	ev := Map{"process": map[string]any{"name": "powershell.exe"}, "host": map[string]any{"os": map[string]any{"type": "windows"}},
		"user": map[string]any{"name": "bob"}, "source": map[string]any{"ip": "10.1.2.3"}}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			x, err := kql.Parse(query)
			if err != nil {
				t.Error(err)
				return
			}
			p, err := Compile(x)
			if err != nil {
				t.Error(err)
				return
			}
			if !p.MatchEvent(ev) {
				t.Errorf("the query compiled concurrently does not match")
			}
		}()
	}
	wg.Wait()
}
