// Package apitest provides in-memory stand-ins for the dependencies of the
// api package (its Service and Tokens), so the HTTP layer and the CLI
// client can be tested without a store or a container runtime.
//
// The stand-in follows the lifecycle rules of package pilots but does no
// real parsing: a file is valid when it has a `pilot "name" {` line.
package apitest
