package main

// diffCmd is "kqlrules diff". It is not written yet.
type diffCmd struct{}

func (c *diffCmd) Run(e *env) error {
	return &exitError{status: 2, msg: "kqlrules diff: not available yet"}
}
