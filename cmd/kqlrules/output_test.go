package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// fullWriter fails every write as /dev/full does.
type fullWriter struct{}

func (fullWriter) Write(p []byte) (int, error) { return 0, syscall.ENOSPC }

// TestStdoutWriteError: an answer that does not reach standard output is
// a command that could not run, for every command (match --rules and fmt
// --query used to exit 0 on /dev/full, diff 1): status 2 and the reason,
// through the one check run makes after each command.
func TestStdoutWriteError(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	files := map[string]string{
		"ev.ndjson": `{"@timestamp":"2023-01-01T00:00:00Z","destination.port":21,"_index":"filebeat-1"}` + "\n",
		"rule.toml": strings.NewReplacer("LANG", "kuery", "QUERY", "destination.port:21", "NAME", "FTP",
			"ID", "00000000-0000-4000-8000-000000000041", "TYPE", "query").Replace(testRule),
		"q.kql": "f : a",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, args := range [][]string{
		{"parse", "f:a"},
		{"parse", "--tree", "f:a"},
		{"parse", "--jsonl"},
		{"eval", "--jsonl"},
		{"match", "--query", "destination.port:21", "ev.ndjson"},
		{"match", "--rules", "rule.toml", "ev.ndjson"},
		{"run", "--rule", "rule.toml", "ev.ndjson"},
		{"run", "--rules", "rule.toml", "ev.ndjson"},
		{"check", "--json", "--query", "destination.prot:21"},
		{"fmt", "--query", "f : a"},
		{"fmt", "q.kql"},
		{"explain", "--query", "destination.port:21", "ev.ndjson"},
		{"diff", "--old", "f:a", "--new", "f:(a or b)"},
		{"dsl", "f:a"},
	} {
		var stderr bytes.Buffer
		stdin := strings.NewReader(`{"query":"f:a","event":{"f":"a"}}` + "\n")
		status := run(args, stdin, fullWriter{}, &stderr)
		if status != 2 || !strings.Contains(stderr.String(), "kqlrules "+args[0]+": error: writing standard output: ") {
			t.Errorf("kqlrules %s > /dev/full: status %d, stderr %q; want 2 and the reason", strings.Join(args, " "), status, stderr.String())
		}
	}
}

// TestReportJSONUnwritable: --report-json to a path that cannot be
// written fails before the run, not after the alerts were written.
func TestReportJSONUnwritable(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	os.WriteFile("ev.ndjson", []byte(`{"@timestamp":"2023-01-01T00:00:00Z","destination.port":21}`+"\n"), 0o644)
	for _, args := range [][]string{
		{"run", "--rule", "builtin/ftp.toml", "--any-index", "--report-json", "no/such/dir/r.json", "ev.ndjson"},
		{"run", "--rules", "rules/builtin", "--any-index", "--report-json", "no/such/dir/r.json", "ev.ndjson"},
	} {
		var stdout, stderr bytes.Buffer
		status := run(args, strings.NewReader(""), &stdout, &stderr)
		if status != 2 || stdout.Len() > 0 || !strings.Contains(stderr.String(), "no/such/dir/r.json: error: --report-json: cannot write") {
			t.Errorf("%v: status %d, stdout %q, stderr %q", args, status, stdout.String(), stderr.String())
		}
	}
}

// TestInputLimits: query and rule files, and a query on standard input,
// are refused while they are read once past their limit (rules.ReadFile,
// rules.ReadLimited), with the file and the limit named.
func TestInputLimits(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	big := strings.Repeat("a", 2<<20)
	os.WriteFile("big.kql", []byte(big), 0o644)
	os.WriteFile("big.toml", []byte("[rule]\nquery = '"+strings.Repeat("a", 9<<20)+"'\n"), 0o644)
	for _, tc := range []struct {
		args  []string
		stdin string
		want  string
	}{
		{[]string{"parse", "-"}, big, "-: error: larger than the 1 MiB limit for a query"},
		{[]string{"parse", "-f", "big.kql"}, "", "big.kql: error: larger than the 1 MiB limit for a query file"},
		{[]string{"check", "big.kql"}, "", "big.kql: error: larger than the 1 MiB limit for a query file"},
		{[]string{"fmt", "big.kql"}, "", "big.kql: error: larger than the 1 MiB limit for a query file"},
		{[]string{"check", "big.toml"}, "", "big.toml: error: larger than the 8 MiB limit for a rule file"},
		{[]string{"fmt", "--check", "big.toml"}, "", "big.toml: error: larger than the 8 MiB limit for a rule file"},
		{[]string{"match", "--rule", "big.toml"}, "", "big.toml: error: larger than the 8 MiB limit for a rule file"},
	} {
		var stdout, stderr bytes.Buffer
		status := run(tc.args, strings.NewReader(tc.stdin), &stdout, &stderr)
		if status != 2 || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("kqlrules %s: status %d, stderr %q; want 2 and %q", strings.Join(tc.args, " "), status, stderr.String(), tc.want)
		}
	}
}

// TestJSONLinesTooLong: a JSON-lines input line past the limit is named
// by its number with the limit, not bufio.Scanner's "token too long".
func TestJSONLinesTooLong(t *testing.T) {
	defer func(old int) { maxJSONLine = old }(maxJSONLine)
	maxJSONLine = 1 << 20
	in := `{"query":"f:a","event":{"f":"a"}}` + "\n" + `{"query":"f:a","event":{"f":"` + strings.Repeat("x", 2<<20) + `"}}` + "\n"
	for _, cmd := range []string{"eval", "parse", "dsl"} {
		var stdout, stderr bytes.Buffer
		status := run([]string{cmd, "--jsonl"}, strings.NewReader(in), &stdout, &stderr)
		want := "kqlrules " + cmd + ": error: input line 2 is longer than the 1 MiB limit of a line\n"
		if status != 2 || stderr.String() != want || strings.Count(stdout.String(), "\n") != 1 {
			t.Errorf("%s --jsonl: status %d, stdout %q, stderr %q; want 2, one answer and %q", cmd, status, stdout.String(), stderr.String(), want)
		}
	}
}
