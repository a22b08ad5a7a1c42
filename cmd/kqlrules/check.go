package main

// checkCmd is "kqlrules check". It is not written yet.
type checkCmd struct{}

func (c *checkCmd) Run(e *env) error {
	return &exitError{status: 2, msg: "kqlrules check: not available yet"}
}
