//go:build !race

package lint

// raceEnabled is true under the race detector: corpus-wide tests sample
// there (it is ten times slower).
const raceEnabled = false
