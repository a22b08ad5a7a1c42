//go:build race

package ruleset_test

// raceEnabled is true under the race detector, whose sync.Pool drops
// items at random: allocation counts do not hold there.
const raceEnabled = true
