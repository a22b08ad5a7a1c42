package rules

import (
	"fmt"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"
	"github.com/google/go-cmp/cmp"
	"github.com/kqlrules/kqlrules/internal/corpus"
)

// burntSushi is what toml.Decode gives, normalized as decodeTOML
// gives it (an array of tables is a []any), or an error.
func burntSushi(data []byte) (map[string]any, error) {
	m := map[string]any{}
	if _, err := toml.Decode(string(data), &m); err != nil {
		return m, err
	}
	return normalize(m).(map[string]any), nil
}

// sameAsBurntSushi checks that when the fast decoder takes a document,
// toml.Decode takes it too and gives the same map, types included.
func sameAsBurntSushi(t *testing.T, name string, data []byte) (fast bool) {
	t.Helper()
	got, ok := fastTOML(data)
	if !ok {
		return false
	}
	want, err := burntSushi(data)
	if err != nil {
		t.Errorf("%s: the fast decoder took a document toml.Decode refuses (%v):\n%s", name, err, data)
		return true
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("%s: fast decoder differs from toml.Decode (-want +got):\n%s", name, d)
	}
	return true
}

// TestFastTOMLTree: every rule file of Elastic's tree decodes as
// toml.Decode decodes it, and nearly all of them take the fast path.
func TestFastTOMLTree(t *testing.T) {
	dir := corpus.Path(t, "detection-rules")
	files, fast := 0, 0
	EachTreeTOML(t, dir, func(path string, data []byte) {
		files++
		if sameAsBurntSushi(t, path, data) {
			fast++
		}
	})
	t.Logf("%d of %d files took the fast path", fast, files)
	if files < 2192 || fast < files*9/10 {
		t.Errorf("%d of %d files took the fast path, want 90%%", fast, files)
	}
}

// fastTOMLCases are documents at the edges of what the fast decoder
// takes, and beyond (which it leaves to toml.Decode).
var fastTOMLCases = []string{
	"a = 1\nb = -0\nc = +1_000\nd = true\ne = false\n",
	"a = \"x\\ty\\u00e9\\U0001F600\\\"\\\\\"\nb = 'lit\\n'\n",
	"a = \"\"\"\nline1\nline2 \\\n   continued\"\"\"\nb = '''\nraw\\n'''\n",
	"a = \"\"\"q\"\"\"\"\"\nb = '''q'''''\nc = \"\"\"\"\"\"\n",
	"a = [1, \"x\", [true, []], ]\nb = [\n  # comment\n  \"y\", # more\n]\n",
	"[t]\na = 1\n[t.u]\nb = 2\n[[arr]]\nc = 3\n[[arr]]\nc = 4\n[arr.sub]\nd = 5\n[[arr.list]]\ne = 6\n",
	"[x.y.z]\na = 1\n[x]\nb = 2\n",
	"[\"quoted key\".'lit' . bare]\n\"k\" = 1\n'l' = 2\n\"\" = 3\n",
	"# only a comment\n\n   \n",
	"a = 1 # trailing comment\n[t] # comment\n",
	"a = {b = 1, \"c\" = [{ d = 'x' }, {}], e = {}}\n[[t]]\nf = [{ excluded = false, field = \"g\" }]\n",
	// beyond the fast path, or errors
	"a = 1\na = 2\n", "a = 1\n\"a\" = 2\n", "[t]\n[t]\n", "[[t]]\n[t]\n", "[t]\n[[t]]\n", "a = [1]\n[[a]]\n",
	"a.b = 1\n", "a = {b = 1}\n[a.c]\n", "a = {b = 1}\n[a]\n", "[t]\na = {}\n[t.a.b]\n", "a = {b = 1,}\n",
	"a = {b.c = 1}\n", "a = {b = 1, b = 2}\n", "a = {\nb = 1}\n", "a = {b = 1} x\n", "[[t]]\na = {}\n[t.a.b]\n", "[[t]]\n[[t]]\na = {}\n[t.a]\n", "a = 1.5\n", "a = 1e3\n", "a = 1979-05-27\n", "a = 0x1f\n", "a = 01\n",
	"a = 1_\n", "a = 1__0\n", "a = inf\n", "a = \"\\e\"\n", "a = \"\\x41\"\n", "a = \"\\ud800\"\n", "a = \"\\q\"\n",
	"a = \"tab\there\"\n", "a = \"ctl\x01\"\n", "a = 'ctl\x7f'\n", "# ctl \x01\n", "a = \"\"\"\"\"\"\"\"\n",
	"a = 1\r\nb = 2\r\n", "\ufeffa = 1\n", "a = truex\n", "a = 1 b = 2\n", "a = [1 2]\n", "a = \"unclosed\n",
	"a = 9223372036854775808\n", "a = -9223372036854775808\n", "[t]\nb = 1\n[t.b]\n", "[t.b]\n[t]\nb = 1\n",
	"a = \"\"\"x\\ y\"\"\"\n", "[ [t]]\n", "[t\n", "= 1\n", "a =\n", "a = 1\n[[t.u]]\n[t]\n[t.u]\n",
}

// TestFastTOMLCases checks the fast decoder on documents at its edges:
// where it takes one, the answer is toml.Decode's; and it does take the
// plain ones.
func TestFastTOMLCases(t *testing.T) {
	for i, c := range fastTOMLCases {
		fast := sameAsBurntSushi(t, c, []byte(c))
		if i < 11 && !fast {
			t.Errorf("the fast decoder left %q to toml.Decode", c)
		}
	}
}

// TestFastTOMLManyTables checks the sets of defined and inline table
// paths past the length they are searched as lists (maxPathList): a
// table defined again, or a header into an inline table, is still left
// to toml.Decode, early in the document or late.
func TestFastTOMLManyTables(t *testing.T) {
	var tables, inline strings.Builder
	for i := range 3 * maxPathList {
		fmt.Fprintf(&tables, "[t%d]\na = %d\n", i, i)
		fmt.Fprintf(&inline, "i%d = {a = %d}\n", i, i)
	}
	if !sameAsBurntSushi(t, "many tables", []byte(tables.String()+inline.String())) {
		t.Error("the fast decoder left many tables to toml.Decode")
	}
	for _, n := range []int{0, maxPathList - 1, maxPathList, 3*maxPathList - 1} {
		for _, doc := range []string{
			tables.String() + fmt.Sprintf("[t%d]\n", n),
			inline.String() + fmt.Sprintf("[i%d.b]\n", n),
			inline.String() + fmt.Sprintf("[i%d]\n", n),
		} {
			if sameAsBurntSushi(t, "redefined", []byte(doc)) {
				t.Errorf("the fast decoder took a table defined twice (%d)", n)
			}
		}
	}
}

// TestDecodeTOMLErrors: a document the fast decoder does not take gets
// toml.Decode's answer and error, so that a syntax error keeps its line.
func TestDecodeTOMLErrors(t *testing.T) {
	data := []byte("[rule]\nname = \"r\"\nname = \"again\"\n")
	_, err := decodeTOML(data)
	_, want := burntSushi(data)
	if err == nil || want == nil || err.Error() != want.Error() {
		t.Errorf("decodeTOML error %v, toml.Decode's %v", err, want)
	}
}

// FuzzFastTOML: whatever the document, the fast decoder either leaves it
// to toml.Decode or gives toml.Decode's answer.
func FuzzFastTOML(f *testing.F) {
	for _, c := range fastTOMLCases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		sameAsBurntSushi(t, "fuzz", data)
	})
}

// BenchmarkDecodeTOMLTree decodes every rule file of Elastic's tree (the
// TOML part of loading it), files read beforehand.
func BenchmarkDecodeTOMLTree(b *testing.B) {
	dir := corpus.Path(b, "detection-rules")
	var docs [][]byte
	EachTreeTOML(b, dir, func(_ string, data []byte) { docs = append(docs, data) })
	b.ReportAllocs()
	for b.Loop() {
		for _, d := range docs {
			if _, err := decodeTOML(d); err != nil {
				b.Fatal(err)
			}
		}
	}
}
