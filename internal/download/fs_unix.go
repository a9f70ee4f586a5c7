//go:build unix

package download

import (
	"errors"
	"os"
	"syscall"
)

// lockFile takes a non-blocking exclusive advisory lock on f. The kernel
// drops it when the process dies, so a SIGKILLed download never leaves a
// stale lock behind.
func lockFile(f *os.File) error {
	err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
	if errors.Is(err, syscall.EWOULDBLOCK) {
		return ErrBusy
	}
	if errors.Is(err, syscall.ENOTSUP) || errors.Is(err, syscall.ENOSYS) {
		return nil // file system without flock (some network mounts): go on
	}
	return err
}

// fsyncDir makes a rename in dir durable.
func fsyncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOTSUP) {
		return err
	}
	return nil
}

// openPartFile opens the .part for reading and writing, creating it when
// create is set.
func openPartFile(name string, create bool) (*os.File, error) {
	flag := os.O_RDWR
	if create {
		flag |= os.O_CREATE
	}
	return os.OpenFile(name, flag, 0o644)
}

// transientRenameError: nothing holds a name on Unix.
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
