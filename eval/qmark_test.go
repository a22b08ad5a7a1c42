package eval

import (
	"errors"
	"math/rand/v2"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/esdsl"
	"github.com/kqlrules/kqlrules/internal/proptest"
	"github.com/kqlrules/kqlrules/mapping"
)

// qmarkSchema adds a version, a match_only_text and a wildcard field of
// our own to the test schema.
func qmarkSchema() mapping.Schema {
	s := testSchema()
	s["ver"] = mapping.Version
	s["mot"] = mapping.MatchOnlyText
	s["wc"] = mapping.Wildcard
	s["unk"] = mapping.Unknown
	return s
}

// TestQuestionMarkDSL: in DSL (rule filters, query_string), '?' is
// Lucene's one-character wildcard. WildcardQuery.toAutomaton (lucene
// core, org/apache/lucene/search/WildcardQuery.java) makes '?'
// Automata.makeAnyChar(), one code point, '*' makeAnyString(), and '\'
// the next code point literally (a trailing '\' itself, "lenient parsing
// with a trailing \"). Elasticsearch's field types hand the pattern to it:
// KeywordFieldMapper and ConstantKeyword through
// StringFieldType.wildcardQuery (AutomatonQueries.caseInsensitiveWildcardQuery
// for case_insensitive, where '?' stays any one character),
// WildcardFieldMapper.wildcardQuery (its verification automaton is
// WildcardQuery.toAutomaton's), text and match_only_text per indexed
// token (query_string normalises the pattern, StringFieldType.normalizedWildcardQuery;
// a wildcard query does not), flattened on the keyed leaves.
func TestQuestionMarkDSL(t *testing.T) {
	tests := []struct {
		name, dsl, event string
		want             bool
	}{
		// keyword
		{"keyword one char", `{"wildcard":{"process.name":{"value":"a?c"}}}`, `{"process.name":"abc"}`, true},
		{"keyword not zero chars", `{"wildcard":{"process.name":{"value":"a?c"}}}`, `{"process.name":"ac"}`, false},
		{"keyword not two chars", `{"wildcard":{"process.name":{"value":"a?c"}}}`, `{"process.name":"abbc"}`, false},
		{"keyword one code point", `{"wildcard":{"process.name":{"value":"a?c"}}}`, `{"process.name":"aéc"}`, true},
		{"keyword one code point, 4 bytes", `{"wildcard":{"process.name":{"value":"a?c"}}}`, `{"process.name":"a😀c"}`, true},
		{"keyword two code points", `{"wildcard":{"process.name":{"value":"a??c"}}}`, `{"process.name":"a😀c"}`, false},
		{"keyword lone ? not exists", `{"wildcard":{"process.name":{"value":"?"}}}`, `{"process.name":"ab"}`, false},
		{"keyword lone ? one char", `{"wildcard":{"process.name":{"value":"?"}}}`, `{"process.name":"é"}`, true},
		{"keyword lone ? empty", `{"wildcard":{"process.name":{"value":"?"}}}`, `{"process.name":""}`, false},
		{"keyword ?*", `{"wildcard":{"process.name":{"value":"?*"}}}`, `{"process.name":""}`, false},
		{"keyword ?* one", `{"wildcard":{"process.name":{"value":"?*"}}}`, `{"process.name":"x"}`, true},
		{"keyword *?", `{"wildcard":{"process.name":{"value":"*?.exe"}}}`, `{"process.name":".exe"}`, false},
		{"keyword *? many", `{"wildcard":{"process.name":{"value":"*?.exe"}}}`, `{"process.name":"cmd.exe"}`, true},
		{"keyword escaped ?", `{"wildcard":{"process.name":{"value":"a\\?c"}}}`, `{"process.name":"abc"}`, false},
		{"keyword escaped ? literal", `{"wildcard":{"process.name":{"value":"a\\?c"}}}`, `{"process.name":"a?c"}`, true},
		{"keyword ? matches ?", `{"wildcard":{"process.name":{"value":"a?c"}}}`, `{"process.name":"a?c"}`, true},
		{"keyword trailing backslash", `{"wildcard":{"process.name":{"value":"a?\\"}}}`, `{"process.name":"ab\\"}`, true},
		{"keyword case sensitive", `{"wildcard":{"process.name":{"value":"A?C"}}}`, `{"process.name":"abc"}`, false},
		{"keyword array", `{"wildcard":{"tags":{"value":"?b"}}}`, `{"tags":["a","ab"]}`, true},
		{"rule filter", `{"wildcard":{"file.path":{"value":"?:\\\\Windows\\\\Sys?????\\\\*","case_insensitive":true}}}`, `{"file.path":"C:\\WINDOWS\\SysWOW64\\x.dll"}`, true},
		{"rule filter System32", `{"wildcard":{"file.path":{"value":"?:\\\\Windows\\\\Sys?????\\\\*","case_insensitive":true}}}`, `{"file.path":"c:\\windows\\system32\\x.dll"}`, true},
		{"rule filter Sys too short", `{"wildcard":{"file.path":{"value":"?:\\\\Windows\\\\Sys?????\\\\*","case_insensitive":true}}}`, `{"file.path":"c:\\windows\\sys32\\x.dll"}`, false},
		{"rule filter no drive", `{"wildcard":{"file.path":{"value":"?:\\\\Windows\\\\*","case_insensitive":true}}}`, `{"file.path":":\\Windows\\x"}`, false},
		{"rule filter two-letter drive", `{"wildcard":{"file.path":{"value":"?:\\\\Windows\\\\*","case_insensitive":true}}}`, `{"file.path":"CC:\\Windows\\x"}`, false},
		{"case_insensitive one code point", `{"wildcard":{"process.name":{"value":"?BC","case_insensitive":true}}}`, `{"process.name":"Ébc"}`, true},
		{"term keeps ?", `{"term":{"process.name":"a?c"}}`, `{"process.name":"abc"}`, false},
		{"constant_keyword", `{"wildcard":{"kw.const":{"value":"v?"}}}`, `{"kw.const":"v1"}`, true},
		{"flattened leaf", `{"wildcard":{"blob":{"value":"x?z"}}}`, `{"blob":{"a":{"b":"xyz"}}}`, true},
		{"flattened leaf miss", `{"wildcard":{"blob":{"value":"x?z"}}}`, `{"blob":{"a":{"b":"xz"}}}`, false},
		// version: VersionFieldWildcardQuery (x-pack mapper-version) makes
		// '?' one UTF-8 character of the version, skipping the encoder's
		// marker bytes: one character of the text
		{"version", `{"wildcard":{"ver":{"value":"1.?.3"}}}`, `{"ver":"1.2.3"}`, true},
		{"version miss", `{"wildcard":{"ver":{"value":"1.?.3"}}}`, `{"ver":"1.22.3"}`, false},
		{"unknown field", `{"wildcard":{"unk":{"value":"2?"}}}`, `{"unk":21}`, true},
		{"unknown field miss", `{"wildcard":{"unk":{"value":"2?"}}}`, `{"unk":211}`, false},
		// wildcard field type: the whole value
		{"wildcard type", `{"wildcard":{"wc":{"value":"*cmd.ex?"}}}`, `{"wc":"C:\\cmd.exe /c"}`, false},
		{"wildcard type whole", `{"wildcard":{"wc":{"value":"*cmd.ex? *"}}}`, `{"wc":"C:\\cmd.exe /c"}`, true},
		{"wildcard type case_insensitive", `{"wildcard":{"wc":{"value":"?MD*","case_insensitive":true}}}`, `{"wc":"cmd.exe"}`, true},
		// text: a token; a wildcard query is not normalised
		{"text token", `{"wildcard":{"body":{"value":"err?r"}}}`, `{"body":"An Error occurred"}`, true},
		{"text not normalised", `{"wildcard":{"body":{"value":"Err?r"}}}`, `{"body":"An Error occurred"}`, false},
		{"text not across tokens", `{"wildcard":{"body":{"value":"an?error"}}}`, `{"body":"An Error occurred"}`, false},
		{"match_only_text token", `{"wildcard":{"mot":{"value":"occ?rred"}}}`, `{"mot":"An Error occurred"}`, true},
		// query_string
		{"query_string keyword", `{"query_string":{"fields":["process.name"],"query":"cmd.ex?"}}`, `{"process.name":"cmd.exe"}`, true},
		{"query_string keyword miss", `{"query_string":{"fields":["process.name"],"query":"cmd.ex?"}}`, `{"process.name":"cmd.ex"}`, false},
		{"query_string clauses", `{"query_string":{"fields":["process.name"],"query":"x? cmd.ex?"}}`, `{"process.name":"cmd.exe"}`, true},
		{"query_string escaped ?", `{"query_string":{"fields":["process.name"],"query":"cmd.ex\\?"}}`, `{"process.name":"cmd.exe"}`, false},
		{"query_string wildcard type", `{"query_string":{"fields":["process.command_line"],"query":"*whoam?"}}`, `{"process.command_line":"cmd /c whoami"}`, true},
		{"query_string text normalised", `{"query_string":{"fields":["body"],"query":"Err?r"}}`, `{"body":"An Error occurred"}`, true},
		{"query_string all fields", `{"query_string":{"query":"cmd.ex?"}}`, `{"process.name":"cmd.exe"}`, true},
		{"query_string all fields miss", `{"query_string":{"query":"cmd.ex?"}}`, `{"process.name":"cmd.exe2"}`, false},
		{"query_string field pattern", `{"query_string":{"fields":["process.*"],"query":"cmd.ex?"}}`, `{"process":{"name":"cmd.exe"}}`, true},
		// negation and nested
		{"must_not", `{"bool":{"must_not":[{"wildcard":{"process.name":{"value":"?"}}}]}}`, `{"process.name":"ab"}`, true},
		{"nested", `{"nested":{"path":"items","query":{"wildcard":{"items.name":{"value":"?x"}}}}}`, `{"items":[{"name":"ax"}]}`, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := compileDSL(t, tt.dsl, WithSchema(qmarkSchema()))
			ev := decodeNumber(t, tt.event)
			if got := p.Match(ev); got != tt.want {
				t.Errorf("%s on %s: Match = %v, want %v\n%s", tt.dsl, tt.event, got, tt.want, p.Explain(ev))
			}
			if got := p.Explain(ev).Held; got != tt.want {
				t.Errorf("Explain held %v, want %v", got, tt.want)
			}
		})
	}
}

// TestQuestionMarkErrors: a '?' pattern on a field type without
// wildcard queries is refused as a '*' one is.
func TestQuestionMarkErrors(t *testing.T) {
	tests := []struct{ dsl, want string }{
		{`{"wildcard":{"destination.port":{"value":"2?"}}}`, `a wildcard is not allowed on a numeric`},
		{`{"wildcard":{"source.ip":{"value":"10.0.0.?"}}}`, `a wildcard is not allowed on an ip field`},
		{`{"wildcard":{"flag":{"value":"?"}}}`, `a wildcard is not allowed on a boolean field`},
		{`{"query_string":{"fields":["when"],"query":"2021?"}}`, `a wildcard is not allowed on a date field`},
	}
	for _, tt := range tests {
		q, err := esdsl.ParseQuery([]byte(tt.dsl))
		if err != nil {
			t.Fatalf("parse %s: %v", tt.dsl, err)
		}
		_, err = CompileQuery(q, WithSchema(qmarkSchema()))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %v, want one containing %q", tt.dsl, err, tt.want)
		}
		if errors.Is(err, ErrUnsupported) {
			t.Errorf("%s: %v is ErrUnsupported, want a plain refusal", tt.dsl, err)
		}
	}
}

// TestErrUnsupported: every query eval does not replay is an error that
// wraps ErrUnsupported; an error Elasticsearch would give does not.
func TestErrUnsupported(t *testing.T) {
	tests := []struct {
		dsl         string
		unsupported bool
	}{
		{`{"script":{"script":{"source":"true","lang":"painless"}}}`, true},
		{`{"query_string":{"fields":["process.name"],"query":"a AND (b)"}}`, true},
		{`{"range":{"@timestamp":{"gte":"2021-01-01","time_zone":"Europe/Paris"}}}`, true},
		{`{"range":{"@timestamp":{"gte":"2021-01-01","format":"dd/MM/yyyy"}}}`, true},
		{`{"range":{"process.*":{"gte":"a"}}}`, true},
		{`{"bool":{"filter":[{"term":{"source.ip":"x"}},{"script":{"script":{"source":"true"}}}]}}`, true},
		{`{"term":{"source.ip":"x"}}`, false},
		{`{"query_string":{"fields":["process.name"],"query":"a\\"}}`, false},
	}
	for _, tt := range tests {
		q, err := esdsl.ParseQuery([]byte(tt.dsl))
		if err != nil {
			t.Fatalf("parse %s: %v", tt.dsl, err)
		}
		_, err = CompileQuery(q, WithSchema(qmarkSchema()))
		if err == nil {
			t.Errorf("%s compiled", tt.dsl)
			continue
		}
		if got := errors.Is(err, ErrUnsupported); got != tt.unsupported {
			t.Errorf("%s: errors.Is(%v, ErrUnsupported) = %v, want %v", tt.dsl, err, got, tt.unsupported)
		}
	}
}

// TestQuestionMarkKQL: in KQL, '?' is an ordinary character (Kibana's
// grammar has only '*'), on every path: the KQL literal a?c is the text
// "a?c", whatever DSL Kibana writes for it.
func TestQuestionMarkKQL(t *testing.T) {
	tests := []struct {
		kql, event string
		want       bool
	}{
		{`process.name:a?c`, `{"process.name":"a?c"}`, true},
		{`process.name:a?c`, `{"process.name":"abc"}`, false},
		{`process.name:a?c*`, `{"process.name":"abcd"}`, false},
		{`process.name:a?c*`, `{"process.name":"a?cd"}`, true},
		{`process.command_line:*a?c*`, `{"process.command_line":"x abc y"}`, false},
		{`process.command_line:*a?c*`, `{"process.command_line":"x a?c y"}`, true},
		{`body:a?c*`, `{"body":"abcd"}`, false},
		{`a?c*`, `{"process.name":"abcd"}`, false},
	}
	for _, tt := range tests {
		p := compileT(t, tt.kql, WithSchema(qmarkSchema()))
		ev := decodeNumber(t, tt.event)
		if got := p.Match(ev); got != tt.want {
			t.Errorf("%s on %s: Match = %v, want %v", tt.kql, tt.event, got, tt.want)
		}
	}
}

// TestQuestionMarkAllocs: a '?' pattern matches without allocating.
func TestQuestionMarkAllocs(t *testing.T) {
	queries := []string{
		`{"wildcard":{"process.name":{"value":"?md.ex?"}}}`,
		`{"wildcard":{"process.command_line":{"value":"*?:\\\\Windows\\\\Sys?????\\\\*"}}}`,
		`{"query_string":{"fields":["process.name"],"query":"x? *?.exe"}}`,
	}
	ev := decodeNumber(t, `{"process":{"name":"cmd.exe","command_line":"C:\\Windows\\System32\\cmd.exe /c whoami"}}`)
	for _, q := range queries {
		p := compileDSL(t, q)
		if !p.Match(ev) {
			t.Errorf("%s does not match", q)
		}
		if n := testing.AllocsPerRun(100, func() { p.Match(ev) }); n != 0 {
			t.Errorf("%s: %v allocations per Match, want 0", q, n)
		}
	}
}

// TestMatchOps checks the matcher on patterns that would make a
// backtracking matcher take exponential time.
func TestMatchOps(t *testing.T) {
	tests := []struct {
		pattern, s string
		want       bool
	}{
		{"", "", true},
		{"", "a", false},
		{"*", "", true},
		{"?", "", false},
		{"a*b?c", "a_b_c", true},
		{"a*b?c", "abbc", true},
		{"a*b?c", "abc", false},
		{"*?*?*", "a", false},
		{"*?*?*", "ab", true},
		{"\\*?", "*x", true},
		{"\\*?", "ax", false},
		{strings.Repeat("*a", 30) + "*?b", strings.Repeat("a", 5000), false},
		{strings.Repeat("*a", 30) + "*?b", strings.Repeat("a", 5000) + "b", true},
		{strings.Repeat("?*", 40), strings.Repeat("é", 39), false},
		{strings.Repeat("?*", 40), strings.Repeat("é", 40), true},
	}
	for _, tt := range tests {
		parts, ops, err := splitWildcard(tt.pattern, false)
		if err != nil {
			t.Fatalf("%q: %v", tt.pattern, err)
		}
		if ops == nil {
			ops = opsOf(parts)
		}
		if got := matchOps(ops, tt.s); got != tt.want {
			t.Errorf("matchOps(%q, %.20q) = %v, want %v", tt.pattern, tt.s, got, tt.want)
		}
	}
}

// opsOf is the steps of a '*' pattern.
func opsOf(parts []string) []wildOp {
	ops := []wildOp{}
	for i, p := range parts {
		if i > 0 {
			ops = appendWildOp(ops, wildOp{kind: opAny})
		}
		if p != "" {
			ops = appendWildOp(ops, wildOp{kind: opLit, lit: p})
		}
	}
	return ops
}

// lucenePattern is the regular expression of a Lucene wildcard pattern,
// written from WildcardQuery.toAutomaton: the reference of the property.
func lucenePattern(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString(`^(?s:`)
	rs := []rune(p)
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case r == '*':
			b.WriteString(`.*`)
		case r == '?':
			b.WriteString(`.`)
		case r == '\\' && i+1 < len(rs):
			i++
			b.WriteString(regexp.QuoteMeta(string(rs[i])))
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString(`)$`)
	return regexp.MustCompile(b.String())
}

// TestQuestionMarkProperty: a pattern without '?' matches exactly as
// ast.MatchWildcard does (KQL's '*'), on the '*' pieces or as steps; and
// any pattern matches exactly as its regular expression, in which '?' is
// one code point.
func TestQuestionMarkProperty(t *testing.T) {
	r := rand.New(rand.NewPCG(uint64(proptest.Seed(t, "./eval")), 0))
	alphabet := []string{"a", "b", "é", "😀", "?", "*", "\\"}
	gen := func(n int, alpha []string) string {
		var b strings.Builder
		for range r.IntN(n) {
			b.WriteString(alpha[r.IntN(len(alpha))])
		}
		return b.String()
	}
	for range 20000 {
		pat := gen(8, alphabet)
		s := gen(10, alphabet[:5])
		parts, ops, err := splitWildcard(pat, false)
		if err != nil {
			t.Fatalf("%q: %v", pat, err)
		}
		g := &glob{parts: parts, ops: ops}
		if want := lucenePattern(pat).MatchString(s); g.match(s) != want {
			t.Fatalf("pattern %q on %q: match %v, want %v (ops %v)", pat, s, !want, want, ops)
		}
		if ops == nil {
			if matchOps(opsOf(parts), s) != ast.MatchWildcard(parts, s) {
				t.Fatalf("pattern %q on %q: steps and ast.MatchWildcard differ", pat, s)
			}
		}
	}
}

// BenchmarkQuestionMark matches a rule filter's '?' pattern against a
// path, beside the '*'-only pattern of the same shape in the same run.
//
//	go test ./eval -run '^$' -bench QuestionMark -benchmem
func BenchmarkQuestionMark(b *testing.B) {
	ev := map[string]any{"process": map[string]any{"executable": `C:\Windows\SysWOW64\WindowsPowerShell\v1.0\powershell.exe`}}
	for _, tc := range []struct{ name, value string }{
		{"qmark", `?:\\Windows\\Sys?????\\*\\powershell.exe`},
		{"star", `*:\\Windows\\Sys*\\*\\powershell.exe`},
	} {
		q, err := esdsl.ParseQuery([]byte(`{"wildcard":{"process.executable":{"value":` + strconv.Quote(tc.value) + `}}}`))
		if err != nil {
			b.Fatal(err)
		}
		p, err := CompileQuery(q)
		if err != nil {
			b.Fatal(err)
		}
		if !p.Match(ev) {
			b.Fatalf("%s does not match", tc.value)
		}
		b.Run(tc.name, func(b *testing.B) {
			for b.Loop() {
				p.Match(ev)
			}
		})
	}
}
