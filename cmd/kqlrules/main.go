// Command kqlrules parses, checks and runs KQL detection rules offline.
//
//	kqlrules parse [--tree] [--jsonl] (QUERY | -f FILE | -)
//
// See "kqlrules --help" for every subcommand.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/alecthomas/kong"
)

// cli is the command line: one field a subcommand, each in a file of its
// own.
type cli struct {
	Parse   parseCmd   `cmd:"" help:"Print a query's canonical form, or its tree."`
	Eval    evalCmd    `cmd:"" help:"Match events against queries, one JSON line each."`
	Match   matchCmd   `cmd:"" help:"Print the events that match a query or rule (like grep)."`
	Run     runCmd     `cmd:"" help:"Replay a rule over event files as Kibana's detection engine would."`
	Check   checkCmd   `cmd:"" help:"Check queries and rule files: syntax, fields, values, likely mistakes."`
	Fmt     fmtCmd     `cmd:"" help:"Print or rewrite queries in canonical form."`
	Explain explainCmd `cmd:"" help:"Show why an event does or does not match."`
	Diff    diffCmd    `cmd:"" help:"Tell a formatting edit from a real change, with witness events."`
	DSL     dslCmd     `cmd:"" name:"dsl" help:"Print the Elasticsearch query Kibana builds for a query, or a rule's whole search."`
	Test    testCmd    `cmd:"" help:"Replay a rules repository over events and compare each rule's alerts with a baseline."`
	EQL     eqlCmd     `cmd:"" name:"eql" help:"Run an EQL event query over events as Elasticsearch's _eql/search does."`
}

// env is what a subcommand reads and writes, so that tests can run the
// command in-process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer
}

// exitError ends the command with a status and, when msg is not empty, a
// message on stderr.
type exitError struct {
	status int
	msg    string
}

func (e *exitError) Error() string { return e.msg }

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run runs the command line args and returns the exit status, the same
// for every subcommand: 0 nothing found, 1 findings or differences (a
// syntax error for parse, no match, a query not canonical, a change of
// meaning), 2 the command could not run.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) (status int) {
	var c cli
	exited := false
	parser, err := kong.New(&c,
		kong.Name("kqlrules"),
		kong.Description("Parse, check and run Elastic-style KQL detection rules offline."),
		kong.Writers(stdout, stderr),
		kong.Exit(func(code int) { exited, status = true, code; panic(exitPanic{}) }),
		kong.UsageOnError(),
	)
	if err != nil {
		fmt.Fprintln(stderr, "kqlrules:", err)
		return 2
	}
	defer func() {
		if r := recover(); r != nil {
			if _, ok := r.(exitPanic); ok && exited {
				return
			}
			panic(r)
		}
	}()
	ctx, err := parser.Parse(args)
	if err != nil {
		fmt.Fprintln(stderr, "kqlrules: error:", err)
		return exitFailed
	}
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if err := ctx.Run(e); err != nil {
		var x *exitError
		if errors.As(err, &x) {
			if x.msg != "" {
				fmt.Fprintln(stderr, x.msg)
			}
			return x.status
		}
		fmt.Fprintln(stderr, "kqlrules: error:", err)
		return exitFailed
	}
	return exitOK
}

// exitPanic unwinds kong's exit (after --help) back to run.
type exitPanic struct{}
