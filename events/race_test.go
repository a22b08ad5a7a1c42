//go:build race

package events_test

// raceEnabled is true under the race detector, which makes the corpus
// tests take a sample of the events.
const raceEnabled = true
