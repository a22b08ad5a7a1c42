package main

// evalCmd is "kqlrules eval". It is not written yet.
type evalCmd struct{}

func (c *evalCmd) Run(e *env) error {
	return &exitError{status: 2, msg: "kqlrules eval: not available yet"}
}
