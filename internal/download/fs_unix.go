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

// allocatedBytes is what the file at path takes on its volume (its
// allocated blocks), with ok = false when unknown.
func allocatedBytes(path string) (n int64, ok bool) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int64(st.Blocks) * 512, true // st_blocks counts 512-byte units
}
