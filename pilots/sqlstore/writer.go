package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/pilotbed/pilotbed/pilots"
)

// Group commit.
//
// A durable commit costs an fsync of the write-ahead log, a millisecond or
// more, and SQLite has one writer: committing each submission on its own
// caps the store at roughly a thousand submissions a second however many
// participants wait. Submissions therefore go to one goroutine, the
// committer, which takes every submission waiting at that moment (up to
// maxBatch), runs them in one transaction, each inside its own savepoint so
// that one failing submission leaves the others intact, commits once and
// only then answers every waiter. A caller still learns of its response
// only once it is on disk; it merely shares the fsync with its neighbours.
//
// Every other write takes the writer through writeSem, a channel of one
// slot: blocked channel senders are served in arrival order, unlike the
// waiters for a free connection in database/sql, so a burst of writes does
// not starve one of them, and a caller that gives up stops waiting.

// maxBatch bounds how many submissions share one transaction, so that one
// commit, and the wait of the first submission in it, stays short.
const maxBatch = 256

// submission is one SubmitResponse waiting for the committer.
type submission struct {
	ctx       context.Context // the caller's; checked before the work, never used for SQL
	r         pilots.Response
	anonymous bool
	answers   []byte            // r.Answers as JSON
	done      chan submitResult // buffered: the committer never blocks on it
}

// submitResult is the committer's answer to one submission.
type submitResult struct {
	stored  pilots.Response
	created bool
	err     error
}

// errClosed answers submissions that the committer will never take because
// the store is closing.
var errClosed = errors.New("the store is closed")

// startCommitter starts the goroutine that commits submissions; Close stops
// it.
func (s *Store) startCommitter() {
	s.writeSem = make(chan struct{}, 1)
	s.submits = make(chan *submission, maxBatch)
	s.stop = make(chan struct{})
	s.stopped = make(chan struct{})
	go s.commitLoop()
}

// stopCommitter makes the committer finish the batch it is running and
// exit; submissions still queued are answered with errClosed by their
// callers, as none of them can be committed any more.
func (s *Store) stopCommitter() {
	if s.stop == nil {
		return
	}
	s.stopOnce.Do(func() { close(s.stop) })
	<-s.stopped
}

// acquireWriter takes the writer for one transaction, in arrival order.
func (s *Store) acquireWriter(ctx context.Context) error {
	select {
	case s.writeSem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (s *Store) releaseWriter() { <-s.writeSem }

// enqueue hands sub to the committer and waits for its answer. A caller
// whose context ends stops waiting; its submission may still be committed,
// which a repeat then finds, but it is never reported as stored unless it
// was.
func (s *Store) enqueue(ctx context.Context, sub *submission) submitResult {
	select {
	case s.submits <- sub:
	case <-ctx.Done():
		return submitResult{err: ctx.Err()}
	case <-s.stop:
		return submitResult{err: errClosed}
	}
	select {
	case res := <-sub.done:
		return res
	case <-ctx.Done():
		return submitResult{err: ctx.Err()}
	case <-s.stopped:
		// The committer has exited: either it answered before leaving or
		// the submission was never taken.
		select {
		case res := <-sub.done:
			return res
		default:
			return submitResult{err: errClosed}
		}
	}
}

// commitLoop is the committer: it waits for a submission, takes the writer,
// gathers every submission that arrived meanwhile and commits them
// together.
func (s *Store) commitLoop() {
	defer close(s.stopped)
	// The SQL runs under a context of its own: one caller giving up must
	// not interrupt the statements, let alone the transaction, of others.
	ctx := context.Background()
	batch := make([]*submission, 0, maxBatch)
	for {
		select {
		case sub := <-s.submits:
			batch = append(batch[:0], sub)
		case <-s.stop:
			return
		}
		// Unlike a caller of inTx, the committer never gives up: it just
		// waits for its turn.
		s.writeSem <- struct{}{}
		// While the writer was busy more submissions queued up; they all
		// share this commit.
	gather:
		for len(batch) < maxBatch {
			select {
			case sub := <-s.submits:
				batch = append(batch, sub)
			default:
				break gather
			}
		}
		s.commitBatch(ctx, batch)
		s.releaseWriter()
		clear(batch) // let the answered submissions go
	}
}

// commitBatch stores batch in one transaction and answers each submission
// once the commit is durable, or with an error if it is not.
func (s *Store) commitBatch(ctx context.Context, batch []*submission) {
	results := make([]submitResult, len(batch))
	fail := func(err error) {
		for i, sub := range batch {
			// A submission that already failed on its own keeps its
			// reason; nothing of this batch is stored.
			if results[i].err == nil {
				results[i] = submitResult{err: err}
			}
			sub.done <- results[i]
		}
	}
	tx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		fail(fmt.Errorf("submit responses: begin: %w", err))
		return
	}
	for i, sub := range batch {
		if err := sub.ctx.Err(); err != nil {
			// Nobody waits for it any more; not storing it is the
			// answer the caller already gave itself.
			results[i].err = err
			continue
		}
		res, fatal := s.submitInSavepoint(ctx, tx, sub)
		if fatal != nil {
			tx.Rollback()
			fail(fmt.Errorf("submit responses: %w", fatal))
			return
		}
		results[i] = res
	}
	if err := tx.Commit(); err != nil {
		fail(fmt.Errorf("submit responses: commit: %w", err))
		return
	}
	for i, sub := range batch {
		sub.done <- results[i]
	}
}

// submitInSavepoint stores one submission inside the batch's transaction.
// Its own failure is rolled back to the savepoint and returned in the
// result; fatal is an error that leaves the transaction unusable, so the
// whole batch must be abandoned.
func (s *Store) submitInSavepoint(ctx context.Context, tx *sql.Tx, sub *submission) (res submitResult, fatal error) {
	if _, err := s.txExec(ctx, tx, qSavepoint); err != nil {
		return submitResult{}, fmt.Errorf("savepoint: %w", err)
	}
	stored, created, err := s.submitOne(ctx, tx, sub.r, sub.anonymous, sub.answers)
	if err != nil {
		if _, rerr := s.txExec(ctx, tx, qRollbackTo); rerr != nil {
			return submitResult{}, fmt.Errorf("roll back to savepoint after %v: %w", err, rerr)
		}
	}
	if _, rerr := s.txExec(ctx, tx, qRelease); rerr != nil {
		return submitResult{}, fmt.Errorf("release savepoint: %w", rerr)
	}
	if err != nil {
		return submitResult{err: wrapErr("submit response to survey "+sub.r.Survey, err)}, nil
	}
	return submitResult{stored: stored, created: created}, nil
}
