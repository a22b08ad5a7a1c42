// Package sample embeds the bundled sample events, so that programs such
// as examples/ftp find them wherever they run.
//
// ftp_sample.ndjson holds 89 synthetic ECS network events (FTP cases in
// flat and nested shapes, each with labels.case saying what it exercises,
// and noise traffic), written by "go run ./internal/sample/gen" from the
// repository root; edit the generator, not the file.
package sample

import _ "embed"

// FTPSample is the content of ftp_sample.ndjson.
//
//go:embed ftp_sample.ndjson
var FTPSample []byte

// FTPSampleName is the sample's path from the repository root, for
// messages.
const FTPSampleName = "internal/sample/ftp_sample.ndjson"
