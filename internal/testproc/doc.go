// Package testproc starts a test's subprocesses so that they die with the test, and fails a
// test in CI when a tool it needs is missing.
package testproc
