package events

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/kqlrules/kqlrules/internal/corpus"
)

// decodeSeeds are edge cases of JSON decoding: escapes, surrogates,
// bytes that are not UTF-8, duplicate keys, numbers, white space, depth,
// trailing data and syntax errors. fast tells whether the direct decoder
// must accept it (the others fall back to encoding/json).
var decodeSeeds = []struct {
	in   string
	fast bool
}{
	{`{}`, true},
	{` {"a":1} `, true},
	{"\t\r\n{\n\"a\" : [ 1 , 2 ] ,\"b\":{ } }\n", true},
	{`{"a":"x","a":"y"}`, true},                                // the last wins
	{`{"a":{"b":1},"a":{"c":2}}`, true},                        // replaced, not merged
	{`{"a":"\"\\\/\b\f\n\r\t\u0041\u00e9"}`, true},             // every escape
	{`{"\u0061":1,"a":2}`, true},                               // the same key, escaped and not
	{`{"a":"\ud834\udd1e"}`, true},                             // a surrogate pair
	{`{"a":"\ud834"}`, true},                                   // a lone high surrogate
	{`{"a":"\udd1e\ud834"}`, true},                             // reversed
	{`{"a":"\ud834\u0041"}`, true},                             // high, then not low
	{`{"a":"\ud834\\u0041"}`, true},                            // high, then an escaped backslash
	{`{"a":"\ud834x"}`, true},                                  // high at the end of the run
	{"{\"a\":\"\xff\xfe\"}", true},                             // not UTF-8
	{"{\"\xff\":\"\xed\xa0\x80\"}", true},                      // a UTF-8 encoded surrogate
	{"{\"a\":\"\xe2\x82\"}", true},                             // truncated UTF-8
	{"{\"a\":\"\xef\xbf\xbd \u00e9 \xf0\x9d\x84\x9e\"}", true}, // U+FFFD itself, é, 𝄞
	{`{"a":-0,"b":0.5e-3,"c":1e400,"d":-1E+2,"e":123456789012345678901234567890}`, true},
	{`{"a":true,"b":false,"c":null,"d":[],"e":[null,[{}]]}`, true},
	{`{"a":"` + strings.Repeat("long ", 20) + `"}`, true},
	{`{"a":` + strings.Repeat("9", 60) + `}`, true},
	{`{"a":01}`, false},    // a leading zero
	{`{"a":-}`, false},     // a lone minus
	{`{"a":1.}`, false},    // no fraction digits
	{`{"a":.5}`, false},    // no integer part
	{`{"a":1e}`, false},    // no exponent digits
	{`{"a":+1}`, false},    // a plus sign
	{`{"a":NaN}`, false},   // not JSON
	{`{"a":tru}`, false},   // truncated literal
	{`{"a":truex}`, false}, // a literal with more
	{`{"a":"\x"}`, false},  // a bad escape
	{`{"a":"\u12"}`, false},
	{"{\"a\":\"\x01\"}", false}, // a control character
	{`{"a":1,}`, false},         // a trailing comma
	{`{"a" 1}`, false},
	{`{a:1}`, false},
	{`{"a":[1,]}`, false},
	{`{"a":[1 2]}`, false},
	{`{"a":1}}`, false}, // trailing data
	{`{"a":1} {}`, false},
	{`{"a":1} x`, false},
	{`{"a":1`, false}, // unexpected end
	{`{"a":"x`, false},
	{``, false},
	{`   `, false},
	{`[]`, false}, // not an object
	{`"x"`, false},
	{`1`, false},
	{`null`, false},
	{"\ufeff{}", false}, // a byte-order mark
	{`{"a":1}` + "\x00", false},
	{`{"a":1}` + "\v", false}, // not JSON white space
	{strings.Repeat(`{"a":`, 9999) + "1" + strings.Repeat("}", 9999), true},
	{strings.Repeat(`{"a":`, 10000) + "1" + strings.Repeat("}", 10000), true},
	{strings.Repeat(`{"a":`, 10001) + "1" + strings.Repeat("}", 10001), false}, // too deep
	{`{"a":` + strings.Repeat("[", 9999) + strings.Repeat("]", 9999) + "}", true},
	{`{"a":` + strings.Repeat("[", 10000) + strings.Repeat("]", 10000) + "}", false},
}

// checkDecode compares decodeObject and decodeFast with encoding/json on
// in: the same value, or the same error.
func checkDecode(t *testing.T, in []byte) {
	t.Helper()
	want, wantErr := decodeStd(in)
	got, err := decodeObject(in)
	if fmt.Sprint(err) != fmt.Sprint(wantErr) {
		t.Fatalf("%q: error %v, encoding/json %v", in, err, wantErr)
	}
	if !reflect.DeepEqual(want, got) { // cmp.Diff is slow on deep nesting: only to show a difference
		t.Fatalf("%q: differs from encoding/json (-want +got):\n%s", in, cmp.Diff(want, got))
	}
	if (got == nil) != (want == nil) {
		t.Fatalf("%q: nil map %v, encoding/json %v", in, got == nil, want == nil)
	}
	if fast, ok := decodeFast(in); ok {
		if wantErr != nil {
			t.Fatalf("%q: decodeFast accepts what encoding/json rejects: %v", in, wantErr)
		}
		if !reflect.DeepEqual(want, fast) {
			t.Fatalf("%q: decodeFast differs from encoding/json (-want +got):\n%s", in, cmp.Diff(want, fast))
		}
	}
}

// TestDecodeObjectSeeds checks the seeds against encoding/json and that
// the direct decoder accepts exactly the ones it should (the others fall
// back), and that the values it gives do not share the input's bytes.
func TestDecodeObjectSeeds(t *testing.T) {
	for _, s := range decodeSeeds {
		checkDecode(t, []byte(s.in))
		if _, ok := decodeFast([]byte(s.in)); ok != s.fast {
			t.Errorf("%.60q: decodeFast accepts %v, want %v", s.in, ok, s.fast)
		}
	}
}

// TestDecodeFastCopies checks that the strings, keys and numbers the
// direct decoder gives stay as they were when the input buffer is
// overwritten, as callers reuse it, and do not depend on what the
// decoder remembers from earlier events.
func TestDecodeFastCopies(t *testing.T) {
	in := []byte(`{"key":"value","n":12,"arr":["x",3.5],"o":{"long":"` + strings.Repeat("z", 50) + `"}}`)
	want, err := decodeStd(in)
	if err != nil {
		t.Fatal(err)
	}
	got, ok := decodeFast(in)
	if !ok {
		t.Fatal("decodeFast rejects a plain object")
	}
	for i := range in {
		if in[i] != '"' && in[i] != ':' && in[i] != ',' {
			in[i] = 'Q'
		}
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("the value changed with its input (-want +got):\n%s", d)
	}
	// decoded again (remembered now), with other values of the same length
	again, _ := decodeFast([]byte(`{"key":"other","n":13,"arr":["y",4.5],"o":{"long":"` + strings.Repeat("w", 50) + `"}}`))
	if again["key"] != "other" || again["n"] != json.Number("13") || !cmp.Equal(again["arr"], []any{"y", json.Number("4.5")}) {
		t.Fatalf("second decoding: %v", again)
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("the first value changed with the second decoding (-want +got):\n%s", d)
	}
}

// TestDecodeFastForgets checks that a decoder's remembered values are
// emptied when full and stay right: more distinct keys and values than
// it keeps, each decoded twice.
func TestDecodeFastForgets(t *testing.T) {
	for round := range 2 {
		for i := range maxRemembered + 100 {
			in := fmt.Sprintf(`{"k%d":"v%d","n":%d}`, i, i, i)
			got, ok := decodeFast([]byte(in))
			if !ok {
				t.Fatalf("round %d: %s rejected", round, in)
			}
			want, _ := decodeStd([]byte(in))
			if d := cmp.Diff(want, got); d != "" {
				t.Fatalf("round %d: %s (-want +got):\n%s", round, in, d)
			}
		}
	}
}

// FuzzDecodeObject is a differential test of the direct decoder against
// encoding/json (UseNumber) on any bytes: the same value, or the same
// error text (from the fallback).
func FuzzDecodeObject(f *testing.F) {
	for _, s := range decodeSeeds {
		if len(s.in) < 1000 {
			f.Add([]byte(s.in))
		}
	}
	f.Add([]byte(`{"@timestamp":"2024-01-01T00:00:00.000Z","process":{"pid":42,"args":["a","b\\c"]},"x":null}`))
	f.Fuzz(func(t *testing.T, in []byte) {
		checkDecode(t, in)
	})
}

// TestDecodeObjectCorpus decodes every event of the Beats corpus both
// ways: the direct decoder must accept each and give encoding/json's
// value.
func TestDecodeObjectCorpus(t *testing.T) {
	lines := corpus.Lines(t, "corpus/beats_events.ndjson")
	for i, l := range lines {
		want, err := decodeStd(l)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		got, ok := decodeFast(l)
		if !ok {
			t.Fatalf("line %d: decodeFast rejects it", i+1)
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Fatalf("line %d: (-want +got):\n%s", i+1, d)
		}
	}
	t.Logf("%d events", len(lines))
}

// BenchmarkDecodeObject decodes the events of the Beats corpus, one op an
// event: the direct decoder (decodeObject) against encoding/json.
func BenchmarkDecodeObject(b *testing.B) {
	lines := corpus.Lines(b, "corpus/beats_events.ndjson")
	size := 0
	for _, l := range lines {
		size += len(l)
	}
	for _, c := range []struct {
		name   string
		decode func([]byte) (map[string]any, error)
	}{{"direct", decodeObject}, {"encoding-json", decodeStd}} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(size / len(lines)))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := c.decode(lines[i]); err != nil {
					b.Fatal(err)
				}
				if i++; i == len(lines) {
					i = 0
				}
			}
		})
	}
}
