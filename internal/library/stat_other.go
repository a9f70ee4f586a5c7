//go:build !unix

package library

import "io/fs"

// InodeOf returns 0, 0 where inodes are not available: files are then
// recognised by size and mtime only.
func InodeOf(fs.FileInfo) (inode, dev uint64) { return 0, 0 }
