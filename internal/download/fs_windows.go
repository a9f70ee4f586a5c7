//go:build windows

package download

import (
	"errors"
	"os"

	"golang.org/x/sys/windows"
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
