package main

import (
	"bytes"
	"os"
	"testing"
)

// Example_detect runs the detector over the bundled sample with four
// goroutines: the output is sorted, so it does not depend on scheduling.
func Example_detect() {
	if err := detect(nil, os.Stdout, 4); err != nil {
		panic(err)
	}
	// Output:
	// internal/sample/ftp_sample.ndjson:2 10.0.0.5 -> 198.51.100.9:21
	// internal/sample/ftp_sample.ndjson:4 10.0.0.5 -> 198.51.100.9:20
	// internal/sample/ftp_sample.ndjson:6 10.0.0.6 -> 203.0.113.10:21
	// internal/sample/ftp_sample.ndjson:8 192.168.1.20 -> 198.51.100.30:21
	// internal/sample/ftp_sample.ndjson:10 10.0.0.7 -> 198.51.100.4:21
	// internal/sample/ftp_sample.ndjson:12 172.20.1.1 -> 203.0.113.44:21
	// internal/sample/ftp_sample.ndjson:14 10.0.3.3 -> 198.51.100.77:21
	// internal/sample/ftp_sample.ndjson:32 10.0.0.16 -> 198.51.100.16:2121
	// internal/sample/ftp_sample.ndjson:34 10.0.0.17 -> 198.51.100.17:21
	// internal/sample/ftp_sample.ndjson:48 ::ffff:10.1.2.3 -> 198.51.100.24:21
	// internal/sample/ftp_sample.ndjson:54 10.0.0.27 -> 2001:db8:85a3::8a2e:370:7334:21
	// internal/sample/ftp_sample.ndjson:66 172.31.255.254 -> 172.32.0.1:21
	// internal/sample/ftp_sample.ndjson:68 10.0.0.34 -> 100.64.0.1:20
	// internal/sample/ftp_sample.ndjson:74 10.0.0.5 -> 198.51.100.9:21
	// internal/sample/ftp_sample.ndjson:76 10.0.0.38 -> 198.51.100.38:21
	// internal/sample/ftp_sample.ndjson:78 10.0.0.39 -> 198.51.100.39:21
	// internal/sample/ftp_sample.ndjson:82 10.0.0.41 -> 198.51.100.41:21
	// 17 detections by "FTP (File Transfer Protocol) Activity to the Internet" with 4 goroutines
}

// TestWorkersAgree checks that one goroutine and many find the same.
func TestWorkersAgree(t *testing.T) {
	var one, many bytes.Buffer
	if err := detect(nil, &one, 1); err != nil {
		t.Fatal(err)
	}
	if err := detect(nil, &many, 8); err != nil {
		t.Fatal(err)
	}
	a, b := bytes.TrimSuffix(one.Bytes(), []byte("with 1 goroutines\n")), bytes.TrimSuffix(many.Bytes(), []byte("with 8 goroutines\n"))
	if !bytes.Equal(a, b) {
		t.Errorf("1 goroutine:\n%s\n8 goroutines:\n%s", one.String(), many.String())
	}
}
