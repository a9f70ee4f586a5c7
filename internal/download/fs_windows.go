//go:build windows

package download

import (
	"errors"
	"os"
	"path/filepath"

	"golang.org/x/sys/windows"

	"github.com/civit/civit/internal/winfs"
)

// lockOffset is where the lock byte sits: far past any file's data. Windows
// locks are mandatory (a locked range refuses reads and writes, even from
// this process's other handles), so the lock covers one byte no one reads
// or writes, which makes it an advisory lock like flock.
const lockOffset = 1 << 62

// lockFile takes a non-blocking exclusive lock on f (see lockOffset). The
// system drops it when the handle is closed or the process dies, so a
// killed download never leaves a stale lock behind.
func lockFile(f *os.File) error {
	ol := &windows.Overlapped{Offset: uint32(lockOffset & 0xffffffff), OffsetHigh: uint32(lockOffset >> 32)}
	err := windows.LockFileEx(windows.Handle(f.Fd()), windows.LOCKFILE_EXCLUSIVE_LOCK|windows.LOCKFILE_FAIL_IMMEDIATELY, 0, 1, 0, ol)
	if errors.Is(err, windows.ERROR_LOCK_VIOLATION) || errors.Is(err, windows.ERROR_IO_PENDING) {
		return ErrBusy
	}
	if err != nil {
		return nil // a file system without locks (some network shares): go on
	}
	return nil
}

// fsyncDir is a no-op: Windows cannot sync a directory handle; NTFS
// journals the rename itself.
func fsyncDir(string) error { return nil }

// openPartFile opens the .part for reading and writing, creating it when
// create is set. Unlike os.OpenFile it shares the handle for deletion
// (FILE_SHARE_DELETE): the file can then be renamed to its final name, or
// removed, while it is open and locked, as on Unix, and another civit that
// opens it only to find it locked does not make that rename fail with a
// sharing violation. os.OpenFile offers no way to ask for that.
func openPartFile(name string, create bool) (*os.File, error) {
	abs, err := filepath.Abs(name)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	p, err := windows.UTF16PtrFromString(winfs.LongPath(abs))
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	mode := uint32(windows.OPEN_EXISTING)
	if create {
		mode = windows.OPEN_ALWAYS
	}
	h, err := windows.CreateFile(p, windows.GENERIC_READ|windows.GENERIC_WRITE,
		windows.FILE_SHARE_READ|windows.FILE_SHARE_WRITE|windows.FILE_SHARE_DELETE,
		nil, mode, windows.FILE_ATTRIBUTE_NORMAL, 0)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: name, Err: err}
	}
	return os.NewFile(uintptr(h), name), nil
}

// transientRenameError: an antivirus, the search indexer or a backup tool
// often holds a freshly written file open for a moment, and a UI that has
// the old file loaded holds it for as long as it runs.
func transientRenameError(err error) bool { return winfs.InUse(err) }

// noRoomErrno is the system's "disk full" error.
const noRoomErrno = windows.ERROR_DISK_FULL

// isDiskFull reports the system's disk-full and quota errors. Windows has
// its own (a full NTFS volume answers ERROR_DISK_FULL, not ENOSPC).
func isDiskFull(err error) bool {
	return errors.Is(err, windows.ERROR_DISK_FULL) || errors.Is(err, windows.ERROR_HANDLE_DISK_FULL) ||
		errors.Is(err, windows.ERROR_DISK_QUOTA_EXCEEDED)
}

// isFileTooBig reports the file system's refusal of a file this big
// (FAT32 stops at 4 GiB).
func isFileTooBig(err error) bool { return errors.Is(err, windows.ERROR_FILE_TOO_LARGE) }

// allocatedBytes is what the file at path takes on its volume as far as
// the engine is concerned: its whole size when it is not sparse (FAT32,
// exFAT: preallocate set its size, which allocates it), nothing when it
// is, as the bytes written are counted from the control file instead.
func allocatedBytes(path string) (int64, bool) {
	p, err := windows.UTF16PtrFromString(path)
	if err != nil {
		return 0, false
	}
	attrs, err := windows.GetFileAttributes(p)
	if err != nil {
		return 0, false
	}
	if attrs&windows.FILE_ATTRIBUTE_SPARSE_FILE != 0 {
		return 0, true
	}
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	return fi.Size(), true
}
