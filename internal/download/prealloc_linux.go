//go:build linux

package download

import (
	"errors"
	"os"
	"strconv"
	"syscall"
)

// tmpfsMagic is statfs(2)'s f_type of tmpfs (and of /dev/shm).
const tmpfsMagic = 0x01021994

// preallocate reserves size bytes for f with fallocate(2), so a full disk
// fails now with ENOSPC instead of after gigabytes of transfer, and the
// file is not fragmented by the out-of-order writes of several connections.
// File systems without fallocate fall back to a sparse Truncate. A sparse
// file reserves nothing, so claim is asked first whether the free space,
// less what the process's other sparse downloads on the volume still
// have to write, holds it (see spaceBook). syscall.Fallocate is used
// instead of x/sys/unix to keep the dependency set small.
//
// On tmpfs, fallocate zeroes every page up front (~0.4 s for 2 GiB before
// the first byte is fetched) and there is nothing to fragment: the file is
// sparse there too, and its pages are allocated as bytes arrive.
func preallocate(f *os.File, size int64, claim claimFunc) error {
	if size <= 0 {
		return nil
	}
	var st syscall.Statfs_t
	haveSt := syscall.Fstatfs(int(f.Fd()), &st) == nil
	sparse := func() error {
		var fi syscall.Stat_t
		if haveSt && syscall.Fstat(int(f.Fd()), &fi) == nil {
			if err := claimSparse(f, &fi, 0, claim); err != nil {
				return err
			}
		}
		return f.Truncate(size)
	}
	if haveSt && st.Type == tmpfsMagic {
		return sparse()
	}
	err := syscall.Fallocate(int(f.Fd()), 0, 0, size)
	if err == nil {
		return nil
	}
	if errors.Is(err, syscall.EOPNOTSUPP) || errors.Is(err, syscall.ENOSYS) || errors.Is(err, syscall.EINVAL) {
		return sparse()
	}
	return err
}

// claimResumed books with claim what a resumed .part of size bytes has
// still to allocate when the file is sparse: a resume owes the disk the
// bytes it has not written yet just as a fresh download does, and without
// its booking a file started beside it took the free space the resume
// needed (both then failed on the full disk). What the file takes already
// is read from its allocated blocks, so a file fallocate reserved in full
// owes nothing and is not booked.
func claimResumed(f *os.File, size int64, claim claimFunc) error {
	var fi syscall.Stat_t
	if size <= 0 || syscall.Fstat(int(f.Fd()), &fi) != nil {
		return nil
	}
	have := int64(fi.Blocks) * 512 // st_blocks counts 512-byte units
	if have >= size {
		return nil
	}
	return claimSparse(f, &fi, have, claim)
}

// claimSparse asks claim for room for f (fi its fstat), which takes have
// bytes on its volume already.
func claimSparse(f *os.File, fi *syscall.Stat_t, have int64, claim claimFunc) error {
	free := func() (uint64, bool) {
		var st syscall.Statfs_t
		if syscall.Fstatfs(int(f.Fd()), &st) != nil || st.Blocks == 0 {
			return 0, false // no figures (some network file systems)
		}
		return uint64(st.Bavail) * uint64(st.Bsize), true
	}
	return claim(strconv.FormatUint(uint64(fi.Dev), 10), have, free)
}

// finishAllocation: nothing to undo on Linux.
func finishAllocation(*os.File) {}
