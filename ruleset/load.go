// Package ruleset loads a whole tree of detection rules and matches them
// all on each event in one pass.
//
// [Load] reads rule files as Elastic's detection-rules repository lays
// them out (rules/**/*.toml and rules_building_block/), Kibana rule
// exports (NDJSON, one rule a line) and single TOML or JSON files, and
// tells for every file (every line of an export) whether its rule loaded,
// was skipped (a rule type or language the replay does not run, with the
// reason from [replay.Replayable]) or failed (with file and line). The
// query of each rule it loads is parsed and compiled once: the syntax of
// a KQL query is checked by [replay.Prepare]'s parse, not also by the
// rule's validation ([rules.ParseForRun]), and Load keeps what
// [replay.Prepare] compiled in [File.Prepared], and [FromFiles] makes
// the set of the loaded rules from it.
//
// [New] compiles rules into a [Set]. Its programs share one
// table of fields, so that each distinct field of an event is resolved
// once for all the rules ([eval.FieldTable], [eval.Cache]), and it indexes
// the rules by the keyword values an event must have for them to match
// ([eval.Program.RequiredTerms]), so that an event is tested only against
// the rules its values point to. [Set.Match] returns exactly the rules
// whose own programs match, allocates nothing per event in steady state,
// and may be called from many goroutines at once.
package ruleset

import (
	"cmp"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/kqlrules/kqlrules/replay"
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
	// tree of mostly skipped rules takes little memory. A loaded rule
	// keeps neither its file's text ([rules.Rule.Detach]: its strings are
	// copies, its Source keeps File, Format and Warnings, and
	// Source.Value and Source.Line find nothing) nor its Note and Setup
	// and the transforms of its investigation guide (Extra["transform"]),
	// which running it does not read: a rule set runs rules, it does not
	// point into their files.
	Rule *rules.Rule
	// Prepared is the query of a loaded rule as [replay.Prepare]
	// compiled it, which [FromFiles] takes rather than compile it again;
	// nil unless Loaded.
	Prepared *replay.Prepared
	Reason   string // Skipped: why
	Err      error  // Failed: the error, naming the file and line
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
// or a directory, found as [rules.FindFiles] finds them (the root of a
// detection-rules checkout reads rules/ and rules_building_block/; any
// other directory every .toml, .json and .ndjson file below it but a
// rule's test events, in lexical order). A problem with one rule is that
// File's outcome; the error is for paths that cannot be read at all (the
// files that could are loaded still).
//
// The files are read and decoded in parallel (one worker a CPU); the
// outcomes come in the order above, as one worker would give them.
func Load(paths ...string) ([]File, error) {
	found, err := rules.FindFiles(paths...)
	out, lerr := loadFiles(found)
	if err := errors.Join(err, lerr); err != nil {
		return out, fmt.Errorf("ruleset: %w", err)
	}
	return out, nil
}

// loadFiles reads and decodes the files in parallel, with at most one
// worker a CPU, and returns their outcomes in the order of paths, with
// the errors of the files that cannot be read, joined.
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
			var buf []byte           // the text of the worker's files, reused
			var shared rules.Strings // the strings its rules hold alike, one copy each
			for {
				i := int(next.Add(1) - 1)
				if i >= len(paths) {
					return
				}
				var data []byte
				results[i].files, data, results[i].err = loadFile(paths[i], buf, &shared)
				buf = nil
				if reusable(results[i].files) {
					buf = data
				}
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, r := range results {
		n += len(r.files)
	}
	out := make([]File, 0, n)
	var errs []error
	for _, r := range results {
		out = append(out, r.files...)
		if r.err != nil {
			errs = append(errs, r.err)
		}
	}
	return out, errors.Join(errs...)
}

// TestEventsSuffix ends the name of a rule's own test events: it is
// [rules.TestEventsSuffix].
const TestEventsSuffix = rules.TestEventsSuffix

// loadFile reads one rule file or export, into buf's memory when it can
// hold it, and returns the outcomes and the file's text. The rules it
// keeps share the strings in shared (rules.Rule.DetachWith).
func loadFile(path string, buf []byte, shared *rules.Strings) ([]File, []byte, error) {
	data, err := rules.ReadFileInto(path, buf) // refused past its size limit
	if err != nil {
		return nil, nil, err
	}
	if rules.IsExport(path) {
		return loadExport(path, data, shared), data, nil
	}
	r, err := rules.ParseForRun(path, data)
	return []File{outcome(File{Path: path}, r, err, shared, func() error {
		_, err := rules.Parse(path, data)
		return err
	})}, data, nil
}

// reusable reports whether the text of the file that had these outcomes
// may be overwritten: a loaded rule is detached from it and a skipped
// one keeps copies of its names (outcome), but the error of a rule that
// failed may quote it.
func reusable(files []File) bool {
	for _, f := range files {
		if f.Status == Failed {
			return false
		}
	}
	return true
}

// loadExport reads a Kibana export: one rule object a line; the
// exception lists and items Kibana exports with the rules are skipped
// with that reason, its summary line left out.
func loadExport(path string, data []byte, shared *rules.Strings) []File {
	var out []File
	for _, l := range rules.ExportLines(data) {
		switch l.Kind {
		case rules.ExportSummary:
		case rules.ExportRule:
			r, err := l.ParseForRun(path)
			out = append(out, outcome(File{Path: path, Line: l.Line}, r, err, shared, func() error {
				_, err := l.Parse(path)
				return err
			}))
		default:
			out = append(out, File{Path: path, Line: l.Line, Status: Skipped, Reason: l.Skip()})
		}
	}
	return out
}

// outcome is what became of a rule read by rules.ParseForRun (r, err):
// the syntax of a KQL rule's query is left to replay.Prepare, which
// parses it once; when Prepare or ParseForRun refuses the rule, check
// (rules.Parse of the same text, which checks that syntax too) gives the
// answer Parse would have given. A rule kept shares the strings in
// shared (nil: its own copies).
func outcome(f File, r *rules.Rule, err error, shared *rules.Strings, check func() error) File {
	if err != nil {
		f.Status, f.Err = Failed, cmp.Or(check(), err)
		return f
	}
	// a rule set runs the rule: what it keeps of it must not hold the
	// file's text (a decoded string shares its memory); what only a
	// reader wants (the investigation guide and setup notes, half the
	// text of Elastic's rules) rules.ParseForRun did not keep.
	// What Prepare compiles is kept, and must not point into the file's
	// text: the rule is detached first, unless Prepare would refuse it
	// unread (a skipped rule keeps copies of its names, below)
	var prep *replay.Prepared
	if err = replay.Supported(r); err == nil {
		f.Rule = r.DetachWith(shared)
		prep, err = replay.Prepare(r)
	}
	if err != nil && r.IsKQL() {
		if err := check(); err != nil {
			f.Status, f.Rule, f.Err = Failed, nil, err
			return f
		}
	}
	if err != nil {
		f.Status, f.Reason = Skipped, replay.Reason(err)
		// cloned: the strings share the file's text, or one block of the
		// detached rule's
		f.Rule = &rules.Rule{RuleID: strings.Clone(r.RuleID), Name: strings.Clone(r.Name),
			Type: rules.Type(strings.Clone(string(r.Type))), Language: rules.Language(strings.Clone(string(r.Language))), Version: r.Version}
		return f
	}
	f.Status = Loaded
	f.Prepared = prep // for FromFiles
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
