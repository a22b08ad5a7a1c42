//go:build !race

package eql_test

// raceEnabled is true under the race detector: corpus-wide tests sample
// there (it is ten times slower), and sync.Pool drops items at random, so
// allocation counts do not hold.
const raceEnabled = false
