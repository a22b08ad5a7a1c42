//go:build race

package main

// raceEnabled is true under the race detector, under which the tests that
// walk the whole ECS table take a sample of it.
const raceEnabled = true
