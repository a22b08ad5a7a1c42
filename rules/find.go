package rules

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// This file is the one rule-file finder: every command that takes rule
// files and folders (kqlrules run --rules, match --rules, test, check, fmt)
// and package ruleset find them here, with one policy.

// TestEventsSuffix ends the name of a rule's own test events, beside the
// rule file (rule.test.ndjson beside rule.toml, for kqlrules test): such
// files hold events, not rules, and [FindFiles] passes them over in
// folders.
const TestEventsSuffix = ".test.ndjson"

// IsRuleFile reports whether a file found in a folder is read as rules:
// its name ends in .toml, .json or .ndjson (a Kibana export), in any case,
// and it is not a rule's test events ([TestEventsSuffix]).
func IsRuleFile(name string) bool {
	lower := strings.ToLower(name)
	if strings.HasSuffix(lower, TestEventsSuffix) {
		return false
	}
	switch filepath.Ext(lower) {
	case ".toml", ".json", ".ndjson":
		return true
	}
	return false
}

// FindError is a path given to [FindFiles], or an entry of a folder, that
// could not be read.
type FindError struct {
	Path string
	Err  error
}

// Error returns "path: why".
func (e *FindError) Error() string { return e.Path + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *FindError) Unwrap() error { return e.Err }

// FindFiles returns the rule files at paths, in order:
//
//   - a file is taken as it is, whatever its name;
//   - a path that does not exist but holds a glob pattern (*, ? or [) is
//     replaced by the paths it matches, in lexical order;
//   - a folder holding a rules/ folder is the root of a checkout of
//     Elastic's detection-rules: its rules/ and rules_building_block/
//     folders are searched, nothing else (not its pyproject.toml, tests or
//     etc/ files);
//   - any other folder is searched recursively, in lexical order, for the
//     files [IsRuleFile] takes, leaving out folders whose name begins
//     with a dot.
//
// In a folder, entries that are not regular files (FIFOs, sockets,
// devices, symbolic links to folders) are passed over, as grep -r does;
// a symbolic link to a regular file is followed. A path or entry that
// cannot be read gives a *FindError, and the search goes on: the files
// found are returned with all such errors joined.
func FindFiles(paths ...string) ([]string, error) {
	var out []string
	var errs []error
	for _, p := range paths {
		matches := []string{p}
		if _, err := os.Lstat(p); err != nil && strings.ContainsAny(p, "*?[") {
			m, gerr := filepath.Glob(p)
			switch {
			case gerr != nil:
				errs = append(errs, &FindError{Path: p, Err: gerr})
				continue
			case len(m) == 0:
				errs = append(errs, &FindError{Path: p, Err: errors.New("no file matches")})
				continue
			}
			matches = m
		}
		for _, m := range matches {
			fi, err := os.Stat(m)
			if err != nil {
				errs = append(errs, &FindError{Path: m, Err: unwrapPath(err)})
				continue
			}
			if !fi.IsDir() {
				out = append(out, m)
				continue
			}
			for _, root := range searchRoots(m) {
				out = walkRules(root, out, &errs)
			}
		}
	}
	return out, errors.Join(errs...)
}

// searchRoots returns the folders of dir to search: rules/ and
// rules_building_block/ for a detection-rules checkout, else dir.
func searchRoots(dir string) []string {
	rules := filepath.Join(dir, "rules")
	if fi, err := os.Stat(rules); err != nil || !fi.IsDir() {
		return []string{dir}
	}
	roots := []string{rules}
	bb := filepath.Join(dir, "rules_building_block")
	if fi, err := os.Stat(bb); err == nil && fi.IsDir() {
		roots = append(roots, bb)
	}
	return roots
}

// walkRules appends the rule files under root to out.
func walkRules(root string, out []string, errs *[]error) []string {
	filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			*errs = append(*errs, &FindError{Path: path, Err: unwrapPath(err)})
			if d != nil && d.IsDir() && path != root {
				return filepath.SkipDir
			}
			return nil
		}
		if d.IsDir() {
			if path != root && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir
			}
			return nil
		}
		if !IsRuleFile(d.Name()) {
			return nil
		}
		if d.Type().IsRegular() {
			out = append(out, path)
			return nil
		}
		if d.Type()&fs.ModeSymlink == 0 {
			return nil // a FIFO, socket or device
		}
		fi, err := os.Stat(path)
		switch {
		case err != nil:
			*errs = append(*errs, &FindError{Path: path, Err: unwrapPath(err)})
		case fi.Mode().IsRegular():
			out = append(out, path)
		}
		return nil
	})
	return out
}

// unwrapPath returns the reason of an *fs.PathError, whose path the
// *FindError names already.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
