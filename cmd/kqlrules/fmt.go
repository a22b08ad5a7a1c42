package main

// fmtCmd is "kqlrules fmt". It is not written yet.
type fmtCmd struct{}

func (c *fmtCmd) Run(e *env) error {
	return &exitError{status: 2, msg: "kqlrules fmt: not available yet"}
}
