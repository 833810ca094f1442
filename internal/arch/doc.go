// Package arch holds no code, only the test that keeps the dependency
// direction of the project's layout true: the domain (pilots, testbeds)
// depends on no adapter, use cases (orchestrator) on no concrete runtime, the
// HTTP layer on no concrete store or runtime, and only cmd wires adapters.
package arch
