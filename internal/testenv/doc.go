// Package testenv gives tests a Docker client and the demo candidate image.
// Tests that need Docker skip when no daemon answers, unless the CI
// environment variable is set, in which case they fail: a CI run must never
// pass by skipping its integration tests.
package testenv
