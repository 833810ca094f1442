// Package testbeds is the contract between pilotbed and the container
// runtime that runs candidates: a Plan says what one candidate's isolated
// environment consists of, a Runtime makes it so and reports what it
// observes as Events.
//
// The package imports no runtime. The Docker Engine implementation lives in
// testbeds/docker, an in-memory one for tests of the layers above in
// testbeds/fake.
package testbeds
