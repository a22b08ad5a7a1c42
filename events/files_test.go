package events_test

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/kqlrules/kqlrules/events"
)

// collect lists what ReadFiles (or ReadRawFiles) yields, as readAll does.
func collect(t *testing.T, paths []string, stdin string) []string {
	t.Helper()
	var out []string
	for ev, err := range events.ReadFiles(paths, strings.NewReader(stdin)) {
		var ee *events.Error
		switch {
		case errors.As(err, &ee):
			out = append(out, ee.Error())
		case err != nil:
			out = append(out, "ERR "+err.Error())
		default:
			out = append(out, ev.File+":"+strconv.Itoa(ev.Line)+":"+string(ev.Fields["k"].(string)))
		}
	}
	var raw []string
	for ev, err := range events.ReadRawFiles(paths, strings.NewReader(stdin)) {
		var ee *events.Error
		switch {
		case errors.As(err, &ee):
			raw = append(raw, ee.Error())
		case err != nil:
			raw = append(raw, "ERR "+err.Error())
		default:
			rec, err := ev.Decode()
			if err != nil {
				t.Fatal(err)
			}
			raw = append(raw, ev.File+":"+strconv.Itoa(ev.Line)+":"+string(rec.Fields["k"].(string)))
		}
	}
	if d := cmp.Diff(out, raw); d != "" {
		t.Errorf("ReadFiles and ReadRawFiles differ (-ReadFiles +ReadRawFiles):\n%s", d)
	}
	return out
}

func gz(t *testing.T, s string) []byte {
	t.Helper()
	var b bytes.Buffer
	z := gzip.NewWriter(&b)
	z.Write([]byte(s))
	if err := z.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	write("logs/b.ndjson", []byte("{\"k\":\"b1\"}\nbad\n{\"k\":\"b3\"}\n"))
	write("logs/a/x.json", []byte(`[{"k":"ax"}]`))
	write("logs/c.jsonl.gz", gz(t, "{\"k\":\"c1\"}\n"))
	write("logs/README.md", []byte("not events"))
	write("logs/d.txt", []byte("{\"k\":\"no\"}\n"))
	plain := write("events.log", gz(t, "{\"k\":\"z1\"}\n\n{\"k\":\"z3\"}\n")) // gzip told by content
	logs := filepath.Join(dir, "logs")
	rel := func(p string) string { return filepath.Join(logs, p) }

	got := collect(t, []string{logs, "-", plain}, "{\"k\":\"in\"}\n")
	want := []string{
		rel("a/x.json") + ":1:ax",
		rel("b.ndjson") + ":1:b1",
		rel("b.ndjson") + ":2: invalid JSON: invalid character 'b' looking for beginning of value",
		rel("b.ndjson") + ":3:b3",
		rel("c.jsonl.gz") + ":1:c1",
		"-:1:in",
		plain + ":1:z1",
		plain + ":3:z3",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("-want +got:\n%s", d)
	}

	missing := filepath.Join(dir, "missing.ndjson")
	got = collect(t, []string{rel("c.jsonl.gz"), missing, plain}, "")
	want = []string{rel("c.jsonl.gz") + ":1:c1", "ERR open " + missing + ": no such file or directory"}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("a missing file ends the sequence: -want +got:\n%s", d)
	}

	bad := write("bad.ndjson.gz", append(gz(t, "{\"k\":\"g1\"}\n{\"k\":\"g2\"}\n")[:30:30], 0, 0, 0))
	got = collect(t, []string{bad}, "")
	if len(got) == 0 || !strings.HasPrefix(got[len(got)-1], "ERR "+bad) {
		t.Errorf("a broken gzip file gives no error: %q", got)
	}
}

func TestIsEventFile(t *testing.T) {
	for name, want := range map[string]bool{
		"a.ndjson": true, "a.jsonl": true, "a.json": true, "a.ndjson.gz": true, "a.json.gz": true,
		"a.gz": false, "a.txt": false, "json": false, "a.json.bak": false,
	} {
		if got := events.IsEventFile(name); got != want {
			t.Errorf("IsEventFile(%q) = %v, want %v", name, got, want)
		}
	}
}
