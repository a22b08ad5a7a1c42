package main

// matchCmd is "kqlrules match". It is not written yet.
type matchCmd struct{}

func (c *matchCmd) Run(e *env) error {
	return &exitError{status: 2, msg: "kqlrules match: not available yet"}
}
