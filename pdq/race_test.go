//go:build race

package pdq

// raceEnabled trims the heaviest decodes from race-detector runs, which are
// about ten times slower; normal runs still cover everything.
const raceEnabled = true
