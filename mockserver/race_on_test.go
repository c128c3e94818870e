//go:build race

package mockserver_test

// raceDetector says the tests run with -race, which makes a few bulk tests ten times slower.
const raceDetector = true
