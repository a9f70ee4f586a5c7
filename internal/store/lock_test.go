package store

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// holdLock holds path's write lock, as another program writing the
// library does, until the test ends or release is called.
func holdLock(t *testing.T, path string) (release func()) {
	t.Helper()
	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	conn, err := db.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "BEGIN EXCLUSIVE"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.ExecContext(t.Context(), "INSERT INTO misses VALUES ('held', 1)"); err != nil {
		t.Fatal(err)
	}
	done := false
	release = func() {
		if !done {
			done = true
			conn.ExecContext(context.Background(), "ROLLBACK")
			conn.Close()
			db.Close()
		}
	}
	t.Cleanup(release)
	return release
}

// Another program holding the write lock: opening the library (schema
// current) and reading it do not wait; a write waits, says so once after
// a moment, and goes on when the lock is let go.
func TestWriteWaitsForTheLock(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "library.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	release := holdLock(t, path)

	start := time.Now()
	s, err = Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if _, err := s.List(t.Context(), Filter{}); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("opening and reading a library another program writes took %s", d)
	}

	var notices atomic.Int32
	s.SetBusyNotice(func() { notices.Add(1) })
	go func() {
		time.Sleep(busyNotice + 500*time.Millisecond)
		release()
	}()
	errs := make(chan error, 2)
	for range 2 { // two writes waiting together: one notice
		go func() {
			errs <- s.Upsert(t.Context(), &File{Path: "/m/a.safetensors", State: StateUnknown, Source: SourceScanned})
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("write after the lock was let go: %v", err)
		}
	}
	if n := notices.Load(); n != 1 {
		t.Errorf("%d notices that the library is busy, want 1", n)
	}
}

// A write that waited too long fails with the advice; Ctrl-C (ctx) stops
// the wait at once.
func TestWriteGivesUpOrStops(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "library.db")
	s, err := Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	holdLock(t, path)
	f := &File{Path: "/m/a.safetensors", State: StateUnknown, Source: SourceScanned}

	s.wait = 600 * time.Millisecond
	err = s.Upsert(t.Context(), f)
	var de *DBError
	if !IsBusy(err) || !errors.As(err, &de) || !strings.Contains(de.Hint(), "another civit (a scan?)") || !strings.Contains(err.Error(), "the library is busy") {
		t.Errorf("gave up with %v (busy %v)", err, IsBusy(err))
	}
	// The words, not Go's: "(context deadline exceeded)" and SQLite's
	// "database is locked" told the user nothing more.
	if msg := err.Error(); strings.Contains(msg, "deadline") || strings.Contains(msg, "SQLITE") {
		t.Errorf("message %q carries the cause's text", msg)
	}

	s.wait = time.Minute
	ctx, cancel := context.WithCancel(t.Context())
	time.AfterFunc(300*time.Millisecond, cancel)
	start := time.Now()
	err = s.Upsert(ctx, f)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled wait returned %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("the wait stopped %s after the cancel", d)
	}

	// A deadline is a busy library, not an interrupt.
	ctx, cancel = context.WithTimeout(t.Context(), 300*time.Millisecond)
	defer cancel()
	if err := s.Upsert(ctx, f); !IsBusy(err) {
		t.Errorf("a deadline while waiting returned %v, want a busy library", err)
	}
}
