//go:build !unix && !windows

package download

import (
	"errors"
	"os"
	"syscall"
)

// lockFile is a no-op where flock is unavailable.
func lockFile(*os.File) error { return nil }

// fsyncDir is a no-op where directories cannot be synced (Windows).
func fsyncDir(string) error { return nil }

// openPartFile opens the .part for reading and writing, creating it when
// create is set.
func openPartFile(name string, create bool) (*os.File, error) {
	flag := os.O_RDWR
	if create {
		flag |= os.O_CREATE
	}
	return os.OpenFile(name, flag, 0o644)
}

func transientRenameError(error) bool { return false }

// noRoomErrno is the system's "no space left" error.
const noRoomErrno = syscall.ENOSPC

// isDiskFull reports the system's disk-full and quota errors.
func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// isFileTooBig reports the file system's refusal of a file this big.
func isFileTooBig(err error) bool { return errors.Is(err, syscall.EFBIG) }
