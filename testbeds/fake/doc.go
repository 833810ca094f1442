// Package fake is an in-memory testbeds.Runtime for tests of the layers above
// the container runtime. It keeps the contract of the real runtime (Apply is
// idempotent by service hash, Destroy is idempotent, Sweep honours its grace
// period, Events fans out to every subscriber) and adds hooks that let a test
// play the part of the world: SetHealth, Crash, Fail and SetEndpoint.
package fake
