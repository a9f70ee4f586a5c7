//go:build unix

package library

import (
	"io/fs"
	"syscall"
)

// InodeOf returns the inode and device of a file, 0 when unknown.
func InodeOf(fi fs.FileInfo) (inode, dev uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino), uint64(st.Dev) //nolint:unconvert // types differ by platform
	}
	return 0, 0
}
