package eql

import (
	"bytes"
	"encoding/json"
	"io"
	"iter"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/kqlrules/kqlrules/events"
)

// ReadDocs reads the documents of an index from NDJSON files (and JSON
// arrays, directories, gzip and "-" for stdin, as [events.ReadRawFiles]
// reads them) into memory; see [Docs].
func ReadDocs(paths []string, stdin io.Reader) ([]Doc, error) {
	var docs []Doc
	for d, err := range Docs(paths, func() io.Reader { return stdin }) {
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	return docs, nil
}

// Docs yields the documents of the files each time it is ranged over
// (stdin gives the reader of "-" for each pass), for [SearchStream]. A
// line's "_index" and "_id" are metadata, not source: a document without
// "_index" is in the index named after its file ("logs" for
// logs.ndjson), one without "_id" gets its ordinal among all the
// documents read, from "0". Errors name the file and line.
func Docs(paths []string, stdin func() io.Reader) iter.Seq2[Doc, error] {
	return func(yield func(Doc, error) bool) {
		var in io.Reader
		if stdin != nil {
			in = stdin()
		}
		n := 0
		for raw, err := range events.ReadRawFiles(paths, in) {
			if err != nil {
				yield(Doc{}, err)
				return
			}
			d, err := docOf(raw, n)
			if !yield(d, err) || err != nil {
				return
			}
			n++
		}
	}
}

func docOf(raw events.Raw, n int) (Doc, error) {
	rec, err := raw.Decode()
	if err != nil {
		return Doc{}, err
	}
	d := Doc{Source: rec.Fields, ID: strconv.Itoa(n), Index: indexOf(raw.File)}
	meta := false
	if v, ok := d.Source["_index"].(string); ok {
		d.Index, meta = v, true
	}
	if v, ok := d.Source["_id"].(string); ok {
		d.ID, meta = v, true
	}
	if !meta {
		d.Raw = append(json.RawMessage(nil), bytes.TrimSpace(raw.JSON)...)
		return d, nil
	}
	delete(d.Source, "_index")
	delete(d.Source, "_id")
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(d.Source); err != nil {
		return Doc{}, err
	}
	d.Raw = bytes.TrimSpace(b.Bytes())
	return d, nil
}

func indexOf(file string) string {
	name := filepath.Base(file)
	name = strings.TrimSuffix(name, ".gz")
	return strings.TrimSuffix(name, filepath.Ext(name))
}
