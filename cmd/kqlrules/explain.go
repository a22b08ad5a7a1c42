package main

// explainCmd is "kqlrules explain". It is not written yet.
type explainCmd struct{}

func (c *explainCmd) Run(e *env) error {
	return &exitError{status: 2, msg: "kqlrules explain: not available yet"}
}
