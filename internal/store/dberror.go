package store

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"modernc.org/sqlite"
)

// SQLite's primary result codes that mean the library file itself is the
// problem, not the statement.
const (
	sqliteBusy     = 5  // SQLITE_BUSY: another connection holds the lock
	sqliteLocked   = 6  // SQLITE_LOCKED
	sqliteReadOnly = 8  // SQLITE_READONLY
	sqliteIOErr    = 10 // SQLITE_IOERR (a full disk, where the -shm file grows, is one)
	sqliteFull     = 13 // SQLITE_FULL
	sqliteCantOpen = 14 // SQLITE_CANTOPEN
	sqliteCorrupt  = 11 // SQLITE_CORRUPT
	sqliteNotADB   = 26 // SQLITE_NOTADB
)

// DBError is a failure of the library database file itself: unwritable
// (often after one `sudo civit` run left it owned by root), on a full
// disk, locked by another writer for too long, or not a database any
// more. Hint names the fix; the command line prints it.
type DBError struct {
	Path     string
	ReadOnly bool
	Busy     bool // another process kept the write lock (lock.go)
	Full     bool // its disk is full
	Err      error
}

func (e *DBError) Error() string { return e.Err.Error() }
func (e *DBError) Unwrap() error { return e.Err }

// minFree is the room under which a disk I/O error of the library is
// taken for a full disk: SQLite grows its -wal and -shm files by 32 KiB.
const minFree = 1 << 20

// Hint says what the user can do about it.
func (e *DBError) Hint() string {
	switch {
	case e.Busy:
		return "another civit (a scan?) or a program with " + e.Path + " open (sqlite3, a database browser) is writing it: let it finish, then run the same command again"
	case e.Full:
		return "the disk of " + e.Path + " is full: free some space there and run the same command again"
	case e.ReadOnly:
		return "check the owner and permissions of " + e.Path + ", its -wal and -shm files and its folder (a 'sudo civit' run leaves them owned by root), or whether its drive is mounted read-only"
	}
	return "move " + e.Path + " away and run 'civit scan' on your model folders to rebuild the library"
}

// dbError wraps err in a *DBError when SQLite blames the database file.
func (s *Store) dbError(err error) error {
	var se *sqlite.Error
	var de *DBError
	if err == nil || errors.As(err, &de) || !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case sqliteBusy, sqliteLocked:
		return s.busyError(0, err)
	case sqliteFull:
		return &DBError{Path: s.path, Full: true, Err: fmt.Errorf("the library's disk is full (%w)", err)}
	case sqliteIOErr:
		// SQLite does not pass on the system's error (ENOSPC): the
		// volume's free space tells.
		if free, ok := freeBytes(filepath.Dir(s.path)); ok && free < minFree {
			return &DBError{Path: s.path, Full: true, Err: fmt.Errorf("the library's disk is full (%w)", err)}
		}
	case sqliteReadOnly:
		return &DBError{Path: s.path, ReadOnly: true, Err: err}
	case sqliteCantOpen:
		// The file is there, but it, or the -shm and -wal files SQLite
		// makes beside it, cannot be opened for writing: a folder of
		// another user, a read-only mount.
		if fi, serr := os.Stat(s.path); serr == nil && fi.Mode().IsRegular() {
			return &DBError{Path: s.path, ReadOnly: true, Err: err}
		}
	case sqliteCorrupt, sqliteNotADB:
		return &DBError{Path: s.path, Err: err}
	}
	return err
}
