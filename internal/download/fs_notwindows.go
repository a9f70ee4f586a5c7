//go:build !windows

package download

import (
	"errors"
	"os"
	"syscall"
)

// openPartFile opens the .part for reading and writing, creating it when
// create is set.
func openPartFile(name string, create bool) (*os.File, error) {
	flag := os.O_RDWR
	if create {
		flag |= os.O_CREATE
	}
	return os.OpenFile(name, flag, 0o644)
}

// transientRenameError: only Windows holds a name while a file is open.
func transientRenameError(error) bool { return false }

// noRoomErrno is the system's "no space left" error.
const noRoomErrno = syscall.ENOSPC

// isDiskFull reports the system's disk-full and quota errors.
func isDiskFull(err error) bool {
	return errors.Is(err, syscall.ENOSPC) || errors.Is(err, syscall.EDQUOT)
}

// isFileTooBig reports the file system's refusal of a file this big
// (FAT32 stops at 4 GiB).
func isFileTooBig(err error) bool { return errors.Is(err, syscall.EFBIG) }
