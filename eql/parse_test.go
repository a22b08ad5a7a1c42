package eql_test

import (
	"errors"
	"testing"

	"github.com/kqlrules/kqlrules/eql"
)

// TestParse checks the canonical print of queries Elasticsearch accepts:
// the print shows the tree (precedence, the value of literals).
func TestParse(t *testing.T) {
	for _, tt := range accepted {
		q, err := eql.Parse(tt.in)
		if err != nil {
			t.Errorf("Parse(%q): %v", tt.in, err)
			continue
		}
		if got := q.String(); got != tt.want {
			t.Errorf("Parse(%q) prints\n %s\nwant\n %s", tt.in, got, tt.want)
		}
		roundTrip(t, tt.in, q)
	}
}

// accepted are queries Elasticsearch accepts, with their canonical print.
var accepted = []struct{ in, want string }{
	{`process where true`, `process where true`},
	{`process   where  a==1 and b!=2 or not c`, `process where a == 1 and b != 2 or not c`},
	// EqlBase.g4: not binds tighter than and, and tighter than or.
	{`any where not a == 1 and b == 2`, `any where not a == 1 and b == 2`},
	{`any where not (a == 1 and b == 2)`, `any where not (a == 1 and b == 2)`},
	{`any where a or (b or c)`, `any where a or (b or c)`},
	{`any where (a or b) or c`, `any where a or b or c`},
	// ExpressionTests.testComplexComparison: 1 * -2 <= -3 * 4
	{`any where (1 * -2) <= (-3 * 4)`, `any where 1 * -2 <= -3 * 4`},
	{`any where a - (b - c) == 1`, `any where a - (b - c) == 1`},
	{`any where +a == 1`, `any where a == 1`},
	{`"quoted category" where true`, `"quoted category" where true`},
	{`"process" where true`, `process where true`},
	{"any where `a b`.c == 1 and `x``y` == 2", "any where `a b`.c == 1 and `x``y` == 2"},
	{`any where ?a.b == null`, `any where ?a.b == null`},
	{`any where a : "x*" and b : ("y", "z") and c like~ "q?"`, `any where a : "x*" and b : ("y", "z") and c like~ "q?"`},
	{`any where a regex """\d+""" and b regex~ ("x", "y")`, `any where a regex """\d+""" and b regex~ ("x", "y")`},
	{`any where a not in (1, 2) and b in~ ("x") and c in (null)`, `any where a not in (1, 2) and b in~ ("x") and c in (null)`},
	{`any where startsWith~(a, "x") and cidrmatch(ip, "10.0.0.0/8")`, `any where startsWith~(a, "x") and cidrmatch(ip, "10.0.0.0/8")`},
	// ExpressionTests.testStrings and testStringWithUnicodeEscapedChars
	{`any where a == "hello\"world\n\u{41}\u{1F4A9}"`, `any where a == "hello\"world\nA💩"`},
	{`any where a == """C:\Windows"""`, `any where a == """C:\Windows"""`},
	{`any where a == """"x""""`, `any where a == "\"x\""`},
	{"any where a == 1 // comment\n and /* block /* nested */ */ b == 2", `any where a == 1 and b == 2`},
	{`any where a == 8589934592 and b == 5e14 and c == .5`, `any where a == 8589934592 and b == 5e14 and c == .5`},
	{`process where true | head 5 | tail 2`, `process where true | head 5 | tail 2`},
	{`sequence by host.id with maxspan=5m [process where true] by pid ![file where true] by ppid until [network where true] by x`,
		`sequence by host.id with maxspan=5m [process where true] by pid ![file where true] by ppid until [network where true] by x`},
	{`sequence with maxspan=10s [process where true] with runs=3`, `sequence with maxspan=10s [process where true] with runs=3`},
	{`sample by user [process where true] [file where true]`, `sample by user [process where true] [file where true]`},
}

// TestParseErrors checks Elasticsearch's messages and positions for the
// queries it refuses (x-pack/plugin/eql/src/test/java/org/elasticsearch/
// xpack/eql/parser/ExpressionTests.java, LogicalPlanTests.java and
// LogicalPlanBuilder.java). Errors the AST builders raise are reported one
// column to the right, as Elasticsearch reports them.
func TestParseErrors(t *testing.T) {
	for _, tt := range rejected {
		_, err := eql.Parse(tt.in)
		var e *eql.Error
		if !errors.As(err, &e) {
			t.Errorf("Parse(%q) = %v, want an *eql.Error", tt.in, err)
			continue
		}
		if got := e.Error(); len(got) < len(tt.want) || got[:len(tt.want)] != tt.want {
			t.Errorf("Parse(%q):\n got %s\nwant %s...", tt.in, got, tt.want)
		}
		if e.Snippet() == "" {
			t.Errorf("Parse(%q): no snippet", tt.in)
		}
	}
}

// rejected are queries Elasticsearch refuses, with the start of its message.
var rejected = []struct{ in, want string }{
	// ExpressionTests.testSingleQuotedStringForbidden
	{`process where name=='hello world'`, `line 1:22: Use double quotes ["] to define string literals, not single quotes [']`},
	// testSingleQuotedUnescapedStringDisallowed, testDoubleQuotedUnescapedStringForbidden
	{`process where name == ?'hello world'`, `line 1:24: Use triple double quotes [""""""] to define unescaped string literals, not [?']`},
	{`process where name == ?"hello world"`, `line 1:24: Use triple double quotes [""""""] to define unescaped string literals, not [?"]`},
	// testUnicodeWithWrongHexDigits, testUnicodeWithWrongCurlyBraces
	{`any where a == "\u{U1}"`, `line 1:16: token recognition error at: '"\u{U'`},
	{`any where a == "\u{}"`, `line 1:16: token recognition error at: '"\u{}'`},
	{`any where a == "\uad12"`, `line 1:16: token recognition error at: '"\ua'`},
	{`any where a == "\u{DA12"`, `line 1:16: token recognition error at: '"\u{DA12"'`},
	// testUnicodeWithWrongNumberOfHexDigits, testUnicodeWithInvalidUnicodePoints
	{`any where a == "\u{D}"`, `line 1:17: Unicode sequence should use [2-8] hex digits, [\u{D}] has [1]`},
	{`any where a == "\u{123456789}"`, `line 1:17: Unicode sequence should use [2-8] hex digits, [\u{123456789}] has [9]`},
	{`any where a == "\u{10000000}"`, `line 1:17: Invalid unicode character code [10000000]`},
	{`any where a == "\u{d800}"`, `line 1:17: Invalid unicode character code, [d800] is a surrogate code`},
	// testBackQuotedIdentifierWithUnescapedBackQuotes
	{"any where `wrong_identifier == true", "line 1:11: token recognition error at: '`wrong_identifier == true'"},
	// testComparison: '=' is not a comparison; testChainedComparisonsDisallowed
	{`any where a = 1`, `line 1:13: mismatched input '='`},
	{`any where a == b == c`, `line 1:18: mismatched input '=='`},
	// testInEmptySet. Elasticsearch (ANTLR) points at ')', line 1:20;
	// participle backtracks out of the predicate and points at 'in'.
	{`any where name in ()`, `line 1:16: mismatched input 'in'`},
	// testIdentifierForEventTypeDisallowed
	{"`identifier` where foo == true", "line 1:1: mismatched input '`identifier`'"},
	// testUnsupportedPipes; LogicalPlanBuilder.pipe
	{`process where foo == true | unique`, `line 1:28: Pipe [unique] is not supported`},
	{`process where foo == true | heads 1`, `line 1:30: Unrecognized pipe [heads], did you mean [head]?`},
	{`process where true | head`, `line 1:21: Pipe [head] expects exactly one argument but found [0]`},
	{`process where true | head -1`, `line 1:28: Pipe [head] expects a positive integer but found [-1]`},
	// LogicalPlanBuilder.visitSequenceParams and visitSequence
	{`sequence with maxspan=0s [a where true] [b where true]`, `line 1:24: A positive maxspan value is required; found [0]`},
	{`sequence with maxspan=10 [a where true] [b where true]`, `line 1:24: No time unit specified, did you mean [s] as in [10s]?`},
	{`sequence with maxspan=10x [a where true] [b where true]`, `line 1:26: Unrecognized time unit [x] in [10x], please specify one of [ms, s, m, h, d]`},
	{`sequence with maxspan=1.5h [a where true] [b where true]`, `line 1:24: Decimal time interval [1.5] not supported; please use an positive integer`},
	{`sequence with maxspan=1s by a [a where true] [b where true]`, `line 1:2: Please specify sequence [by] before [with] not after`},
	{`sequence [a where true]`, `line 1:2: A sequence requires a minimum of 2 queries, found [1]`},
	{`sequence [a where true] by x [b where true]`, `line 1:31: Inconsistent number of join keys specified; expected [1] but found [0]`},
	{`sequence [a where true] with runs=0`, `line 1:11: A positive runs value greater than 1 is required; found [0]`},
	{`process where descendant of [file where true]`, `line 1:16: Process relationships are not supported`},
	// The analyzer: unknown functions and arguments.
	{`process where foo(a)`, `line 1:15: Unknown function [foo]`},
	{`process where length(a, b) > 1`, `line 1:15: error building [length]: expects exactly 1 argument(s)`},
	{`process where add~(a, 1) > 1`, `line 1:15: Unknown function [add~]`},
}
