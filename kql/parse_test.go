package kql_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/internal/asttest"
	"github.com/kqlrules/kqlrules/kql"
)

func kibanaJSON(t testing.TB, x ast.Expr) string {
	t.Helper()
	var b strings.Builder
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(ast.KibanaTree(x)); err != nil {
		t.Fatal(err)
	}
	return strings.TrimSuffix(b.String(), "\n")
}

// Accepted queries with the tree Kibana builds (derived from Kibana's
// grammar.peggy) and the canonical form.
var accepted = []struct {
	query, tree, canonical string
}{
	// fields and values
	{`f:a`, `{"is":["f","a"]}`, `f:a`},
	{`network.transport: tcp`, `{"is":["network.transport","tcp"]}`, `network.transport:tcp`},
	{`f :v`, `{"is":["f","v"]}`, `f:v`},
	{"f\t:\n v", `{"is":["f","v"]}`, `f:v`},
	{`f:a b`, `{"is":["f","a b"]}`, `f:a b`},
	{`f:a  b  `, `{"is":["f","a  b"]}`, `f:a  b`},
	{`f:"a b"`, `{"is":["f",{"q":"a b"}]}`, `f:"a b"`},
	{`"f":a`, `{"is":[{"q":"f"},"a"]}`, `"f":a`},
	{`f:""`, `{"is":["f",{"q":""}]}`, `f:""`},
	{`f:21`, `{"is":["f","21"]}`, `f:21`},
	{`f:true`, `{"is":["f",true]}`, `f:true`},
	{`f:false`, `{"is":["f",false]}`, `f:false`},
	{`f:null`, `{"is":["f",null]}`, `f:null`},
	{`f:"true"`, `{"is":["f",{"q":"true"}]}`, `f:"true"`},
	{`f:True`, `{"is":["f","True"]}`, `f:True`},
	{`true:x`, `{"is":[true,"x"]}`, `true:x`},
	// quoted escapes: only \" \\ \t \r \n \uXXXX; other backslashes stay
	{`f:"C:\Windows"`, `{"is":["f",{"q":"C:\\Windows"}]}`, `f:"C:\\Windows"`},
	{`f:"a\"b"`, `{"is":["f",{"q":"a\"b"}]}`, `f:"a\"b"`},
	{`f:"a\\"`, `{"is":["f",{"q":"a\\"}]}`, `f:"a\\"`},
	{`f:"a\tb\u0041"`, `{"is":["f",{"q":"a\tbA"}]}`, `f:"a\tbA"`},
	{`f:"C:\temp"`, `{"is":["f",{"q":"C:\temp"}]}`, `f:"C:\temp"`},
	{`f:"\uD83D\uDE00"`, `{"is":["f",{"q":"😀"}]}`, `f:"😀"`},
	{`f:"a*b"`, `{"is":["f",{"q":"a*b"}]}`, `f:"a*b"`},
	{"f:\"line\nbreak\"", `{"is":["f",{"q":"line\nbreak"}]}`, `f:"line\nbreak"`},
	// unquoted escapes
	{`f:a\:b`, `{"is":["f","a:b"]}`, `f:a\:b`},
	{`f:\(x\)`, `{"is":["f","(x)"]}`, `f:\(x\)`},
	{`f:C\:\\Windows`, `{"is":["f","C:\\Windows"]}`, `f:C\:\\Windows`},
	{`f:a\*b`, `{"is":["f","a*b"]}`, `f:a\*b`},
	{`f:\"q\"`, `{"is":["f","\"q\""]}`, `f:\"q\"`},
	{`f:\{\}\<\>`, `{"is":["f","{}<>"]}`, `f:\{\}\<\>`},
	{`f:a \or b`, `{"is":["f","a or b"]}`, `f:a \or b`},
	{`f:a \AND b`, `{"is":["f","a AND b"]}`, `f:a \AND b`},
	{`f:\NOT x`, `{"is":["f","NOT x"]}`, `f:\NOT x`},
	{`f:\not`, `{"is":["f","ot"]}`, `f:ot`}, // "\n" is a newline, trimmed
	{`f:\u0041b`, `{"is":["f","Ab"]}`, `f:Ab`},
	{`f:a\tb`, `{"is":["f","a\tb"]}`, `f:a\tb`},
	{`f:\t`, `{"is":["f",""]}`, `f:\t`},
	{`f:\u0074rue`, `{"is":["f",true]}`, `f:true`},
	// keywords inside and around unquoted values
	{`f:a or`, `{"is":["f","a or"]}`, `f:a or`},
	{`x and`, `{"is":[null,"x and"]}`, `x and`},
	{`f:a not`, `{"is":["f","a not"]}`, `f:a not`},
	{`f:ornot`, `{"is":["f","ornot"]}`, `f:ornot`},
	{`f:(ornot)`, `{"is":["f","ornot"]}`, `f:ornot`},
	{`f:\u006eot and g:x`, `{"and":[{"is":["f","not"]},{"is":["g","x"]}]}`, `f:\u006eot and g:x`},
	{`f:cannot`, `{"is":["f","cannot"]}`, `f:cannot`},
	{`f:can\u006eot or n:{ m:can\u006eot }`, `{"or":[{"is":["f","cannot"]},{"nested":["n",{"is":["m","cannot"]}]}]}`, `f:can\u006eot or n:{ m:can\u006eot }`},
	{`f:(a \or)`, `{"is":["f","a or"]}`, `f:a or`},
	{`f:(a \or) and b`, `{"and":[{"is":["f","a or"]},{"is":[null,"b"]}]}`, `f:a \or and b`},
	{`can\not > 5`, `{"range":["can\not","gt","5"]}`, `can\not > 5`},
	{`f:nothing`, `{"is":["f","nothing"]}`, `f:nothing`},
	{`f: or x`, `{"is":["f","or x"]}`, `f:or x`},
	{`f:android`, `{"is":["f","android"]}`, `f:android`},
	{`a or or b`, `{"or":[{"is":[null,"a"]},{"is":[null,"or b"]}]}`, `a or or b`},
	{`f:(or)`, `{"is":["f","or"]}`, `f:or`},
	{`not or`, `{"not":{"is":[null,"or"]}}`, `not or`},
	// wildcards
	{`f:ba*`, `{"is":["f",{"w":["ba",""]}]}`, `f:ba*`},
	{`f:*`, `{"is":["f",{"w":["",""]}]}`, `f:*`},
	{`f:*a*b*`, `{"is":["f",{"w":["","a","b",""]}]}`, `f:*a*b*`},
	{`f:a?b`, `{"is":["f","a?b"]}`, `f:a?b`},
	{`file.hash.*:*`, `{"is":[{"w":["file.hash.",""]},{"w":["",""]}]}`, `file.hash.*:*`},
	{`*:x`, `{"is":[{"w":["",""]},"x"]}`, `*:x`},
	{`f:* a`, `{"is":["f",{"w":[""," a"]}]}`, `f:* a`},
	// boolean operators, precedence not > and > or, case-insensitive
	{`a and b or c`, `{"or":[{"and":[{"is":[null,"a"]},{"is":[null,"b"]}]},{"is":[null,"c"]}]}`, `a and b or c`},
	{`a or b and c`, `{"or":[{"is":[null,"a"]},{"and":[{"is":[null,"b"]},{"is":[null,"c"]}]}]}`, `a or b and c`},
	{`a AND b Or c`, `{"or":[{"and":[{"is":[null,"a"]},{"is":[null,"b"]}]},{"is":[null,"c"]}]}`, `a and b or c`},
	{`NOT a and b`, `{"and":[{"not":{"is":[null,"a"]}},{"is":[null,"b"]}]}`, `not a and b`},
	{`not (a and b)`, `{"not":{"and":[{"is":[null,"a"]},{"is":[null,"b"]}]}}`, `not (a and b)`},
	{`not (not a)`, `{"not":{"not":{"is":[null,"a"]}}}`, `not (not a)`},
	{`a and b and c`, `{"and":[{"is":[null,"a"]},{"is":[null,"b"]},{"is":[null,"c"]}]}`, `a and b and c`},
	{`(a and b) and c`, `{"and":[{"and":[{"is":[null,"a"]},{"is":[null,"b"]}]},{"is":[null,"c"]}]}`, `(a and b) and c`},
	{`(a or b) and c`, `{"and":[{"or":[{"is":[null,"a"]},{"is":[null,"b"]}]},{"is":[null,"c"]}]}`, `(a or b) and c`},
	{`((((a))))`, `{"is":[null,"a"]}`, `a`},
	{"a\u00a0or\u00a0b", `{"or":[{"is":[null,"a"]},{"is":[null,"b"]}]}`, `a or b`},
	// value lists
	{`f:(a or b)`, `{"or":[{"is":["f","a"]},{"is":["f","b"]}]}`, `f:(a or b)`},
	{`f:( a )`, `{"is":["f","a"]}`, `f:a`},
	{`f:(a and b or c) or g:d`, `{"or":[{"or":[{"and":[{"is":["f","a"]},{"is":["f","b"]}]},{"is":["f","c"]}]},{"is":["g","d"]}]}`, `f:(a and b or c) or g:d`},
	{`f:((a or b) and not c)`, `{"and":[{"or":[{"is":["f","a"]},{"is":["f","b"]}]},{"not":{"is":["f","c"]}}]}`, `f:((a or b) and not c)`},
	{`f:(not x)`, `{"not":{"is":["f","x"]}}`, `f:(not x)`},
	{`f:(not (not x))`, `{"not":{"not":{"is":["f","x"]}}}`, `f:(not (not x))`},
	{`f:(20 or 21)`, `{"or":[{"is":["f","20"]},{"is":["f","21"]}]}`, `f:(20 or 21)`},
	// ranges
	{`f >= 2021-01-01`, `{"range":["f","gte","2021-01-01"]}`, `f >= 2021-01-01`},
	{`f<10`, `{"range":["f","lt","10"]}`, `f < 10`},
	{`f <= "now-1d/d"`, `{"range":["f","lte",{"q":"now-1d/d"}]}`, `f <= "now-1d/d"`},
	{`f > now-1d/d and g:x`, `{"and":[{"range":["f","gt","now-1d/d"]},{"is":["g","x"]}]}`, `f > now-1d/d and g:x`},
	{`f > a*`, `{"range":["f","gt",{"w":["a",""]}]}`, `f > a*`},
	// nested
	{`items:{ name:x and stock > 10 }`, `{"nested":["items",{"and":[{"is":["name","x"]},{"range":["stock","gt","10"]}]}]}`, `items:{ name:x and stock > 10 }`},
	{`a:{b:{c:d}}`, `{"nested":["a",{"nested":["b",{"is":["c","d"]}]}]}`, `a:{ b:{ c:d } }`},
	// free text and empty queries
	{`hello`, `{"is":[null,"hello"]}`, `hello`},
	{`"hello world"`, `{"is":[null,{"q":"hello world"}]}`, `"hello world"`},
	{``, `{"is":[{"w":["",""]},{"w":["",""]}]}`, `*:*`},
	{" \t\n ", `{"is":[{"w":["",""]},{"w":["",""]}]}`, `*:*`},
	{`*:*`, `{"is":[{"w":["",""]},{"w":["",""]}]}`, `*:*`},
}

func TestParseAccepted(t *testing.T) {
	for _, tc := range accepted {
		t.Run(tc.query, func(t *testing.T) {
			x, err := kql.Parse(tc.query)
			if err != nil {
				t.Fatalf("Parse(%q): %v", tc.query, err)
			}
			if got := kibanaJSON(t, x); got != tc.tree {
				t.Errorf("Parse(%q) tree\n got %s\nwant %s", tc.query, got, tc.tree)
			}
			if got := x.String(); got != tc.canonical {
				t.Errorf("Parse(%q).String() = %q, want %q", tc.query, got, tc.canonical)
			}
			y, err := kql.Parse(x.String())
			if err != nil {
				t.Fatalf("Parse(%q) (the canonical form): %v", x.String(), err)
			}
			if !ast.Equal(x, y) {
				t.Errorf("round trip through %q changed the tree:\n%s", x.String(), asttest.Diff(x, y))
			}
		})
	}
}

// Rejected queries with the place and the message of the error.
var rejected = []struct {
	query     string
	line, col int
	msg       string
}{
	{`f:cannot be`, 1, 6, `expected 'and', 'or' or the end of the query after 'can' but found 'not'`},
	{`f:a not b`, 1, 5, `found 'not'`},
	{`not not x`, 1, 5, `expected a query after 'not' but found 'not'`},
	{`not(x)`, 1, 4, `after 'not' but found '('`},
	{`f:not x`, 1, 3, `expected a value after ':' but found 'not'`},
	{`f:()`, 1, 4, `expected a value after '(' but found ')'`},
	{`f:`, 1, 3, `expected a value after ':' but found the end of the query`},
	{`f:(a or b`, 1, 10, `expected 'and', 'or' or ')' after 'b' but found the end of the query`},
	{`f:(a or )`, 1, 9, `expected a value after 'or' but found ')'`},
	{`a and `, 1, 7, `expected a query after 'and' but found the end of the query`},
	{`(a)or b`, 1, 4, `found 'or b'`},
	{`f:a:b`, 1, 4, `found ':'`},
	{`f:"abc\"`, 1, 3, `the quoted value is not closed`},
	{`f:"abc`, 1, 3, `the quoted value is not closed`},
	{`f:a\b`, 1, 4, `invalid escape "\\b"`},
	{`f:a\`, 1, 4, `a backslash at the end of a value`},
	{`f:\u12`, 1, 3, `\u must be followed by four hex digits`},
	{`f > `, 1, 5, `expected a value after '>' but found the end of the query`},
	{`f >= (a)`, 1, 6, `expected a value after '>=' but found '('`},
	{`f:{a:b`, 1, 7, `expected 'and', 'or' or '}' after 'b' but found the end of the query`},
	{`{a}`, 1, 1, `expected a query but found '{'`},
	{`)`, 1, 1, `expected a query but found ')'`},
	{`a:b c:d`, 1, 6, `expected 'and', 'or' or the end of the query after 'b c' but found ':'`},
	{`f:ornot and g:x`, 1, 5, `after 'or' but found 'not'`},
	{"f:a and\ng:(x or\n)", 3, 1, `expected a value after 'or' but found ')'`},
	{`f:ä or ü:(`, 1, 11, `expected a value after '(' but found the end of the query`},
}

func TestParseRejected(t *testing.T) {
	for _, tc := range rejected {
		t.Run(tc.query, func(t *testing.T) {
			x, err := kql.Parse(tc.query)
			if err == nil {
				t.Fatalf("Parse(%q) = %s, want an error", tc.query, x)
			}
			var e *kql.Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) error %T, want *kql.Error", tc.query, err)
			}
			if e.Line != tc.line || e.Column != tc.col || !strings.Contains(e.Msg, tc.msg) {
				t.Errorf("Parse(%q) = %v\nwant line %d, col %d: ...%s...", tc.query, err, tc.line, tc.col, tc.msg)
			}
			if strings.Contains(e.Msg, "participle") || strings.Contains(e.Msg, "kql.") {
				t.Errorf("message names Go internals: %s", e.Msg)
			}
		})
	}
}

func TestLeadingWildcards(t *testing.T) {
	for _, tc := range []struct {
		query string
		ok    bool
	}{
		{`f:*exe`, false},
		{`f:(a or *b)`, false},
		{`*exe`, false},
		{`f:**`, false},
		{`f:*`, true},
		{`f:a*`, true},
		{`*:x`, true},          // field names are not checked
		{`f > *a`, true},       // nor range values
		{`f:"*exe"`, true},     // a quoted '*' is a literal
		{`f:\*exe`, true},      // so is an escaped one
		{`f:x or g:*y`, false}, //
	} {
		_, err := kql.Parse(tc.query, kql.DisallowLeadingWildcards())
		if (err == nil) != tc.ok {
			t.Errorf("Parse(%q, DisallowLeadingWildcards()) error = %v, want ok=%v", tc.query, err, tc.ok)
		}
		if err != nil && !strings.Contains(err.Error(), kql.LeadingWildcardMessage) {
			t.Errorf("Parse(%q) error %q lacks Kibana's message", tc.query, err)
		}
		if _, err := kql.Parse(tc.query); err != nil {
			t.Errorf("Parse(%q) with leading wildcards allowed: %v", tc.query, err)
		}
	}
}

func TestLimits(t *testing.T) {
	deep := strings.Repeat("(", 100000) + "a" + strings.Repeat(")", 100000)
	_, err := kql.Parse(deep)
	var e *kql.Error
	if !errors.As(err, &e) || !strings.Contains(e.Msg, "deeper than 1000") || e.Column != 1001 {
		t.Errorf("100,000 parentheses: %v, want a depth error at col 1001", err)
	}
	ok := strings.Repeat("(", 1000) + "a" + strings.Repeat(")", 1000)
	if _, err := kql.Parse(ok); err != nil {
		t.Errorf("1,000 parentheses: %v", err)
	}
	if _, err := kql.Parse(ok, kql.MaxDepth(999)); err == nil {
		t.Errorf("1,000 parentheses with MaxDepth(999): no error")
	}
	nested := strings.Repeat("a:{", 1001) + "b" + strings.Repeat("}", 1001)
	if _, err := kql.Parse(nested); err == nil {
		t.Errorf("1,001 nested braces: no error")
	}
	if _, err := kql.Parse(strings.Repeat("a", 100), kql.MaxLength(99)); err == nil || !strings.Contains(err.Error(), "limit of 99") {
		t.Errorf("MaxLength(99) on 100 bytes: %v", err)
	}
}

func TestErrorSnippet(t *testing.T) {
	_, err := kql.Parse("event.category:network and\n\tdestination.port:(20 or )")
	var e *kql.Error
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	want := " destination.port:(20 or )\n                         ^"
	if got := e.Snippet(); got != want {
		t.Errorf("Snippet() =\n%s\nwant\n%s", got, want)
	}
	long := "f:" + strings.Repeat("x", 500) + " and )"
	_, err = kql.Parse(long)
	if !errors.As(err, &e) {
		t.Fatal(err)
	}
	lines := strings.Split(e.Snippet(), "\n")
	if len(lines) != 2 || len([]rune(lines[0])) > 130 || strings.Index(lines[1], "^") != strings.Index(lines[0], ")") {
		t.Errorf("Snippet() of a long line:\n%s", e.Snippet())
	}
}

func TestPositions(t *testing.T) {
	src := "a:b and\n  not  ä:\"x\" and r >= 5 and n:{ m:(1 or 2) }"
	x, err := kql.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	ast.Inspect(x, func(n ast.Node) bool {
		if n != nil {
			p, e := n.Pos().Position(src), n.End().Position(src)
			got = append(got, fmt.Sprintf("%T %d:%d-%d:%d", n, p.Line, p.Column, e.Line, e.Column))
		}
		return true
	})
	want := []string{
		"*ast.AndExpr 1:1-2:45",
		"*ast.MatchExpr 1:1-1:4",
		"*ast.Literal 1:1-1:2",
		"*ast.Literal 1:3-1:4",
		"*ast.NotExpr 2:3-2:13",
		"*ast.MatchExpr 2:8-2:13",
		"*ast.Literal 2:8-2:9",
		"*ast.Literal 2:10-2:13",
		"*ast.RangeExpr 2:18-2:24",
		"*ast.Literal 2:18-2:19",
		"*ast.Literal 2:23-2:24",
		"*ast.NestedExpr 2:29-2:45",
		"*ast.Literal 2:29-2:30",
		"*ast.MatchExpr 2:33-2:42",
		"*ast.Literal 2:33-2:34",
		"*ast.OrValue 2:36-2:42",
		"*ast.Literal 2:36-2:37",
		"*ast.Literal 2:41-2:42",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("positions:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestConcurrentParse(t *testing.T) {
	done := make(chan string)
	for range 8 {
		go func() {
			x, err := kql.Parse(ftpCurrent)
			if err != nil {
				done <- err.Error()
				return
			}
			done <- x.String()
		}()
	}
	first := <-done
	for range 7 {
		if got := <-done; got != first {
			t.Errorf("concurrent parses differ: %q vs %q", got, first)
		}
	}
}
