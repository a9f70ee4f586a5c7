//go:build !unix && !windows

package library

import "io/fs"

// idsFromStat is true where files have no identity at all: nothing is
// gained by asking again.
const idsFromStat = true

// InodeOf returns 0, 0 where inodes are not available: files are then
// recognised by size and mtime only.
func InodeOf(fs.FileInfo) (inode, dev uint64) { return 0, 0 }

// FileID returns 0, 0 where files have no identity.
func FileID(string, fs.FileInfo) (inode, dev uint64) { return 0, 0 }
