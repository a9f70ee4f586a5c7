package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"modernc.org/sqlite"
)

// Waiting for another writer. SQLite lets one process write the library
// at a time (readers go on beside it: WAL). A writer that finds it taken
// waits, in short turns of SQLite's busy timeout so that Ctrl-C (ctx) is
// heard between them; after busyNotice it says so (the notice), and after
// LockWait it gives up with a *DBError (Busy) naming the fix.
const (
	// sqliteBusyTimeout is one turn of the wait, inside SQLite.
	sqliteBusyTimeout = 250 * time.Millisecond
	// busyNotice is how long a writer waits silently: a scan's batch or a
	// download's record takes milliseconds.
	busyNotice = 1500 * time.Millisecond
	// LockWait is how long a writer waits for another one before it gives
	// up (unless its ctx ends first).
	LockWait = 2 * time.Minute
)

type noticeKey struct{}

// WithBusyNotice makes the writes under ctx call notice, instead of the
// store's (SetBusyNotice), when they have waited a while for another
// writer; nil says nothing (a caller that retries later on its own).
func WithBusyNotice(ctx context.Context, notice func()) context.Context {
	return context.WithValue(ctx, noticeKey{}, &notice)
}

// SetBusyNotice sets what is called, once for a wait however many writes
// wait together, when a write has waited busyNotice for another writer
// (another civit scanning): the command line says the library is busy.
// Call it before the Store is shared.
func (s *Store) SetBusyNotice(notice func()) { s.notice = notice }

// IsBusy reports whether err is a write that gave up waiting for another
// writer of the library.
func IsBusy(err error) bool {
	var de *DBError
	return errors.As(err, &de) && de.Busy
}

// begin starts a write transaction (BEGIN IMMEDIATE: the write lock is
// taken at once), waiting for another writer until ctx ends or LockWait
// passes.
func (s *Store) begin(ctx context.Context) (*sql.Tx, error) {
	start := time.Now()
	waiting := false
	defer func() {
		if waiting {
			s.waiters.Add(-1)
		}
	}()
	for {
		tx, err := s.db.BeginTx(ctx, nil)
		if err == nil {
			return tx, nil
		}
		waited := time.Since(start)
		if ctx.Err() != nil {
			// A deadline that passed before the write could begin: the
			// lock was not had in time (SQLite may wait for it opening
			// the connection too), the library is busy; Ctrl-C:
			// interrupted.
			if errors.Is(ctx.Err(), context.DeadlineExceeded) {
				return nil, s.busyError(waited, err)
			}
			return nil, ctx.Err()
		}
		if !busy(err) {
			return nil, s.dbError(err)
		}
		if waited >= s.lockWait() {
			return nil, s.busyError(waited, err)
		}
		if !waiting && waited >= busyNotice {
			waiting = true
			if s.waiters.Add(1) == 1 {
				s.notify(ctx)
			}
		}
	}
}

func (s *Store) lockWait() time.Duration {
	if s.wait > 0 {
		return s.wait
	}
	return LockWait
}

func (s *Store) notify(ctx context.Context) {
	if p, ok := ctx.Value(noticeKey{}).(*func()); ok {
		if *p != nil {
			(*p)()
		}
		return
	}
	if s.notice != nil {
		s.notice()
	}
}

func (s *Store) busyError(waited time.Duration, err error) error {
	msg := "the library is busy: another process is writing it"
	if waited >= time.Second {
		msg = fmt.Sprintf("the library is busy: another process kept it locked for writing for %s", waited.Round(time.Second))
	}
	return &DBError{Path: s.path, Busy: true, Err: &busyErr{msg, err}}
}

// busyErr says the library was busy in words; the cause (SQLite's
// "database is locked", the wait's deadline) stays for errors.Is but is
// not printed: "(context deadline exceeded)" told the user nothing.
type busyErr struct {
	msg string
	err error
}

func (e *busyErr) Error() string { return e.msg }
func (e *busyErr) Unwrap() error { return e.err }

// busy reports whether SQLite answered that another connection holds the
// lock (SQLITE_BUSY, SQLITE_LOCKED), a wait worth another turn.
func busy(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqliteBusy, sqliteLocked:
		return true
	}
	return false
}
