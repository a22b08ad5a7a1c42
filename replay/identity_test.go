package replay

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/internal/corpus"
)

// identitySeeds are events whose identity is easy to get wrong: key order,
// duplicate keys, escapes, HTML characters, invalid UTF-8, surrogates,
// numbers as written, white space, "_id".
var identitySeeds = []string{
	`{}`,
	`{"b":1,"a":2}`,
	`{"a":1,"a":2}`,
	`{"a":{"y":[1, 2.50, -0, 1E5],"x":null},"b":[true,false,{"d":"","c":{}}],"c":[]}`,
	"{ \"s\" : \"tab\\t nl\\n \\u0001 \\/ <a&b> \\\"q\\\" \\\\ \\u00e9 \\ud83d\\ude00 \\ud800 x \\udc00\\u0041 \u2028 \xff\" }",
	`{"_id":"abc","x":1}`,
	`{"_id":"","x":1}`,
	`{"_id":7,"x":1}`,
	`{"_id":"a","_id":"b"}`,
	`{"_id":"a","_id":1}`,
	`{"x":{"_id":"inner"}}`,
	`{"k\u00e9y":1,"ké":2,"kéy":3}`,
	"{\"\\b\\f\":\"\\u2029\",\"a\\u0000\":0}",
	`{"p":"C:\\Windows\\System32\\cmd.exe","q":"a\"b\n\t\r\b\f","r":"\/","s":"\\u0041","t":"\\","u":"\u0041\\"}`,
	`{"a\\b":1,"a\"b":2,"a\nb":[3,"x\\y<"],"v":"\\\"\\"}`,
}

func checkIdentity(t *testing.T, c *canon, line []byte) {
	t.Helper()
	rec, err := events.Raw{JSON: line}.Decode()
	if err != nil {
		return // not an event
	}
	if got, want := c.eventIDJSON(line), eventID(rec.Fields); got != want {
		t.Fatalf("identity of %q: %s from the text, %s decoded", line, got, want)
	}
}

// TestEventIDJSON: the identity computed from an event's text is the one
// computed from the decoded event, on tricky events and on every event of
// the Beats corpus.
func TestEventIDJSON(t *testing.T) {
	var c canon
	for _, s := range identitySeeds {
		checkIdentity(t, &c, []byte(s))
	}
	f, err := os.Open(corpus.Path(t, "corpus/beats_events.ndjson"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<24)
	n := 0
	for sc.Scan() {
		if n++; testing.Short() && n%10 != 0 {
			continue
		}
		checkIdentity(t, &c, sc.Bytes())
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 10000 {
		t.Fatalf("%d lines in the corpus", n)
	}
}

// FuzzEventIDJSON: the identity from the text equals the identity of the
// decoded event, for any JSON object.
func FuzzEventIDJSON(f *testing.F) {
	for _, s := range identitySeeds {
		f.Add([]byte(s))
	}
	var c canon
	f.Fuzz(func(t *testing.T, data []byte) {
		checkIdentity(t, &c, data)
	})
}

// BenchmarkEventIDJSON computes the identity of each event of the Beats
// corpus from its text.
func BenchmarkEventIDJSON(b *testing.B) {
	data, err := os.ReadFile(corpus.Path(b, "corpus/beats_events.ndjson"))
	if err != nil {
		b.Fatal(err)
	}
	lines := bytes.Split(bytes.TrimSpace(data), []byte("\n"))
	b.SetBytes(int64(len(data)))
	var c canon
	for b.Loop() {
		for _, l := range lines {
			c.eventIDJSON(l)
		}
	}
}

// TestEventIDJSONRecent: a text identified again gets the identity it got
// (canon.recent), and a text written over the memory of one identified
// before (the replay reuses its buffers) gets its own.
func TestEventIDJSONRecent(t *testing.T) {
	var c canon
	a, b := `{"x":1,"_s":"a"}`, `{"x":2,"_s":"a"}`
	buf := []byte(a)
	checkIdentity(t, &c, buf)
	copy(buf, b) // the same length, in place
	checkIdentity(t, &c, buf)
	copy(buf, a)
	checkIdentity(t, &c, buf)
	if c.eventIDJSON([]byte(a)) == c.eventIDJSON([]byte(b)) {
		t.Fatal("two documents, one identity")
	}
	for i := range 3 * recentTexts { // more texts than it remembers
		checkIdentity(t, &c, fmt.Appendf(nil, `{"n":%d}`, i%(recentTexts+1)))
	}
}

// orderSeeds are pairs of events whose objects have the same number of
// members at the same depth: the second is written in the order of the
// first when its keys are the same, in the same order (canon.orders).
var orderSeeds = [][2]string{
	{`{"b":1,"a":2}`, `{"b":3,"a":4}`},
	{`{"b":1,"a":2}`, `{"a":3,"b":4}`},
	{`{"b":1,"a":2}`, `{"c":3,"a":4}`},
	{`{"b":1,"a":2}`, `{"b":3,"b":4}`},
	{`{"b":1,"b":2,"a":3}`, `{"b":1,"b":5,"a":3}`},
	{`{"b":1,"b":2,"a":3}`, `{"b":1,"c":2,"a":3}`},
	{`{"b":1,"a":2,"c":3}`, `{"b":1,"a":2,"b":3}`},
	{`{"x":{"b":1,"a":2},"y":{"d":1,"c":2}}`, `{"x":{"d":1,"c":2},"y":{"b":1,"a":2}}`},
	{`{"x":{"b":1,"a":{"d":1,"c":2}}}`, `{"x":{"b":1,"a":{"c":1,"d":2}}}`},
	{`{"ba":1,"a":2}`, `{"b":1,"aa":2}`},
	{`{"b\u0041":1,"a":2}`, `{"bA":1,"a":2}`},
	{`{"b":1,"a":2}`, `{"q":1,"p":2,"o":3,"n":4,"m":5,"l":6,"k":7,"j":8,"i":9,"h":10,"g":11,"f":12,"e":13,"d":14,"c":15,"b":16,"a":17,"Z":18}`},
}

// TestEventIDJSONOrders: an object written in the order remembered of
// an object before it has the identity of the decoded event, whether its
// keys are those of the order or not.
func TestEventIDJSONOrders(t *testing.T) {
	for _, p := range orderSeeds {
		var c canon
		checkIdentity(t, &c, []byte(p[0]))
		checkIdentity(t, &c, []byte(p[1]))
		checkIdentity(t, &c, []byte(p[0]+" ")) // another text: not a recent one
	}
}

// FuzzEventIDJSONOrders: two events identified one after the other by
// one canon (the second written in orders the first left) have the
// identities of the decoded events.
func FuzzEventIDJSONOrders(f *testing.F) {
	for _, p := range orderSeeds {
		f.Add([]byte(p[0]), []byte(p[1]))
	}
	f.Fuzz(func(t *testing.T, a, b []byte) {
		var c canon
		checkIdentity(t, &c, a)
		checkIdentity(t, &c, b)
	})
}
