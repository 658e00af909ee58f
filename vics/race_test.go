//go:build race

package vics_test

const raceEnabled = true
