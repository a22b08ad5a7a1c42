package main

import (
	"bytes"
	"os"
	"testing"
)

// Example_detect matches the test events with three goroutines: the
// output is in input order whatever the scheduling. The EQL rule's event
// query (process where true) joins the set as the KQL rules do.
func Example_detect() {
	in, err := os.Open("testdata/events.ndjson")
	if err != nil {
		panic(err)
	}
	defer in.Close()
	if err := detect("testdata/rules", in, os.Stdout, os.Stdout, 3); err != nil {
		panic(err)
	}
	// Output:
	// -:5: invalid JSON: invalid character 'o' in literal null (expecting 'u')
	// 1: ftp-out
	// 3: ftp-out ssh
	// 4: ssh
	// 6: eql
}

// TestWorkersAgree checks that one goroutine and many print the same.
func TestWorkersAgree(t *testing.T) {
	data, err := os.ReadFile("testdata/events.ndjson")
	if err != nil {
		t.Fatal(err)
	}
	var one, many, log bytes.Buffer
	if err := detect("testdata/rules", bytes.NewReader(data), &one, &log, 1); err != nil {
		t.Fatal(err)
	}
	if err := detect("testdata/rules", bytes.NewReader(data), &many, &log, 8); err != nil {
		t.Fatal(err)
	}
	if one.String() != many.String() || one.Len() == 0 {
		t.Errorf("1 goroutine:\n%s8 goroutines:\n%s", one.String(), many.String())
	}
}
