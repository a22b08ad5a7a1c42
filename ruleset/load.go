// Package ruleset loads a whole tree of detection rules and matches them
// all on each event in one pass.
//
// [Load] reads rule files as Elastic's detection-rules repository lays
// them out (rules/**/*.toml and rules_building_block/), Kibana rule
// exports (NDJSON, one rule a line) and single TOML or JSON files, and
// tells for every file (every line of an export) whether its rule loaded,
// was skipped (a rule type or language the replay does not run, with the
// reason from [rules.Replayable]) or failed (with file and line).
//
// [New] compiles the loaded rules into a [Set]. Its programs share one
// table of fields, so that each distinct field of an event is resolved
// once for all the rules ([eval.FieldTable], [eval.Cache]), and it indexes
// the rules by the keyword values an event must have for them to match
// ([eval.Program.RequiredTerms]), so that an event is tested only against
// the rules its values point to. [Set.Match] returns exactly the rules
// whose own programs match, allocates nothing per event in steady state,
// and may be called from many goroutines at once.
package ruleset

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kqlrules/kqlrules/rules"
)

// Status is what became of one rule file (or one line of a Kibana export).
type Status string

// The outcomes of loading a rule.
const (
	Loaded  Status = "loaded"  // a rule the set runs
	Skipped Status = "skipped" // a valid rule the set does not run; Reason says why
	Failed  Status = "error"   // the rule could not be read; Err says where and why
)

// File is the outcome of loading one rule.
type File struct {
	Path string // the file
	// Line is the line of the rule in a Kibana export (NDJSON), 0 for a
	// file of one rule.
	Line   int
	Status Status
	// Rule is the rule, unless Failed. Of a skipped rule only what names
	// it is kept (RuleID, Name, Type, Language, Version), so that a large
	// tree of mostly skipped rules takes little memory. Of a loaded rule
	// the Source keeps File, Format and Warnings but not the file's text
	// and lines (Source.Value and Source.Line find nothing): a rule set
	// runs rules, it does not point into their files.
	Rule   *rules.Rule
	Reason string // Skipped: why
	Err    error  // Failed: the error, naming the file and line
}

// Where returns "file" or "file:line" for a rule of an export.
func (f *File) Where() string {
	if f.Line > 0 {
		return fmt.Sprintf("%s:%d", f.Path, f.Line)
	}
	return f.Path
}

// Load reads the rules at each path: a rule file (TOML, JSON), a Kibana
// export (.ndjson, one rule a line; the export summary line is ignored),
// or a directory. In a directory that has a rules/ subdirectory (the root
// of a detection-rules checkout) it reads rules/ and rules_building_block/;
// in any other directory every .toml, .json and .ndjson file below it
// (but a rule's test events, [TestEventsSuffix]), in lexical order. A problem with one rule is that File's outcome; the error
// is for a path that cannot be read at all.
//
// The files are read and decoded in parallel (one worker a CPU); the
// outcomes come in the order above, as one worker would give them.
func Load(paths ...string) ([]File, error) {
	var out []File
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return out, fmt.Errorf("ruleset: %w", err)
		}
		if !fi.IsDir() {
			fs, err := loadFiles([]string{p})
			out = append(out, fs...)
			if err != nil {
				return out, err
			}
			continue
		}
		roots := []string{p}
		if sub, err := os.Stat(filepath.Join(p, "rules")); err == nil && sub.IsDir() {
			roots = []string{filepath.Join(p, "rules")}
			if bb, err := os.Stat(filepath.Join(p, "rules_building_block")); err == nil && bb.IsDir() {
				roots = append(roots, filepath.Join(p, "rules_building_block"))
			}
		}
		for _, root := range roots {
			var files []string
			walkErr := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() || !ruleFile(path) {
					return nil
				}
				files = append(files, path)
				return nil
			})
			fs, err := loadFiles(files)
			out = append(out, fs...)
			if err != nil {
				return out, err
			}
			if walkErr != nil {
				return out, fmt.Errorf("ruleset: %w", walkErr)
			}
		}
	}
	return out, nil
}

// loadFiles reads and decodes the files in parallel, with at most one
// worker a CPU, and returns their outcomes in the order of paths, up to
// the first file that cannot be read, whose error it returns.
func loadFiles(paths []string) ([]File, error) {
	type result struct {
		files []File
		err   error
	}
	results := make([]result, len(paths))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(paths)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				results[i].files, results[i].err = loadFile(paths[i])
			}
		}()
	}
	wg.Wait()
	var out []File
	for _, r := range results {
		if r.err != nil {
			return out, r.err
		}
		out = append(out, r.files...)
	}
	return out, nil
}

// TestEventsSuffix ends the name of a rule's own test events, beside the
// rule file (rule.test.ndjson beside rule.toml, for kqlrules test): such
// files hold events, not rules, and Load passes them over in directories.
const TestEventsSuffix = ".test.ndjson"

func ruleFile(path string) bool {
	if strings.HasSuffix(strings.ToLower(path), TestEventsSuffix) {
		return false
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml", ".json", ".ndjson":
		return true
	}
	return false
}

// loadFile reads one rule file or export.
func loadFile(path string) ([]File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("ruleset: %w", err)
	}
	if strings.EqualFold(filepath.Ext(path), ".ndjson") {
		return loadExport(path, data), nil
	}
	r, err := rules.Parse(path, data)
	return []File{outcome(File{Path: path}, r, err)}, nil
}

// loadExport reads a Kibana export: one rule object a line.
func loadExport(path string, data []byte) []File {
	var out []File
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, len(data)+1)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || exportSummary(line) {
			continue
		}
		r, err := rules.ParseJSON(path, line)
		if err != nil {
			err = fmt.Errorf("line %d: %w", n, err)
		}
		out = append(out, outcome(File{Path: path, Line: n}, r, err))
	}
	return out
}

// exportSummary reports whether line is the summary Kibana's export ends
// with ({"exported_count": ..., "missing_rules": ...}): no rule_id.
func exportSummary(line []byte) bool {
	return !bytes.Contains(line, []byte(`"rule_id"`)) &&
		(bytes.Contains(line, []byte(`"exported_count"`)) || bytes.Contains(line, []byte(`"exportedCount"`)))
}

func outcome(f File, r *rules.Rule, err error) File {
	if err != nil {
		f.Status, f.Err = Failed, err
		return f
	}
	f.Rule = r
	if ok, why := rules.Replayable(r); !ok {
		f.Status, f.Reason = Skipped, why
		// cloned: a decoded string may hold the whole file's text
		f.Rule = &rules.Rule{RuleID: strings.Clone(r.RuleID), Name: strings.Clone(r.Name),
			Type: rules.Type(strings.Clone(string(r.Type))), Language: rules.Language(strings.Clone(string(r.Language))), Version: r.Version}
		return f
	}
	f.Status = Loaded
	r.Source = rules.Source{File: r.Source.File, Format: r.Source.Format, Warnings: r.Source.Warnings}
	return f
}

// Rules returns the rules of the files that loaded, in order.
func Rules(files []File) []*rules.Rule {
	var out []*rules.Rule
	for _, f := range files {
		if f.Status == Loaded {
			out = append(out, f.Rule)
		}
	}
	return out
}

// Errors returns the errors of the files that failed, joined, or nil.
func Errors(files []File) error {
	var errs []error
	for _, f := range files {
		if f.Status == Failed {
			errs = append(errs, f.Err)
		}
	}
	return errors.Join(errs...)
}

// Counts returns how many files had each status.
func Counts(files []File) map[Status]int {
	out := map[Status]int{}
	for _, f := range files {
		out[f.Status]++
	}
	return out
}
