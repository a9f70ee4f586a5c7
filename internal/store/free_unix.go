//go:build unix

package store

import (
	"os"

	"golang.org/x/sys/unix"
)

// freeBytes is the room left on the volume of dir for this user (root
// may use the blocks kept for it); ok is false when it cannot be told.
func freeBytes(dir string) (free uint64, ok bool) {
	var sf unix.Statfs_t
	if unix.Statfs(dir, &sf) != nil {
		return 0, false
	}
	blocks := uint64(sf.Bavail)
	if os.Geteuid() == 0 {
		blocks = uint64(sf.Bfree)
	}
	return blocks * uint64(sf.Bsize), true
}
