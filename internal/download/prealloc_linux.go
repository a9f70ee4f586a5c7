//go:build linux

package download

import (
	"errors"
	"os"
	"syscall"
)

// preallocate reserves size bytes for f with fallocate(2), so a full disk
// fails now with ENOSPC instead of after gigabytes of transfer, and the
// file is not fragmented by the out-of-order writes of several connections.
// File systems without fallocate fall back to a sparse Truncate (ENOSPC then
// surfaces from WriteAt). syscall.Fallocate is used instead of x/sys/unix to
// keep the dependency set small.
func preallocate(f *os.File, size int64) error {
	if size <= 0 {
		return nil
	}
	err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
	if err == nil {
		return nil
	}
	if errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EINVAL) {
		return f.Truncate(size)
	}
	return err
}
