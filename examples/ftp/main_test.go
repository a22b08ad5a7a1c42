package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite testdata/ftp.golden")

// TestMainJob keeps the main job's output stable: the bundled sample, every
// distinct version of the FTP rule, the alerts, the table and the reasons.
func TestMainJob(t *testing.T) {
	var buf bytes.Buffer
	if err := run(nil, &buf); err != nil {
		t.Fatal(err)
	}
	golden := filepath.Join("testdata", "ftp.golden")
	if *update {
		if err := os.WriteFile(golden, buf.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (go test ./examples/ftp -update writes it)", err)
	}
	if d := cmp.Diff(string(want), buf.String()); d != "" {
		t.Errorf("output changed (-want +got; go test ./examples/ftp -update accepts it):\n%s", d)
	}
}

// TestFiles runs the job over a file given on the command line.
func TestFiles(t *testing.T) {
	dir := t.TempDir()
	f := filepath.Join(dir, "ev.json")
	data := `[{"_index":"packetbeat-8.5.0","_id":"only","@timestamp":"2023-01-01T00:00:00Z","event.category":"network","network.transport":"tcp","source.ip":"10.0.0.1","destination.ip":"169.254.1.1","destination.port":21}]`
	if err := os.WriteFile(f, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := run([]string{f}, &buf); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{"1 read, 0 rejected", "v6-8 fails: destination.ip 169.254.1.1 is excluded", "v2 fails: index packetbeat-8.5.0 is not in filebeat-*"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if err := run([]string{filepath.Join(dir, "missing")}, &buf); err == nil {
		t.Error("no error for a missing file")
	}
}
