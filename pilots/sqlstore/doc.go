// Package sqlstore keeps pilots, their audit trail and API tokens in SQLite
// through database/sql and the pure-Go driver modernc.org/sqlite. It
// implements pilots.Store; the contract is checked by pilots/storetest.
//
// # Durability
//
// A participant's receipt and an admin's "promoted" are promises that the
// data is on disk, so every commit is durable before a method returns:
//
//   - journal_mode=WAL: readers never block the writer and the writer never
//     blocks readers; a commit appends to the write-ahead log instead of
//     rewriting pages in place.
//   - synchronous=FULL: the log is fsynced at every commit. (NORMAL, the
//     usual WAL companion, may lose the last commits on power loss; it stays
//     consistent but not durable, which is not enough here.)
//   - foreign_keys=1: events and participants cannot point at a pilot that
//     does not exist.
//   - busy_timeout=5000: a connection that meets a lock held by another
//     process (say a backup) waits up to 5 s instead of failing at once.
//
// # Concurrency
//
// SQLite allows one writer at a time. The store keeps two pools: a writer
// pool of exactly one connection, whose transactions start with BEGIN
// IMMEDIATE (_txlock=immediate) so a transaction takes the write lock at its
// start and never fails halfway trying to upgrade a read lock; and a pool of
// read-only connections (query_only) for lookups. Writers take turns for
// the one connection in arrival order instead of meeting SQLITE_BUSY, and
// reads run in parallel against the last committed snapshot.
//
// Responses are group-committed: one goroutine takes every submission
// waiting at that moment, stores each in its own savepoint of one
// transaction and answers them all after the one fsync of its commit, so
// the rate of submissions is not bounded by the rate of fsyncs (see
// writer.go). The statements of the participant pages are prepared once
// (see prepared.go).
//
// # Schema
//
// The schema comes from the SQL files embedded from migrations/, applied in
// order, each in its own transaction together with its row in
// schema_migrations. Opening a migrated database changes nothing; opening a
// database that a newer pilotbed migrated fails with a clear error rather
// than guessing at a schema it does not know.
//
// Times are stored as INTEGER nanoseconds since the Unix epoch, so they
// round-trip exactly and sort as numbers; a zero time is stored as NULL.
// Times read back are in UTC.
package sqlstore
