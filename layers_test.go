package kqlrules_test

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestLayers checks the imports of the module's packages (their files
// but tests): the rule as written (package rules) imports of this module
// only its query languages, their syntax tree and eval (the detection
// engine is package replay, the Query DSL package esdsl, events package
// events); and the root package is imported only by the command and
// the examples, nothing below it.
func TestLayers(t *testing.T) {
	const module = "github.com/kqlrules/kqlrules"
	rulesMay := map[string]bool{module + "/ast": true, module + "/eql": true, module + "/eval": true, module + "/kql": true}
	fset := token.NewFileSet()
	files := 0
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != "." && (d.Name() == "testdata" || d.Name() == "bench" || strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir // bench is a module of its own
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		files++
		dir := filepath.ToSlash(filepath.Dir(path))
		for _, spec := range f.Imports {
			imp, err := strconv.Unquote(spec.Path.Value)
			if err != nil {
				return err
			}
			if dir == "rules" && strings.HasPrefix(imp, module+"/") && !rulesMay[imp] {
				t.Errorf("%s imports %s: package rules may import only ast, eql, eval and kql of this module", path, imp)
			}
			if imp == module && !strings.HasPrefix(dir, "cmd/") && !strings.HasPrefix(dir, "examples/") {
				t.Errorf("%s imports the root package: only the command and the examples may", path)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files < 100 {
		t.Fatalf("%d files read: the walk missed the module", files)
	}
}
