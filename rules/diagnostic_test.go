package rules_test

import (
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"

	"github.com/kqlrules/kqlrules/events"
	"github.com/kqlrules/kqlrules/rules"
	"github.com/kqlrules/kqlrules/rules/builtin"
)

// TestLoadDiagnostics: a rule file whose query does not parse is placed at
// the file's line and column with its caret line, from the *rules.Error
// alone (the file is not read again); other problems name their field.
func TestLoadDiagnostics(t *testing.T) {
	data := []byte(`[metadata]
creation_date = "2023/01/01"
maturity = "production"
updated_date = "2023/01/01"

[rule]
author = ["me"]
description = "d"
from = "now-9m"
index = ["filebeat-*"]
language = "kuery"
query = """
destination.port:21 and
  (source.ip:10.0.0.1
"""
name = "bad"
risk_score = 21
rule_id = "r1"
severity = "low"
type = "query"
`)
	_, err := rules.Parse("bad.toml", data)
	if err == nil {
		t.Fatal("no error")
	}
	ds := rules.LoadDiagnostics("bad.toml", err)
	if len(ds) != 1 {
		t.Fatalf("diagnostics: %q", ds)
	}
	d := ds[0]
	if d.File != "bad.toml" || d.Line != 15 || d.Col != 1 || d.Code != "syntax" || d.Snippet == "" {
		t.Errorf("diagnostic %+v, want bad.toml:15:1 [syntax] with a snippet", d)
	}
	want := "bad.toml:15:1: error: expected 'and', 'or' or ')' after '10.0.0.1' but found the end of the query [syntax]\n    \"\"\"\n    ^"
	if d.String() != want {
		t.Errorf("String:\n%s\nwant:\n%s", d, want)
	}

	// a file that cannot be read is one diagnostic naming it
	ds = rules.LoadDiagnostics("none.toml", &fs.PathError{Op: "open", Path: "none.toml", Err: fs.ErrNotExist})
	if len(ds) != 1 || ds[0].String() != "none.toml: error: file does not exist" {
		t.Errorf("unreadable file: %q", ds)
	}
	// the finder's errors, one a path
	ds = rules.FindDiagnostics(errors.Join(&rules.FindError{Path: "a", Err: fs.ErrPermission}, &rules.FindError{Path: "b", Err: fs.ErrNotExist}))
	if len(ds) != 2 || ds[0].String() != "a: error: permission denied" || ds[1].String() != "b: error: file does not exist" {
		t.Errorf("find errors: %q", ds)
	}
}

// TestFileDiagnostic: an event that cannot be read is placed at its line
// (events.Error's Position), also when wrapped; a file error names the
// file once (its *fs.PathError's path when no name is given).
func TestFileDiagnostic(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"", &events.Error{File: "e.ndjson", Line: 3, Err: errors.New("not a JSON object")}, "e.ndjson:3: error: not a JSON object"},
		{"", fmt.Errorf("reading: %w", &events.Error{File: "-", Line: 1, Err: errors.New("bad")}), "-:1: error: bad"},
		{"", &fs.PathError{Op: "open", Path: "r.toml", Err: fs.ErrNotExist}, "r.toml: error: file does not exist"},
		{"r.toml", &fs.PathError{Op: "open", Path: "r.toml", Err: fs.ErrPermission}, "r.toml: error: permission denied"},
		{"", errors.New("no file"), "kqlrules: error: no file"},
	} {
		if got := rules.FileDiagnostic(tc.name, tc.err).String(); got != tc.want {
			t.Errorf("FileDiagnostic(%q, %v) = %q, want %q", tc.name, tc.err, got, tc.want)
		}
	}
}

// TestQuerySourceAt: the current query and each version's are placed at
// their own lines of the file, so a place in the query is a place in the
// file; a version the history lacks is History.At's error.
func TestQuerySourceAt(t *testing.T) {
	data, err := builtin.Files.ReadFile("ftp.toml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := rules.Parse("ftp.toml", data)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(string(data), "\n")
	for _, n := range []int{0, 1, 8} {
		q, err := r.QuerySourceAt("ftp.toml", n)
		if err != nil || q.Value == nil {
			t.Fatalf("version %d: %+v, %v", n, q, err)
		}
		want := r.Query
		if n != 0 {
			want, _ = r.History.QueryAt(n)
		}
		line, col, _ := q.Position(0)
		if q.Text != want || line < 1 || line > len(lines) || !strings.HasPrefix(strings.TrimLeft(lines[line-1][col-1:], `"'`), strings.TrimSpace(want)[:5]) {
			t.Errorf("version %d: %q at %d:%d, want %q there", n, q.Text, line, col, want)
		}
	}
	if q := r.QuerySource("ftp.toml"); q.Text != r.Query || q.Value == nil {
		t.Errorf("QuerySource = %+v", q)
	}
	if _, err := r.QuerySourceAt("ftp.toml", 99); !errors.Is(err, rules.ErrNoVersion) {
		t.Errorf("version 99: %v", err)
	}
}
