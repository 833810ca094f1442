// Package orchestrator holds pilotbed's use cases: it takes a pilot file from
// submit to close. It stores submitted pilots as drafts, moves them through
// their lifecycle (every transition a compare-and-set in the store and an
// audit event), starts them at their start date, asks the container runtime
// for one testbed per candidate, records what the runtime observes, computes
// uptime and incidents from those records, and at close takes the last
// measurements, removes the testbeds and writes a summary.
//
// The orchestrator owns the clock (Config.Now) and the scheduler (Tick), so
// tests can fast-forward a pilot's weeks. It talks to storage through
// pilots.Store and to containers through testbeds.Runtime, never to a
// concrete adapter.
package orchestrator
