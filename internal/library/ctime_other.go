//go:build !linux && !openbsd && !darwin && !freebsd && !netbsd && !windows

package library

import (
	"io/fs"
	"time"
)

// ChangeTime is zero where civit reads no inode change time: a sidecar is
// then judged by the model's mtime alone.
func ChangeTime(fs.FileInfo) time.Time { return time.Time{} }
