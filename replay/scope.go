package replay

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/kqlrules/kqlrules/ast"
	"github.com/kqlrules/kqlrules/eval"
)

// firstValue returns the first value of the field, flat or nested.
func firstValue(fields map[string]any, p *eval.Path) (any, bool) {
	return eval.First(eval.Map(fields), p)
}

// stringOf returns the first value of the field as text
// (eval.KeywordText), or "".
func stringOf(e eval.Event, p *eval.Path) string {
	v, ok := eval.First(e, p)
	if !ok {
		return ""
	}
	s, _ := eval.KeywordText(v)
	return s
}

var (
	dsType      = eval.NewPath("data_stream.type")
	dsDataset   = eval.NewPath("data_stream.dataset")
	dsNamespace = eval.NewPath("data_stream.namespace")
	timestamp   = eval.NewPath("@timestamp")
	indexPath   = eval.NewPath("_index")
)

// stringValue returns the first value of the field as text (eval.KeywordText),
// or "".
func stringValue(fields map[string]any, p *eval.Path) string {
	v, ok := firstValue(fields, p)
	if !ok {
		return ""
	}
	s, _ := eval.KeywordText(v)
	return s
}

// eventIndex returns the event's index: _index (a data stream's backing
// index stands for the stream), else the data stream name built from
// data_stream.type, .dataset and .namespace.
func eventIndex(e eval.Event) (string, bool) {
	if v, ok := eval.First(e, indexPath); ok {
		if s, ok := v.(string); ok && s != "" {
			return backingStream(s), true
		}
	}
	// the data stream's name when all three parts have a value: the
	// next is read only when the one before has one
	typ := stringOf(e, dsType)
	if typ == "" {
		return "", false
	}
	ds := stringOf(e, dsDataset)
	if ds == "" {
		return "", false
	}
	if ns := stringOf(e, dsNamespace); ns != "" {
		return typ + "-" + ds + "-" + ns, true
	}
	return "", false
}

// backingStream turns ".ds-<stream>-<yyyy.mm.dd>-<generation>" into
// <stream>; other names are returned as they are.
func backingStream(s string) string {
	rest, ok := strings.CutPrefix(s, ".ds-")
	if !ok {
		return s
	}
	i := strings.LastIndexByte(rest, '-')
	if i < 0 || !allDigits(rest[i+1:]) {
		return s
	}
	rest = rest[:i]
	j := strings.LastIndexByte(rest, '-')
	if j < 0 || len(rest[j+1:]) != 10 {
		return s
	}
	return rest[:j]
}

func allDigits(s string) bool {
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return s != ""
}

// indexPatterns is a rule's index patterns: an index matches when it
// matches an including pattern and no excluding ("-") one.
type indexPatterns struct{ include, exclude [][]string }

// compilePatterns splits each pattern at its '*'s (strings.Split). Its
// pieces share one array, and the include and exclude lists another: a
// replay compiles the patterns of every rule it is given.
func compilePatterns(ps []string) indexPatterns {
	pieces, in, ex := 0, 0, 0
	for _, p := range ps {
		if body, exclude, ok := indexPattern(p); ok {
			if exclude {
				ex++
			} else {
				in++
			}
			pieces += strings.Count(body, "*") + 1
		}
	}
	if in+ex == 0 {
		return indexPatterns{}
	}
	all := make([]string, 0, pieces)
	lists := make([][]string, in+ex)
	ip := indexPatterns{include: lists[:0:in], exclude: lists[in : in : in+ex]}
	for _, p := range ps {
		body, exclude, ok := indexPattern(p)
		if !ok {
			continue
		}
		start := len(all)
		for {
			i := strings.IndexByte(body, '*')
			if i < 0 {
				break
			}
			all = append(all, body[:i])
			body = body[i+1:]
		}
		all = append(all, body)
		if exclude {
			ip.exclude = append(ip.exclude, all[start:len(all):len(all)])
		} else {
			ip.include = append(ip.include, all[start:len(all):len(all)])
		}
	}
	return ip
}

// indexPattern reads an index pattern: its text without white space
// around it and without the leading '-' of an excluding one (exclude); ok
// is false for an empty including pattern, which matches nothing.
func indexPattern(p string) (body string, exclude, ok bool) {
	p = strings.TrimSpace(p)
	if x, found := strings.CutPrefix(p, "-"); found {
		return x, true, true
	}
	return p, false, p != ""
}

func (ip indexPatterns) match(index string) bool {
	found := false
	for _, g := range ip.include {
		if ast.MatchWildcard(g, index) {
			found = true
			break
		}
	}
	if !found {
		return false
	}
	for _, g := range ip.exclude {
		if ast.MatchWildcard(g, index) {
			return false
		}
	}
	return true
}

// MatchIndex reports whether index matches one of the patterns as a rule's
// index list matches it: '*' is the only wildcard, a pattern starting with
// '-' excludes what it matches.
func MatchIndex(patterns []string, index string) bool {
	return compilePatterns(patterns).match(index)
}

// eventID returns the event's _id, or a hash of its content.
func eventID(fields map[string]any) string {
	if s, ok := fields["_id"].(string); ok && s != "" {
		return s
	}
	b, err := json.Marshal(fields) // keys sorted: a stable encoding
	if err != nil {
		b = fmt.Appendf(nil, "%v", fields)
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:16])
}
