package eval

import (
	"bufio"
	"os"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/internal/corpus"
	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

func loadECS(t *testing.T) mapping.Schema {
	f, err := os.Open(corpus.Path(t, "ecs/ecs_fields.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := mapping.LoadECS(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestECSNested: a field under a nested field queried outside
// "path:{...}" is Kibana's error (get_full_field_name_node.ts); inside, it
// matches. It holds for the shared ECS table and for the default.
func TestECSNested(t *testing.T) {
	for name, opts := range map[string][]Option{"shared table": {WithSchema(loadECS(t))}, "default": nil} {
		x, err := kql.Parse(`threat.enrichments.indicator.ip:1.2.3.4`)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Compile(x, opts...); err == nil || !strings.Contains(err.Error(), "is not in a nested group") {
			t.Errorf("%s: nested subfield outside a nested query: %v, want Kibana's error", name, err)
		}
		ev := decode(t, `{"threat":{"enrichments":[{"indicator":{"ip":"1.2.3.4"}}]}}`)
		if !compileT(t, `threat.enrichments:{ indicator.ip:1.2.3.4 }`, opts...).Match(ev) {
			t.Errorf("%s: nested query did not match", name)
		}
	}
}

// TestDefaultIsECS: Compile without options types fields as the built-in
// ECS table does, with the ECS templates' ignore_above.
func TestDefaultIsECS(t *testing.T) {
	c := newCompiler(newConfig(nil))
	for name, typ := range mapping.ECS() {
		if got := c.schema.Lookup(name); got != typ {
			t.Errorf("%s: %v by default, %v in ECS", name, got, typ)
		}
	}
	if got := c.mapping.lookup("host.name").IgnoreAbove; got != 1024 {
		t.Errorf("host.name: ignore_above %d by default, want 1024", got)
	}
	if got := c.mapping.lookup("event.url").IgnoreAbove; got != 2083 {
		t.Errorf("event.url: ignore_above %d by default, want 2083", got)
	}
}

// TestEveryElasticRuleCompiles compiles each kuery rule of Elastic's
// detection-rules repository with the ECS schema and checks that Compile
// never panics; rules it refuses are logged with the reason.
func TestEveryElasticRuleCompiles(t *testing.T) {
	s := loadECS(t)
	f, err := os.Open(corpus.Path(t, "corpus/elastic_kuery_rules.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 0, 1<<20), 16<<20)
	var n, refused int
	for sc.Scan() {
		var r struct{ Query string }
		if err := jsonUnmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		x, err := parseForTest(r.Query)
		if err != nil {
			continue // the parser's tests deal with these
		}
		n++
		if _, err := Compile(x, WithSchema(s)); err != nil {
			refused++
			t.Logf("refused: %v", err)
		}
	}
	t.Logf("%d rules compiled, %d refused", n-refused, refused)
}
