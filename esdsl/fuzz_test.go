package esdsl

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/kqlrules/kqlrules/kql"
	"github.com/kqlrules/kqlrules/mapping"
)

// FuzzFromKQL: any query that parses translates without panicking, on
// Kibana's stub data view and without one; the JSON is valid and reads
// back (ParseQuery) to the same bytes.
func FuzzFromKQL(f *testing.F) {
	for _, c := range kibanaCases {
		f.Add(c.kql, true)
	}
	for _, s := range []string{``, `a:(b or not c) and d:{ e > 1 }`, `*:*`, `null:x`, `true:*`, `"free text"`, `a:"<&>\u0001"`, `**`, `nestedField:{ nestedChild:{ doublyNestedChild:x } }`} {
		f.Add(s, false)
	}
	dv := stubDataView(f)
	f.Fuzz(func(t *testing.T, src string, leading bool) {
		x, err := kql.Parse(src)
		if err != nil {
			return
		}
		for _, dv := range []*mapping.DataView{dv, nil} {
			q, err := FromKQL(x, dv, Config{AllowLeadingWildcards: leading, NestedIgnoreUnmapped: yes()})
			if err != nil {
				if _, ok := err.(*Error); !ok {
					t.Fatalf("%q: error of type %T: %v", src, err, err)
				}
				continue
			}
			b, err := q.MarshalJSON()
			if err != nil || !json.Valid(b) {
				t.Fatalf("%q: invalid JSON %s: %v", src, b, err)
			}
			back, err := ParseQuery(b)
			if err != nil && bytes.Contains(b, []byte(`"field":""`)) {
				// a field name KQL trims to nothing ("\f:*"): Kibana sends it,
				// and Elasticsearch refuses it as ParseQuery does ("field name
				// is null or empty": elastic/elasticsearch, server/src/main/java/
				// org/elasticsearch/index/query/ExistsQueryBuilder.java and the
				// term-level builders)
				continue
			}
			if err != nil {
				t.Fatalf("%q: reading back %s: %v", src, b, err)
			}
			if b2, _ := back.MarshalJSON(); !bytes.Equal(b, b2) {
				t.Fatalf("%q: read back differs:\n%s\n%s", src, b, b2)
			}
		}
	})
}

// FuzzParseQuery: any input gives a query or an error, never a panic, and
// a query read marshals to valid JSON that reads back to the same bytes.
func FuzzParseQuery(f *testing.F) {
	for _, s := range []string{`{"term":{"f":"v"}}`, `{"bool":{"must_not":{"exists":{"field":"a"}},"minimum_should_match":"1"}}`,
		`{"range":{"f":{"gte":1.5e3,"format":"x"}}}`, `{"nested":{"path":"p","query":{"match_all":{}}}}`, `{"script":{"script":{"source":"s","params":{"a":[1,{"b":null}]}}}}`, `[`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		q, err := ParseQuery(data)
		if err != nil {
			return
		}
		b, err := q.MarshalJSON()
		if err != nil || !json.Valid(b) {
			t.Fatalf("%s: invalid JSON %s: %v", data, b, err)
		}
		back, err := ParseQuery(b)
		if err != nil {
			t.Fatalf("%s: reading back %s: %v", data, b, err)
		}
		if b2, _ := back.MarshalJSON(); !bytes.Equal(b, b2) {
			t.Fatalf("%s: read back differs:\n%s\n%s", data, b, b2)
		}
	})
}
