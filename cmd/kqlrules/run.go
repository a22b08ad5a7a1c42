package main

// runCmd is "kqlrules run". It is not written yet.
type runCmd struct{}

func (c *runCmd) Run(e *env) error {
	return &exitError{status: 2, msg: "kqlrules run: not available yet"}
}
