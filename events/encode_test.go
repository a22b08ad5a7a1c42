package events_test

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math"
	"testing"
	"time"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
)

// stdJSON is what encoding/json's Encoder writes for v with
// SetEscapeHTML(false), without the newline: what AppendJSON must write.
func stdJSON(v any) ([]byte, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(b.Bytes(), []byte("\n")), nil
}

// checkEncode fails t unless AppendJSON writes v as encoding/json does,
// after a prefix it must keep, or fails with encoding/json's error and
// gives the prefix back as it was.
func checkEncode(t *testing.T, v any) {
	t.Helper()
	want, wantErr := stdJSON(v)
	prefix := []byte("prefix:")
	got, err := events.AppendJSON(prefix[:len(prefix):len(prefix)], v)
	switch {
	case wantErr != nil:
		if err == nil || err.Error() != wantErr.Error() {
			t.Fatalf("%#v: error %v, want encoding/json's %v", v, err, wantErr)
		}
		if string(got) != "prefix:" {
			t.Fatalf("%#v: failed, giving %q, not the buffer it was given", v, got)
		}
	case err != nil:
		t.Fatalf("%#v: %v; encoding/json writes %s", v, err, want)
	case !bytes.HasPrefix(got, prefix) || !bytes.Equal(got[len(prefix):], want):
		t.Fatalf("%#v:\n got %q\nwant %q", v, got, append(prefix, want...))
	}
}

// named has a method of its own, which encoding/json calls.
type named string

func (n named) MarshalJSON() ([]byte, error) { return []byte(`{"named" : "` + string(n) + `"}`), nil }

func TestAppendJSONTable(t *testing.T) {
	deep := any("leaf")
	for range 1100 { // past the depth where encoding/json looks for cycles
		deep = []any{map[string]any{"a": deep}}
	}
	cyclic := map[string]any{"a": 1}
	cyclic["self"] = cyclic
	for _, v := range []any{
		nil, true, false, "", "plain", `"quoted" and \back\slashed`,
		"\b\f\n\r\t\x00\x01\x1f\x7f", "<script>&amp;</script>", "é 𝄞 \ufffd",
		"\u2028 and \u2029", "\xff\xfe", "\xed\xa0\x80", "\xe2\x82", "a\xe2\x82", "\xf0\x9d\x84",
		json.Number("0"), json.Number("-1.5e+300"), json.Number("123456789012345678901234567890"),
		json.Number(""), json.Number("01"), json.Number("1."), json.Number("NaN"), json.Number("0x1"), json.Number(" 1"),
		0.0, math.Copysign(0, -1), 1.0, -1.5, 1e20, 1e21, 123456789e13, 1e-6, 1e-7, 0.000001234, 5e-324,
		math.MaxFloat64, math.SmallestNonzeroFloat64, 1e-9, 1.5e-10, 100.0 / 3,
		math.Inf(1), math.Inf(-1), math.NaN(),
		float32(0.1), float32(1e21), float32(1e-7), float32(3.4e38), float32(math.Inf(1)),
		0, -1, math.MaxInt64, int64(math.MinInt64), int32(-7), int16(300), int8(-8),
		uint(7), uint64(math.MaxUint64), uint32(9), uint16(10), uint8(11),
		map[string]any(nil), map[string]any{}, []any(nil), []any{}, []string(nil), []string{},
		[]map[string]any(nil), []map[string]any{}, []map[string]any{nil, {}},
		map[string]any{"b": 1, "a": 2, "B": 3, "": 4, "aa": 5, "a\x00": 6, "é": 7, "z": 8, "\xff": 9, "<&>": 10},
		map[string]any{"a": []any{1.5, "x", nil, map[string]any{"y": []string{"p", "q"}}}},
		[]string{"a", "<b>", "\n"},
		[]map[string]any{{"id": "x", "depth": 0, "type": "event"}},
		// what encoding/json writes for other types: each its own way
		[]byte("bytes"), named("n"), json.RawMessage(` { "raw" : [ 1 , 2 ] } `), json.RawMessage(nil),
		time.Date(2024, 1, 2, 3, 4, 5, 6, time.UTC), struct {
			A string `json:"a,omitempty"`
			B int    `json:"b,string"`
		}{B: 7},
		map[string]string{"k": "v"}, []int{1, 2}, [2]bool{true}, (*int)(nil),
		map[string]any{"in": []any{named("m"), []byte{0, 1}, math.NaN()}},
		map[string]any{"bad": json.Number("1e")},
		deep, cyclic, []any{cyclic},
		func() {}, make(chan int), complex(1, 2),
	} {
		checkEncode(t, v)
	}
}

// TestAppendJSONSameSizes writes maps of the same sizes at the same
// depths in turn, each twice, as AppendJSON meets the events of a file
// and the alerts of a rule: some have the same keys as the one before,
// some other keys (differing in the first key, the last, or a nested
// map's), and a value that cannot be written comes after keys written.
func TestAppendJSONSameSizes(t *testing.T) {
	maps := []map[string]any{
		{"a": 1, "b": 2, "c": 3},
		{"a": 1, "b": 2, "c": 3},
		{"a": 1, "b": 2, "d": 3},
		{"x": 1, "b": 2, "c": 3},
		{"a": 1, "b": 2, "c": map[string]any{"p": 1, "q": 2}},
		{"a": 1, "b": 2, "c": map[string]any{"p": 1, "r": 2}},
		{"a": 1, "b": 2, "c": map[string]any{"p": 1, "q": math.NaN()}},
		{"a": 1, "b": 2, "c": map[string]any{"p": 1, "r": json.Number("x")}},
		{"c": []any{map[string]any{"p": 1, "q": 2}}, "b": nil, "a": []map[string]any{{"p": 1, "q": 2}, {"p": 1, "s": 2}}},
		{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7, "h": 8, "i": 9, "j": 10, "k": 11, "l": 12, "m": 13, "n": 14, "o": 15, "p": 16, "q": 17, "r": 18, "s": 19},
		{"a": 1, "b": 2, "z": 3},
	}
	for range 2 {
		for _, m := range maps {
			checkEncode(t, m)
			checkEncode(t, []any{m, map[string]any{"m": m}, m})
		}
	}
}

// TestAppendJSONStrings writes every string of one or two bytes, and the
// bytes around U+2028, by itself and as a key.
func TestAppendJSONStrings(t *testing.T) {
	for i := range 1 << 16 {
		s := string([]byte{byte(i >> 8), byte(i)})
		checkEncode(t, s)
		checkQuotedHTML(t, s)
		if i < 256 {
			checkEncode(t, s[1:])
			checkQuotedHTML(t, s[1:])
		}
	}
	for _, s := range []string{"\xe2\x80\xa7", "\xe2\x80\xa8", "\xe2\x80\xa9", "\xe2\x80\xaa", "\xe2\x80", "x\xe2\x80\xa8y", "a<b>&c"} {
		checkEncode(t, s)
		checkEncode(t, map[string]any{s: s, "a": s})
		checkQuotedHTML(t, s)
	}
}

// checkQuotedHTML fails t unless AppendQuoted with HTML escaping writes s
// as json.Marshal does.
func checkQuotedHTML(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if got := events.AppendQuoted([]byte("p"), s, true); string(got) != "p"+string(want) {
		t.Fatalf("%q: got %s, want p%s", s, got, want)
	}
}

// FuzzAppendJSON compares AppendJSON with encoding/json on the value the
// input decodes to (with UseNumber, as events are decoded), on the input
// as a string and a key, and on its first bytes as floats.
func FuzzAppendJSON(f *testing.F) {
	for _, s := range []string{
		`{"b":1,"a":[true,null,"x"],"c":{"d":-0.5e-7}}`, `[1,{"":{}},[]]`, `"\u2028\u0000<&>"`,
		"\"\xff\"", `123456789012345678901234567890`, `{"\u0061":1,"a":2}`, `1e400`,
		"{\"\xed\xa0\x80\":\"\xe2\x82\"}", `{"event":{"kind":"event"},"event.kind":["a"]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		dec := json.NewDecoder(bytes.NewReader(in))
		dec.UseNumber()
		var v any
		if dec.Decode(&v) == nil {
			checkEncode(t, v)
			checkEncode(t, []any{v, v}) // the second time in the orders of the first
		}
		checkEncode(t, string(in))
		checkQuotedHTML(t, string(in))
		checkEncode(t, map[string]any{string(in): json.Number(in), "k": []string{string(in)}})
		if len(in) >= 8 {
			checkEncode(t, math.Float64frombits(binary.LittleEndian.Uint64(in)))
			checkEncode(t, math.Float32frombits(binary.LittleEndian.Uint32(in)))
		}
	})
}

// TestAppendJSONCorpus writes every event of the Beats corpus, decoded as
// an alert decodes it, both ways.
func TestAppendJSONCorpus(t *testing.T) {
	for i, l := range corpus.Lines(t, "corpus/beats_events.ndjson") {
		rec, err := events.Raw{JSON: l}.Decode()
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		want, err := stdJSON(rec.Fields)
		if err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		got, err := events.AppendJSON(nil, rec.Fields)
		if err != nil || !bytes.Equal(got, want) {
			t.Fatalf("line %d: %v\n got %s\nwant %s", i+1, err, got, want)
		}
	}
}

func BenchmarkAppendJSON(b *testing.B) {
	lines := corpus.Lines(b, "corpus/beats_events.ndjson")
	evs := make([]map[string]any, len(lines))
	size := 0
	for i, l := range lines {
		rec, err := events.Raw{JSON: l}.Decode()
		if err != nil {
			b.Fatal(err)
		}
		evs[i] = rec.Fields
		size += len(l)
	}
	b.Run("AppendJSON", func(b *testing.B) {
		b.SetBytes(int64(size))
		var buf []byte
		for b.Loop() {
			for _, ev := range evs {
				var err error
				if buf, err = events.AppendJSON(buf[:0], ev); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.SetBytes(int64(size))
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		enc.SetEscapeHTML(false)
		for b.Loop() {
			for _, ev := range evs {
				buf.Reset()
				if err := enc.Encode(ev); err != nil {
					b.Fatal(err)
				}
			}
		}
	})
}

func ExampleAppendJSON() {
	ev := map[string]any{
		"message": "<b>bold</b> & \u2028",
		"event":   map[string]any{"kind": "event", "code": json.Number("4624")},
		"tags":    []any{"a", true, nil, 1.5e-7},
	}
	b, err := events.AppendJSON(nil, ev)
	if err != nil {
		panic(err)
	}
	fmt.Println(string(b))
	// Output:
	// {"event":{"code":4624,"kind":"event"},"message":"<b>bold</b> & \u2028","tags":["a",true,null,1.5e-7]}
}
