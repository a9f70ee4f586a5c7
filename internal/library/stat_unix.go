//go:build unix

package library

import (
	"io/fs"
	"os"
	"syscall"
)

// idsFromStat: a file's stat has its identity, so the walk knows every
// file's without another system call.
const idsFromStat = true

// InodeOf returns the inode and device of a file, 0 when unknown.
func InodeOf(fi fs.FileInfo) (inode, dev uint64) {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return uint64(st.Ino), uint64(st.Dev) //nolint:unconvert // types differ by platform
	}
	return 0, 0
}

// FileID returns the identity of the file at path, whose Lstat is fi (nil:
// FileID calls Lstat): two paths with the same non-zero identity are one
// file (a rename, a hard link). It is InodeOf(fi) here; on Windows, where
// fi has no identity, it opens the file.
func FileID(path string, fi fs.FileInfo) (inode, dev uint64) {
	if fi == nil {
		var err error
		if fi, err = os.Lstat(path); err != nil {
			return 0, 0
		}
	}
	return InodeOf(fi)
}
