package main

// "kqlrules test": regression tests of a rules repository, run by
// regress.Run; this file holds its flags and exit status.

import (
	"context"
	"os"

	"github.com/kqlrules/kqlrules/regress"
	"github.com/kqlrules/kqlrules/replay"
)

// testCmd is "kqlrules test".
type testCmd struct {
	Rules        []string `required:"" placeholder:"PATH" help:"Rule files, Kibana exports (.ndjson) or directories of them (a detection-rules checkout: its rules/ and rules_building_block/), found as run --rules finds them."`
	Baseline     string   `default:"kqlrules.baseline.json" placeholder:"FILE" help:"The baseline: each rule's alerted events in an earlier replay (default: ${default})."`
	Update       bool     `help:"Write the replay's outcome to the baseline instead of failing on differences."`
	JUnit        string   `name:"junit" placeholder:"FILE" help:"Write JUnit XML to FILE: one testcase per rule."`
	AnyIndex     bool     `name:"any-index" help:"Treat events without _index or data_stream.* as matching every rule's index patterns."`
	ArrivalOrder bool     `name:"arrival-order" help:"Replay the events in the order they come, as a live cluster indexes them; by default in time order, as Kibana's manual rule run over an index holding them all."`
	Events       []string `arg:"" optional:"" help:"Event files or directories (*.ndjson, *.jsonl, *.json, .gz), in any order (see --arrival-order); - reads standard input. Without them, each rule runs on its own test events only."`
}

// Run tests (regress.Run); the status is 0 when every rule matches its
// baseline and its own test events, 1 when one does not (or a rule file
// does not load), 2 when the test could not run.
func (c *testCmd) Run(e *env) error {
	var opts []replay.RunOption
	if c.AnyIndex {
		opts = append(opts, replay.WithAnyIndex())
	}
	if c.ArrivalOrder {
		opts = append(opts, replay.WithArrivalOrder())
	}
	res, err := regress.Run(context.Background(), regress.Config{
		Name: "kqlrules test", Rules: c.Rules, Events: c.Events, Stdin: e.stdin,
		Baseline: c.Baseline, Update: c.Update, JUnit: c.JUnit,
		Annotations: os.Getenv("GITHUB_ACTIONS") == "true",
		Options:     opts, Stdout: e.stdout, Stderr: e.stderr,
	})
	if err != nil {
		return &exitError{status: exitFailed, msg: err.Error()}
	}
	if res.Failed > 0 {
		return &exitError{status: exitFindings}
	}
	return nil
}

// Help is the text after the flags in "kqlrules test --help".
func (c *testCmd) Help() string {
	return exitHelp + " 1 when a rule's alerts differ from the baseline, a rule is missing from it, a rule's own test events fail, or a rule file does not load; --update writes the baseline and accepts the differences."
}
