// Package storetest is the contract test suite of pilots.Store. Every store
// (SQLite now, PostgreSQL later) runs the same suite from its own tests:
//
//	func TestStore(t *testing.T) {
//		storetest.Run(t, func(t *testing.T) pilots.Store { return openTestStore(t) })
//	}
//
// The suite uses times with microsecond precision so that stores whose
// timestamps are microseconds (PostgreSQL) pass it too.
package storetest
