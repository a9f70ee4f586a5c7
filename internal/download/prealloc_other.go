//go:build !linux && !windows

package download

import "os"

// preallocate sets the file size; the space is reserved lazily by the file
// system (sparse), so ENOSPC surfaces from WriteAt. claim is not asked:
// there is no portable way here to read a volume's free space.
func preallocate(f *os.File, size int64, _ claimFunc) error {
	if size <= 0 {
		return nil
	}
	return f.Truncate(size)
}

// claimResumed: nothing is booked here, as preallocate books nothing.
func claimResumed(*os.File, int64, claimFunc) error { return nil }

// finishAllocation: nothing to undo here.
func finishAllocation(*os.File) {}
