package eql

import (
	"bytes"
	"encoding/json"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kqlrules/kqlrules/events"
)

// ReadDocs reads the documents of an index from NDJSON files (and JSON
// arrays, directories, gzip and "-" for stdin, as [events.ReadRawFiles]
// reads them). A line's "_index" and "_id" are metadata, not source: a
// document without "_index" is in the index named after its file
// ("logs" for logs.ndjson), one without "_id" gets its ordinal among all
// the documents read, from "0". Errors name the file and line.
func ReadDocs(paths []string, stdin io.Reader) ([]Doc, error) {
	var docs []Doc
	for raw, err := range events.ReadRawFiles(paths, stdin) {
		if err != nil {
			return nil, err
		}
		rec, err := raw.Decode()
		if err != nil {
			return nil, err
		}
		d := Doc{Source: rec.Fields, ID: strconv.Itoa(len(docs)), Index: indexOf(raw.File)}
		meta := false
		if v, ok := d.Source["_index"].(string); ok {
			d.Index, meta = v, true
		}
		if v, ok := d.Source["_id"].(string); ok {
			d.ID, meta = v, true
		}
		if meta {
			delete(d.Source, "_index")
			delete(d.Source, "_id")
			var b bytes.Buffer
			enc := json.NewEncoder(&b)
			enc.SetEscapeHTML(false)
			if err := enc.Encode(d.Source); err != nil {
				return nil, err
			}
			d.Raw = bytes.TrimSpace(b.Bytes())
		} else {
			d.Raw = append(json.RawMessage(nil), bytes.TrimSpace(raw.JSON)...)
		}
		docs = append(docs, d)
	}
	return docs, nil
}

func indexOf(file string) string {
	name := filepath.Base(file)
	name = strings.TrimSuffix(name, ".gz")
	return strings.TrimSuffix(name, filepath.Ext(name))
}
