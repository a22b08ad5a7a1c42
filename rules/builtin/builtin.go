// Package builtin holds the rule files that ship with kqlrules, embedded in
// the binary: for now the FTP rule with its whole version history.
package builtin

import (
	"embed"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strings"

	"github.com/kqlrules/kqlrules/rules"
)

// Files holds the bundled rule files, named like "ftp.toml".
//
//go:embed *.toml
var Files embed.FS

// FTPFile is the name of the FTP rule's file in Files.
const FTPFile = "ftp.toml"

// Names returns the names of the bundled rule files, sorted.
func Names() []string {
	ents, err := fs.ReadDir(Files, ".")
	if err != nil {
		return nil
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	slices.Sort(names)
	return names
}

// Load parses the bundled rule file name, such as "ftp.toml". Problems name
// the file as "builtin/<name>".
func Load(name string) (*rules.Rule, error) {
	data, err := Files.ReadFile(name)
	if err != nil {
		return nil, fmt.Errorf("builtin: no rule file %q (have %v)", name, Names())
	}
	return rules.Parse("builtin/"+name, data)
}

// FTP returns a fresh copy of the bundled "FTP (File Transfer Protocol)
// Activity to the Internet" rule (rule_id
// 87ec6396-9ac4-4706-bcf0-2ebb22002f43) with its history, versions 1 to 8
// (Kibana 7.6.0 to 7.12.0). The file is checked by this package's tests;
// FTP panics only if the binary was built from a broken file.
func FTP() *rules.Rule {
	r, err := Load(FTPFile)
	if err != nil {
		panic(fmt.Sprintf("builtin: the bundled FTP rule does not load: %v", err))
	}
	return r
}

// Prefix is how a command line names a bundled rule file: builtin/NAME,
// such as builtin/ftp.toml.
const Prefix = "builtin/"

// LoadPath loads the rule file at path (rules.Load), or the bundled rule
// NAME when path is builtin/NAME and no such file exists.
func LoadPath(path string) (*rules.Rule, error) {
	if name, ok := strings.CutPrefix(path, Prefix); ok {
		if _, err := os.Stat(path); err != nil {
			return Load(name)
		}
	}
	return rules.Load(path)
}

// File is a bundled rule file named as a command line names it.
type File struct {
	Name string // builtin/NAME
	Data []byte
}

// Split takes out of paths the bundled rule files named builtin/NAME for
// which no such file (or link) exists, with their contents; the other
// paths, a builtin/NAME that names no bundled file too, are left in rest.
func Split(paths []string) (rest []string, bundled []File) {
	for _, p := range paths {
		if name, ok := strings.CutPrefix(p, Prefix); ok {
			if _, err := os.Lstat(p); err != nil {
				if data, err := Files.ReadFile(name); err == nil {
					bundled = append(bundled, File{Name: p, Data: data})
					continue
				}
			}
		}
		rest = append(rest, p)
	}
	return rest, bundled
}
